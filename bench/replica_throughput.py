"""Requests per second with 2 `cos serve` replicas against 1, sharing one PostgreSQL (#16).

Each replica is a real `cos serve` process with its own data directory; only the database is shared. Clients post
non-streamed /api/chat turns to the replicas in turn, `--clients` at once. Two workloads, both in one run:

- escalated: content calibrated at a threshold of 1.0, so every turn answers locally, then escalates to a fake
  Messages API on 127.0.0.1 that takes `--claude-s` seconds a call (tests/fakes/anthropic_server.py);
- local: calibrated at 0.0, so every turn stays on the local model.

Two shapes, also in the same run: each replica with its own llama.cpp model in-process (the default), and the
replicas with COS_BACKEND=openai sharing one model server (`cos models serve`), the shape docs/deploy.md describes.

    .venv/bin/python bench/replica_throughput.py [--turns 48] [--clients 12] [--claude-s 1.0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COS = str(Path(sys.executable).with_name("cos"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def model_server(env: dict[str, str]):
    """`cos models serve` on a free port; yields the replicas' settings for it."""
    port, key = free_port(), "bench-key"
    data = tempfile.mkdtemp(prefix="cos-model-server-")
    process = subprocess.Popen([COS, "models", "serve", "--port", str(port), "--api-key", key],
                               env={**env, "COS_DATA_DIR": data, "COS_CONFIG": f"{data}/c.toml"},
                               stderr=subprocess.PIPE, text=True)
    try:
        while not process.stderr.readline().startswith("replicas:"):
            assert process.poll() is None, "the model server did not start"
        yield {"COS_BACKEND": "openai", "COS_OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
               "COS_OPENAI_API_KEY": key, "COS_OPENAI_ADAPTERS": "lora"}
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def replicas(count: int, env: dict[str, str]):
    """`count` `cos serve` processes, each its own data dir and port; yields their URLs once all answer."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            data = tempfile.mkdtemp(prefix="cos-replica-")
            processes.append(subprocess.Popen([COS, "serve", "--port", str(port)], stderr=subprocess.DEVNULL,
                                              env={**env, "COS_DATA_DIR": data, "COS_CONFIG": f"{data}/c.toml"}))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 180
        for url, process in zip(urls, processes):
            while True:
                assert process.poll() is None and time.monotonic() < deadline, f"{url} did not start"
                try:
                    if httpx.get(f"{url}/api/version", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def requests_per_second(urls: list[str], turns: int, clients: int) -> float:
    def turn(number: int) -> None:
        body = {"model": "cos-content", "stream": False,
                "messages": [{"role": "user", "content": f"Write tweet {number} about our spring sale"}]}
        response = httpx.post(f"{urls[number % len(urls)]}/api/chat", json=body, timeout=600)
        response.raise_for_status()

    turn(0)  # each replica's first turn loads what it loads lazily; not timed
    turn(1)
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(turn, range(turns)))
    return turns / (time.perf_counter() - began)


def main() -> None:
    from chief_of_staff.escalation.calibration import Calibration, save_calibration
    from chief_of_staff.postgres import PostgresSchema
    from tests.fakes.anthropic_server import DEFAULT_API_KEY, FakeAnthropicServer
    from tests.postgres_server import running_postgres

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=48)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--claude-s", type=float, default=1.0, help="seconds the fake Messages API takes a call")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    args = parser.parse_args()
    rows = {}
    with ExitStack() as stack:
        url = stack.enter_context(running_postgres())
        claude = stack.enter_context(FakeAnthropicServer(default_mode="slow", slow_s=args.claude_s))
        env = {**os.environ, "COS_DATABASE_URL": url, "COS_MODEL": os.environ.get("COS_MODEL", "smollm2-135m"),
               "COS_MAX_NEW_TOKENS": str(args.max_new_tokens), "ANTHROPIC_API_KEY": DEFAULT_API_KEY,
               "ANTHROPIC_BASE_URL": claude.url, "COS_CLAUDE_MAX_RETRIES": "0"}
        served = {**env, **stack.enter_context(model_server(env))}
        served.pop("COS_MODEL")  # the server's own
        for workload, threshold in (("escalated", 1.0), ("local", 0.0)):
            save_calibration(PostgresSchema(url, "cos_calibrations"), Calibration(
                department="content", threshold=threshold, target_accuracy=0.9, local_share=1 - threshold,
                local_accuracy=None, base_accuracy=0.0, auroc=None, n=1))
            for shape, shape_env in (("model in each replica", env), ("one model server", served)):
                for count in (1, 2):
                    with replicas(count, shape_env) as urls:
                        rows[(workload, shape, count)] = requests_per_second(urls, args.turns, args.clients)
    print(f"{args.turns} turns, {args.clients} clients at once, {os.cpu_count()} cores, "
          f"fake Claude {args.claude_s:g} s a call, {args.max_new_tokens} local tokens a turn")
    print("| workload | local model | 1 replica (req/s) | 2 replicas (req/s) | 2 / 1 |")
    print("|---|---|---|---|---|")
    for workload, shape, _ in rows:
        if _ == 1:
            one, two = rows[(workload, shape, 1)], rows[(workload, shape, 2)]
            print(f"| {workload} | {shape} | {one:.2f} | {two:.2f} | {two / one:.2f}x |")


if __name__ == "__main__":
    main()
