"""``/healthz``: the process is alive (no dependency is touched)."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
