"""Adapters belong to the base model they were trained on: the store keeps one per department and model, `cos
adapters list` says which model each is for, and a turn uses only the adapters of the model answering, saying so
when its department has adapters only for other models."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from chief_of_staff.cli import app
from chief_of_staff.models.embedded import embedded_gguf
from chief_of_staff.tinylora.adapter_file import save_adapter

runner = CliRunner()


def test_adapters_list_names_each_adapters_base_model(store_adapter, tmp_path, monkeypatch):
    store_adapter("content", seed=0)
    rows = json.loads(runner.invoke(app, ["adapters", "list", "--json"]).stdout)
    assert [(r["department"], r["model"], r["in_use"]) for r in rows] == [("content", "smollm2-135m", True)]
    other = tmp_path / "other-model.gguf"
    shutil.copy(embedded_gguf(), other)
    monkeypatch.setenv("COS_MODEL", str(other))
    rows = json.loads(runner.invoke(app, ["adapters", "list", "--json"]).stdout)
    assert [(r["department"], r["model"], r["in_use"]) for r in rows] == [("content", "smollm2-135m", False)]
    listed = runner.invoke(app, ["adapters", "list"])
    assert "smollm2-135m" in listed.stdout and "model in use (other-model)" in listed.stdout


def test_a_turn_on_another_model_answers_without_the_adapter_and_says_so(store_adapter, tmp_path, monkeypatch):
    store_adapter("content", seed=0)
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "4")
    on_tiny = json.loads(runner.invoke(app, ["ask", "--json", "--offline", "-d", "content", "A tweet"]).stdout)
    assert on_tiny["adapter"]["department"] == "content"
    other = tmp_path / "other-model.gguf"  # the same weights under another name: the store, not luck, decides
    shutil.copy(embedded_gguf(), other)
    monkeypatch.setenv("COS_MODEL", str(other))
    result = runner.invoke(app, ["ask", "--json", "--offline", "-d", "content", "A tweet"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["adapter"] is None
    assert any("content has no adapter for other-model (it has one for smollm2-135m)" in n
               for n in answer["notices"]), answer["notices"]


def test_adapters_stored_before_per_model_folders_count_as_the_tiny_models(make_adapter, isolated_config):
    legacy = isolated_config / "data" / "adapters" / "security" / "adapter.tinylora.json"
    save_adapter(make_adapter("security", 4), legacy)
    [row] = json.loads(runner.invoke(app, ["adapters", "list", "--json"]).stdout)
    assert (row["model"], row["path"], row["in_use"]) == ("smollm2-135m", str(legacy), True)
