"""The versioned JSON API under ``/v1``: checkout substitutes, risks, feedback, operations.

One module per resource; each route is declared with :func:`endpoint`, which
names its scope (checked before anything else) and its request and response
models (validated, and documented in ``/openapi.json``).
"""

from __future__ import annotations

from flask import Flask

from substitute.api.v1.routing import bp, endpoint

__all__ = ["bp", "endpoint", "init_app"]


def init_app(app: Flask) -> None:
    # Importing a resource module declares its routes on the blueprint.
    from substitute.api.v1 import events, loyalty, runs, stockouts, substitutes  # noqa: F401

    app.register_blueprint(bp)
