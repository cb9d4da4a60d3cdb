"""The real `langgraph dev` on the repo's langgraph.json, driven by the real langgraph_sdk client, on the tiny model:
an answer with its department, a thread the server keeps, run options as the run's context, streamed tokens."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client

from chief_of_staff.graph import ANSWER_TAG
from tests.conftest import REPO

LANGGRAPH = str(Path(sys.executable).with_name("langgraph"))
STARTUP_S = 120  # imports torch and the package (about 5 s here); a cold disk can take much longer
PHISHING = "We got an email asking to reset our bank password via a link, phishing?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/ok", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    state = f"exited with {process.returncode}" if process.poll() is not None else f"not ready after {STARTUP_S} s"
    pytest.fail(f"`langgraph dev` {state} on {url}; its output:\n{log.read_text(errors='replace')[-6000:]}")


def stop(process: subprocess.Popen) -> None:
    """The server and anything it started: it runs in its own process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def server_url(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module. Its environment is built here, not inherited from the per-test isolation (which
    runs after a module fixture): no COS_* or ANTHROPIC_* of the caller, so nothing reaches the real Claude API."""
    folder = tmp_path_factory.mktemp("langgraph-dev")  # the server's cwd: it writes .langgraph_api/ there
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COS_", "ANTHROPIC_"))}
    env.update({
        "COS_BACKEND": "transformers",
        "COS_MODEL": str(tiny_model_dir), "COS_MAX_NEW_TOKENS": "12", "COS_CONFIG": str(folder / "config.toml"),
        "COS_DATA_DIR": str(folder / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in [str(REPO), env.get("PYTHONPATH", "")] if p),  # this checkout's code
        "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false",  # no calls home from a test
        "LOG_COLOR": "false",  # a readable log in a failure message
    })
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [LANGGRAPH, "dev", "--config", str(REPO / "langgraph.json"), "--host", "127.0.0.1", "--port", str(port),
             "--no-browser", "--no-reload"],
            cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until_ready(url, process, log)
        yield url
    finally:
        stop(process)


def ask(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


def test_a_run_answers_with_its_department_and_the_thread_keeps_its_history(server_url):
    client = get_sync_client(url=server_url)
    thread = client.threads.create()["thread_id"]
    first = client.runs.wait(thread, "chief_of_staff", input=ask(PHISHING))
    answer = first["messages"][-1]
    assert first["department"] == "security" and first["trace"]["department"] == "security"
    assert answer["type"] == "ai" and answer["name"] == "security" and answer["content"]
    second = client.runs.wait(thread, "chief_of_staff", input=ask("And what should we do next?"),
                              context={"department": "finance"})
    assert second["department"] == "finance" and second["trace"]["route_score"] == 1.0
    assert [m["type"] for m in second["messages"]] == ["human", "ai", "human", "ai"]
    stored = client.threads.get_state(thread)["values"]  # the server's own checkpointer kept the thread
    assert [m["content"] for m in stored["messages"]] == [m["content"] for m in second["messages"]]
    fresh = client.runs.wait(client.threads.create()["thread_id"], "chief_of_staff",
                             input=ask("And what should we do next?"), context={"department": "finance"})
    assert fresh["trace"]["tokens_in"] < second["trace"]["tokens_in"]  # the model was shown the thread's history


def test_answer_tokens_stream_through_the_server(server_url):
    client = get_sync_client(url=server_url)
    thread = client.threads.create()["thread_id"]
    tokens, final = [], {}
    for part in client.runs.stream(thread, "chief_of_staff", input=ask(PHISHING), context={"critical": True},
                                   stream_mode=["messages-tuple", "values"], stream_subgraphs=True):
        if part.event.startswith("messages"):
            message, metadata = part.data
            if message["type"] == "AIMessageChunk" and ANSWER_TAG in metadata.get("tags", []):
                tokens.append(message["content"])
        elif part.event == "values":  # the parent graph's state; the subgraph's arrive as "values|<namespace>"
            final = part.data
    assert len(tokens) > 1 and "".join(tokens) == final["messages"][-1]["content"]
    assert final["trace"]["critical"] and final["department"] == "security"


def test_an_unknown_department_is_refused_with_a_message_naming_it(server_url):
    client = get_sync_client(url=server_url)
    # runs.wait raises a plain Exception carrying the run's error (langgraph_sdk has no narrower type for it)
    with pytest.raises(Exception, match="no department named 'nope'; choose one of"):
        client.runs.wait(client.threads.create()["thread_id"], "chief_of_staff", input=ask("hello"),
                         context={"department": "nope"})
