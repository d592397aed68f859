"""Bar charts as inline SVG: no script, no external file, text escaped, legible in print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

FILLS = ("#1f4e79", "#9dc3e6", "#c55a11")
"""Dark blue, light blue, orange: told apart in colour and in greyscale print."""

ROW = 18
GAP = 8
LABEL_WIDTH = 250
BAR_WIDTH = 360
VALUE_WIDTH = 60


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    maximum: float | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> str:
    """A horizontal bar chart: one group of bars per category, one bar per series."""
    values = [v for _, vals in series for v in vals if v is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    group = ROW * len(series) + GAP
    legend = 22 if len(series) > 1 else 0
    height = legend + group * len(categories) + 4
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    out = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    if legend:
        x = LABEL_WIDTH
        for k, (name, _) in enumerate(series):
            out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{FILLS[k % 3]}"/>')
            out.append(f'<text x="{x + 16}" y="14" font-size="12">{escape(name)}</text>')
            x += 24 + 8 * len(name)
    for i, category in enumerate(categories):
        y0 = legend + i * group
        out.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y0 + ROW * len(series) / 2 + 4:g}" '
            f'font-size="12" text-anchor="end">{escape(_clip(category))}</text>'
        )
        for k, (_, vals) in enumerate(series):
            value = vals[i]
            y = y0 + k * ROW
            length = 0.0 if value is None else BAR_WIDTH * max(0.0, value) / top
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{length:.1f}" height="{ROW - 4}" '
                f'fill="{FILLS[k % 3]}"/>'
            )
            label = "—" if value is None else fmt(value)
            out.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + ROW - 5}" '
                f'font-size="11">{escape(label)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
