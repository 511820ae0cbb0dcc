"""What every request handler may use: the settings and the database engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine

from substitute.settings import Settings

EXTENSION = "substitute"


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    #: components keep their own long-lived objects here (snapshots, limiters, metrics)
    parts: dict[str, Any] = field(default_factory=dict)


def state(app: Flask | None = None) -> AppState:
    """The app's :class:`AppState` (of ``current_app`` by default)."""
    return (app or current_app).extensions[EXTENSION]
