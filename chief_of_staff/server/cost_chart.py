"""Spend by day as a plain SVG chart: for each day, what was spent beside what all-Sonnet would have cost.

Drawn here rather than with a plotting library for the same reason as the scorecard chart (scorecard/chart.py):
two bars a day need no dependency, and the page stays self-contained (no scripts or fonts from elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chief_of_staff.server.templating import money

WIDTH, LABEL_WIDTH, BAR_SPACE, ROW_HEIGHT, TOP = 620, 100, 400, 30, 48
SPENT, ALL_SONNET = "#1f5f8b", "#b8cfe0"


def spend_chart_svg(days: Sequence[dict], title: str = "Cloud spend by day") -> str:
    """One row per day in `days` (the ledger summary's by_day rows: day, cost_usd, sonnet_equivalent_usd)."""
    height = TOP + ROW_HEIGHT * max(1, len(days)) + 12
    largest = max([row["sonnet_equivalent_usd"] for row in days] + [row["cost_usd"] for row in days] + [1e-9])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} '
        f'{height}" font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LABEL_WIDTH}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{LABEL_WIDTH}" y="27" width="10" height="10" fill="{SPENT}"/>',
        f'<text x="{LABEL_WIDTH + 14}" y="36">spent</text>',
        f'<rect x="{LABEL_WIDTH + 70}" y="27" width="10" height="10" fill="{ALL_SONNET}"/>',
        f'<text x="{LABEL_WIDTH + 84}" y="36">all-Sonnet would have cost</text>',
    ]
    if not days:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{TOP + 18}" fill="#555555">no answers recorded yet</text>')
    for row_number, row in enumerate(days):
        y = TOP + ROW_HEIGHT * row_number
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(str(row["day"]))}</text>')
        for offset, key, colour in ((0, "cost_usd", SPENT), (12, "sonnet_equivalent_usd", ALL_SONNET)):
            width = BAR_SPACE * row[key] / largest
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + offset}" width="{width:.1f}" height="11" '
                         f'fill="{colour}"/>')
            parts.append(f'<text x="{LABEL_WIDTH + width + 5:.1f}" y="{y + offset + 10}" fill="#333333">'
                         f"{money(row[key])}</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
