"""Load and fault runs of the API on loopback, ending with one JSON line of figures.

The demo retailer is generated, ingested into a throwaway PostgreSQL cluster
and trained, then served by ``substitute serve`` (gunicorn, 2 workers) on
127.0.0.1; the helpers are ``bench/api.py``'s. Then, each part bounded:

a. **steady**: 100 requests/s on ``GET /v1/substitutes`` for 60 s (locust):
   errors, p50, p99.
b. **database outage**: the same rate for 30 s, PostgreSQL stopped from
   t=10 s to t=20 s: failed checkout requests (anything but a 200).
c. **worker killed**: 100 requests/s for 20 s, one worker SIGKILLed at
   t=8 s: failed requests vs requests in flight at the kill, and the time
   until the master has its worker count back (its children polled).
d. **connections held**: every free connection slot of the server taken and
   the tables the app's probe reads locked (``_reliability_faults.HeldDatabase``);
   100 requests/s for 15 s: checkout status and latency against its deadline.
e. **contract fuzzing**: schemathesis against ``/openapi.json`` with a key
   holding every scope, at least 1,000 generated cases: server errors and
   schema violations (``tests/reliability/live.py``).

Usage::

    .venv/bin/python bench/reliability.py            # the full run (about 10 minutes)
    .venv/bin/python bench/reliability.py --quick    # shorter parts, smaller retailer

Needs locust, schemathesis (``pip install -e '.[dev,bench]'``) and
PostgreSQL's server binaries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

import _reliability_load as load  # noqa: E402
from _api_cluster import PgCluster  # noqa: E402
from _reliability_faults import HeldDatabase, kill_one_worker, workers_of  # noqa: E402
from api import locust, prepare, shut_down, start_server, targets  # noqa: E402

#: The checkout deadline (settings ``api.deadline_ms``) and the margin allowed on top of it.
DEADLINE_MS = 100
MARGIN_MS = 50


def _log(msg: str) -> None:
    print(f"[bench/reliability] {msg}", file=sys.stderr, flush=True)


def _keys(url: str) -> tuple[str, str]:
    """A checkout key (pos) and a key with every scope (for fuzzing)."""
    from substitute.api.keys import create_key
    from substitute.db import make_engine

    engine = make_engine(url)
    pos = create_key(engine, "bench pos", ["pos"])[0]
    everything = create_key(engine, "bench fuzz", ["pos", "buyer", "ops", "admin"])[0]
    engine.dispose()
    return pos, everything


def _wait_ready(port: int, timeout_s: float = 60) -> float:
    """Seconds until ``/readyz`` answers 200 (the database is back and the snapshot loaded)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"/readyz not 200 after {timeout_s} s")


def part_outage(cluster: PgCluster, args: argparse.Namespace, work: Path, common: dict[str, Any]) -> dict:
    seconds, stop_at, stop_for = args.outage_s, args.outage_s // 3, 10
    back: dict[str, float] = {}

    def stop_db_midway() -> None:
        time.sleep(stop_at)
        cluster.stop()
        _log("database stopped")
        time.sleep(stop_for)
        cluster.start()
        _log("database started again")
        back["ready_s"] = _wait_ready(args.port)

    chaos = threading.Thread(target=stop_db_midway)
    chaos.start()
    figures = locust(
        args.port, work, "outage", path="substitutes", users=20, rate=5, seconds=seconds, **common
    )
    chaos.join()
    figures["stopped_s"] = stop_for
    figures["ready_after_db_back_s"] = round(back["ready_s"], 1)
    return figures


def part_kill(port: int, master: int, args: argparse.Namespace, tlist: list, key: str) -> dict:
    result: dict[str, Any] = {}

    def killer() -> None:
        time.sleep(args.kill_at_s)
        result["kill"] = kill_one_worker(master, args.workers)

    chaos = threading.Thread(target=killer)
    chaos.start()
    records = load.run(port, tlist, key, rate=args.rate, seconds=args.kill_s)
    chaos.join()
    kill = result["kill"]
    figures: dict[str, Any] = load.summary(records)
    figures["in_flight_at_kill"] = load.in_flight(records, kill.at)
    figures["failed_after_kill_1s"] = sum(not r.ok and kill.at <= r.start < kill.at + 1 for r in records)
    figures["restored_s"] = round(kill.restored_s, 3) if kill.restored_s is not None else None
    figures["errors"] = sorted({r.error for r in records if r.error})[:3]
    return figures


def part_pool(url: str, port: int, args: argparse.Namespace, tlist: list, key: str) -> dict:
    held = HeldDatabase(url)
    try:
        figures: dict[str, Any] = held.hold()
        _log(f"connections held: {figures}")
        time.sleep(3)  # let the app's probe run into the locks and the full server
        records = load.run(port, tlist, key, rate=args.rate, seconds=args.pool_s)
    finally:
        held.release()
    figures.update(load.summary(records))
    return figures


def part_fuzz(port: int, key: str, args: argparse.Namespace, work: Path) -> dict:
    from tests.reliability.live import run_schemathesis

    result = run_schemathesis(
        f"http://127.0.0.1:{port}",
        key,
        max_examples=args.fuzz_examples,
        seed=42,
        work=work,
        workers=2,
        timeout_s=1200,
    )
    (work / "schemathesis.txt").write_text(result.output)
    if result.failures:
        _log(result.output[-4000:])
    return {
        "cases": result.cases,
        "operations": result.operations,
        "server_errors": result.server_errors,
        "schema_violations": result.schema_violations,
        "failures": result.failures,
        "exit_code": result.exit_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smaller retailer, shorter parts (about 4 minutes)."
    )
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--pg-port", type=int, default=54413)
    parser.add_argument("--rate", type=float, default=100.0, help="Requests/s of every load part.")
    parser.add_argument("--steady-s", type=int, default=60)
    parser.add_argument("--outage-s", type=int, default=30)
    parser.add_argument("--kill-s", type=float, default=20)
    parser.add_argument("--kill-at-s", type=float, default=8)
    parser.add_argument("--pool-s", type=float, default=15)
    parser.add_argument(
        "--fuzz-examples", type=int, default=150, help="schemathesis --max-examples per operation."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    args = parser.parse_args()
    if args.quick:
        args.items, args.stores, args.customers, args.days = 1000, 5, 3000, 45
        args.steady_s, args.outage_s, args.kill_s, args.kill_at_s, args.pool_s = 20, 30, 10, 4, 8
        args.fuzz_examples = 25

    work = Path(tempfile.mkdtemp(prefix="bench-reliability-"))
    figures: dict[str, Any] = {"quick": args.quick, "items": args.items, "stores": args.stores}
    cluster = PgCluster(work / "pg", args.pg_port)
    server = None
    started = time.monotonic()
    try:
        cluster.start()
        url = cluster.url
        figures.update({k: round(v, 1) for k, v in prepare(work, url, args).items()})
        tfile = targets(url, work)
        tlist = [tuple(line.split(",", 1)) for line in tfile.read_text().splitlines() if line]
        pos_key, fuzz_key = _keys(url)
        server = start_server(url, work, args.port, args.workers)
        master = server.pid
        _log(f"gunicorn master {master}, workers {workers_of(master)}")
        common = {"key": pos_key, "tfile": tfile}
        locust(args.port, work, "warmup", path="substitutes", users=4, rate=0, seconds=3, **common)

        _log("a. steady load")
        users = max(1, round(args.rate / 5))
        steady = locust(
            args.port,
            work,
            "steady",
            path="substitutes",
            users=users,
            rate=5,
            seconds=args.steady_s,
            **common,
        )
        figures["steady"] = steady
        _log("c. worker killed")
        figures["kill"] = part_kill(args.port, master, args, tlist, pos_key)
        _log("d. connections held")
        figures["pool"] = part_pool(url, args.port, args, tlist, pos_key)
        _wait_ready(args.port)
        _log("b. database outage")
        figures["outage"] = part_outage(cluster, args, work, common)
        _log("e. contract fuzzing")
        figures["fuzz"] = part_fuzz(args.port, fuzz_key, args, work)

        server_log = (work / "server.log").read_text(errors="replace")
        figures["plaintext_keys_in_server_log"] = sum(
            server_log.count(k) + server_log.count(k.rsplit("_", 1)[1]) for k in (pos_key, fuzz_key)
        )
        kill, pool, fuzz = figures["kill"], figures["pool"], figures["fuzz"]
        figures["targets"] = {
            "steady_errors==0": steady["failures"] == 0,
            "steady_p99<=150ms": steady["p99_ms"] <= 150,
            "steady_p50<=30ms": steady["p50_ms"] <= 30,
            "outage_failed==0": figures["outage"]["failures"] == 0,
            "kill_failed<=in_flight": kill["failures"] <= kill["in_flight_at_kill"],
            "kill_failed<=0.1%": kill["failures"] <= 0.001 * kill["requests"],
            "kill_restored<=2s": kill["restored_s"] is not None and kill["restored_s"] <= 2,
            "pool_slots_exhausted": "accepted" not in pool["next_connection"],
            "pool_failed==0": pool["failures"] == 0,
            f"pool_p99<={DEADLINE_MS + MARGIN_MS}ms": pool["p99_ms"] <= DEADLINE_MS + MARGIN_MS,
            "fuzz_cases>=1000": fuzz["cases"] >= 1000,
            "fuzz_server_errors==0": fuzz["server_errors"] == 0,
            "fuzz_schema_violations==0": fuzz["schema_violations"] == 0,
            "plaintext_keys_in_log==0": figures["plaintext_keys_in_server_log"] == 0,
        }
    finally:
        shut_down(server, cluster, work, keep=args.keep)
    figures["elapsed_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
