"""The area scores as a horizontal bar chart in plain SVG: a few bars need no plotting library.

Self-contained (no fonts, scripts or styles from elsewhere), so the report opens without network access.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, LABEL_WIDTH, BAR_SPACE, ROW_HEIGHT, TOP, BOTTOM = 520, 130, 330, 34, 40, 28
BAR_HEIGHT = 22


def band_colour(score: int) -> str:
    """Red under 40, amber under 70, green from 70 (colour-blind safe enough with the number printed)."""
    return "#b03a2e" if score < 40 else "#b9770e" if score < 70 else "#1e8449"


def bar_chart_svg(bars: Sequence[tuple[str, int]], title: str) -> str:
    """One bar per (label, 0-100 score), the scale drawn at 0, 25, 50, 75 and 100."""
    height = TOP + ROW_HEIGHT * len(bars) + BOTTOM
    x0 = LABEL_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{x0}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    axis_y = TOP + ROW_HEIGHT * len(bars)
    for tick in (0, 25, 50, 75, 100):
        x = x0 + BAR_SPACE * tick / 100
        parts.append(f'<line x1="{x:g}" y1="{TOP - 4}" x2="{x:g}" y2="{axis_y}" stroke="#dddddd"/>')
        parts.append(f'<text x="{x:g}" y="{axis_y + 18}" text-anchor="middle" fill="#555555">{tick}</text>')
    for row, (label, score) in enumerate(bars):
        y = TOP + ROW_HEIGHT * row
        width = BAR_SPACE * max(0, min(100, score)) / 100
        parts += [
            f'<text x="{x0 - 10}" y="{y + 16}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{x0}" y="{y}" width="{width:g}" height="{BAR_HEIGHT}" fill="{band_colour(score)}"/>',
            f'<text x="{x0 + width + 6:g}" y="{y + 16}" font-weight="bold">{score}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
