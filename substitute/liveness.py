"""Who owns a run, and whether that owner is still alive.

A run row's ``host`` is ``hostname:pid:token``; the token is drawn once per
process, so a container restarted with the same hostname and pid 1 is still
told apart from its previous life. On the same host a dead pid settles it at
once (a SIGKILLed scheduler is recognised on the next start, without waiting);
elsewhere, or when the pid was reused, a heartbeat older than the stale limit
does.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Callable
from functools import cache

#: Returns the current time, timezone-aware. Tests pass a controllable one.
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_db(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, as every DateTime column in this schema holds it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


@cache
def _token() -> str:
    return secrets.token_hex(4)


def owner_id() -> str:
    """``hostname:pid:token`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{_token()}"


def _parse(host: str | None) -> tuple[str, int, str] | None:
    parts = (host or "").rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def owner_alive(
    host: str | None, heartbeat: dt.datetime | None, now: dt.datetime, stale_after: dt.timedelta
) -> bool:
    """Whether the process that claimed a run may still be running it.

    Parameters
    ----------
    host
        The run's ``host`` column (``hostname:pid:token``).
    heartbeat
        Naive UTC time of the run's last sign of life (its start when it never beat).
    now
        Naive UTC.
    stale_after
        Silence after which an owner we cannot inspect is taken for dead.
    """
    owner = _parse(host)
    if owner is not None and owner[0] == socket.gethostname():
        _host, pid, token = owner
        if pid == os.getpid():
            # Our own pid with another token is a previous life of this container.
            return token == _token()
        if not pid_exists(pid):
            return False
    return heartbeat is not None and now - heartbeat <= stale_after
