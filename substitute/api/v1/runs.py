"""Operations: start a forecast or training run, and watch runs (``ops`` scope).

The runs themselves belong to :mod:`substitute.jobs.control`: a request is
recorded and a scheduler runs it exactly once.
"""

from __future__ import annotations

from flask import request
from spectree import Response as Documented

from substitute.api.auth import current_key
from substitute.api.state import state
from substitute.api.v1.routing import bp, endpoint
from substitute.api.v1.schemas import Run, RunIn, Runs, RunsQuery

TAG = "operations"


@bp.post("/runs")
@endpoint("ops", json=RunIn, resp=Documented(HTTP_202=Run), tags=[TAG])
def post_run():  # type: ignore[no-untyped-def]
    """Ask for a run of a job now; a scheduler starts it within seconds (an unknown job is a 400)."""
    from substitute.jobs import control

    body: RunIn = request.context.json  # type: ignore[attr-defined]
    key = current_key()
    run = control.request_run(state().engine, body.job, requested_by=f"api:{key.key_id}:{key.name}")
    return run, 202


@bp.get("/runs")
@endpoint("ops", query=RunsQuery, resp=Documented(HTTP_200=Runs), tags=[TAG])
def get_runs():  # type: ignore[no-untyped-def]
    """Recent runs, newest first."""
    from substitute.jobs import control

    q: RunsQuery = request.context.query  # type: ignore[attr-defined]
    return {"runs": control.list_runs(state().engine, job=q.job, limit=q.limit)}


@bp.get("/runs/<int(min=1, max=4611686018427387904):run_id>")
@endpoint(
    "ops", resp=Documented(HTTP_200=Run), tags=[TAG], path_parameter_descriptions={"run_id": "The run's id."}
)
def get_run(run_id: int):  # type: ignore[no-untyped-def]
    """One run with its full counts (404 for an unknown id)."""
    from substitute.jobs import control

    return control.get_run(state().engine, run_id)
