"""COS_BACKEND=openai: the Chief of Staff answering on an OpenAI-compatible model server, through the real `openai`
client. Against a real llama-server (`cos models serve`, llama.cpp's own HTTP server from the xllamacpp wheel) it
answers exactly as the in-process engine does, each department with its own adapter by the per-request `lora`
field; against a stand-in for vLLM it asks for the adapter by model name, with the fields vLLM reads."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from tests.fakes.vllm_server import BASE, MAX_MODEL_LEN, FakeVllmServer

pytestmark = pytest.mark.slow
runner = CliRunner()
TASK = "Write a post about our sourdough"
KEY = "team-model-key"
COS = str(Path(sys.executable).with_name("cos"))


@pytest.fixture(autouse=True)
def short_offline_answers(monkeypatch, isolated_config):
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "12")
    monkeypatch.setenv("COS_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(*args: str) -> dict:
    result = runner.invoke(app, ["ask", "--json", *args, TASK])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def on_server(monkeypatch, url: str, adapters: str, key: str = KEY) -> None:
    monkeypatch.delenv("COS_MODEL", raising=False)  # the server's own model
    monkeypatch.setenv("COS_BACKEND", "openai")
    monkeypatch.setenv("COS_OPENAI_BASE_URL", url)
    monkeypatch.setenv("COS_OPENAI_API_KEY", key)
    monkeypatch.setenv("COS_OPENAI_ADAPTERS", adapters)


@pytest.fixture()
def llama_server(store_adapter):
    """`cos models serve` with content's and security's adapters, on a free loopback port, with a key."""
    store_adapter("content", seed=0)
    store_adapter("security", seed=1)
    port = free_port()
    server = subprocess.Popen([COS, "models", "serve", "--port", str(port),
                               "--api-key", KEY, "--parallel", "1"], env=os.environ.copy(),
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300  # the first start exports the adapters (torch, once)
    lines = []
    while not any(line.startswith("replicas:") for line in lines):
        assert server.poll() is None and time.monotonic() < deadline, "".join(lines) + server.stderr.read()
        lines.append(server.stderr.readline())
    yield {"url": f"http://127.0.0.1:{port}/v1", "said": "".join(lines)}
    server.terminate()
    server.wait(timeout=30)


def test_llama_server_answers_every_department_exactly_as_the_in_process_engine_with_its_own_adapter(
        llama_server, monkeypatch):
    in_process = {name: ask("-d", name) for name in ("content", "security")}
    without = ask("--no-adapter", "-d", "content")
    assert "adapters: content, security" in llama_server["said"]
    on_server(monkeypatch, llama_server["url"], "lora")
    for name, local in in_process.items():
        served = ask("-d", name)
        assert (served["backend"], served["model"]) == ("openai", "SmolLM2-135M-Instruct")
        assert served["adapter"] == {"department": name, "params": None}
        assert (served["answer"], served["confidence"]) == (local["answer"], local["confidence"])
    served_without = ask("--no-adapter", "-d", "content")
    assert (served_without["answer"], served_without["confidence"]) == (without["answer"], without["confidence"])
    assert served_without["confidence"] != in_process["content"]["confidence"], "the adapter changes the answer"
    info = json.loads(runner.invoke(app, ["models", "info", "--json"]).stdout)
    assert info["context_window"] == 4096 and {a["department"] for a in info["adapters"]} == {"content", "security"}


def test_the_model_server_refuses_an_open_address_without_a_key():
    result = runner.invoke(app, ["models", "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing to bind 0.0.0.0 without a key" in result.output


def test_vllm_is_asked_for_the_departments_adapter_by_name_with_logprobs_and_usage(monkeypatch):
    with FakeVllmServer(lora_modules=["content"], api_key=KEY) as vllm:
        on_server(monkeypatch, vllm.url, "model")
        content = ask("-d", "content")
        body = vllm.requests[-1]
        assert body["model"] == "content" and body["logprobs"] is True and body["stream"] is True
        assert body["stream_options"] == {"include_usage": True} and body["max_tokens"] == 12
        assert body["repetition_penalty"] == 1.15 and "lora" not in body
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
        assert (content["model"], content["adapter"]) == (BASE, {"department": "content", "params": None})
        assert content["answer"].startswith("Fresh bread, baked today.") and content["tokens_out"] == 4
        assert content["confidence"] is not None
        ask("-d", "security")
        assert vllm.requests[-1]["model"] == BASE, "a department without an adapter answers on the base model"
        ask("--no-adapter", "-d", "content")
        assert vllm.requests[-1]["model"] == BASE
        info = json.loads(runner.invoke(app, ["models", "info", "--json"]).stdout)
        assert info["context_window"] == MAX_MODEL_LEN and info["adapters"] == [
            {"department": "content", "served_as": "content"}]


def test_a_model_the_server_does_not_serve_is_named(monkeypatch):
    with FakeVllmServer(lora_modules=[], api_key=KEY) as vllm:
        on_server(monkeypatch, vllm.url, "model")
        monkeypatch.setenv("COS_MODEL", "Qwen/Qwen2.5-7B-Instruct")
        result = runner.invoke(app, ["ask", "-d", "content", TASK])
        assert result.exit_code == 2
        assert "has no model 'Qwen/Qwen2.5-7B-Instruct'" in result.output and "does not exist" in result.output


def test_a_wrong_key_and_an_unreachable_server_say_what_to_check(monkeypatch):
    with FakeVllmServer(lora_modules=[], api_key=KEY) as vllm:
        on_server(monkeypatch, vllm.url, "model", key="wrong")
        result = runner.invoke(app, ["ask", "-d", "content", TASK])
        assert result.exit_code == 2 and f"the model server at {vllm.url} refused the key" in result.output
    closed = f"http://127.0.0.1:{free_port()}/v1"
    on_server(monkeypatch, closed, "model")
    result = runner.invoke(app, ["ask", "-d", "content", TASK])
    assert result.exit_code == 2 and f"cannot reach the model server at {closed}" in result.output


@pytest.mark.parametrize(("variables", "message"), [
    ({"COS_BACKEND": "openai"}, "COS_BACKEND=openai needs the server's address: set COS_OPENAI_BASE_URL"),
    ({"COS_BACKEND": "openai", "COS_OPENAI_BASE_URL": "gpu-box:8000"}, "must start with http:// or https://"),
    ({"COS_BACKEND": "openai", "COS_OPENAI_BASE_URL": "http://gpu-box:8000/v1", "COS_OPENAI_ADAPTERS": "name"},
     "openai_adapters"),
])
def test_bad_server_settings_are_refused_with_the_setting_named(monkeypatch, variables, message):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["ask", TASK])
    assert result.exit_code == 2 and message in result.output


def test_a_replica_whose_model_server_is_down_answers_503_naming_it(tiny_settings):
    from tests.unit.server.conftest import serving

    closed = f"http://127.0.0.1:{free_port()}/v1"
    body = {"model": "cos-content", "stream": False, "messages": [{"role": "user", "content": TASK}]}
    with serving(tiny_settings.model_copy(update={"backend": "openai", "openai_base_url": closed})) as replica:
        down = httpx.post(f"{replica.url}/api/chat", json=body, timeout=60)
    assert down.status_code == 503
    assert down.json()["error"] == f"cannot reach the model server at {closed}: start it, or check COS_OPENAI_BASE_URL"
