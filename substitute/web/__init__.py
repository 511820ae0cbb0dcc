"""The buyers' morning page: server-rendered, no CDN, no script.

One blueprint at ``/buyers`` for the buyers' audience. Its pages carry the
security headers of :mod:`substitute.web.security`, and every POST to it
must carry this session's CSRF token (both wired in :mod:`substitute.web.views`).
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/buyers",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def init_app(app: Flask) -> None:
    from substitute.web import views  # noqa: F401  (importing it declares the routes, once)

    app.register_blueprint(bp)
