"""Benchmark of the API on loopback, ending with one JSON line of figures.

1. Throughput of ``GET /v1/substitutes`` as a ratio to ``/healthz`` (same
   server, same settings, same run), each driven flat out by locust in
   alternating rounds; the median of the rounds' ratios. Beside it, the CPU
   that gunicorn (all its processes) and locust each spent per request in
   those rounds: locust shares the machine's cores with the server, and the
   server's CPU per request is the app's own cost whatever else ran.
2. 100 requests/s for 60 s on ``/v1/substitutes``: p50, p99, errors, as seen
   by locust and as the app timed itself (``Server-Timing``); then 30 s of
   ``/healthz`` at the same rate, the latency floor of the machine and locust.
3. The same rate while the database is stopped for 10 s in the middle:
   failed checkout requests (anything but a 200), and degraded answers.

The retailer is the demo generator's, at ``--items`` × ``--stores`` ×
``--customers``, ingested into a throwaway PostgreSQL cluster started for
the run (so that it can be stopped for test 3) and trained; each stage's
time is reported, and the fit times of the model actually served
(``served_model_fit_s``, from its manifest: a reused retailer may have been
retrained since). Usage::

    python bench/api.py --items 50000 --stores 100 --customers 200000 --days 60
    python bench/api.py --items 2000 --stores 10 --customers 20000   # quick
    python bench/api.py --work /tmp/api50k   # keeps the prepared retailer; reruns reuse it

Needs locust (``pip install locust``) and PostgreSQL's server binaries.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _api_cluster import PgCluster  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def _log(msg: str) -> None:
    print(f"[bench/api] {msg}", file=sys.stderr, flush=True)


def prepare(work: Path, url: str, args: argparse.Namespace) -> dict[str, float]:
    """Generate, ingest and train; return each stage's seconds."""
    from substitute.db import make_engine, upgrade
    from substitute.demo import generate
    from substitute.ingest.pipeline import canonical_files, ingest_file
    from substitute.recommend.train import train
    from substitute.settings import load_settings

    times: dict[str, float] = {}
    data = work / "data"
    t = time.perf_counter()
    generate(data, n_items=args.items, n_stores=args.stores, n_customers=args.customers, days=args.days)
    times["generate_s"] = time.perf_counter() - t
    settings = load_settings({"database": {"url": url}, "artifacts": {"dir": str(work / "artifacts")}})
    engine = make_engine(settings.database)
    upgrade(engine)
    t = time.perf_counter()
    for kind, path in canonical_files(data):
        summary = ingest_file(
            engine, kind, path, settings=settings.ingest.model_copy(update={"progress": False})
        )
        _log(summary.render().splitlines()[0])
    times["ingest_s"] = time.perf_counter() - t
    t = time.perf_counter()
    train(engine, settings, progress=False)
    times["train_s"] = time.perf_counter() - t
    engine.dispose()
    return times


def targets(url: str, work: Path, n: int = 2000) -> Path:
    """Random (sku, store) pairs that exist, for the load to ask about."""
    from sqlalchemy import text

    from substitute.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            # Distinct pairs: inventory holds a row per day, and ordering those
            # rows picked 43 distinct pairs out of 2,000.
            text(
                "SELECT sku, store_id FROM (SELECT DISTINCT sku, store_id FROM inventory) AS pairs "
                "ORDER BY md5(sku || store_id) LIMIT :n"
            ),
            {"n": n},
        ).all()
    engine.dispose()
    path = work / "targets.csv"
    path.write_text("".join(f"{sku},{store}\n" for sku, store in rows))
    return path


def demo_key(url: str) -> str:
    from substitute.api.keys import create_key
    from substitute.db import make_engine

    engine = make_engine(url)
    key = create_key(engine, "bench", ["pos"])[0]
    engine.dispose()
    return key


def prepared(work: Path, url: str, args: argparse.Namespace) -> dict[str, float]:
    """Prepare the retailer once per work folder; a rerun on the same folder reuses it."""
    marker = work / "prepared.json"
    wanted = {k: getattr(args, k) for k in ("items", "stores", "customers", "days")}
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved["shape"] != wanted:
            raise SystemExit(f"{work} holds a retailer of shape {saved['shape']}, not {wanted}")
        _log(f"reusing the retailer prepared in {work}")
        return dict(saved["times"])
    times = prepare(work, url, args)
    marker.write_text(json.dumps({"shape": wanted, "times": times}))
    return times


def served_model_fit_seconds(work: Path) -> dict[str, float]:
    """Fit times of the model the server will load (retrained since ``prepare``, or not)."""
    from substitute.recommend.artifacts import current_version, load_artifact

    manifest = load_artifact(work / "artifacts", current_version(work / "artifacts")).manifest
    return {k.removeprefix("seconds_"): v for k, v in manifest.metrics.items() if k.startswith("seconds_")}


def start_server(url: str, work: Path, port: int, workers: int, threads: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SUBSTITUTE_ARTIFACTS__DIR": str(work / "artifacts"),
        "SUBSTITUTE_LOG_LEVEL": "WARNING",
    }
    # Importing serve_cmd registers `serve` even where the CLI does not list it yet.
    launcher = "import sys, substitute.cli.serve_cmd; from substitute.cli import main; sys.exit(main())"
    cmd = [
        sys.executable,
        "-c",
        launcher,
        "--database-url",
        url,
        "serve",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--port",
        str(port),
        "--rate-limit",
        "100000000/minute",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=open(work / "server.log", "wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 900
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(1)
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: see {work / 'server.log'}")
    raise RuntimeError("server did not start in 15 minutes")


def locust(
    port: int,
    work: Path,
    name: str,
    *,
    path: str,
    users: int,
    rate: float,
    seconds: int,
    key: str,
    tfile: Path,
    server: subprocess.Popen[bytes] | None = None,
) -> dict[str, float]:
    """One locust run; with ``server``, also the CPU it and locust spent per request."""
    prefix = work / name
    env = {
        **os.environ,
        "BENCH_KEY": key,
        "BENCH_TARGETS": str(tfile),
        "BENCH_PATH": path,
        "BENCH_RATE": str(rate),
    }
    cmd = [
        str(VENV_BIN / "locust"),
        "-f",
        str(HERE / "_api_locust.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    server_cpu, client_cpu = _cpu_seconds(server), _children_cpu_seconds()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "wb"))
    server_cpu, client_cpu = _cpu_seconds(server) - server_cpu, _children_cpu_seconds() - client_cpu
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    main = rows.get(path) or rows.get("healthz") or rows["Aggregated"]
    degraded = rows.get("degraded")
    timed = rows.get(f"server {path}")
    n = max(int(main["Request Count"]), 1)
    return {
        "requests": int(main["Request Count"]),
        "failures": int(main["Failure Count"]),
        "rps": float(main["Requests/s"]),
        "p50_ms": float(main["50%"]),
        "p99_ms": float(main["99%"]),
        # The app's own time (Server-Timing), without the network, gunicorn or locust.
        "server_p50_ms": float(timed["50%"]) if timed else None,
        "server_p99_ms": float(timed["99%"]) if timed else None,
        "degraded": int(degraded["Request Count"]) if degraded else 0,
        # CPU per request of gunicorn (master and workers) and of locust: on a shared
        # machine, what each side cost, whatever else was running.
        "server_cpu_ms": round(server_cpu / n * 1e3, 3) if server is not None else None,
        "client_cpu_ms": round(client_cpu / n * 1e3, 3),
    }


def _cpu_seconds(proc: subprocess.Popen[bytes] | None) -> float:
    """User + system CPU of ``proc`` and every process under it, so far."""
    if proc is None:
        return 0.0
    import psutil

    total = 0.0
    try:
        root = psutil.Process(proc.pid)
        for p in [root, *root.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


def _children_cpu_seconds() -> float:
    """CPU of this process's finished children (each locust run, once it has been waited for)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def shut_down(server: subprocess.Popen[bytes] | None, cluster: PgCluster, work: Path, *, keep: bool) -> None:
    """Stop the server (gracefully, then hard) and the database; remove the work folder unless kept."""
    if server is not None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    cluster.stop()
    if keep:
        _log(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="Threads per worker (1: sync workers, the default)."
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg-port", type=int, default=54411)
    parser.add_argument("--steady-s", type=int, default=60)
    parser.add_argument("--flat-out-s", type=int, default=10, help="Seconds of each flat-out round.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating /healthz, substitutes rounds.")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument(
        "--work", type=Path, help="Work folder to keep and reuse (default: a new temporary one, removed)."
    )
    args = parser.parse_args()

    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        args.keep = True
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-api-"))
    figures: dict[str, object] = {
        "items": args.items,
        "stores": args.stores,
        "customers": args.customers,
        "days": args.days,
        "workers": args.workers,
        "threads": args.threads,
    }
    cluster = PgCluster(work / "pg", args.pg_port)
    server = None
    try:
        cluster.start()
        url = cluster.url
        figures.update({k: round(v, 1) for k, v in prepared(work, url, args).items()})
        figures["served_model_fit_s"] = served_model_fit_seconds(work)
        tfile = targets(url, work)
        key = demo_key(url)
        t = time.perf_counter()
        server = start_server(url, work, args.port, args.workers, args.threads)
        figures["server_start_s"] = round(time.perf_counter() - t, 1)
        common = {"key": key, "tfile": tfile}

        locust(args.port, work, "warmup", path="substitutes", users=4, rate=0, seconds=5, **common)
        # Alternating short rounds, so that a burst of other work on this shared
        # machine lands on both sides of a ratio rather than on one of them.
        rounds = []
        cpu: list[dict[str, float]] = []
        for r in range(args.rounds):
            health, subs = (
                locust(
                    args.port,
                    work,
                    f"{label}-{r}",
                    path=path,
                    users=16,
                    rate=0,
                    seconds=args.flat_out_s,
                    server=server,
                    **common,
                )
                for path, label in (("healthz", "healthz"), ("substitutes", "flat"))
            )
            rounds.append((health["rps"], subs["rps"], subs["failures"]))
            cpu.append(
                {
                    f"{side}_{k}": run[k]
                    for side, run in (("healthz", health), ("substitutes", subs))
                    for k in ("server_cpu_ms", "client_cpu_ms")
                }
            )
        ratios = sorted(s / h for h, s, _ in rounds if h)
        figures["healthz_rps"] = [round(h, 1) for h, _, _ in rounds]
        figures["substitutes_rps"] = [round(s, 1) for _, s, _ in rounds]
        figures["flat_out_failures"] = sum(f for _, _, f in rounds)
        figures["throughput_ratios"] = [round(x, 3) for x in ratios]
        figures["throughput_ratio"] = round(ratios[len(ratios) // 2], 3) if ratios else None  # the median
        # Where each request's CPU went, per side (medians of the rounds): the server's share
        # is the app's own cost; locust's is what it took from the same two cores.
        figures["cpu_ms_per_request"] = {
            k: round(sorted(c[k] for c in cpu)[len(cpu) // 2], 3) for k in (cpu[0] if cpu else {})
        }
        figures["cpu_ms_per_request_rounds"] = {k: [c[k] for c in cpu] for k in (cpu[0] if cpu else {})}
        if cpu:
            per = figures["cpu_ms_per_request"]
            figures["server_cpu_ratio"] = round(
                per["healthz_server_cpu_ms"] / per["substitutes_server_cpu_ms"], 3
            )

        steady = locust(
            args.port, work, "steady", path="substitutes", users=20, rate=5, seconds=args.steady_s, **common
        )
        figures.update({f"steady_{k}": v for k, v in steady.items()})
        # The same rate on the trivial endpoint: the floor this machine and locust put under any latency.
        floor = locust(
            args.port, work, "steady-healthz", path="healthz", users=20, rate=5, seconds=30, **common
        )
        figures.update({f"steady_healthz_{k}": floor[k] for k in ("p50_ms", "p99_ms", "failures")})

        outage: dict[str, float] = {}

        def stop_db_midway() -> None:
            time.sleep(10)
            cluster.stop()
            _log("database stopped")
            time.sleep(10)
            cluster.start()
            _log("database started again")

        import threading

        chaos = threading.Thread(target=stop_db_midway)
        chaos.start()
        outage = locust(args.port, work, "outage", path="substitutes", users=20, rate=5, seconds=30, **common)
        chaos.join()
        figures.update({f"outage_{k}": v for k, v in outage.items()})
        figures["targets"] = {
            "throughput_ratio>=0.5": bool(figures["throughput_ratio"] and figures["throughput_ratio"] >= 0.5),
            "steady_p50<=10ms": steady["p50_ms"] <= 10,
            "steady_p99<=50ms": steady["p99_ms"] <= 50,
            "steady_errors==0": steady["failures"] == 0,
            "outage_failed==0": outage["failures"] == 0,
        }
    finally:
        shut_down(server, cluster, work, keep=args.keep)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
