"""Charts drawn on the server as inline SVG, readable without colour.

Every bar carries its label and its value as text; the series of a stacked chart are told
apart by pattern (solid, stripes, dots, hatching) and by a legend, not by hue; the SVG has a
`<title>` and `<desc>` (role="img"), and each chart comes with the same numbers as a table
(`Chart.columns`, `Chart.rows`), which the template shows in a `<details>` after the chart.
Colours come from the design tokens through the `.chart*` classes in static/css/mamori.css.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

ROW = 28
BAR = 18
BAR_AREA = 420
VALUE_ROOM = 72
PAD = 8
LEGEND_ROW = 24
PATTERNS = 6


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    columns: list[str]
    rows: list[tuple[str, list[int]]]

    @property
    def has_totals(self) -> bool:
        return len(self.columns) > 2


def text_width(text: str, size: int = 14) -> int:
    """A generous estimate: full width for CJK and kana, a little over half for the rest."""
    return sum(size if ord(c) > 0x2000 else int(size * 0.62) for c in text)


def number(value: int) -> str:
    return f"{value:,}"


def _defs(uid: str) -> str:
    """Six fills told apart by shape: solid, diagonal stripes, dots, cross-hatch, horizontal
    stripes, vertical stripes (all in the key colour on white)."""
    shapes = [
        '<rect width="8" height="8" class="chart__ink"/>',
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" class="chart__line"/>',
        '<circle cx="4" cy="4" r="1.8" class="chart__ink"/>',
        '<path d="M0,0 l8,8 M8,0 l-8,8" class="chart__line chart__line--thin"/>',
        '<path d="M0,4 h8" class="chart__line"/>',
        '<path d="M4,0 v8" class="chart__line"/>',
    ]
    patterns = "".join(
        f'<pattern id="{uid}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" class="chart__paper"/>{shape}</pattern>'
        for i, shape in enumerate(shapes)
    )
    return f"<defs>{patterns}</defs>"


def _svg(uid: str, title: str, desc: str, width: int, height: int, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text below is escaped
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>{_defs(uid)}{body}</svg>'
    )


def _empty(uid: str, title: str, columns: list[str]) -> Chart:
    message = _("No data for this period.")
    body = f'<text x="{PAD}" y="24" class="chart__label">{escape(message)}</text>'
    return Chart(title, _svg(uid, title, message, 360, 36, body), columns, [])


def _label_width(labels: list[str]) -> int:
    return min(max([text_width(label) for label in labels] + [40]) + 2 * PAD, 240)


def _summary(rows: list[tuple[str, int]]) -> str:
    total = sum(value for _label, value in rows)
    top_label, top_value = max(rows, key=lambda row: row[1])
    return _("Total %(total)s. Largest: %(label)s, %(value)s.") % {
        "total": number(total),
        "label": top_label,
        "value": number(top_value),
    }


def bar_chart(
    *, title: str, label_heading: str, value_heading: str, items: list[tuple[str, int]]
) -> Chart:
    """Horizontal bars, one per item, each with its label on the left and value at its end."""
    uid = f"chart-{uuid.uuid4().hex[:8]}"
    columns = [label_heading, value_heading]
    if not items:
        return _empty(uid, title, columns)
    label_w = _label_width([label for label, _value in items])
    top = max(value for _label, value in items) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = i * ROW + PAD
        length = round(BAR_AREA * value / top)
        parts.append(
            f'<g class="chart__row"><text x="{label_w - PAD}" y="{y + BAR - 4}" '
            f'text-anchor="end" class="chart__label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length}" height="{BAR}" '
            f'fill="url(#{uid}-p0)" class="chart__bar"><title>{escape(label)}: {number(value)}'
            f"</title></rect>"
            f'<text x="{label_w + length + 6}" y="{y + BAR - 4}" class="chart__value">'
            f"{number(value)}</text></g>"
        )
    width = label_w + BAR_AREA + VALUE_ROOM
    height = len(items) * ROW + 2 * PAD
    svg = _svg(uid, title, _summary(items), width, height, "".join(parts))
    return Chart(title, svg, columns, [(label, [value]) for label, value in items])


def _legend(uid: str, series: list[str], width: int) -> tuple[str, int]:
    parts, x, y = [], PAD, PAD
    for i, name in enumerate(series):
        item = 16 + 6 + text_width(name) + 18
        if x > PAD and x + item > width:
            x, y = PAD, y + LEGEND_ROW
        parts.append(
            f'<rect x="{x}" y="{y}" width="16" height="16" fill="url(#{uid}-p{i % PATTERNS})" '
            f'class="chart__segment"/><text x="{x + 22}" y="{y + 13}" class="chart__label">'
            f"{escape(name)}</text>"
        )
        x += item
    return '<g class="chart__legend">' + "".join(parts) + "</g>", y + LEGEND_ROW + PAD


def stacked_bar_chart(
    *,
    title: str,
    label_heading: str,
    series: list[str],
    rows: list[tuple[str, list[int]]],
) -> Chart:
    """Horizontal stacked bars: one bar per row, one patterned segment per series, the value
    written in each segment wide enough to hold it and the row's total at the bar's end."""
    uid = f"chart-{uuid.uuid4().hex[:8]}"
    columns = [label_heading, *series, _("Total")]
    if not rows or not any(sum(values) for _label, values in rows):
        return _empty(uid, title, columns)
    label_w = _label_width([label for label, _values in rows])
    width = label_w + BAR_AREA + VALUE_ROOM
    legend, top_y = _legend(uid, series, width)
    top = max(sum(values) for _label, values in rows) or 1
    parts = [legend]
    for i, (label, values) in enumerate(rows):
        y = top_y + i * ROW
        total = sum(values)
        parts.append(
            f'<g class="chart__row"><text x="{label_w - PAD}" y="{y + BAR - 4}" '
            f'text-anchor="end" class="chart__label">{escape(label)}</text>'
        )
        x = float(label_w)
        for j, value in enumerate(values):
            if not value:
                continue
            length = BAR_AREA * value / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR}" '
                f'fill="url(#{uid}-p{j % PATTERNS})" class="chart__segment">'
                f"<title>{escape(label)} — {escape(series[j])}: {number(value)}</title></rect>"
            )
            if length >= text_width(number(value), 12) + 8:
                parts.append(
                    f'<text x="{x + length / 2:.1f}" y="{y + BAR - 5}" text-anchor="middle" '
                    f'class="chart__value chart__value--inside">{number(value)}</text>'
                )
            x += length
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + BAR - 4}" class="chart__value">{number(total)}'
            f"</text></g>"
        )
    height = top_y + len(rows) * ROW + PAD
    summary = _summary([(label, sum(values)) for label, values in rows])
    svg = _svg(uid, title, summary, width, height, "".join(parts))
    return Chart(title, svg, columns, [(label, [*values, sum(values)]) for label, values in rows])
