"""The ``v1`` blueprint and :func:`endpoint`, the one way a ``/v1`` route is declared."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, request

from substitute.api.auth import require
from substitute.api.openapi import SECURITY_SCHEME, spec
from substitute.api.problems import problem

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("v1", __name__, url_prefix="/v1")


def endpoint(scope: str, **validation: Any) -> Callable[[F], F]:
    """Guard a view with ``scope`` and validate/document it with spectree.

    The key is checked first, so a caller without one learns nothing about
    the parameters; ``validation`` goes to :meth:`spectree.SpecTree.validate`
    (``query=``, ``json=``, ``path_parameter_descriptions=``, ``resp=``, ``tags=``).
    A view with a ``json=`` body refuses any other media type (415) and a body
    that is not JSON (400) before validation.
    """

    def decorate(view: F) -> F:
        validated = spec.validate(security={SECURITY_SCHEME: []}, **validation)(view)
        if validation.get("json") is not None:
            validated = _json_body_only(validated)
        return require(scope)(validated)

    return decorate


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _json_body_only(view: F) -> F:
    """Refuse a body that is not JSON before spectree reads it.

    spectree validates a form body (``multipart/form-data``, urlencoded)
    only against a ``form=`` model and otherwise hands the view ``None``:
    without this guard such a request reached the view and became a 500
    (found by schemathesis, ``tests/api/test_request_bodies.py``).
    """

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not _is_json(request.mimetype):
            sent = request.mimetype or "no Content-Type"
            return problem(415, "Unsupported Media Type", f"send the body as application/json, not {sent}")
        if request.get_json(silent=True) is None:
            return problem(400, "Bad Request", "the body is not valid JSON; send a JSON object")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
