"""`cos serve` as a process of its own, for benchmarks that load it from outside (as real clients do: in the
benchmark's process, client threads would compete with the server for one interpreter lock)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

COS = str(Path(sys.executable).with_name("cos"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and its children."""
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])


def wait_ready(http: httpx.Client, server: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"cos serve exited ({server.returncode}): {server.stderr.read().decode()[-2000:]}")
        try:
            http.get("/api/tags").raise_for_status()
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"cos serve did not answer within {timeout:.0f} s")


@contextmanager
def cos_serve(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """A running `cos serve` on a free loopback port with `env`: yields (base URL, process); stops it after."""
    port = free_port()
    server = subprocess.Popen([COS, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=300) as http:
            wait_ready(http, server)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
