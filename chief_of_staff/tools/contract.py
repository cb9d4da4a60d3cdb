"""The tool contract of a department plugin: `tools.py` holds langchain-core `@tool` functions.

    from langchain_core.tools import tool
    from chief_of_staff.tools.contract import tool_examples

    @tool_examples("We buy mugs at $6 and mark them up 40%. What do we sell them for?")
    @tool
    def add_markup(cost: Decimal, markup_percent: Decimal) -> dict[str, str]:
        '''Selling price from a cost and a markup on that cost.'''

Typed arguments, a docstring and a return value are langchain-core's own contract. What we add travels in the
tool's `metadata`: `examples`, tasks the tool answers (a small local model's tool choice is matched against them,
as routing is), and `network`, true when the tool reaches beyond this machine (refused in a sensitive thread).
A module-level `NO_TOOL_EXAMPLES` list names tasks the department answers without a tool: the tool choice weighs
them against the tools' examples, so a task like them gets no tool.
A tool that returns {"result": ..., "working": ...} lets the answer state the figure and how it was computed.
A broken tools.py disables that department's tools only; the department still answers (plugins/discovery.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_core.tools import BaseTool

from chief_of_staff.errors import PluginError
from chief_of_staff.plugins.module_file import import_plugin_file

TOOLS_FILE = "tools.py"
NO_TOOL_EXAMPLES = "NO_TOOL_EXAMPLES"


def tool_examples(*tasks: str, network: bool = False,
                  applies: Callable[[str], bool] | None = None) -> Callable[[BaseTool], BaseTool]:
    """Attach example tasks to a `@tool`, whether it uses the network, and optionally `applies(task)`: whether a
    task holds what the tool needs (a link, headers...), checked before the tool is proposed."""

    def attach(tool: BaseTool) -> BaseTool:
        if not isinstance(tool, BaseTool):
            raise TypeError("put @tool_examples(...) above @tool: it describes a langchain-core tool")
        tool.metadata = {**(tool.metadata or {}), "examples": list(tasks), "network": network}
        if applies is not None:
            tool.metadata["applies"] = applies
        return tool

    return attach


def examples_of(tool: BaseTool) -> list[str]:
    return list((tool.metadata or {}).get("examples", []))


def applies_to(tool: BaseTool, task: str) -> bool:
    """Whether the task holds what the tool needs (True when the tool does not say)."""
    check = (tool.metadata or {}).get("applies")
    return True if check is None else bool(check(task))


def uses_network(tool: BaseTool) -> bool:
    return bool((tool.metadata or {}).get("network", False))


def load_tools(folder: Path, department: str) -> tuple[list[BaseTool], list[str]]:
    """The tools in `folder/tools.py`, in the order the file defines them, and its NO_TOOL_EXAMPLES; ([], [])
    when there is no such file. Raises PluginError naming the file and the fix when it cannot be used."""
    path = folder / TOOLS_FILE
    if not path.is_file():
        return [], []
    module = import_plugin_file(path, f"chief_of_staff_department_tools.{department}",
                                "fix the error in tools.py; until then the department answers without its tools")
    tools = [value for value in vars(module).values() if isinstance(value, BaseTool)]
    if not tools:
        raise PluginError("tools.py defines no tools", str(path),
                          "decorate functions with langchain_core.tools.tool, or delete tools.py")
    names = [t.name for t in tools]
    if len(set(names)) != len(names):
        raise PluginError(f"tools.py defines a tool name twice: {sorted({n for n in names if names.count(n) > 1})}",
                          str(path), "give every tool its own name")
    no_tool = getattr(module, NO_TOOL_EXAMPLES, [])
    if not isinstance(no_tool, (list, tuple)) or not all(isinstance(t, str) for t in no_tool):
        raise PluginError(f"{NO_TOOL_EXAMPLES} must be a list of strings", str(path),
                          f"write {NO_TOOL_EXAMPLES} = [\"a task answered without a tool\", ...]")
    return tools, list(no_tool)
