"""Locust user for ``bench/api.py``: a till asking for substitutes (or a trivial endpoint).

Environment: ``BENCH_KEY`` (API key), ``BENCH_TARGETS`` (file of ``sku,store``
lines), ``BENCH_PATH`` (``substitutes`` or ``healthz``), ``BENCH_RATE``
(mean requests per second per user, Poisson arrivals; 0 = as fast as possible).
"""

from __future__ import annotations

import os
import random

import orjson
from locust import FastHttpUser, constant, task

_RATE = float(os.environ.get("BENCH_RATE", "0"))
_PATH = os.environ.get("BENCH_PATH", "substitutes")
_KEY = os.environ.get("BENCH_KEY", "")
with open(os.environ["BENCH_TARGETS"], encoding="utf-8") as fh:
    _TARGETS = [tuple(line.strip().split(",", 1)) for line in fh if line.strip()]


def _poisson_arrivals(user: FastHttpUser) -> float:
    # Independent tills: exponential gaps make the total a Poisson stream. With
    # constant_throughput every user kept the phase it started with, so the 20
    # users fired in bursts of 20 at once and measured their own queueing.
    return random.expovariate(_RATE)


class Till(FastHttpUser):
    wait_time = _poisson_arrivals if _RATE > 0 else constant(0)

    def _server_time(self, response, name: str) -> None:  # type: ignore[no-untyped-def]
        """Record the app's own time (its Server-Timing header) as the stat ``server <name>``."""
        timing = response.headers.get("Server-Timing", "")
        if "dur=" in timing:
            self.environment.events.request.fire(
                request_type="SERVER",
                name=f"server {name}",
                response_time=float(timing.split("dur=", 1)[1]),
                response_length=0,
                exception=None,
            )

    @task
    def ask(self) -> None:
        if _PATH == "healthz":
            self._server_time(self.client.get("/healthz", name="healthz"), "healthz")
            return
        sku, store = random.choice(_TARGETS)
        with self.client.get(
            f"/v1/substitutes?sku={sku}&store={store}&k=10",
            headers={"X-API-Key": _KEY},
            name="substitutes",
            catch_response=True,
        ) as response:
            self._server_time(response, "substitutes")
            # A checkout request fails on anything but a 200 with a JSON answer.
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            # orjson (a dependency of the product): on this shared machine the client's
            # parsing takes CPU from the server it measures.
            elif orjson.loads(response.content).get("degraded"):
                response.success()
                self.environment.events.request.fire(
                    request_type="DEGRADED",
                    name="degraded",
                    response_time=0,
                    response_length=0,
                    exception=None,
                )
