"""Open-loop load for ``bench/reliability.py``: a fixed request rate, every request timed.

locust (``bench/_api_locust.py``) reports aggregates; the fault runs need
each request's start and end to count the requests *in flight* at the moment
a worker is killed. Each client thread keeps its own keep-alive connection
and, like urllib3, drops a pooled connection the server has already closed
before reusing it (a readable idle socket), instead of sending on it.
"""

from __future__ import annotations

import http.client
import json
import random
import select
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass
class Record:
    start: float
    end: float
    status: int  # 0: no HTTP answer (connection reset, timeout)
    error: str | None = None
    degraded: bool = False
    source: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class _Client(threading.local):
    conn: http.client.HTTPConnection | None = None


def _stale(conn: http.client.HTTPConnection) -> bool:
    sock = conn.sock
    if sock is None:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)  # an idle keep-alive socket is readable only once the server closed it


def run(
    port: int,
    targets: list[tuple[str, str]],
    key: str,
    *,
    rate: float,
    seconds: float,
    threads: int = 32,
    timeout_s: float = 10.0,
    seed: int = 7,
) -> list[Record]:
    """``GET /v1/substitutes`` at ``rate`` requests/s for ``seconds``; one :class:`Record` each."""
    rng = random.Random(seed)
    local = _Client()
    records: list[Record] = []
    lock = threading.Lock()

    def one(sku: str, store: str) -> None:
        if local.conn is not None and _stale(local.conn):
            local.conn.close()
            local.conn = None
        if local.conn is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
        start = time.monotonic()
        try:
            local.conn.request(
                "GET", f"/v1/substitutes?sku={sku}&store={store}&k=10", headers={"X-API-Key": key}
            )
            response = local.conn.getresponse()
            body = response.read()
            rec = Record(start, time.monotonic(), response.status)
            if response.status == 200:
                answer = json.loads(body)
                rec.degraded, rec.source = bool(answer.get("degraded")), answer.get("source")
            if response.getheader("Connection", "").lower() == "close":
                local.conn.close()
                local.conn = None
        except (OSError, http.client.HTTPException) as exc:
            rec = Record(start, time.monotonic(), 0, f"{type(exc).__name__}: {exc}")
            local.conn.close()
            local.conn = None
        with lock:
            records.append(rec)

    t0 = time.monotonic()
    n = int(rate * seconds)
    with ThreadPoolExecutor(threads) as pool:
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, *rng.choice(targets))
    return records


def summary(records: list[Record]) -> dict[str, float | int]:
    """Requests, failures, degraded answers and latency percentiles (ms)."""
    lat = sorted((r.end - r.start) * 1e3 for r in records)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return {
        "requests": len(records),
        "failures": sum(not r.ok for r in records),
        "degraded": sum(r.degraded for r in records),
        "fallback": sum(r.source == "fallback" for r in records),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1], 1) if lat else 0.0,
    }


def in_flight(records: list[Record], at: float) -> int:
    """Requests started before ``at`` and not finished by then."""
    return sum(r.start <= at < r.end for r in records)
