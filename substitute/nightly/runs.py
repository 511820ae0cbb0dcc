"""The life of a forecast run: started, written, activated atomically, or failed.

Rows are written under a run id that no reader looks at until
:func:`activate` flips ``is_current`` in one transaction, so a reader sees the
old run or the new one, never a mixture. A run found ``running`` when the next
one starts was killed: it is marked failed and its rows are removed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from substitute.db.models import ForecastDay, ForecastRun, SelloutRisk, table_of


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _drop_rows(conn, run_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    if run_ids:
        conn.execute(delete(ForecastDay).where(ForecastDay.run_id.in_(run_ids)))
        conn.execute(delete(SelloutRisk).where(SelloutRisk.run_id.in_(run_ids)))


def clean_abandoned(engine: Engine) -> list[int]:
    """Fail runs left ``running`` by a killed process and remove their rows."""
    with engine.begin() as conn:
        ids = list(conn.execute(select(ForecastRun.id).where(ForecastRun.status == "running")).scalars())
        _drop_rows(conn, ids)
        if ids:
            conn.execute(
                update(ForecastRun)
                .where(ForecastRun.id.in_(ids))
                .values(status="failed", finished_at=_now(), message="abandoned: the process died mid-run")
            )
    return ids


def start(engine: Engine, as_of: dt.date, executor: str, n_expected: int, config_json: str) -> int:
    with engine.begin() as conn:
        return conn.execute(
            table_of(ForecastRun)
            .insert()
            .values(
                as_of=as_of,
                status="running",
                is_current=False,
                executor=executor,
                n_expected=n_expected,
                config=config_json,
                started_at=_now(),
            )
            .returning(ForecastRun.id)
        ).scalar_one()


def activate(engine: Engine, run_id: int, n_series: int) -> None:
    """Make ``run_id`` the one run readers see, in one transaction."""
    with engine.begin() as conn:
        conn.execute(
            update(ForecastRun)
            .where(ForecastRun.is_current.is_(True))
            .values(is_current=False, status="superseded")
        )
        conn.execute(
            update(ForecastRun)
            .where(ForecastRun.id == run_id)
            .values(is_current=True, status="active", n_series=n_series, finished_at=_now())
        )


def fail(engine: Engine, run_id: int, reason: str) -> None:
    """Mark the run failed and remove its rows; the current run stays in service."""
    with engine.begin() as conn:
        _drop_rows(conn, [run_id])
        conn.execute(
            update(ForecastRun)
            .where(ForecastRun.id == run_id)
            .values(status="failed", finished_at=_now(), message=reason[:4000])
        )


def prune(engine: Engine, keep: int) -> list[int]:
    """Remove the rows of superseded runs beyond the newest ``keep`` (the ledger stays)."""
    with engine.begin() as conn:
        kept = select(ForecastRun.id).order_by(ForecastRun.id.desc()).limit(keep)
        old = list(
            conn.execute(
                select(ForecastRun.id).where(
                    ForecastRun.status == "superseded", ForecastRun.id.not_in(kept.scalar_subquery())
                )
            ).scalars()
        )
        _drop_rows(conn, old)
        if old:
            conn.execute(update(ForecastRun).where(ForecastRun.id.in_(old)).values(status="pruned"))
    return old


def current_run(engine: Engine) -> ForecastRun | None:
    with Session(engine) as session:
        return session.scalars(select(ForecastRun).where(ForecastRun.is_current.is_(True))).first()
