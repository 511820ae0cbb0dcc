"""A throwaway PostgreSQL cluster for ``bench/api.py``: started, stopped and started again at will.

PostgreSQL refuses to run as root, so when the bench runs as root the server
runs as the ``postgres`` system user (as Debian's packages create it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server (apt-get install postgresql)")
    return found


class PgCluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._running = False

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        if not (self.folder / "PG_VERSION").exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.folder, "postgres")
                shutil.chown(self.folder.parent, "postgres")
            self._run(_bin("initdb"), "-D", str(self.folder), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.folder),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._run(_bin("pg_ctl"), "-D", str(self.folder), "-m", "immediate", "-w", "stop")
            self._running = False
