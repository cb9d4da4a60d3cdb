"""A department's tools.py: langchain-core tools that load with the department; a broken one disables the tools,
names the file and the fix, and the department still answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from chief_of_staff.errors import PluginError
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.settings import load_settings
from tests.unit.test_discovery import write_department

GOOD_TOOLS = '''
from langchain_core.tools import tool
from chief_of_staff.tools.contract import tool_examples

@tool_examples("How many shifts are left this week?")
@tool
def shifts_left(booked: int, total: int) -> int:
    """Shifts not yet booked."""
    return total - booked
'''


def with_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, name: str = "rota") -> Path:
    folder = write_department(tmp_path / "plugins", name)
    (folder / "tools.py").write_text(source)
    monkeypatch.setenv("COS_DEPARTMENTS_PATH", str(tmp_path / "plugins"))
    return folder


def test_builtin_departments_bring_their_tools():
    departments = discover_departments(load_settings()).departments
    names = {name: {t.name for t in d.tools} for name, d in departments.items()}
    assert {"add_markup", "price_for_margin", "add_tax", "remove_tax", "percent_change", "simple_interest",
            "compound_interest", "loan_payment", "break_even_units", "divide", "days_between_dates"} <= names["finance"]
    assert {"check_links", "check_email_headers", "check_password_strength"} == names["security"]
    assert {"check_length", "check_readability"} == names["content"]
    assert {"todays_date", "days_from_today", "add_days", "days_between_dates"} == names["general"]
    assert all(t.metadata["examples"] for d in departments.values() for t in d.tools)


def test_a_plugin_tool_loads_with_its_examples(tmp_path, monkeypatch):
    with_tools(tmp_path, monkeypatch, GOOD_TOOLS)
    registry = discover_departments(load_settings())
    [shifts] = registry.departments["rota"].tools
    assert shifts.invoke({"booked": 3, "total": 10}) == 7
    assert shifts.metadata == {"examples": ["How many shifts are left this week?"], "network": False}
    assert registry.broken == []


@pytest.mark.parametrize(("source", "error"), [
    ("raise RuntimeError('oops')\n", "tools.py failed to import: RuntimeError: oops"),
    ("def not_a_tool(): pass\n", "tools.py defines no tools"),
    (GOOD_TOOLS + "\nNO_TOOL_EXAMPLES = 'one string'\n", "NO_TOOL_EXAMPLES must be a list of strings"),
    (GOOD_TOOLS + "\nfrom langchain_core.tools import tool as t\n@t('shifts_left')\ndef again(x: int) -> int:\n"
     "    '''Again.'''\n    return x\n", "defines a tool name twice"),
])
def test_a_broken_tools_file_disables_the_tools_but_not_the_department(tmp_path, monkeypatch, source, error):
    folder = with_tools(tmp_path, monkeypatch, source)
    registry = discover_departments(load_settings())
    assert registry.departments["rota"].tools == []  # the department still answers, without tools
    [problem] = [b for b in registry.broken if b.path == str(folder / "tools.py")]
    assert error in problem.error
    assert problem.fix


def test_strict_plugins_stop_on_a_broken_tools_file(tmp_path, monkeypatch):
    with_tools(tmp_path, monkeypatch, "import nowhere_to_be_found\n")
    monkeypatch.setenv("COS_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="tools.py failed to import"):
        discover_departments(load_settings())
