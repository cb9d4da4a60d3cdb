"""`cos serve` benchmark on the embedded model, one process, side by side:

- time to the first streamed token of the same prompt through the HTTP API (`/api/chat`, streaming NDJSON, httpx)
  against the CLI's own path (`run_turn` on the same loaded session, which `cos ask` calls), as a ratio;
- requests per second with 4 concurrent clients for `/api/tags` and for a short `/api/chat` (num_predict 4;
  turns share one model, so they run one at a time).

    .venv/bin/python bench/serve.py [--rounds 5] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

import httpx
import uvicorn

from chief_of_staff.server.app import server_config
from chief_of_staff.settings import load_settings
from chief_of_staff.threads import new_thread_id
from chief_of_staff.turns import run_turn

PROMPT = "Is an email asking me to confirm my Microsoft 365 password through a link phishing?"


def first_token_cli(shared) -> float:
    """Seconds from the call to the first token, on the path `cos ask` takes (session already loaded)."""
    started, first = time.perf_counter(), []
    session = shared.session
    saved = session.context.forced_department
    session.context.forced_department = "security"
    try:
        with shared.lock:
            run_turn(session.graph, session.context, new_thread_id(), PROMPT,
                     lambda piece: first or first.append(time.perf_counter() - started))
    finally:
        session.context.forced_department = saved
    return first[0]


def first_token_http(client: httpx.Client) -> float:
    body = {"model": "cos-security", "messages": [{"role": "user", "content": PROMPT}]}
    started = time.perf_counter()
    with client.stream("POST", "/api/chat", json=body) as response:
        first = None
        for line in response.iter_lines():
            if first is None and line and json.loads(line)["message"]["content"]:
                first = time.perf_counter() - started
    return first


def requests_per_second(url: str, method: str, path: str, body: dict | None, seconds: float) -> float:
    done, deadline = [0], time.perf_counter() + seconds
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.perf_counter() < deadline:
                response = http.request(method, path, json=body)
                response.raise_for_status()
                with lock:
                    done[0] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0] / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    server = uvicorn.Server(server_config(load_settings(), "127.0.0.1", 0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    shared = server.config.app.state.shared
    cli, http = [], []
    with httpx.Client(base_url=url, timeout=300) as client:
        first_token_http(client)  # warm-up: first forward passes, routing caches
        for _ in range(args.rounds):  # alternate, so drift on a shared machine hits both alike
            cli.append(first_token_cli(shared))
            http.append(first_token_http(client))
    cli_s, http_s = statistics.median(cli), statistics.median(http)
    print(f"time to first token, median of {args.rounds} (same prompt, security)")
    print(f"  CLI path (run_turn)        {1000 * cli_s:8.1f} ms")
    print(f"  HTTP /api/chat streaming   {1000 * http_s:8.1f} ms   ratio HTTP / CLI {http_s / cli_s:.2f}x")
    tags = requests_per_second(url, "GET", "/api/tags", None, args.seconds)
    chat_body = {"model": "cos-content", "stream": False, "options": {"num_predict": 4},
                 "messages": [{"role": "user", "content": "Write a tagline for our bakery"}]}
    chat = requests_per_second(url, "POST", "/api/chat", chat_body, args.seconds * 4)
    print("requests per second, 4 concurrent clients")
    print(f"  GET /api/tags                      {tags:8.1f}")
    print(f"  POST /api/chat (num_predict 4)     {chat:8.2f}")
    server.should_exit = True
    thread.join(timeout=30)


if __name__ == "__main__":
    main()
