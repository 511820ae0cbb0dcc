"""``substitute serve``: the API under gunicorn (the Flask development server only with ``--dev``).

Gunicorn loads the app once in its master process (``preload_app``): the
recommender snapshot is read there, before the workers are forked, so every
worker starts with it in shared memory and none answers "degraded" while it
loads its own. Each worker then keeps it fresh with its own background
thread (:mod:`substitute.api.checkout`). Prometheus values of all workers
are kept in a temporary folder and added up by ``/metrics``.

Workers are gunicorn's ``sync`` kind by default: the checkout path is
CPU-bound Python, so one request per process at a time is the fastest use of
the cores, and in a process's main thread the recommendation's deadline is a
timer rather than a hand-off to another thread (:mod:`substitute.api.deadline`).
``--threads N`` (N > 1) switches to ``gthread`` workers, which hold idle
keep-alive connections without tying up a process; put a buffering proxy in
front of sync workers when clients are slow or far away.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

import click

from substitute.cli.context import AppContext, main, pass_app

if TYPE_CHECKING:
    from flask import Flask

#: Scopes of the key ``make demo`` prints: everything a demo needs, short of managing keys.
DEMO_SCOPES = ["pos", "buyer", "ops"]


def _prepare_metrics_dir() -> str:
    # Must be set before prometheus_client is first imported: it picks its storage then.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="substitute-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def single_threaded_blas() -> None:
    """One BLAS thread in this process and the workers it forks.

    A checkout call multiplies vectors of a few hundred items: a BLAS thread
    pool has nothing to share out, and OpenBLAS's helpers (one per core by
    default) busy-wait after every product. Measured at 50,000 SKUs, a
    substitutes call cost 2.2 ms of CPU with them and 1.3 ms without, and
    the spinning took cores from the other workers.

    The variables hold for BLAS libraries loaded from now on (numpy's, and
    SciPy's own copy); ``threadpool_limits`` sets those already loaded.
    Call it again once everything is imported. A value set by the operator
    is left alone.
    """
    from threadpoolctl import threadpool_limits

    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    threadpool_limits(limits=1, user_api="blas")


def build_app(app_ctx: AppContext, config: dict[str, Any] | None = None) -> Flask:
    """The app with its snapshot and keys loaded, and no database connection left open."""
    from substitute.api.app import create_app
    from substitute.api.auth import configure_limits
    from substitute.api.checkout import warm

    single_threaded_blas()
    app = create_app(app_ctx.settings)
    if config:
        app.config.update(config)
        configure_limits(app)
    service = warm(app)
    single_threaded_blas()  # the libraries the snapshot's loading imported
    if service.snapshot is None:
        click.secho(
            f"no recommender snapshot yet ({service.health.load_error}); checkout answers 'degraded' "
            "until one loads: run `substitute train`",
            fg="yellow",
            err=True,
        )
    from substitute.api.state import state

    # Forked workers must not share the master's pooled connections.
    state(app).engine.dispose()
    return app


def _gunicorn(app: Flask, options: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Server().run()


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def demo_key(app_ctx: AppContext) -> str:
    """A fresh key for the demo (pos, buyer and ops), printed once."""
    from substitute.api.keys import create_key

    plaintext, _ = create_key(app_ctx.engine, "demo", DEMO_SCOPES)
    return plaintext


def serve_forever(
    app_ctx: AppContext,
    *,
    print_demo_key: bool = False,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    threads: int = 1,
    dev: bool = False,
    config: dict[str, Any] | None = None,
) -> None:
    """Serve until interrupted; with ``print_demo_key`` print the URL and a new demo key first.

    ``demo run`` calls this last, so ``make demo`` ends with a working API.
    """
    api = app_ctx.settings.api
    host, port, workers = host or api.host, port or api.port, workers or api.workers
    metrics_dir = None if dev else _prepare_metrics_dir()
    app = build_app(app_ctx, config)
    url = f"http://{host}:{port}"
    click.secho(f"serving on {url}  (docs: {url}/docs)", bold=True)
    if print_demo_key:
        key = demo_key(app_ctx)
        click.echo(f"demo API key (scopes {', '.join(DEMO_SCOPES)}; shown once): {key}")
        click.echo(f"try: curl -H 'X-API-Key: {key}' '{url}/v1/stockouts?limit=5'")
    try:
        if dev:
            app.run(host=host, port=port, debug=False, threaded=True, use_reloader=False)
            return
        _gunicorn(
            app,
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "sync" if threads == 1 else "gthread",
                "threads": threads,
                "preload_app": True,
                "timeout": 30,
                "graceful_timeout": 10,
                "keepalive": 5,
                "limit_request_line": 4094,
                "child_exit": _child_exit,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": app_ctx.settings.log_level.lower(),
            },
        )
    finally:
        if metrics_dir and metrics_dir.startswith(tempfile.gettempdir()):
            shutil.rmtree(metrics_dir, ignore_errors=True)


@main.command("serve")
@click.option("--host", help="Address to listen on (default: api.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: api.port, 8000).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Gunicorn worker processes (default: api.workers)."
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Threads per worker: 1 runs sync workers, more runs gthread workers.",
)
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn (one process).")
@click.option("--rate-limit", help="Requests per key, e.g. '6000/minute' (default: the built-in limit).")
@click.option(
    "--demo-key", is_flag=True, help="Create and print a demo key (pos, buyer, ops) before serving."
)
@pass_app
def serve_cmd(
    app: AppContext,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int,
    dev: bool,
    rate_limit: str | None,
    demo_key: bool,
) -> None:
    """Serve the API: checkout substitutes, risk lists, feedback and operations."""
    config = {"RATELIMIT_PER_KEY": rate_limit} if rate_limit else None
    serve_forever(
        app,
        print_demo_key=demo_key,
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        dev=dev,
        config=config,
    )
