"""Who may see the buyers' pages, and the browser-side defences around them.

Sign-in is with an API key that has the ``buyer`` scope (``admin`` implies
it). The session cookie (Flask's signed cookie; Secure in production,
HttpOnly, SameSite=Lax, set by :func:`~substitute.api.app.create_app`) keeps
only the key's public id and name; every request checks again that the key
is still live, so revoking a key signs its holder out at the next click.

Forms carry a CSRF token from Flask-WTF. It is checked here, for this
blueprint only, rather than with ``CSRFProtect(app)``: the JSON API beside
these pages authenticates each call by its key and must not ask POS
terminals for a browser token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from substitute.api.state import state
from substitute.db.models import ApiKey

__all__ = ["Buyer", "check_csrf", "current_buyer", "generate_csrf", "login_required", "security_headers"]

SESSION_KEY = "buyer"

#: ``default-src 'self'`` forbids inline scripts and styles: the pages have no
#: script at all, and the charts use SVG presentation attributes, not ``style``.
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
HSTS = "max-age=31536000; includeSubDomains"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Buyer:
    """The signed-in buyer: the key's public id, its name, and the stores it may see."""

    key_id: str
    name: str
    stores: frozenset[str] | None  # None: every store

    def allows_store(self, store_id: str) -> bool:
        return self.stores is None or store_id in self.stores


def sign_in(key_id: str, name: str, stores: frozenset[str] | None) -> None:
    """Start a fresh session (a new cookie, so a planted one cannot be reused)."""
    session.clear()
    session[SESSION_KEY] = {"key_id": key_id, "name": name, "stores": sorted(stores) if stores else None}


def sign_out() -> None:
    session.clear()


def current_buyer() -> Buyer | None:
    """The buyer of this request, or None when not signed in or the key was revoked since."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or "key_id" not in data:
        return None
    with state().engine.connect() as conn:
        row = conn.execute(
            select(ApiKey.revoked_at, ApiKey.scopes).where(ApiKey.prefix == data["key_id"])
        ).first()
    scopes = set(row.scopes.split(",")) if row else set()
    if row is None or row.revoked_at is not None or not scopes & {"buyer", "admin"}:
        session.clear()
        return None
    stores = data.get("stores")
    return Buyer(data["key_id"], str(data["name"]), frozenset(stores) if stores else None)


def login_required(view: F) -> F:
    """Send a visitor who is not signed in to the sign-in page, then back here."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        buyer = current_buyer()
        if buyer is None:
            return redirect(url_for("web.signin", next=request.full_path.rstrip("?")))
        return view(buyer, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def check_csrf() -> None:
    """Refuse (400) a state-changing request without this session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError) as exc:
        abort(
            400, f"the form has expired or did not come from this site ({exc}); reload the page and try again"
        )


def security_headers(response: Any) -> Any:
    """Headers every page carries (S10); HSTS only in production, where TLS is certain."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype in ("text/html", "text/csv"):
        # Risk lists and notes are business data: keep them out of shared caches.
        headers.setdefault("Cache-Control", "no-store")
    if state().settings.environment == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def safe_next(target: str | None) -> str:
    """Only a path on this site under /buyers is followed after sign-in (no open redirect)."""
    if target and target.startswith("/buyers") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.risks")
