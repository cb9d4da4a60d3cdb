"""Training progress for a log file: a plain line every few steps (step, reward, elapsed, time left), where a
terminal would show a progress bar that a file receives only at the end."""

from __future__ import annotations

import math
import time

LINES_PER_RUN = 10  # about this many lines for a whole run, and always the first and last step


def duration(seconds: float) -> str:
    """'1h02m', '4m05s' or '12s'."""
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class StepLines:
    """`line(step, reward)` is the line to print after `step` of `total`, or None between the lines shown."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.every = max(1, math.ceil(total / LINES_PER_RUN))
        self.started = time.monotonic()
        self.first_step: int | None = None  # a resumed run counts its time from the step it resumed at

    def line(self, step: int, reward: float) -> str | None:
        if self.first_step is None:
            self.first_step = step - 1
        if step % self.every and step not in (self.first_step + 1, self.total):
            return None
        elapsed = time.monotonic() - self.started
        done = step - self.first_step
        left = elapsed / done * (self.total - step) if done else 0.0
        shown = "–" if math.isnan(reward) else f"{reward:.3f}"
        return f"step {step}/{self.total}  reward {shown}  elapsed {duration(elapsed)}  left ~{duration(left)}"
