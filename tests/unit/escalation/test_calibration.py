"""Calibrating a department's threshold: the most tasks local at the target accuracy."""

import pytest

from chief_of_staff.escalation.calibration import (
    auroc,
    calibrate,
    choose_threshold,
    load_calibration,
    save_calibration,
)


def test_auroc_is_one_for_perfect_separation_and_half_for_none():
    assert auroc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    assert auroc([0.1, 0.2], [True, True]) is None


def test_threshold_keeps_the_most_tasks_local_at_the_target():
    scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    correct = [True, True, True, True, True, True, True, True, False, True]
    threshold, share, accuracy = choose_threshold(scores, correct, 0.9)
    assert threshold == 0.2 and share == 1.0 and accuracy == 0.9  # 9 of 10 right: all may stay local
    threshold, share, accuracy = choose_threshold(scores, correct, 0.95)
    assert threshold == 0.4 and share == 0.8 and accuracy == 1.0


def test_target_out_of_reach_keeps_nothing_local():
    threshold, share, accuracy = choose_threshold([0.9, 0.1], [False, False], 0.9)
    assert threshold > 0.9 and share == 0.0 and accuracy is None


def test_calibration_round_trips_through_the_data_dir(tmp_path):
    result = calibrate("security", [0.9, 0.8, 0.1], [True, True, False], 0.9, metric="reward_label")
    assert result.auroc == 1.0 and result.threshold == 0.8 and result.local_share == pytest.approx(2 / 3)
    save_calibration(tmp_path, result)
    assert load_calibration(tmp_path, "security") == result
    assert load_calibration(tmp_path, "finance") is None


def test_unreadable_calibration_is_ignored_with_a_warning(tmp_path, caplog):
    (tmp_path / "calibration").mkdir()
    (tmp_path / "calibration" / "security.json").write_text("{not json")
    assert load_calibration(tmp_path, "security") is None
    assert "cos escalation calibrate security" in caplog.text


def test_a_threshold_outside_zero_to_one_is_ignored_with_a_warning(tmp_path, caplog):
    save_calibration(tmp_path, calibrate("security", [0.9, 0.1], [True, False], 0.9))
    path = tmp_path / "calibration" / "security.json"
    path.write_text(path.read_text().replace('"threshold": 0.9', '"threshold": 7.0'))
    assert load_calibration(tmp_path, "security") is None
    assert "outside 0..1" in caplog.text
