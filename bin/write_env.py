"""Write .env from .env.example with fresh secrets, unless .env exists. Used by `make run`."""

import base64
import secrets
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = root / ".env"
if target.exists():
    sys.exit(0)

generated = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "BANK_DATA_ENCRYPTION_KEYS": base64.b64encode(secrets.token_bytes(32)).decode(),
    "POLAR_WEBHOOK_SECRET": base64.b64encode(secrets.token_bytes(24)).decode(),
}
lines = []
for line in (root / ".env.example").read_text().splitlines():
    name, sep, value = line.partition("=")
    if sep and not line.startswith("#") and name in generated and not value:
        line = f"{name}={generated[name]}"
    lines.append(line)
target.write_text("\n".join(lines) + "\n")
target.chmod(0o600)
print("Wrote .env with fresh SECRET_KEY, BANK_DATA_ENCRYPTION_KEYS and POLAR_WEBHOOK_SECRET.")
