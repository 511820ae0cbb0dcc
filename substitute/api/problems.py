"""Every error as ``application/problem+json`` (RFC 9457), rendered in one place.

A :class:`~substitute.errors.SubstituteError` carries its HTTP status; its
message, which says what to fix, becomes the ``detail``. Werkzeug's HTTP
errors (404 for an unknown route, 405, 413 ...) are rendered the same way.
Anything else is a 500 whose detail reveals nothing internal.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from substitute.errors import SubstituteError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str | None = None, **extensions: Any) -> Response:
    """A problem-details response; ``extensions`` become extra members (e.g. ``invalid_params``)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def init_app(app: Flask) -> None:
    @app.errorhandler(SubstituteError)
    def _substitute_error(exc: SubstituteError) -> Response:
        return problem(exc.status, _title(exc.status), str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = problem(status, _title(status), exc.description)
        headers = dict(exc.get_headers())
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in headers:
                response.headers[name] = headers[name]
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database_down(exc: DBAPIError | PoolTimeout) -> Response:
        # Only routes that read the database live get here; checkout answers from memory.
        if (
            isinstance(exc, DBAPIError)
            and not exc.connection_invalidated
            and not isinstance(exc, OperationalError)
        ):
            return _unexpected(exc)
        log.warning("database unavailable: %s", exc)
        response = problem(503, "Service Unavailable", "the database is unreachable; retry in a few seconds")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal Server Error", "the error was logged; try again or call operations")
