"""Server-rendered SVG charts: no JavaScript, a <title>/<desc> text alternative, colours by
CSS class (the page's CSP allows no inline styles). Every chart has a data table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass
class Bar:
    label: str
    value: int
    compare: int | None = None


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def horizontal(chart_id: str, title: str, bars: list[Bar], desc: str) -> Markup:
    """Horizontal bars (categories with long Swedish labels)."""
    row, label_w, bar_w = 22, 230, 300
    height = max(1, len(bars)) * row + 10
    top = _nice_max(max((b.value for b in bars), default=0))
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {label_w + bar_w + 70} {height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for i, bar in enumerate(bars):
        y = 5 + i * row
        width = round(bar_w * bar.value / top) if top else 0
        parts.append(f'<text class="chart-label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
                     f'{escape(bar.label[:34])}</text>')
        parts.append(f'<rect class="chart-bar" fill="#1f5f8b" x="{label_w}" y="{y + 3}" width="{width}" '
                     f'height="{row - 6}"/>')
        parts.append(f'<text class="chart-value" x="{label_w + width + 4}" y="{y + 15}">{bar.value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()  # nosec B704


def columns(chart_id: str, title: str, bars: list[Bar], desc: str, legend: tuple[str, str] | None) -> Markup:
    """Vertical columns per month or year, optionally with a lighter column a year earlier."""
    height, base, left = 220, 190, 40
    slot = max(14, min(60, 640 // max(1, len(bars))))
    width = left + slot * len(bars) + 10
    top = _nice_max(max([b.value for b in bars] + [b.compare or 0 for b in bars] + [0]))
    scale = (base - 20) / top if top else 0
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {max(width, 300)} {height + (20 if legend else 0)}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>',
             f'<line class="chart-axis" stroke="#444" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/>',
             f'<text class="chart-value" x="{left - 4}" y="{base - top * scale + 4}" text-anchor="end">{top}</text>',
             f'<text class="chart-value" x="{left - 4}" y="{base + 4}" text-anchor="end">0</text>']
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
            parts.append(f'<text class="chart-tick" x="{x + inner / 2}" y="{base + 14}" text-anchor="middle">'
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
    top = ", ".join(f"{b.label} {b.value}" for b in ranked)
    return f"Störst: {top}. Alla värden finns i tabellen bredvid."
