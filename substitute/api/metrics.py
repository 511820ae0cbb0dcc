"""``/metrics`` in Prometheus' text format: requests and latencies per route, model age, last runs.

Under gunicorn every worker is its own process, so ``substitute serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` and the client library keeps each worker's
values in a shared folder; ``/metrics`` then adds them up, whichever worker
answers the scrape. Without it (tests, ``--dev``) the process's own registry
is served. Routes are labelled by their rule (``/v1/items/<sku>/loyalty``),
never by the raw path, so a scan of random URLs cannot explode the series.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from substitute.api.auth import public
from substitute.api.state import state

log = logging.getLogger(__name__)

REQUESTS = Counter("substitute_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "substitute_http_request_seconds",
    "Time to answer a request inside the app",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
DEGRADED = Counter("substitute_degraded_answers", "Checkout answers flagged degraded", ["source"])
MODEL_AGE = Gauge(
    "substitute_model_age_seconds", "Age of the recommender model in service", multiprocess_mode="mostrecent"
)
SNAPSHOT_AGE = Gauge(
    "substitute_snapshot_age_seconds",
    "Time since the serving snapshot was loaded",
    multiprocess_mode="mostrecent",
)
DB_UP = Gauge(
    "substitute_database_up", "1 when the last database probe succeeded", multiprocess_mode="mostrecent"
)
LAST_RUN_OK = Gauge(
    "substitute_last_run_success",
    "1 when the job's last run succeeded, 0 when it failed",
    ["job"],
    multiprocess_mode="mostrecent",
)
LAST_RUN_END = Gauge(
    "substitute_last_run_finished_timestamp_seconds",
    "When the job's last run finished (Unix time)",
    ["job"],
    multiprocess_mode="mostrecent",
)

bp = Blueprint("metrics", __name__)


def _registry() -> CollectorRegistry | None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _observe_service() -> None:
    from substitute.api.checkout import CHECKOUT

    service = state().parts.get(CHECKOUT)
    if service is None:
        return
    DB_UP.set(1 if service.health.db_ok else 0)
    snap = service.snapshot
    if snap is not None:
        if service.health.loaded_monotonic is not None:
            SNAPSHOT_AGE.set(time.monotonic() - service.health.loaded_monotonic)
        try:
            created = dt.datetime.fromisoformat(snap.manifest.created_at)
            if created.tzinfo is None:
                created = created.replace(tzinfo=dt.UTC)
            MODEL_AGE.set((dt.datetime.now(dt.UTC) - created).total_seconds())
        except ValueError:
            pass


def _observe_runs() -> None:
    from sqlalchemy import func, select

    from substitute.db.models import JobRun

    last = (
        select(JobRun.job, func.max(JobRun.id).label("id"))
        .where(JobRun.status.in_(("succeeded", "failed")))
        .group_by(JobRun.job)
        .subquery()
    )
    query = select(JobRun.job, JobRun.status, JobRun.finished_at).join(last, JobRun.id == last.c.id)
    try:
        with state().engine.connect() as conn:
            rows = conn.execute(query).all()
    except Exception as exc:  # metrics must answer while the database is down
        log.warning("last run status unavailable: %s", exc)
        return
    for job, status, finished in rows:
        LAST_RUN_OK.labels(job).set(1 if status == "succeeded" else 0)
        if finished is not None:
            LAST_RUN_END.labels(job).set(finished.replace(tzinfo=dt.UTC).timestamp())


@bp.get("/metrics")
@public
def metrics():  # type: ignore[no-untyped-def]
    _observe_service()
    _observe_runs()
    registry = _registry()
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])


def record_answer(degraded: bool, source: str) -> None:
    """Count a degraded checkout answer (called by the substitutes views)."""
    if degraded:
        DEGRADED.labels(source).inc()


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.get("started")
        if started is not None:
            seconds = time.perf_counter() - started
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            LATENCY.labels(route, request.method).observe(seconds)
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            # W3C Server-Timing: lets a till (and bench/api.py) tell our time from the network's.
            response.headers["Server-Timing"] = f"app;dur={seconds * 1e3:.2f}"
        return response

    app.register_blueprint(bp)
