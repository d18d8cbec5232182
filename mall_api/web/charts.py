"""Bar charts drawn as SVG on the server, so the statistics page reads without scripts.

Bars are horizontal: a category name or a month fits on the left at any screen width, and the SVG
scales to its container (viewBox, width 100%). Each chart carries a <title> for screen readers; the
page shows the same figures in a table beside it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
LABEL_W = 130
VALUE_W = 100
ROW_H = 30
BAR_H = 18
PAD = 10


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed beside the bar


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], colour: str = "#b3261e") -> Markup:
    """One horizontal bar per entry, scaled to the largest value (a chart of zeros draws no bars)."""
    if not bars:
        height = ROW_H + 2 * PAD
        body = f'<text x="{WIDTH / 2}" y="{PAD + ROW_H / 2}" text-anchor="middle" class="empty">暂无数据</text>'
    else:
        height = len(bars) * ROW_H + 2 * PAD
        top = max(max(bar.value for bar in bars), 0)
        span = WIDTH - LABEL_W - VALUE_W
        rows = []
        for i, bar in enumerate(bars):
            y = PAD + i * ROW_H
            length = 0 if top <= 0 else max(bar.value, 0) / top * span
            rows.append(
                f'<g><text x="{LABEL_W - 8}" y="{y + ROW_H / 2}" text-anchor="end" dominant-baseline="middle">'
                f"{escape(_clip(bar.label))}</text>"
                f'<rect x="{LABEL_W}" y="{y + (ROW_H - BAR_H) / 2}" width="{length:.1f}" height="{BAR_H}" '
                f'fill="{colour}" rx="2"/>'
                f'<text x="{LABEL_W + length + 6:.1f}" y="{y + ROW_H / 2}" dominant-baseline="middle">'
                f"{escape(bar.shown)}</text></g>"
            )
        body = "".join(rows)
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>{body}</svg>'
    )


def _clip(label: str, limit: int = 10) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def histogram(days: Sequence[float], top_bucket: int = 6) -> list[tuple[str, int]]:
    """Cycle times (working days from filing to the deal announcement) counted per whole day, the
    last bucket holding everything from `top_bucket` days up."""
    counts = [0] * (top_bucket + 1)
    for value in days:
        counts[min(int(value), top_bucket)] += 1
    labels = [f"{d}个工作日" for d in range(top_bucket)] + [f"{top_bucket}个工作日及以上"]
    return list(zip(labels, counts, strict=True))
