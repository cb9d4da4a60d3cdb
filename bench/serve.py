"""`cos serve` benchmark on the embedded model with llama.cpp, 4 parallel slots and 4 departments' adapters, side
by side:

- time to the first streamed token (the app in a uvicorn thread of this process) of the same prompt through the
  HTTP API (`/api/chat`, streaming NDJSON, httpx) against the CLI's own path (`run_turn` on the same loaded
  session, which `cos ask` calls), as a ratio;
- requests per second of short answers (`/api/chat`, stream false, num_predict 16, every task different) from
  client threads here to `cos serve` in its own process, after the same load on a llama.cpp engine directly
  (no HTTP, no graph, no server running: llama.cpp's ceiling on this machine), each in alternating rounds:
  1 client on one department; 4 clients on one department (goal >= 2.5x of 1 client); 4 clients each on its
  own department, so each request selects another adapter (goal >= 1.5x of 1 client).

The data directory and config are throw-away (random seeded adapters for security, content, finance and
general; the user's data is untouched); offline, so no turn calls Claude.

    .venv/bin/python bench/serve.py [--rounds 3] [--seconds 10] [--ttft-rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
from random_adapters import DEPARTMENTS, store_adapters, use_isolated_env  # bench/random_adapters.py
from serve_process import cos_serve  # bench/serve_process.py

from chief_of_staff.server.app import SharedSession, server_config
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import new_thread_id
from chief_of_staff.turns import run_turn

PROMPT = "Is an email asking me to confirm my Microsoft 365 password through a link phishing?"
SHORT_TASK = "Write one line for our team about Friday's plans."
PARALLEL = 4


def first_token_cli(shared: SharedSession) -> float:
    """Seconds from the call to the first token, on the path `cos ask` takes (session already loaded)."""
    started, first = time.perf_counter(), []
    session = shared.session
    context = session.context.for_turn(department="security")
    run_turn(session.graph, context, new_thread_id(), PROMPT,
             lambda piece: first or first.append(time.perf_counter() - started))
    return first[0]


def first_token_http(client: httpx.Client) -> float:
    body = {"model": "cos-security", "messages": [{"role": "user", "content": PROMPT}]}
    started = time.perf_counter()
    with client.stream("POST", "/api/chat", json=body) as response:
        response.raise_for_status()
        first = None
        for line in response.iter_lines():
            if first is None and line and json.loads(line)["message"]["content"]:
                first = time.perf_counter() - started
    return first


def chat_body(department: str, n: int) -> dict:
    """A short task, numbered so that no two requests share more than the department's system prompt (a real
    client's tasks differ; the same task every time would be answered from llama.cpp's prompt cache)."""
    return {"model": f"cos-{department}", "stream": False, "options": {"num_predict": 16},
            "messages": [{"role": "user", "content": f"{SHORT_TASK} (note {n})"}]}


def rate(departments: list[str], seconds: float, ask: Callable[[str, int], None]) -> float:
    """Requests per second of one client thread per entry of `departments`, each calling `ask(department, n)`
    with its own numbered tasks for `seconds`."""
    done, deadline, lock = [0], time.perf_counter() + seconds, threading.Lock()

    def client(k: int, department: str) -> None:
        n = 1000 * k
        while time.perf_counter() < deadline:
            n += 1
            ask(department, n)
            with lock:
                done[0] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(k, d)) for k, d in enumerate(departments)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0] / (time.perf_counter() - started)


def engine_requests_per_second(engine, prompts: dict[str, str], departments: list[str], seconds: float) -> float:
    """The same load on a llama.cpp engine directly, without HTTP or the graph: llama.cpp's ceiling here."""
    def ask(department: str, n: int) -> None:
        body = {"messages": [{"role": "system", "content": prompts[department]},
                             {"role": "user", "content": f"{SHORT_TASK} (note {n})"}],
                "max_tokens": 16, "temperature": 0, "logprobs": True, **engine.request_fields(department)}
        engine.chat(body, lambda chunk: False)

    return rate(departments, seconds, ask)


def requests_per_second(url: str, departments: list[str], seconds: float, tokens: list[tuple[int, int]]) -> float:
    """The load through `cos serve`'s /api/chat; appends each answer's (prompt tokens, answer tokens) to
    `tokens`."""
    local = threading.local()

    def ask(department: str, n: int) -> None:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=url, timeout=300)
        response = local.http.post("/api/chat", json=chat_body(department, n))
        response.raise_for_status()
        answer = response.json()
        tokens.append((answer.get("prompt_eval_count", 0), answer.get("eval_count", 0)))  # list.append is atomic

    return rate(departments, seconds, ask)


def print_rates(rates: dict[str, list[float]], goals: tuple[str, str]) -> None:
    """Each scenario's median and rounds, then the two 4-client scenarios against 1 client."""
    median = {name: statistics.median(r) for name, r in rates.items()}
    for name, r in rates.items():
        print(f"  {name:<26} {median[name]:6.2f}   rounds: {', '.join(f'{x:.2f}' for x in r)}")
    one = median["1 client, security"]
    print(f"  4 clients, one department / 1 client   {median['4 clients, security'] / one:5.2f}x{goals[0]}")
    print(f"  4 clients, 4 departments / 1 client    {median['4 clients, 4 departments'] / one:5.2f}x{goals[1]}")


def start_server() -> tuple[uvicorn.Server, threading.Thread, str]:
    env = use_isolated_env()
    os.environ.update({"COS_BACKEND": "llamacpp", "COS_MODEL": "embedded", "COS_PARALLEL": str(PARALLEL),
                       "COS_OFFLINE": "1"})
    store_adapters(Path(env["COS_DATA_DIR"]), DEPARTMENTS)
    server = uvicorn.Server(server_config(load_settings(), "127.0.0.1", 0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start (see the log above)")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three request-rate scenarios")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds each scenario runs per round")
    parser.add_argument("--ttft-rounds", type=int, default=5)
    args = parser.parse_args()
    server, thread, url = start_server()
    shared: SharedSession = server.config.app.state.shared
    loaded = sorted(shared.session.context.chat_model.adapters)
    cli, http = [], []
    with httpx.Client(base_url=url, timeout=300) as client:
        first_token_http(client)  # warm-up: first forward passes, routing caches
        for _ in range(args.ttft_rounds):  # alternate, so drift on a shared machine hits both alike
            cli.append(first_token_cli(shared))
            http.append(first_token_http(client))
    server.should_exit = True
    thread.join(timeout=30)
    engine = shared.session.context.chat_model.engine  # stays loaded: the ceiling below is measured on it
    prompts = {d: shared.departments[d].system_prompt for d in DEPARTMENTS}
    scenarios = {
        "1 client, security": ["security"],
        "4 clients, security": ["security"] * 4,
        "4 clients, 4 departments": list(DEPARTMENTS),
    }
    rates: dict[str, list[float]] = {name: [] for name in scenarios}
    engine_rates: dict[str, list[float]] = {name: [] for name in scenarios}
    tokens: list[tuple[int, int]] = []
    for _ in range(args.rounds):  # the engine alone first: an idle server's threads would still share the cores
        for name, departments in scenarios.items():
            engine_rates[name].append(engine_requests_per_second(engine, prompts, departments, args.seconds))
    del engine, shared
    with cos_serve(dict(os.environ)) as (served_url, _):  # its own process, as real clients see it
        for _ in range(args.rounds):
            for name, departments in scenarios.items():
                rates[name].append(requests_per_second(served_url, departments, args.seconds, tokens))

    cli_s, http_s = statistics.median(cli), statistics.median(http)
    print(f"llama.cpp, {PARALLEL} slots, adapters loaded: {', '.join(loaded) or 'none'}")
    print(f"time to first token, median of {args.ttft_rounds} (same prompt, security)")
    print(f"  CLI path (run_turn)        {1000 * cli_s:8.1f} ms")
    print(f"  HTTP /api/chat streaming   {1000 * http_s:8.1f} ms   ratio HTTP / CLI {http_s / cli_s:.2f}x")
    print(f"requests per second, POST /api/chat (num_predict 16), median of {args.rounds} x {args.seconds:g} s; "
          f"median prompt {statistics.median(t[0] for t in tokens):.0f} tokens, "
          f"answer {statistics.median(t[1] for t in tokens):.0f} tokens")
    print_rates(rates, goals=("  (goal >= 2.5x)", "  (goal >= 1.5x)"))
    print("the same load on llama.cpp's engine directly (no HTTP, no graph), requests per second")
    print_rates(engine_rates, goals=("", ""))


if __name__ == "__main__":
    main()
