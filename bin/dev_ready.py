"""Print where the site is and the demo sign-in once the development server answers (`make run`, Procfile.dev).

The server's and the worker's start-up lines push `seed_demo`'s sign-in line off the screen; this prints it
again below them. It waits (up to a minute) for HOST:PORT to accept connections, prints, and exits. Reads
HOST, PORT, APP_URL and DEMO_SIGN_IN (seed_demo's "Demo sign-in: ..." line) from the environment.
"""

import os
import socket
import sys
import time

WAIT_SECONDS = 60


def wait_for_server(host: str, port: int, *, timeout: float = WAIT_SECONDS) -> bool:
    """True once something accepts connections on host:port, False after `timeout` seconds."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - bound to every interface: this machine answers on loopback
        host = "127.0.0.1"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def banner(*, app_url: str, sign_in: str) -> str:
    lines = [f"Ledgerly is up: {app_url}/"]
    if sign_in:
        lines.append(f"{sign_in.strip()}  (sign in at {app_url}/sign-in)")
    return "\n".join(lines)


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    app_url = (os.environ.get("APP_URL") or f"http://{host}:{port}").rstrip("/")
    if not wait_for_server(host, port):
        return 1  # the server did not start: its own output says why
    print(banner(app_url=app_url, sign_in=os.environ.get("DEMO_SIGN_IN", "")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
