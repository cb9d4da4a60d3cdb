"""Runs a department's tool calls for one turn, within bounds: at most MAX_CALLS calls, each within a time limit.

A tool's exception, a bad argument, an unknown name, a timeout or a refusal comes back as an observation (the
run's `error`), never as an exception: the turn goes on and the model sees what went wrong. A tool declared
`network=True` is refused in a sensitive thread. What a tool returns goes into the answer and the trace only;
the tier policy never reads it.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, replace
from typing import Any

from langchain_core.tools import BaseTool

from chief_of_staff.tools.contract import uses_network

MAX_CALLS = 3
CALL_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ToolRun:
    """One call as the trace shows it: name, arguments, result (or error) and seconds."""

    name: str
    arguments: dict[str, Any]
    result: Any = None
    error: str | None = None
    seconds: float = 0.0
    chosen_by: str = ""  # how the call was chosen: "the only call", "the model, of N", "malformed reply" ...

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def observation(self) -> str:
        """What the model is told: the result as JSON, or the error."""
        return f"error: {self.error}" if self.error else json.dumps(self.result, ensure_ascii=False)


def _json_ready(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


class ToolRunner:
    """One turn's calls to one department's tools."""

    def __init__(self, tools: list[BaseTool], *, sensitive: bool, max_calls: int = MAX_CALLS,
                 timeout_s: float = CALL_TIMEOUT_S) -> None:
        self._tools = {t.name: t for t in tools}
        self._sensitive = sensitive
        self._max_calls = max_calls
        self._timeout_s = timeout_s
        self.runs: list[ToolRun] = []

    @property
    def exhausted(self) -> bool:
        return len(self.runs) >= self._max_calls

    def call(self, name: str, arguments: dict[str, Any], chosen_by: str = "") -> ToolRun:
        """Run one call and record it (up to the limit); every failure is returned as the run's error."""
        run = replace(self._run(name, arguments), chosen_by=chosen_by)
        if len(self.runs) < self._max_calls:
            self.runs.append(run)
        return run

    def _run(self, name: str, arguments: dict[str, Any]) -> ToolRun:
        if self.exhausted:
            return ToolRun(name, arguments, error=f"limit reached: at most {self._max_calls} tool calls a turn")
        tool = self._tools.get(name)
        if tool is None:
            return ToolRun(name, arguments, error=f"no tool named {name!r}; the tools are {sorted(self._tools)}")
        if self._sensitive and uses_network(tool):
            return ToolRun(name, arguments, error="refused: this tool reaches the network and the thread holds "
                                                  "sensitive data, which never leaves the machine")
        started = time.perf_counter()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"cos-tool-{name}")
        try:
            result = pool.submit(tool.invoke, arguments).result(timeout=self._timeout_s)
        except FutureTimeout:
            # a Python thread cannot be killed: it finishes in the background and its result is dropped
            return ToolRun(name, arguments, error=f"no result within {self._timeout_s:g} s",
                           seconds=round(time.perf_counter() - started, 4))
        except Exception as exc:  # noqa: BLE001 - a plugin's tool failing is an observation, not a crash
            return ToolRun(name, arguments, error=f"{type(exc).__name__}: {exc}",
                           seconds=round(time.perf_counter() - started, 4))
        finally:
            pool.shutdown(wait=False)
        return ToolRun(name, arguments, result=_json_ready(result), seconds=round(time.perf_counter() - started, 4))
