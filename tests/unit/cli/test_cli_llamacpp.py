"""`cos ask`, `cos chat` and `cos models info` on the default backend, llama.cpp, with the embedded GGUF and a
department adapter."""

import json

import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(autouse=True)
def short_answers(monkeypatch):
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "12")
    monkeypatch.setenv("COS_OFFLINE", "1")


def test_ask_json_reports_the_llamacpp_backend():
    result = runner.invoke(app, ["ask", "--json", "Is an email asking for our bank password phishing?"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert (row["backend"], row["model"], row["department"]) == ("llamacpp", "SmolLM2-135M-Instruct", "security")
    assert row["answer"].strip() and row["tokens_out"] == 12 and row["confidence"] is not None


def test_a_departments_adapter_answers_its_tasks_and_shows_in_the_trace_and_models_info(store_adapter):
    store_adapter("content", seed=0)
    result = runner.invoke(app, ["ask", "-d", "content", "Write a post about our sourdough"])
    assert result.exit_code == 0, result.output
    assert "SmolLM2-135M-Instruct + 13-parameter adapter on llamacpp" in result.stderr
    info = json.loads(runner.invoke(app, ["models", "info", "--json"]).stdout)
    assert info["backend"] == "llamacpp" and info["context_window"] == 4096 and info["architecture"] == "llama"
    assert [(a["department"], a["params"]) for a in info["adapters"]] == [("content", 13)]
    assert info["gguf"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")


def test_chat_answers_on_llamacpp():
    result = runner.invoke(app, ["chat", "--new"], input="Write a tweet about our new menu\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "SmolLM2-135M-Instruct on llamacpp" in result.stderr and "12 tokens" in result.stderr


def test_answering_on_llamacpp_never_imports_torch_once_adapters_are_exported(store_adapter):
    """Generation and routing run without torch; only exporting a new adapter needs it (once, then cached)."""
    import subprocess
    import sys

    store_adapter("content", seed=0)
    ask = ["ask", "--json", "-d", "content", "Write a post about our sourdough"]
    assert runner.invoke(app, ask).exit_code == 0  # exports the adapter (torch, once)
    blocked = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None; "
               f"sys.argv = ['cos', *{ask!r}]; from chief_of_staff.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["adapter"] == {"department": "content", "params": 13}
