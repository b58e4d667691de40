"""The load generator: runs in its own process, drives HTTP requests at a server, prints JSON results.

Input (a JSON file): {"base_url", "concurrency", "duration", "mode": "loop"|"burst", "requests": [...]}
Each request: {"method", "path", "headers": {}, "body": str|null}. In "loop" mode every thread cycles
through the requests until `duration` seconds have passed; in "burst" mode the list is sent exactly once,
shared out among the threads, and the run ends when it is done.
Output (stdout): {"requests", "errors", "elapsed", "rps", "p50_ms", "p95_ms", "p99_ms", "statuses"}.
"""

import json
import socket
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(spec: dict) -> dict:
    target = urlsplit(spec["base_url"])
    requests = spec["requests"]
    mode = spec.get("mode", "loop")
    duration = float(spec.get("duration", 10))
    concurrency = int(spec.get("concurrency", 8))
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter] = [Counter() for _ in range(concurrency)]
    errors = [0] * concurrency
    next_index = iter(range(len(requests)))
    index_lock = threading.Lock()
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    host_header = target.netloc

    # Requests are encoded once up front and responses parsed by hand: http.client's header parsing cost
    # more CPU than some of the requests it measured, on the same two cores as the server.
    def encode(request: dict) -> bytes:
        body = request.get("body") or ""
        body_bytes = body.encode() if isinstance(body, str) else body
        headers = {"Host": host_header, **request.get("headers", {})}
        if body_bytes or request["method"] in {"POST", "PUT", "PATCH"}:
            headers["Content-Length"] = str(len(body_bytes))
        head = f"{request['method']} {request['path']} HTTP/1.1\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return head.encode("latin-1") + b"\r\n" + body_bytes

    encoded = [encode(request) for request in requests]

    def connect() -> socket.socket:
        return socket.create_connection((target.hostname, target.port), timeout=30)

    def exchange(sock: socket.socket, payload: bytes) -> tuple[int, bool]:
        """Send one request, read its whole response: (status, server closes the connection)."""
        sock.sendall(payload)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the response headers")
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, closing = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                closing = True
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the end of the body")
            rest += chunk
        return status, closing

    def worker(slot: int) -> None:
        sock = connect()
        position = slot
        start_gate.wait()
        while True:
            if mode == "burst":
                with index_lock:
                    item = next(next_index, None)
                if item is None:
                    break
            else:
                if time.perf_counter() >= deadline[0]:
                    break
                item = position % len(requests)
                position += concurrency
            began = time.perf_counter()
            try:
                if sock is None:
                    sock = connect()
                status, closing = exchange(sock, encoded[item])
                statuses[slot][status] += 1
                if status >= 400 and status not in requests[item].get("expect", []):
                    errors[slot] += 1
                if closing:
                    sock.close()
                    sock = None
            except OSError:
                errors[slot] += 1
                statuses[slot]["exception"] += 1
                if sock is not None:
                    sock.close()
                sock = None
            latencies[slot].append((time.perf_counter() - began) * 1000)
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged = sorted(value for values in latencies for value in values)
    total_statuses = sum(statuses, Counter())
    return {
        "requests": len(merged),
        "errors": sum(errors),
        "elapsed": round(elapsed, 3),
        "rps": round(len(merged) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(merged, 0.50), 2),
        "p95_ms": round(percentile(merged, 0.95), 2),
        "p99_ms": round(percentile(merged, 0.99), 2),
        "statuses": {str(k): v for k, v in sorted(total_statuses.items(), key=lambda kv: str(kv[0]))},
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(run(json.load(handle))))
