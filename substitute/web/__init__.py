"""The buyers' morning page: server-rendered, no CDN."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__, url_prefix="/buyers")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
