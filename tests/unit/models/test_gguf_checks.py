"""A GGUF is checked before llama.cpp sees it: missing, not a GGUF, damaged, unsupported, or too big for the
memory left all give a message saying what to do, and a non-zero exit from the CLI."""

import shutil

import gguf
import numpy as np
import pytest
from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.errors import ModelLoadError, ModelNotFoundError
from chief_of_staff.models.embedded import embedded_gguf
from chief_of_staff.models.gguf_header import read_header
from chief_of_staff.models.llamacpp_engine import EngineConfig, InsufficientMemoryError, LlamaEngine, check_memory

runner = CliRunner()


def write_gguf(path, architecture: str) -> None:
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_context_length(256)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


@pytest.fixture()
def damaged(tmp_path):
    path = tmp_path / "cut.gguf"
    path.write_bytes(embedded_gguf().read_bytes()[:500_000])  # ends inside the vocabulary
    return path


def test_the_embedded_header_names_the_model():
    header = read_header(embedded_gguf())
    assert (header.architecture, header.context_length, header.head_count, header.head_count_kv) == \
        ("llama", 8192, 9, 3)
    assert header.file_type == "model" and header.kv_bytes_per_token() == 2 * 30 * 192 * 2
    assert header.parameters == 134_515_008, "as transformers counts the same weights"


def test_missing_file(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no model file at"):
        read_header(tmp_path / "nope.gguf")


def test_not_a_gguf(tmp_path):
    (tmp_path / "model.gguf").write_text("<html>a download page</html>")
    with pytest.raises(ModelLoadError, match="not a GGUF model file"):
        read_header(tmp_path / "model.gguf")


def test_damaged_header(damaged):
    with pytest.raises(ModelLoadError, match="damaged or incomplete"):
        read_header(damaged)


def test_unsupported_architecture(tmp_path):
    write_gguf(tmp_path / "odd.gguf", "transmogrifier")
    with pytest.raises(ModelLoadError, match="'transmogrifier' model, an architecture llama.cpp does not support"):
        read_header(tmp_path / "odd.gguf")


def test_truncated_weights_are_refused_by_llamacpp_with_our_message(tmp_path):
    source = embedded_gguf()
    cut = tmp_path / "cut-weights.gguf"
    with source.open("rb") as f:
        cut.write_bytes(f.read(source.stat().st_size // 2))  # header intact, half the weights gone
    with pytest.raises(ModelLoadError, match="llama.cpp could not load .* damaged or truncated"):
        LlamaEngine(EngineConfig(cut))


def test_too_little_memory_is_refused_before_loading():
    header = read_header(embedded_gguf())
    with pytest.raises(InsufficientMemoryError, match=r"needs about .* GiB .* only 0\.0 GiB is free"):
        check_memory(header, context_tokens=4096, available=1024)
    check_memory(header, context_tokens=4096, available=2**32)


def test_models_use_refuses_bad_files_and_keeps_the_setting(tmp_path, damaged):
    (tmp_path / "notes.txt").write_text("hi")
    write_gguf(tmp_path / "odd.gguf", "transmogrifier")
    for bad, why in [(tmp_path / "missing.gguf", "no model file"), (damaged, "damaged"),
                     (tmp_path / "notes.txt", "nor a .gguf file"), (tmp_path / "odd.gguf", "does not support")]:
        result = runner.invoke(app, ["models", "use", str(bad)])
        assert result.exit_code == 2 and why in result.stderr, (bad, result.output)
    assert not (tmp_path / "config.toml").exists()


def test_models_use_a_gguf_then_chat_answers_on_it(tmp_path, monkeypatch):
    monkeypatch.delenv("COS_MODEL")  # the config file chooses
    copy = tmp_path / "my-model.gguf"
    shutil.copy(embedded_gguf(), copy)
    (tmp_path / "config.toml").write_text('max_new_tokens = 5\n\n[budgets.sonnet]\ndaily_usd = 2.0\n')
    result = runner.invoke(app, ["models", "use", str(copy)])
    assert result.exit_code == 0 and "(llama, 94 MiB)" in result.stdout, result.output
    config = (tmp_path / "config.toml").read_text()
    assert config.startswith(f'model = "{copy}"') and "daily_usd = 2.0" in config
    answered = runner.invoke(app, ["ask", "--json", "--offline", "Write a tweet about our bread"])
    assert answered.exit_code == 0, answered.output
    assert '"model": "my-model"' in answered.stdout and '"backend": "llamacpp"' in answered.stdout
    assert runner.invoke(app, ["models", "use", "embedded"]).exit_code == 0  # the tiny model's old name
    assert (tmp_path / "config.toml").read_text().startswith('model = "smollm2-135m"')


def test_training_on_a_gguf_transformers_cannot_read_says_to_set_train_model(tmp_path, monkeypatch):
    write_gguf(tmp_path / "odd.gguf", "llama")  # llama.cpp knows the architecture; transformers cannot read it
    monkeypatch.setenv("COS_MODEL", str(tmp_path / "odd.gguf"))
    monkeypatch.setenv("COS_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["adapters", "train", "content", "--steps", "1"])
    assert result.exit_code == 2 and "transformers cannot load GGUF" in result.stderr
    assert "set COS_TRAIN_MODEL" in result.stderr


def test_train_model_names_what_training_loads(monkeypatch):
    from chief_of_staff.settings import load_settings

    monkeypatch.setenv("COS_MODEL", "/models/served.gguf")
    assert load_settings().training_model == "/models/served.gguf"
    monkeypatch.setenv("COS_TRAIN_MODEL", "/models/served-hf")
    assert load_settings().training_model == "/models/served-hf"
