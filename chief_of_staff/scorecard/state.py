"""The scorecard flow's state: the answers so far, the last refused answer, and the results."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict


def merge_answers(left: dict[str, str] | None, right: dict[str, str] | None) -> dict[str, str]:
    """Reducer: each ask node adds its own answer; a later answer to the same question replaces the earlier."""
    return {**(left or {}), **(right or {})}


class ScorecardState(TypedDict, total=False):
    """Reducers: `answers` merges (merge_answers); every other key is replaced by the last write."""

    answers: Annotated[dict[str, str], merge_answers]  # question id -> choice id, validated
    rejected: dict[str, str] | None  # the last refused answer: {question, message}; None after a valid one
    results: dict[str, Any]  # the ScorecardResult as JSON, written by the `score` node
