"""Charts as inline SVG, drawn in Python: no JavaScript, no external resource, prints as vector.

Every piece of text placed in the SVG goes through ``escape`` (a component may be named
anything); the result is ``Markup`` so the autoescaping templates insert it as is.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from vigie.kernel.text.language import Language
from vigie.reports.content import MonthRef, ThroughputRow, TrendRow

GREEN, PALE, RED, GREY, INK, MUTED = "#2e7d32", "#9ccc65", "#c62828", "#e0e0e0", "#1a1a1a", "#666666"
FONT = "font-family=\"'DejaVu Sans', Arial, sans-serif\""
CLOSE_MARGIN = 0.005  # half a point above target: met, but close


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _cell_colour(availability: float | None, target: float, breached: bool) -> str:
    if availability is None:
        return GREY
    if breached:
        return RED
    return PALE if availability - target < CLOSE_MARGIN else GREEN


def trend_heatmap(rows: Sequence[TrendRow], months: Sequence[MonthRef], lang: Language) -> Markup:
    """A heat map: one line per component, one cell per month, coloured against the target."""
    label_w, cell_w, cell_h, top, gap = 170, 44, 22, 34, 2
    width = label_w + len(months) * cell_w + 10
    height = top + len(rows) * (cell_h + gap) + 34
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" {FONT}>',
        f"<title>{escape(lang.t('report.trend'))}</title>",
    ]
    for j, m in enumerate(months):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(_text(x, 14, lang.short_month(m.month), anchor="middle", size=10, fill=MUTED))
        if j == 0 or m.month == 1:
            parts.append(_text(x, 26, str(m.year), anchor="middle", size=9, fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * (cell_h + gap)
        parts.append(_text(label_w - 8, y + cell_h / 2 + 4, row.name, anchor="end"))
        for j, point in enumerate(row.points):
            x = label_w + j * cell_w
            colour = _cell_colour(point.availability, row.target, point.breached)
            parts.append(
                f'<rect x="{x + 1}" y="{y}" width="{cell_w - 2}" height="{cell_h}" rx="2" fill="{colour}">'
                f"<title>{escape(row.name)} — {escape(lang.day_or_month(point.month))}{lang.colon}"
                f"{escape(lang.percent(point.availability))}</title>"
                "</rect>"
            )
            if point.availability is not None:
                fill = INK if colour in (PALE, GREY) else "#ffffff"
                parts.append(
                    _text(
                        x + cell_w / 2,
                        y + cell_h / 2 + 4,
                        lang.percent(point.availability, 1, sign=False),
                        anchor="middle",
                        size=10,
                        fill=fill,
                    )
                )
    legend_y = top + len(rows) * (cell_h + gap) + 18
    x = label_w
    for colour, key in (
        (GREEN, "report.legend.met"),
        (PALE, "report.legend.close"),
        (RED, "report.legend.breached"),
        (GREY, "report.legend.none"),
    ):
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        label = lang.t(key)
        parts.append(_text(x + 14, legend_y, label, size=10, fill=MUTED))
        x += 24 + len(label) * 5.6
    parts.append("</svg>")
    return Markup("".join(parts))


def throughput_bars(row: ThroughputRow, lang: Language) -> Markup:
    """Bars of the mean rate per bucket, the nominal capacity as a dashed line, overruns in red."""
    left, right, top, bottom, plot_h = 74, 12, 14, 30, 120
    count = max(len(row.buckets), 1)
    bar_slot = max(min(46.0, 620 / count), 14.0)
    width = left + count * bar_slot + right
    height = top + plot_h + bottom
    peak = max([b.volume for b in row.buckets if b.volume is not None] + [row.capacity])
    scale_max = peak * 1.1

    def y_of(value: float) -> float:
        return top + plot_h - value / scale_max * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height}" '
        f'width="{width:.0f}" height="{height}" role="img" {FONT}>',
        f"<title>{escape(row.name)} — {escape(lang.t('report.throughput'))}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right:.1f}" y2="{top + plot_h}" stroke="{MUTED}" stroke-width="1"/>',
        _text(left - 6, top + plot_h + 4, "0", anchor="end", size=10, fill=MUTED),
    ]
    for i, b in enumerate(row.buckets):
        x = left + i * bar_slot
        if b.volume is not None:
            y = y_of(b.volume)
            colour = RED if b.over else "#1565c0"
            parts.append(
                f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar_slot - 4:.1f}" height="{top + plot_h - y:.1f}" fill="{colour}">'
                f"<title>{escape(lang.day_or_month(b.label))}{lang.colon}{escape(lang.number(b.volume))} {escape(row.unit)} "
                f"({escape(lang.percent(b.utilisation, 0, floor=False))})</title></rect>"
            )
        # Label every bucket when they fit, else every fifth (days of a month).
        if count <= 12 or i % 5 == 0 or i == count - 1:
            parts.append(
                _text(
                    x + bar_slot / 2,
                    top + plot_h + 14,
                    lang.day_or_month(b.label, short=True),
                    anchor="middle",
                    size=9,
                    fill=MUTED,
                )
            )
    cap_y = y_of(row.capacity)
    parts.append(
        f'<line x1="{left}" y1="{cap_y:.1f}" x2="{width - right:.1f}" y2="{cap_y:.1f}" '
        f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="5 3"/>'
    )
    parts.append(_text(left - 6, cap_y + 4, lang.number(row.capacity), anchor="end", size=10))
    legend = (
        f"{lang.t('report.throughput.capacity_line')}{lang.colon}{lang.number(row.capacity)} {row.unit} / "
        f"{lang.t('unit.per.' + row.per)}"
    )
    legend_y = top + plot_h + 27
    parts.append(
        f'<line x1="{left}" y1="{legend_y - 3}" x2="{left + 18}" y2="{legend_y - 3}" '
        f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="5 3"/>'
    )
    parts.append(_text(left + 22, legend_y, legend, size=10, fill=MUTED))
    parts.append("</svg>")
    return Markup("".join(parts))
