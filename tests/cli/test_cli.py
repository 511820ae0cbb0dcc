"""The command line: settings, schema and ingestion, with exit codes a script can trust."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from substitute.cli import main
from tests.ingest.helpers import STORES, write_csv


def _run(tmp_path, *args: str):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    return CliRunner().invoke(main, ["--config-dir", str(tmp_path), "--database-url", db, *args])


def test_config_show_prints_effective_settings_without_secrets(tmp_path):
    (tmp_path / "substitute.toml").write_text('[substitute.api]\nsecret_key = "topsecret"\n')
    result = _run(tmp_path, "config", "show")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["api"]["secret_key"] == "***"
    assert shown["database"]["url"].endswith("cli.db")


def test_ingest_prints_the_account_and_a_rejected_batch_exits_3(tmp_path):
    assert _run(tmp_path, "db", "upgrade").exit_code == 0
    stores = write_csv(tmp_path / "stores.csv", STORES)
    ok = _run(tmp_path, "ingest", "stores", str(stores))
    assert ok.exit_code == 0, ok.output
    assert "read 3 = loaded 3" in ok.output

    bad = write_csv(tmp_path / "bad.csv", [dict(STORES[0], timezone="Mars/Olympus")])
    rejected = _run(tmp_path, "ingest", "stores", str(bad))
    assert rejected.exit_code == 3
    assert "unknown_timezone" in rejected.output
    assert "nothing was activated" in rejected.output


def test_a_bad_mapping_is_a_clear_error_not_a_traceback(tmp_path):
    _run(tmp_path, "db", "upgrade")
    mapping = tmp_path / "m.toml"
    mapping.write_text('kind = "stores"\n[columns]\nstore_id = "SHOP_CODE"\n')
    stores = write_csv(tmp_path / "stores.csv", STORES)
    result = _run(tmp_path, "ingest", "stores", str(stores), "--mapping", str(mapping))
    assert result.exit_code == 2
    assert "no column SHOP_CODE" in result.output
    assert "Traceback" not in result.output


def test_every_command_family_is_registered():
    assert {
        "config",
        "db",
        "demo",
        "demo-data",
        "forecast",
        "ingest",
        "loyalty",
        "recommend",
        "train",
    } <= set(main.commands)


def test_a_database_without_the_schema_gets_a_clear_error(tmp_path):
    result = _run(tmp_path, "forecast", "risks")
    assert result.exit_code == 2
    assert "substitute db upgrade" in result.output
    assert "Traceback" not in result.output


def test_serving_runs_blas_on_one_thread_in_the_workers_it_forks():
    # In a fresh interpreter: the limit is per process, and this one's tests train with BLAS.
    script = """
import json, os
from substitute.cli.serve_cmd import single_threaded_blas

single_threaded_blas()  # before numpy and SciPy are loaded, as `serve` does
import numpy, scipy.linalg, threadpoolctl

def blas_threads():
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

pid = os.fork()
if pid == 0:
    os._exit(max(blas_threads()))
_, status = os.waitpid(pid, 0)
os.environ.pop("OPENBLAS_NUM_THREADS")
with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
    before = blas_threads()
    single_threaded_blas()  # and after, for libraries already loaded
    after = blas_threads()
child = os.waitstatus_to_exitcode(status)
print(json.dumps({"before": before, "after": after, "child": child, "n": len(after)}))
"""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    threads = json.loads(out.stdout)
    assert threads["n"] >= 1 and threads["child"] == 1
    assert max(threads["before"]) == 2  # else the second half could not fail
    assert threads["after"] == [1] * threads["n"]
