"""A live app on loopback for contract fuzzing, and schemathesis' CLI run against it.

:func:`planted_server` serves the planted retailer of ``tests/recommend/planted.py``
(the same data, model and snapshot as ``tests/api/conftest.py``'s ``served``)
with werkzeug's threaded server on ``127.0.0.1`` and a free port, with one key
holding every scope. :func:`run_schemathesis` runs ``st run`` against a URL and
returns what it counted; ``bench/reliability.py`` calls it too, against
gunicorn on the demo retailer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: The checks the contract run makes (schemathesis names).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
ALL_SCOPES = ["pos", "buyer", "ops", "admin"]


@dataclass
class FuzzResult:
    """What one ``st run`` did: its exit code, cases sent, and failures by check."""

    exit_code: int
    cases: int
    failures: dict[str, int] = field(default_factory=dict)
    operations: int = 0
    output: str = ""

    @property
    def server_errors(self) -> int:
        return self.failures.get("not_a_server_error", 0)

    @property
    def schema_violations(self) -> int:
        return self.failures.get("response_schema_conformance", 0)


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("schemathesis is not installed: pip install -e '.[dev]'")
    return found


def run_schemathesis(
    base_url: str,
    key: str,
    *,
    max_examples: int,
    seed: int = 42,
    work: Path,
    workers: int = 1,
    phases: str = "examples,coverage,fuzzing",
    timeout_s: float = 600,
) -> FuzzResult:
    """``st run BASE/openapi.json`` with ``key``; count cases and failures from its JSON report."""
    report = work / "schemathesis.json"
    cmd = [
        _st(),
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"X-API-Key: {key}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        phases,
        "--workers",
        str(workers),
        "--continue-on-failure",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--warnings",
        "off",
    ]
    # In ``work``: schemathesis keeps a .schemathesis/ cache in its working folder.
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout_s, cwd=work, env={**os.environ, "NO_COLOR": "1"}
    )
    cases, failures, operations = _count(report)
    return FuzzResult(done.returncode, cases, failures, operations, done.stdout + done.stderr)


#: schemathesis failure codes by the check that raises them (``st explain CODE``).
CODES = {
    "ST101": "not_a_server_error",
    "ST102": "not_a_server_error",
    "ST103": "status_code_conformance",
    "ST104": "content_type_conformance",
    "ST105": "content_type_conformance",
    "ST106": "content_type_conformance",
    "ST108": "response_schema_conformance",
    "ST109": "response_schema_conformance",
    "ST110": "response_schema_conformance",
    "ST111": "response_schema_conformance",
}


def _count(report: Path) -> tuple[int, dict[str, int], int]:
    """Cases generated, failures per check, operations tested: from ``--report json``."""
    if not report.exists():
        return 0, {}, 0
    data = json.loads(report.read_text())
    failures: dict[str, int] = {}
    for failure in data.get("failures", []):
        check = CODES.get(failure["code"], failure["code"])
        failures[check] = failures.get(check, 0) + int(failure.get("count", 1))
    return int(data["test_cases"]["generated"]), failures, int(data["operations"]["tested"])


@contextmanager
def serve_in_thread(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``app`` on 127.0.0.1 and a free port with werkzeug's threaded server; yield the base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _Quiet(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass  # thousands of fuzzed requests: the report says what matters

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
