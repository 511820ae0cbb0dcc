"""``/healthz`` (the process is alive) and ``/readyz`` (it can do its whole job).

``/healthz`` touches nothing: use it to route checkout traffic, which keeps
being answered from memory while the database is down. ``/readyz`` checks
the database and that a recommender snapshot is loaded: use it to gate a
deployment or to alert, not to take a serving worker out of rotation.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from substitute.api.auth import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from substitute.api.checkout import CHECKOUT
    from substitute.api.problems import problem
    from substitute.api.state import state

    st = state()
    checks: dict[str, str] = {}
    try:
        with st.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure to reach it is "not ready"
        checks["database"] = f"unreachable: {type(exc).__name__}"
    service = st.parts.get(CHECKOUT)
    snap = service.snapshot if service is not None else None
    if snap is not None:
        checks["model"] = "ok"
    else:
        error = service.health.load_error if service is not None else None
        checks["model"] = f"not loaded: {error}" if error else "not loaded yet"
    info = {"checks": checks, "model_version": snap.version if snap is not None else None}
    if all(v == "ok" for v in checks.values()):
        return jsonify(status="ready", **info)
    failing = ", ".join(f"{k} {v}" for k, v in checks.items() if v != "ok")
    response = problem(503, "Service Unavailable", f"not ready: {failing}", **info)
    response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
