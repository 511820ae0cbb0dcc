"""Request validation and the OpenAPI document, both from the same pydantic models.

`spectree <https://github.com/0b01001001/spectree>`_ reads the models a view
declares, validates the query and body against them, and builds the OpenAPI
3.1 document from the routes. Two things are ours:

* a request that fails validation becomes a 400 problem document naming each
  bad parameter and what it accepts (spectree's own answer is a bare 422 list);
* a response that does not match its declared model is logged and sent as it
  is in service (a checkout must not get a 500 for a schema slip), and fails
  loudly under test, where such a slip must be fixed.

The docs page at ``/docs`` is rendered on the server from the same document:
plain HTML, no script and no CDN, so it works on a shop's closed network.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import InType, SecureType
from spectree.plugins.flask_plugin import FlaskPlugin

from substitute.api.auth import public
from substitute.api.docs_page import render_docs
from substitute.errors import DataError

log = logging.getLogger(__name__)

#: The scheme every protected operation names in the document.
SECURITY_SCHEME = "ApiKey"


class RequestInvalid(DataError):
    """A query or body that does not match its model; ``invalid_params`` says which and why."""

    def __init__(self, message: str, invalid_params: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.invalid_params = invalid_params


def _param_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _raise_problem(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """spectree's ``before`` hook: turn its validation error into our 400 problem."""
    if error is None:
        return
    params = [
        {"name": _param_name(tuple(e.get("loc", ()))), "reason": str(e.get("msg", "invalid"))}
        for e in adapter.validation_errors(error)
    ]
    names = ", ".join(p["name"] for p in params)
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
    raise RequestInvalid(f"fix {names}: {detail}", params)


class ServingFlaskPlugin(FlaskPlugin):
    """spectree's Flask plugin, with responses checked against their models only in tests.

    In service a view's dict goes out as it is: checking it against its model
    cost more than the recommendation behind it (0.3 ms a call at 50,000 SKUs),
    and the test suite checks every route's answers. With ``VALIDATE_RESPONSES``
    on, a schema slip is logged, not turned into a 500; non-JSON bodies pass.
    """

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):  # type: ignore[no-untyped-def]
        if isinstance(resp, Response) and resp.mimetype != "application/json":
            return resp, None  # a CSV export: its model describes the JSON form only
        if not current_app.config.get("VALIDATE_RESPONSES", current_app.testing):
            return current_app.make_response(resp), None
        response, error = super().validate_response(resp, resp_model, skip_validation, force_resp_serialize)
        if error is None or current_app.testing:
            return response, error
        log.error("response does not match its declared model: %s", error)
        from flask import make_response

        original = resp if isinstance(resp, Response) else make_response(resp)
        return original, None


spec = SpecTree(
    "flask",
    backend=ServingFlaskPlugin,
    mode="strict",
    title="substitute",
    description=(
        "In-stock, loyalty-aware substitutes at checkout; the buyers' sellout risk list; "
        "offer feedback; operations. Send the API key in the `X-API-Key` header. "
        "Every error is `application/problem+json` (RFC 9457)."
    ),
    version="1",
    annotations=False,
    # Schema names as the models are called (spectree adds a hash by default).
    naming_strategy=lambda model: model.__name__,
    validation_error_status=400,
    before=_raise_problem,
    security_schemes=[
        SecurityScheme(
            name=SECURITY_SCHEME,
            data=SecuritySchemeData(type=SecureType.API_KEY, name="X-API-Key", field_in=InType.HEADER),
        )
    ],
)

bp = Blueprint("openapi", __name__)


#: Errors every protected operation may answer, all as problem documents.
_ERRORS = {
    "400": "a parameter or the body is invalid; invalid_params names each",
    "401": "no API key, or an unknown or revoked one",
    "403": "the key lacks the scope, or is bound to other stores",
    "404": "an id (SKU, store, customer, run) is unknown",
    "429": "over the key's rate limit; see Retry-After",
    "503": "a dependency is down (not on the checkout path); see Retry-After",
}
#: Refused by gunicorn before the app sees the request (``limit_request_line``, S7), as its own HTML.
_TRANSPORT_ERRORS = {
    "414": "the request line is over 4,094 bytes (gunicorn refuses it before the app); send less",
}
_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "invalid_params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status"],
}
_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _with_scopes_and_problems(document: dict[str, Any]) -> dict[str, Any]:
    """spectree's document plus what it cannot say: each operation's scope and problem responses."""
    from substitute.api.auth import SCOPE_ATTR

    doc = copy.deepcopy(document)
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for rule in current_app.url_map.iter_rules():
        scope = getattr(current_app.view_functions.get(rule.endpoint), SCOPE_ATTR, None)
        path = _RULE_PARAM.sub(r"{\1}", rule.rule)
        for method, op in doc.get("paths", {}).get(path, {}).items():
            if method.upper() not in (rule.methods or ()):
                continue
            if scope is not None:
                op["x-scope"] = scope
                op["description"] = (
                    op.get("description", "") + f"\n\nNeeds a key with scope `{scope}`."
                ).strip()
            for code, text in _ERRORS.items():
                op.setdefault("responses", {})[code] = {"description": text, "content": problem_content}
            for code, text in _TRANSPORT_ERRORS.items():
                op["responses"][code] = {
                    "description": text,
                    "content": {"text/html": {"schema": {"type": "string"}}},
                }
            if "requestBody" in op:
                op["responses"]["415"] = {
                    "description": "the body is not application/json",
                    "content": problem_content,
                }
    stockouts = doc.get("paths", {}).get("/v1/stockouts", {}).get("get")
    if stockouts is not None:
        stockouts["responses"]["200"].setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
    return doc


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the current app, built on first use and kept."""
    from substitute.api.state import state

    parts = state().parts
    if "openapi" not in parts:
        parts["openapi"] = _with_scopes_and_problems(spec.spec)
    return parts["openapi"]


@bp.get("/openapi.json")
@public
def openapi_json():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@bp.get("/docs")
@public
def docs():  # type: ignore[no-untyped-def]
    return Response(render_docs(openapi_document()), mimetype="text/html")


def init_app(app: Flask) -> None:
    from substitute.api import problems

    @app.errorhandler(RequestInvalid)
    def _invalid(exc: RequestInvalid) -> Response:
        return problems.problem(400, "Bad Request", str(exc), invalid_params=exc.invalid_params)

    app.register_blueprint(bp)
