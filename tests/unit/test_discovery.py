"""Department discovery: built-ins, ./departments, COS_DEPARTMENTS_PATH and entry points, one loader for all;
a broken plugin in any state is reported with its file and a fix, never stopping the others."""

from pathlib import Path

import pytest

from chief_of_staff.errors import PluginError
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.plugins.scaffold import scaffold_department
from chief_of_staff.settings import load_settings

BUILTINS = {"security", "content", "finance", "general"}


def write_department(parent: Path, name: str, manifest: str | None = None, prompt: str | None = "Be helpful.") -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    if manifest is None:
        manifest = f'name = "{name}"\ndescription = "The {name} department."\nexamples = ["a {name} task"]\n'
    (folder / "department.toml").write_text(manifest)
    if prompt is not None:
        (folder / "prompt.md").write_text(prompt)
    return folder


def broken(registry, name: str):
    return next(b for b in registry.broken if Path(b.path).parts[-2:-1] == (name,) or b.path.endswith(name))


def test_builtins_load_with_prompts_and_twenty_examples():
    registry = discover_departments(load_settings())
    assert BUILTINS <= set(registry.departments)
    for name in BUILTINS:
        department = registry.departments[name]
        assert department.source == "builtin"
        assert len(department.system_prompt) > 200
        assert len(department.manifest.examples) >= 20
    assert registry.fallback.name == "general"
    assert registry.broken == []


def test_cwd_and_path_departments_are_found_in_order(isolated_config, tmp_path, monkeypatch):
    write_department(tmp_path / "departments", "hr")
    extra_a, extra_b = tmp_path / "extra_a", tmp_path / "extra_b"
    write_department(extra_a, "legal2")
    write_department(extra_b, "ops2")
    monkeypatch.setenv("COS_DEPARTMENTS_PATH", f"{extra_a}:{extra_b}")
    registry = discover_departments(load_settings())
    sources = {n: d.source for n, d in registry.departments.items()}
    assert sources["hr"] == "cwd" and sources["legal2"] == "path" and sources["ops2"] == "path"
    names = list(registry.departments)
    assert names.index("security") < names.index("hr") < names.index("legal2") < names.index("ops2")


@pytest.mark.parametrize(
    ("name", "manifest", "prompt", "error", "fix"),
    [
        ("badtoml", 'name = "badtoml"\ndescription = \n', "x", "not valid TOML", "TOML syntax"),
        ("badfield", 'name = "badfield"\ndescription = "d"\ncolour = "red"\n', "x", "colour", "correct the fields"),
        ("badtiers", 'name = "badtiers"\ndescription = "d"\n[tiers]\nallowed_tiers = [7]\n', "x", "allowed_tiers",
         "correct"),
        ("noprompt", None, None, "missing prompt.md", "system prompt"),
        ("emptyprompt", None, "   ", "prompt.md is empty", "system prompt"),
        ("mismatch", 'name = "other"\ndescription = "d"\n', "x", "differs from folder", "rename"),
    ],
)
def test_broken_plugin_is_reported_with_file_and_fix(tmp_path, name, manifest, prompt, error, fix):
    write_department(tmp_path / "departments", name, manifest, prompt)
    registry = discover_departments(load_settings())
    assert name not in registry.departments
    assert BUILTINS <= set(registry.departments), "a broken plugin must not stop the others"
    [report] = [b for b in registry.broken if name in b.path]
    assert error in report.error and fix in report.fix
    assert report.path.startswith(str(tmp_path))


def test_missing_manifest_is_reported(tmp_path):
    (tmp_path / "departments" / "empty").mkdir(parents=True)
    registry = discover_departments(load_settings())
    [report] = [b for b in registry.broken if "empty" in b.path]
    assert "missing department.toml" in report.error


def test_hooks_import_error_is_reported(tmp_path):
    folder = write_department(tmp_path / "departments", "hooked")
    (folder / "hooks.py").write_text("import not_a_real_module_anywhere\n")
    registry = discover_departments(load_settings())
    [report] = [b for b in registry.broken if "hooked" in b.path]
    assert "ModuleNotFoundError" in report.error and report.path.endswith("hooks.py")


def test_hooks_are_loaded_and_applied(tmp_path):
    folder = write_department(tmp_path / "departments", "shouty")
    (folder / "hooks.py").write_text("def finish_answer(text):\n    return text.upper()\n")
    department = discover_departments(load_settings()).departments["shouty"]
    assert department.finish_answer("ok") == "OK"
    assert department.prepare_task("same") == "same"


def test_duplicate_name_keeps_the_first_and_reports_the_second(tmp_path):
    write_department(tmp_path / "departments", "security")
    registry = discover_departments(load_settings())
    assert registry.departments["security"].source == "builtin"
    [report] = [b for b in registry.broken if "duplicate" in b.error]
    assert "security" in report.error and "rename" in report.fix


def test_strict_setting_makes_a_broken_plugin_fatal(tmp_path, monkeypatch):
    write_department(tmp_path / "departments", "noprompt", prompt=None)
    monkeypatch.setenv("COS_STRICT_PLUGINS", "true")
    with pytest.raises(PluginError, match="missing prompt.md"):
        discover_departments(load_settings())


def test_installed_example_package_loads_through_its_entry_point():
    department = discover_departments(load_settings()).departments["legal"]
    assert department.source == "entry-point:cos-department-legal"
    assert department.manifest.tiers.always_local is True
    assert "Not legal advice" in department.finish_answer("Read clause 4.")


def test_scaffolded_department_loads(tmp_path):
    scaffold_department("hr", tmp_path / "departments", "People matters: hiring, leave and contracts.")
    department = discover_departments(load_settings()).departments["hr"]
    assert department.source == "cwd" and len(department.manifest.examples) >= 5


@pytest.mark.parametrize("name", ["HR", "a", "9lives", "has space", "x" * 41])
def test_scaffold_refuses_bad_names(tmp_path, name):
    with pytest.raises(PluginError, match="lower-case"):
        scaffold_department(name, tmp_path / "departments")


def test_scaffold_refuses_an_existing_folder(tmp_path):
    scaffold_department("hr", tmp_path / "departments")
    with pytest.raises(PluginError, match="already exists"):
        scaffold_department("hr", tmp_path / "departments")


def test_scaffold_includes_a_task_set_and_rewards_that_load(tmp_path):
    from chief_of_staff.training.reward_functions import load_rewards
    from chief_of_staff.training.tasks import load_task_set

    folder = scaffold_department("hr", tmp_path / "departments")
    tasks = load_task_set(folder, stop_on_error=True)
    [reward] = load_rewards(folder, "hr")
    assert tasks.train and tasks.heldout
    assert reward(["Yes.", "no"], answer=["yes", "yes"]) == [1.0, 0.0]
