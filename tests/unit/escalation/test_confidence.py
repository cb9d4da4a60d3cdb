"""Confidence from token log-probabilities and from agreement across samples."""

import math

import pytest

from chief_of_staff.escalation.confidence import agreement, combined_confidence, confidence_from_logprobs


def test_quantile_confidence_sees_one_guessed_token_that_the_mean_hides():
    easy = [-0.01] * 40
    one_guess = easy[:20] + [-3.0, -2.5, -2.0, -2.8] + easy[20:]
    assert confidence_from_logprobs(one_guess, "mean") > 0.7
    assert confidence_from_logprobs(one_guess, "quantile", 0.05) < 0.2
    assert confidence_from_logprobs(one_guess, "min") == pytest.approx(math.exp(-3.0))


def test_confidence_is_one_for_certain_tokens_and_none_without_tokens():
    assert confidence_from_logprobs([0.0, 0.0]) == 1.0
    assert confidence_from_logprobs([]) is None


def test_quantile_interpolates_like_numpy():
    assert confidence_from_logprobs([-1.0, -2.0, -3.0], "quantile", 0.5) == pytest.approx(math.exp(-2.0))
    assert confidence_from_logprobs([-1.0, -3.0], "quantile", 0.25) == pytest.approx(math.exp(-2.5))


def test_agreement_ignores_case_spacing_and_punctuation():
    assert agreement(["Phishing.", "phishing", "PHISHING!", "safe"]) == 0.75
    assert agreement([]) is None


def test_combined_confidence_takes_the_lower_signal():
    assert combined_confidence(0.9, 0.5) == 0.5
    assert combined_confidence(None, 0.5) == 0.5
    assert combined_confidence(None, None) is None
