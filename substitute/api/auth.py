"""Who may call what: a scope declared on every route, checked before the view runs.

Deny by default: a view under ``/v1`` that declares no scope answers 403
(and ``tests/api/test_security.py`` fails the build for any such route). A
key is sent as ``X-API-Key: subst_...`` (or ``Authorization: Bearer
subst_...``). A missing or wrong key is a 401, a key without the scope a
403, both as problem documents; each failed key also counts against the
client address's stricter limit, and every accepted request against its
key's limit (429 with ``Retry-After`` beyond it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request

from substitute.api.keys import SCOPES, KeyInfo
from substitute.api.problems import problem
from substitute.api.state import state

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute a protected view carries: the scope it needs.
SCOPE_ATTR = "required_scope"
#: Attribute a deliberately public view carries (health, readiness, metrics, the API docs).
PUBLIC_ATTR = "public"
KEYRING = "keyring"
LIMITS = "ratelimits"


def public(view: F) -> F:
    """Mark ``view`` as open to anyone: only for liveness, readiness, metrics and docs."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def _presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def _unauthorised(detail: str) -> Response:
    limits = state().parts.get(LIMITS)
    if limits is not None:
        verdict = limits.hit_auth_failure(request.remote_addr or "-")
        if not verdict.allowed:
            return _too_many(verdict.retry_after_s, "too many requests with a missing or wrong key")
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    return response


def _too_many(retry_after_s: int, detail: str) -> Response:
    response = problem(429, "Too Many Requests", f"{detail}; retry after {retry_after_s} s")
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def authenticate(scope: str) -> Response | None:
    """Check the request's key for ``scope``; a problem response when refused, else None."""
    from substitute.api.keyring import KeyStoreUnavailable

    parts = state().parts
    limits = parts.get(LIMITS)
    plaintext = _presented_key()
    if not plaintext:
        return _unauthorised(
            "send an API key in the X-API-Key header (create one with `substitute keys create`)"
        )
    if limits is not None and limits.auth_failures_exceeded(request.remote_addr or "-"):
        return _too_many(60, "too many requests with a missing or wrong key from this address")
    try:
        info = parts[KEYRING].verify(plaintext)
    except KeyStoreUnavailable:
        response = problem(503, "Service Unavailable", "this key cannot be checked right now; retry shortly")
        response.headers["Retry-After"] = "5"
        return response
    if info is None:
        return _unauthorised("the API key is unknown or revoked: check it, or ask for a new one")
    g.api_key = info
    if not info.has_scope(scope):
        return problem(
            403,
            "Forbidden",
            f"this key has scopes {', '.join(sorted(info.scopes))}; this operation needs {scope!r}",
        )
    if limits is not None:
        verdict = limits.hit_key(info.key_id)
        if not verdict.allowed:
            return _too_many(
                verdict.retry_after_s, f"key {info.key_id} is over its limit of {limits.per_key}"
            )
    return None


def require(scope: str) -> Callable[[F], F]:
    """Declare the scope a view needs; the view runs only for a live key that has it."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refused = authenticate(scope)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        setattr(guarded, SCOPE_ATTR, scope)
        return guarded  # type: ignore[return-value]

    return decorate


def current_key() -> KeyInfo:
    """The key of the current request (only inside a view guarded by :func:`require`)."""
    return g.api_key


def check_store(store: str) -> None:
    """Refuse (403) a store outside the key's binding: a store's POS key reads only its own store."""
    key = current_key()
    if not key.allows_store(store):
        bound = ", ".join(sorted(key.store_ids or ()))
        raise StoreForbidden(f"this key is bound to store(s) {bound}; it cannot read {store!r}")


def allowed_stores() -> frozenset[str] | None:
    """The stores the key may read; None for every store."""
    return current_key().store_ids


class StoreForbidden(Exception):
    """Raised by :func:`check_store`; rendered as a 403 problem."""


def configure_limits(app: Flask) -> None:
    """(Re)build the rate limits from ``app.config`` (``RATELIMIT_STORAGE_URI``, ``RATELIMIT_PER_KEY``)."""
    from substitute.api.ratelimit import (
        DEFAULT_AUTH_FAILURES,
        RateLimits,
        default_storage_uri,
    )

    st = state(app)
    # Tests count in process memory; a server counts in the file its workers share.
    default_uri = (
        "memory://" if st.settings.environment == "test" else default_storage_uri(st.settings.database.url)
    )
    uri = app.config.get("RATELIMIT_STORAGE_URI") or default_uri
    st.parts[LIMITS] = RateLimits(
        uri,
        per_key=app.config.get("RATELIMIT_PER_KEY", st.settings.api.rate_limit_per_key),
        auth_failures=app.config.get("RATELIMIT_AUTH_FAILURES", DEFAULT_AUTH_FAILURES),
    )


def init_app(app: Flask) -> None:
    from substitute.api.keyring import KeyRing

    st = state(app)
    st.parts[KEYRING] = KeyRing(st.engine)
    configure_limits(app)

    @app.errorhandler(StoreForbidden)
    def _store_forbidden(exc: StoreForbidden) -> Response:
        return problem(403, "Forbidden", str(exc))

    @app.before_request
    def _deny_undeclared() -> Response | None:
        # Deny by default: a /v1 view that forgot its scope is refused, not served.
        if request.blueprint != "v1" or request.endpoint is None:
            return None
        view = current_app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, SCOPE_ATTR, None) is None:
            return problem(403, "Forbidden", "this operation declares no scope, so no key may call it")
        return None
