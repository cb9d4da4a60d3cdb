"""Configuration: defaults, the TOML file, COS_* variables, and errors that name the bad value."""

from pathlib import Path

import pytest

from chief_of_staff.errors import ConfigError
from chief_of_staff.models import catalogue
from chief_of_staff.settings import load_settings


def test_defaults_answer_on_the_recommended_model_on_llamacpp(monkeypatch):
    monkeypatch.delenv("COS_MODEL")
    settings = load_settings(fallback=False)
    assert (settings.backend, settings.model, settings.parallel, settings.context_size) == \
        ("llamacpp", "qwen2.5-coder-1.5b", 4, 4096)


def test_without_the_recommended_model_the_default_is_the_tiny_one(monkeypatch, caplog):
    monkeypatch.delenv("COS_MODEL")  # COS_MODELS_DIR is an empty folder: nothing pulled
    assert load_settings().model == "smollm2-135m"
    assert "cos models pull qwen2.5-coder-1.5b" in caplog.text


def test_a_model_the_user_chose_is_never_swapped(monkeypatch):
    monkeypatch.setenv("COS_MODEL", "qwen2.5-coder-1.5b")
    assert load_settings().model == "qwen2.5-coder-1.5b"


def test_too_little_memory_for_the_recommended_model_falls_back_to_the_tiny_one(monkeypatch, isolated_config,
                                                                              caplog):
    """The recommended entry replaced by one that is installed (the tiny GGUF) but needs more memory than exists."""
    (isolated_config / "catalogue.toml").write_text(
        (Path(catalogue.__file__).with_name("catalogue.toml").read_text().split("[models.\"qwen")[0])
        .replace("[models.smollm2-135m]", '[models."qwen2.5-coder-1.5b"]').replace("memory_mib = 600",
                                                                                   "memory_mib = 100000000"))
    monkeypatch.setenv("COS_CATALOGUE_FILE", str(isolated_config / "catalogue.toml"))
    monkeypatch.delenv("COS_MODEL")
    assert load_settings().model == "smollm2-135m"
    assert "needs about 97656.2 GiB of free memory" in caplog.text


def test_config_file_is_read(isolated_config, monkeypatch):
    monkeypatch.delenv("COS_MODEL")
    (isolated_config / "config.toml").write_text('backend = "ollama"\nmodel = "smollm2:135m"\n')
    settings = load_settings()
    assert (settings.backend, settings.model) == ("ollama", "smollm2:135m")


def test_environment_beats_config_file(isolated_config, monkeypatch):
    (isolated_config / "config.toml").write_text("max_new_tokens = 50\n")
    monkeypatch.setenv("COS_MAX_NEW_TOKENS", "70")
    assert load_settings().max_new_tokens == 70


def test_bad_value_names_the_field_and_value(monkeypatch):
    monkeypatch.setenv("COS_BACKEND", "llamafile")
    with pytest.raises(ConfigError, match="backend.*llamafile"):
        load_settings()


def test_broken_config_file_is_a_config_error(isolated_config):
    (isolated_config / "config.toml").write_text("backend = \n")
    with pytest.raises(ConfigError, match="config.toml"):
        load_settings()


def test_departments_path_is_split_on_pathsep(monkeypatch, tmp_path):
    import os

    monkeypatch.setenv("COS_DEPARTMENTS_PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert load_settings().extra_department_dirs == [tmp_path / "a", tmp_path / "b"]
