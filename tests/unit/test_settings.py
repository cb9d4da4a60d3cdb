"""Configuration: defaults, the TOML file, COS_* variables, and errors that name the bad value."""

import pytest

from chief_of_staff.errors import ConfigError
from chief_of_staff.settings import load_settings


def test_defaults_use_the_embedded_model_on_llamacpp():
    settings = load_settings()
    assert (settings.backend, settings.model, settings.parallel, settings.context_size) == \
        ("llamacpp", "embedded", 4, 4096)


def test_config_file_is_read(isolated_config):
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
