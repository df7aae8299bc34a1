"""Charts drawn on the server as accessible SVG: no JavaScript, no inline style.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(which reads out every value), and the page puts the same numbers in a table beside it.
Colours and fonts are SVG presentation attributes (allowed under `style-src 'self'`);
sizing comes from insights.css. A suppressed value draws no bar at all: a bar of any
length would suggest a size the table does not give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 250
VALUE_WIDTH = 90
BAR_HEIGHT = 18
GAP = 6
GROUP_GAP = 12
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1b1f24"
MUTED = "#4a5360"
LINE = "#c9d0d8"
# Fills with at least 3:1 contrast against white (WCAG 1.4.11), told apart by legend too.
COLOURS = ("#0b5d4b", "#8a5a00", "#3b4a9c")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: suppressed
    texts: Sequence[str]  # what is written beside each bar (and read out)


def _fmt(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    maximum: float | None = None,
) -> Markup:
    """A horizontal bar chart: one group of bars per category, one bar per series."""
    if not series or any(len(s.values) != len(categories) for s in series):
        raise ValueError("each series needs one value per category")
    shown = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum is not None else max(shown, default=0)
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10) / top if top > 0 else 0.0
    legend = len(series) > 1
    y = 10 + 20 * len(series) if legend else 6
    group = len(series) * (BAR_HEIGHT + GAP) - GAP
    height = y + len(categories) * (group + GROUP_GAP) + 4
    hidden_word = _("hidden")

    spoken: list[str] = []
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" '
        f'font-family="{FONT}" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    body: list[str] = []
    if legend:
        for n, s in enumerate(series):
            colour = COLOURS[n % len(COLOURS)]
            top_y = 4 + 20 * n
            body.append(f'<rect x="{LABEL_WIDTH}" y="{top_y}" width="12" height="12" '
                        f'fill="{colour}"/>')
            body.append(f'<text x="{LABEL_WIDTH + 17}" y="{top_y + 10}" '
                        f'fill="{INK}">{escape(s.name)}</text>')
    body.append(
        f'<line x1="{LABEL_WIDTH}" y1="{y - 2}" x2="{LABEL_WIDTH}" '
        f'y2="{height - 4}" stroke="{LINE}" stroke-width="1"/>'
    )
    for c, category in enumerate(categories):
        top_y = y + c * (group + GROUP_GAP)
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{top_y + group / 2 + 4:g}" text-anchor="end" '
            f'fill="{INK}">{escape(category)}</text>'
        )
        said: list[str] = []
        for n, s in enumerate(series):
            bar_y = top_y + n * (BAR_HEIGHT + GAP)
            value = s.values[c]
            text = s.texts[c]
            if value is None:
                body.append(
                    f'<text x="{LABEL_WIDTH + 6}" y="{bar_y + 13}" fill="{MUTED}" '
                    f'font-style="italic">{escape(text or hidden_word)}</text>'
                )
            else:
                length = max(value * scale, 1.5 if value > 0 else 0)
                colour = COLOURS[n % len(COLOURS)]
                body.append(
                    f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{length:.1f}" '
                    f'height="{BAR_HEIGHT}" fill="{colour}"/>'
                )
                body.append(
                    f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{bar_y + 13}" '
                    f'fill="{INK}">{escape(text)}</text>'
                )
            said.append(f"{s.name}: {text or hidden_word}" if legend else (text or hidden_word))
        spoken.append(f"{category}: {', '.join(said)}")
    said_all = escape("; ".join(spoken))
    parts.append(f'<desc id="{chart_id}-desc">{escape(description)} {said_all}.</desc>')
    parts += body
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


__all__ = ["Series", "bar_chart"]
