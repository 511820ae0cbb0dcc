"""The ``v1`` blueprint and :func:`endpoint`, the one way a ``/v1`` route is declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint

from substitute.api.auth import require
from substitute.api.openapi import SECURITY_SCHEME, spec

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("v1", __name__, url_prefix="/v1")


def endpoint(scope: str, **validation: Any) -> Callable[[F], F]:
    """Guard a view with ``scope`` and validate/document it with spectree.

    The key is checked first, so a caller without one learns nothing about
    the parameters; ``validation`` goes to :meth:`spectree.SpecTree.validate`
    (``query=``, ``json=``, ``path_parameter_descriptions=``, ``resp=``, ``tags=``).
    """

    def decorate(view: F) -> F:
        validated = spec.validate(security={SECURITY_SCHEME: []}, **validation)(view)
        return require(scope)(validated)

    return decorate
