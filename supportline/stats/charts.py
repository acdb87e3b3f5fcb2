"""Server-rendered SVG charts: no JavaScript, a <title>/<desc> text alternative, colours by
CSS class (the page's CSP allows no inline styles). Every chart has a data table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from supportline.swedish import tal


@dataclass
class Bar:
    label: str
    value: int
    compare: int | None = None
    shown: str | None = None  # the value as printed when it is not the number ("<5" in a suppressed report)


def ticks(value: int) -> list[int]:
    """The axis's ticks from 0: a step of 1, 2 or 5 times a power of ten, four to six ticks
    in all, the last one at or above the largest value."""
    if value <= 5:
        return list(range(0, 6))
    step = 1
    while True:
        for factor in (1, 2, 5):
            if -(-value // (step * factor)) <= 5:
                size = step * factor
                return list(range(0, size * -(-value // size) + 1, size))
        step *= 10


def horizontal(chart_id: str, title: str, bars: list[Bar], desc: str) -> Markup:
    """Horizontal bars (categories with long Swedish labels), a value axis with ticks below."""
    row, label_w, bar_w, axis_h = 22, 230, 300, 26
    base = max(1, len(bars)) * row + 10
    marks = ticks(max((b.value for b in bars), default=0))
    top = marks[-1]
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {label_w + bar_w + 70} {base + axis_h}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for mark in marks:
        x = label_w + round(bar_w * mark / top)
        parts.append(f'<line class="chart-grid" stroke="#ccc" x1="{x}" y1="5" x2="{x}" y2="{base}"/>'
                     f'<line class="chart-axis" stroke="#444" x1="{x}" y1="{base}" x2="{x}" y2="{base + 4}"/>'
                     f'<text class="chart-tick" x="{x}" y="{base + 16}" text-anchor="middle">{tal(mark)}</text>')
    parts.append(f'<line class="chart-axis" stroke="#444" x1="{label_w}" y1="{base}" x2="{label_w + bar_w}" '
                 f'y2="{base}"/>')
    for i, bar in enumerate(bars):
        y = 5 + i * row
        width = round(bar_w * bar.value / top)
        parts.append(f'<text class="chart-label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
                     f'{escape(bar.label[:34])}</text>')
        parts.append(f'<rect class="chart-bar" fill="#1f5f8b" x="{label_w}" y="{y + 3}" width="{width}" '
                     f'height="{row - 6}"/>')
        value = escape(bar.shown or tal(bar.value))
        parts.append(f'<text class="chart-value" x="{label_w + width + 4}" y="{y + 15}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()  # nosec B704


def _value_axis(left: int, right: int, base: int, scale: float, marks: list[int]) -> list[str]:
    parts = []
    for mark in marks:
        y = round(base - mark * scale, 1)
        parts.append(f'<line class="chart-grid" stroke="#ccc" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>'
                     f'<line class="chart-axis" stroke="#444" x1="{left - 4}" y1="{y}" x2="{left}" y2="{y}"/>'
                     f'<text class="chart-tick" x="{left - 6}" y="{y + 4}" text-anchor="end">{tal(mark)}</text>')
    parts.append(f'<line class="chart-axis" stroke="#444" x1="{left}" y1="{base}" x2="{left}" '
                 f'y2="{round(base - marks[-1] * scale, 1)}"/>')
    return parts


def columns(chart_id: str, title: str, bars: list[Bar], desc: str, legend: tuple[str, str] | None) -> Markup:
    """Vertical columns per month or year, optionally with a lighter column a year earlier; a
    value axis with ticks on the left, a tick below every labelled period."""
    height, base, left = 220, 190, 52
    slot = max(14, min(60, 640 // max(1, len(bars))))
    width = left + slot * len(bars) + 10
    marks = ticks(max([b.value for b in bars] + [b.compare or 0 for b in bars] + [0]))
    scale = (base - 20) / marks[-1]
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {max(width, 300)} {height + (20 if legend else 0)}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>',
             *_value_axis(left, width, base, scale, marks),
             f'<line class="chart-axis" stroke="#444" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/>']
    every = max(1, len(bars) // 12)
    for i, bar in enumerate(bars):
        x = left + i * slot + 2
        inner = slot - 4
        if bar.compare is not None:
            half = inner // 2
            h = round(bar.compare * scale)
            parts.append(f'<rect class="chart-bar-compare" fill="#9cc3dd" x="{x}" y="{base - h}" '
                         f'width="{half}" height="{h}"/>')
            x2, w = x + half, inner - half
        else:
            x2, w = x, inner
        h = round(bar.value * scale)
        parts.append(f'<rect class="chart-bar" fill="#1f5f8b" x="{x2}" y="{base - h}" width="{w}" height="{h}"/>')
        if i % every == 0:
            mid = x + inner / 2
            parts.append(f'<line class="chart-axis" stroke="#444" x1="{mid}" y1="{base}" x2="{mid}" y2="{base + 4}"/>'
                         f'<text class="chart-tick" x="{mid}" y="{base + 16}" text-anchor="middle">'
                         f'{escape(bar.label[-5:] if len(bars) > 12 else bar.label)}</text>')
    if legend:
        y = height + 8
        parts.append(f'<rect class="chart-bar" fill="#1f5f8b" x="{left}" y="{y}" width="12" height="12"/>'
                     f'<text class="chart-value" x="{left + 16}" y="{y + 10}">{escape(legend[0])}</text>'
                     f'<rect class="chart-bar-compare" fill="#9cc3dd" x="{left + 170}" y="{y}" width="12" height="12"/>'
                     f'<text class="chart-value" x="{left + 186}" y="{y + 10}">{escape(legend[1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()  # nosec B704


def describe(bars: list[Bar], unit: str = "ärenden") -> str:
    """A sentence for screen readers: the largest categories, and the total."""
    ranked = sorted((b for b in bars if b.value), key=lambda b: -b.value)[:3]
    if not ranked:
        return f"Inga {unit} i perioden."
    top = ", ".join(f"{b.label} {tal(b.value)}" for b in ranked)
    return f"Störst: {top}. Alla värden finns i tabellen bredvid."
