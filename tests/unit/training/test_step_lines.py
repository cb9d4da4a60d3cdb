"""A training run written to a log file shows a line every few steps, with the time it has left."""

from chief_of_staff.cli.step_lines import StepLines, duration


def test_a_forty_step_run_prints_about_ten_lines_first_and_last_included():
    lines = StepLines(40)
    shown = [step for step in range(1, 41) if lines.line(step, 0.5)]
    assert shown == [1, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]


def test_a_resumed_run_counts_from_where_it_resumed_and_an_unscored_step_says_so():
    lines = StepLines(40)
    assert lines.line(21, float("nan")).startswith("step 21/40  reward –  elapsed ")
    assert lines.line(22, 0.5) is None


def test_durations_read_like_a_clock():
    assert [duration(s) for s in (4.4, 65, 3725)] == ["4s", "1m05s", "1h02m"]
