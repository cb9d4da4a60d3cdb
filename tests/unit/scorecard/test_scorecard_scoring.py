"""Scores: every combination of answers stays within 0-100 and scores the same twice; one business by hand."""

from __future__ import annotations

import itertools

import pytest

from chief_of_staff.scorecard.profile import business_profile
from chief_of_staff.scorecard.questions import QUESTION_IDS, QUESTIONS
from chief_of_staff.scorecard.scoring import AREAS, FORMULA, AreaScores, area_scores, clamp_score

ALL_COMBINATIONS = 5 * 5 * 4 * 4 * 7 * 4 * 3  # choices per question, multiplied


def every_answer_set():
    for choices in itertools.product(*(q.choice_ids for q in QUESTIONS)):
        yield dict(zip(QUESTION_IDS, choices))


def test_every_combination_of_answers_scores_within_0_and_100_and_deterministically():
    seen = 0
    for answers in every_answer_set():
        scores = area_scores(business_profile(answers))
        again = area_scores(business_profile(dict(answers)))
        assert scores == again
        values = scores.model_dump()
        assert all(0 <= values[key] <= 100 for key in (*AREAS, "overall")), answers
        seen += 1
    assert seen == ALL_COMBINATIONS == 33_600


def test_scores_of_a_clinic_match_the_documented_formula_by_hand(answers):
    # cost = 100 - 50*(125/13/100) - 50*0.625*1 = 63.94; privacy = 100 - 1*(30 + 70*1) = 0
    # customisation = 50*0.8 + 30*0.2 + 20*0.625 = 58.5; readiness = 35*0.7 + 25*0.6 + 25*0.8 + 15*0.625 = 68.875
    assert area_scores(business_profile(answers)) == AreaScores(
        cost=64, privacy=0, customisation=59, readiness=69, overall=48)  # overall = (64 + 0 + 59 + 69) / 4


def test_keeping_models_local_gives_full_privacy_whatever_the_data(answers):
    for kind in ("none", "financial", "legal", "health"):
        answers.update(data_sensitivity=kind, models_today="local_only")
        assert area_scores(business_profile(answers)).privacy == 100


@pytest.mark.parametrize(("raw", "score"), [(-12.0, 0), (0.49, 0), (49.5, 50), (99.5, 100), (100.4, 100), (250, 100)])
def test_clamp_score_rounds_halves_up_and_never_leaves_0_to_100(raw, score):
    assert clamp_score(raw) == score


def test_the_formula_shown_to_owners_has_one_line_per_score():
    assert [line.split("=")[0].strip() for line in FORMULA.splitlines()] == [*AREAS, "overall"]
