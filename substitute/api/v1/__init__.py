"""The versioned JSON API under ``/v1``: checkout substitutes, risks, feedback, operations."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("v1", __name__, url_prefix="/v1")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
