"""The guard measured on cases the team did not write: public detectors' own test suites (Presidio, python-stdnum,
detect-secrets, gitleaks, trufflehog), each case with its source, and chat sentences written for this guard. The
floors below are the measured levels (docs/benchmarks.md) less a small margin, so a change that loses recall or adds
false positives fails here; the issue's goals are 98% recall and at most 5% false positives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.sensitive_detector import SUITES, load_suite, score

DATA = Path(__file__).resolve().parents[2] / "data"
PUBLIC = DATA / "sensitive_public"
# suite -> (least recall on in-scope positives, most false positives on in-scope negatives); measured in the comment
FLOORS = {
    "presidio": (0.98, 0.06),  # 100% recall, 4.2% FP
    "detect-secrets": (0.98, 0.12),  # 98.8%, 5/46 = 10.9%: "fake-...-key= \"not_long_enough\"" and the like
    "chat (tune)": (0.98, 0.03),  # 100%, 0%
    "first sensitive set": (1.0, 0.0),  # 100%
    "first non-sensitive set": (0.0, 0.01),  # 1/381 = 0.3%
    "gitleaks": (0.97, 0.40),  # 98.1%, 37%: placeholders and real-looking keys gitleaks allow-lists (docs)
    "trufflehog": (0.93, 0.60),  # 94.1%, 56%: its negatives are keys with a "?" spliced in, still flagged (docs)
    "python-stdnum": (0.98, 0.03),  # 100%, 1.4%
    "chat (held out)": (0.98, 0.03),  # 100%, 1.3%
    "router's business tasks": (0.0, 0.0),  # 0/200: ordinary business tasks never flag
}


@pytest.mark.parametrize("suite", list(SUITES))
def test_recall_and_false_positives_stay_at_the_measured_level(suite: str):
    path, _ = SUITES[suite]
    result = score(load_suite(path))
    least_recall, most_fp = FLOORS[suite]
    if result["pos"]:
        assert result["caught"] / result["pos"] >= least_recall, result["misses"]  # (line, kinds): no values
    if result["neg"]:
        assert result["fp"] / result["neg"] <= most_fp, result["false_positives"]


@pytest.mark.parametrize("name", ["presidio", "python_stdnum", "detect_secrets", "gitleaks", "trufflehog"])
def test_every_public_case_names_its_source_and_the_sources_file_names_the_commit(name: str):
    rows = [json.loads(line) for line in (PUBLIC / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    assert len(rows) >= 100
    sources = "".join(path.read_text() for path in PUBLIC.glob("SOURCES*.md"))
    for row in rows:
        source = re.match(r"[\w.-]+/[\w.-]+@([0-9a-f]{12}) \S", row["source"])  # owner/repo@commit path
        assert source and source.group(1) in sources, row["source"]


def test_the_chat_sets_are_balanced_and_disjoint():
    tune, held_out = (load_suite(SUITES[name][0]) for name in ("chat (tune)", "chat (held out)"))
    for rows in (tune, held_out):
        positives = sum(row["sensitive"] for row in rows)
        assert len(rows) >= 150 and 0.4 <= positives / len(rows) <= 0.7
    assert not {row["text"] for row in tune} & {row["text"] for row in held_out}
