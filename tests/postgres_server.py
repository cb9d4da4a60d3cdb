"""A real PostgreSQL for the tests, from Debian's packages: `initdb` and `pg_ctl` in a temporary folder, listening
on a free loopback port, the way the browser tests use Debian's Chromium.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user the Debian package creates.
Without the binaries the tests that need it are skipped with the reason, unless COS_REQUIRE_POSTGRES=1 (CI sets
it): then they fail, so CI can never skip them silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


_clusters: dict[str, tuple[Path, Path, int]] = {}  # url -> (binaries, folder, port)


def _pg_ctl(binaries: Path, folder: Path, port: int, action: str) -> None:
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-l",
                                    str(folder / "server.log"), "-w", "-t", "60", "-m", "immediate", "-o", options,
                                    action]), check=True, capture_output=True, text=True)


def control_postgres(url: str, action: str) -> None:
    """Stop or start a cluster `running_postgres` made: a database that goes away and comes back."""
    _pg_ctl(*_clusters[url], action)


@contextmanager
def running_postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster; yields its URL (user `cos`, no password, loopback only)."""
    binaries = postgres_bin()
    if binaries is None:
        reason = "PostgreSQL's initdb/pg_ctl not found: run `bash scripts/setup.sh --test` (Debian's postgresql)"
        if os.environ.get("COS_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="cos-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run(_as_server_user([str(binaries / args[0]), *args[1:]]),  # noqa: E731
                                       check=True, capture_output=True, text=True)
    try:
        run("initdb", "-D", str(data), "-U", "cos", "--auth=trust", "-E", "UTF8", "--no-locale")
        _pg_ctl(binaries, folder, port, "start")
        url = f"postgresql://cos@127.0.0.1:{port}/postgres"
        _clusters[url] = (binaries, folder, port)
        yield url
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"PostgreSQL did not start: {exc.stderr or exc.stdout}")
    finally:
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
