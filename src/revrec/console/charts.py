"""Charts drawn as SVG on the server (no JavaScript, no external library): a bar per period."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

WIDTH, HEIGHT, GUTTER = 720, 220, 30


def bar_chart(title: str, labels: Sequence[str], values: Sequence[Decimal]) -> str:
    """An accessible SVG bar chart (role=img, a title, one <title> per bar with its exact amount)."""
    top = max((abs(v) for v in values), default=Decimal(0)) or Decimal(1)
    slot = (WIDTH - GUTTER) // max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = int(abs(value) * (HEIGHT - 2 * GUTTER) / top)  # pixels only: the amount is shown exactly
        x = GUTTER + i * slot
        y = HEIGHT - GUTTER - height
        fill = "#1f5f99" if value >= 0 else "#a33"
        bars.append(
            f'<rect x="{x}" y="{y}" width="{max(slot - 4, 1)}" height="{height}" fill="{fill}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{x}" y="{HEIGHT - 12}" font-size="9">{escape(label)}</text>'
        )
    return (
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{GUTTER}" y1="{HEIGHT - GUTTER}" x2="{WIDTH}" y2="{HEIGHT - GUTTER}" stroke="#333"/>'
        + "".join(bars)
        + "</svg>"
    )
