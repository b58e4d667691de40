"""The load generator: runs in its own process, drives HTTP requests at a server, prints JSON results.

Input (a JSON file): {"base_url", "concurrency", "duration", "mode": "loop"|"burst", "requests": [...]}
Each request: {"method", "path", "headers": {}, "body": str|null}. In "loop" mode every thread cycles
through the requests until `duration` seconds have passed; in "burst" mode the list is sent exactly once,
shared out among the threads, and the run ends when it is done.
Output (stdout): {"requests", "errors", "elapsed", "rps", "p50_ms", "p95_ms", "p99_ms", "statuses"}.
"""

import http.client
import json
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

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(target.hostname, target.port, timeout=30)

    def worker(slot: int) -> None:
        conn = connect()
        position = slot
        start_gate.wait()
        while True:
            if mode == "burst":
                with index_lock:
                    item = next(next_index, None)
                if item is None:
                    break
                request = requests[item]
            else:
                if time.perf_counter() >= deadline[0]:
                    break
                request = requests[position % len(requests)]
                position += concurrency
            body = request.get("body")
            began = time.perf_counter()
            try:
                conn.request(
                    request["method"],
                    request["path"],
                    body=body.encode() if isinstance(body, str) else body,
                    headers={"Host": target.netloc, **request.get("headers", {})},
                )
                response = conn.getresponse()
                response.read()
                statuses[slot][response.status] += 1
                if response.status >= 400 and response.status not in request.get("expect", []):
                    errors[slot] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = connect()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                statuses[slot]["exception"] += 1
                conn.close()
                conn = connect()
            latencies[slot].append((time.perf_counter() - began) * 1000)
        conn.close()

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
