"""The router: deterministic, scores every department, >= 95% on a labelled set it never learned from and >= 90% on
a held-out set written blind (docs/benchmarks.md; the issue's goal there is 95%, not reached yet)."""

import json
from pathlib import Path

import pytest

from chief_of_staff.context import load_router
from chief_of_staff.plugins.discovery import discover_departments
from chief_of_staff.router import Router, terms
from chief_of_staff.settings import load_settings

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_tasks.jsonl"
HELD_OUT = DATA.with_name("routing_holdout.jsonl")


@pytest.fixture(scope="module")
def builtins():
    registry = discover_departments(load_settings())
    return [d for d in registry.departments.values() if d.source == "builtin"]


@pytest.fixture(scope="module")
def router(builtins):
    from chief_of_staff.models.embedder import load_embedder

    return Router(builtins, load_embedder(load_settings().cache_dir))


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(("path", "size"), [(DATA, 200), (HELD_OUT, 160)])
def test_test_sets_are_kept_out_of_the_routing_examples(builtins, path, size):
    examples = {" ".join(e.lower().split()) for d in builtins for e in d.manifest.examples}
    rows = load(path)
    assert len(rows) >= size
    assert not [row["text"] for row in rows if " ".join(row["text"].lower().split()) in examples]


@pytest.mark.parametrize(("path", "least"), [(DATA, 0.95), (HELD_OUT, 0.90)])  # measured 95.5% and 90.6%
def test_router_accuracy_on_sets_it_never_learned_from(router, path, least):
    rows = load(path)
    wrong = [(row["department"], router.route(row["text"]).department, row["text"]) for row in rows]
    wrong = [w for w in wrong if w[0] != w[1]]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= least, f"accuracy {accuracy:.1%}; misrouted: {wrong[:10]}"


def test_router_is_deterministic(router):
    task = "Check whether this invoice email is a phishing attempt"
    assert router.route(task) == router.route(task)


def test_every_department_gets_a_score_in_unit_range(router):
    verdict = router.route("Draft an Instagram post for our spring sale")
    assert set(verdict.scores) == {"security", "content", "finance", "general"}
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
    assert verdict.department == "content" and verdict.score == round(verdict.scores["content"], 4)


def test_nothing_matching_goes_to_the_fallback(builtins):
    router = Router(builtins, embed=None, min_score=0.15)
    verdict = router.route("zxqv blorp")
    assert verdict.department == "general"


def test_lexical_router_works_without_embeddings(builtins):
    router = Router(builtins, embed=None)
    assert router.method == "lexical"
    assert router.route("Our payroll tax is due, how much do we owe?").department == "finance"


def test_terms_are_stemmed_unigrams_and_bigrams():
    assert terms("Sending invoices") == ["send", "invoic", "send invoic"]


def test_load_router_includes_plugins(isolated_config):
    settings = load_settings()
    router = load_router(settings, discover_departments(settings))
    assert router.route("Review this NDA before I sign the supplier agreement").department == "legal"
