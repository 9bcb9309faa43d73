"""Small SVG charts drawn in Python, for pages that cannot run JavaScript (the bulletin's PDF:
WeasyPrint draws inline SVG as vector graphics) and for the bulletin page itself.

Two kinds: ``line_chart`` (weekly trends, several series, gaps where a value is None) and
``bar_chart`` (one series, vertical or horizontal). Each returns one ``<svg>`` element as a
string. Every text that comes from data (labels, series names, titles) is escaped here, so the
result can be marked safe in a template. No external libraries.
"""

import math
from html import escape

FONT = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
PALETTE = ["#1f6feb", "#d9534f", "#2e9d5b", "#e0a000", "#7b52c7", "#17a2b8"]
AXIS, GRID, INK, MUTED = "#8a8f98", "#e3e6ea", "#222", "#666"


def _t(value):
    """Text for SVG: escaped, quotes included (it may land in an attribute)."""
    return escape(str(value), quote=True)


def _num(value):
    """A number as SVG wants it: no exponent, at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _label(value):
    """A figure for an axis or a bar: integers without decimals, others with one."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _width(text, size=11):
    """Estimated drawn width in px: CJK characters are square, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in str(text))


def _fit(text, px, size=11):
    """The text, cut with an ellipsis to fit ``px`` pixels."""
    text = str(text)
    if _width(text, size) <= px:
        return text
    while text and _width(text + "…", size) > px:
        text = text[:-1]
    return text + "…"


def nice_ticks(high, count=5):
    """Round tick values from 0 up to at least ``high`` (about ``count`` steps)."""
    if high is None or high <= 0:
        return [0, 1]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks, value = [], 0.0
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _open(width, height, title):
    label = _t(title) if title else "图表"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{label}" font-family="{FONT}" font-size="11">']
    if title:
        parts.append(f'<text x="{width / 2:g}" y="16" text-anchor="middle" font-size="13" '
                     f'font-weight="bold" fill="{INK}">{_t(title)}</text>')
    return parts


def _empty(width, title):
    """A short chart that only says there is no data."""
    height = 56 if title else 32
    parts = _open(width, height, title)
    parts.append(f'<text x="{width / 2:g}" y="{height - 10}" text-anchor="middle" '
                 f'fill="{MUTED}">无数据</text></svg>')
    return "".join(parts)


def _values(data):
    return [v for v in data if v is not None]


def line_chart(x_labels, series, *, title=None, width=640, height=260, unit=""):
    """Lines over the x labels; ``series`` is ``[{"name": …, "data": [number | None, …]}]``.
    A None value breaks the line; a lone point is drawn as a dot."""
    values = [v for s in series for v in _values(s["data"])]
    if not x_labels or not values:
        return _empty(width, title)
    parts = _open(width, height, title)
    top = (28 if title else 12) + (12 if unit else 0)
    left, right, bottom = 48, 12, 44 if len(series) > 1 else 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(values))
    y_max = ticks[-1] or 1

    def y(v):
        return top + plot_h - v / y_max * plot_h

    n = len(x_labels)

    def x(i):
        return left + (plot_w * (i + 0.5) / n)

    for tick in ticks:  # grid and y axis labels
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y(tick))}" '
                     f'y2="{_num(y(tick))}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{_num(y(tick) + 4)}" text-anchor="end" '
                     f'fill="{MUTED}">{_t(_label(tick))}</text>')
    if unit:
        parts.append(f'<text x="{left - 6}" y="{top - 4}" text-anchor="end" '
                     f'fill="{MUTED}">{_t(unit)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="{AXIS}" stroke-width="1"/>')
    widest = max(_width(label) for label in x_labels) + 6
    every = max(1, math.ceil(widest / (plot_w / n)))  # labels must not overlap
    for i, label in enumerate(x_labels):
        if i % every == 0:
            parts.append(f'<text x="{_num(x(i))}" y="{top + plot_h + 15}" text-anchor="middle" '
                         f'fill="{MUTED}">{_t(label)}</text>')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        run = []
        for i, v in enumerate([*s["data"], None]):
            if v is not None:
                run.append((x(i), y(v)))
                continue
            if len(run) > 1:
                points = " ".join(f"{_num(a)},{_num(b)}" for a, b in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"/>')
            for a, b in run:
                parts.append(f'<circle cx="{_num(a)}" cy="{_num(b)}" r="2.5" fill="{colour}"/>')
            run = []
    if len(series) > 1:  # legend under the axis
        lx, ly = left, height - 8
        for k, s in enumerate(series):
            colour = PALETTE[k % len(PALETTE)]
            parts.append(f'<rect x="{_num(lx)}" y="{ly - 8}" width="12" height="8" '
                         f'fill="{colour}"/>')
            parts.append(f'<text x="{_num(lx + 16)}" y="{ly}" fill="{INK}">{_t(s["name"])}</text>')
            lx += 28 + _width(s["name"])
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels, values, *, title=None, horizontal=False, width=640, height=None,
              unit="", colour=PALETTE[0]):
    """One bar per label. Horizontal bars suit long names (schools); the height then grows
    with the number of bars unless given."""
    pairs = [(label, v) for label, v in zip(labels, values, strict=True) if v is not None]
    if not pairs:
        return _empty(width, title)
    if height is None:
        height = (40 + 22 * len(pairs) + (20 if title else 0)) if horizontal else 260
        height = max(height, 80)
    parts = _open(width, height, title)
    ticks = nice_ticks(max(v for _, v in pairs))
    v_max = ticks[-1] or 1
    top = (28 if title else 12) + (12 if unit and not horizontal else 0)
    if horizontal:
        left = min(width * 0.4, max(_width(label) for label, _ in pairs) + 12)
        right, bottom = 56, 20
        plot_w, plot_h = width - left - right, height - top - bottom
        band = plot_h / len(pairs)
        for i, (label, v) in enumerate(pairs):
            y0 = top + i * band
            w = v / v_max * plot_w
            parts.append(f'<text x="{_num(left - 6)}" y="{_num(y0 + band / 2 + 4)}" '
                         f'text-anchor="end" fill="{INK}">{_t(_fit(label, left - 10))}</text>')
            parts.append(f'<rect x="{_num(left)}" y="{_num(y0 + band * 0.15)}" width="{_num(w)}" '
                         f'height="{_num(band * 0.7)}" fill="{colour}"/>')
            parts.append(f'<text x="{_num(left + w + 4)}" y="{_num(y0 + band / 2 + 4)}" '
                         f'fill="{MUTED}">{_t(_label(v))}{_t(unit)}</text>')
        parts.append(f'<line x1="{_num(left)}" x2="{_num(left)}" y1="{top}" '
                     f'y2="{_num(top + plot_h)}" stroke="{AXIS}" stroke-width="1"/>')
    else:
        left, right, bottom = 48, 12, 40
        plot_w, plot_h = width - left - right, height - top - bottom
        band = plot_w / len(pairs)
        for tick in ticks:
            ty = top + plot_h - tick / v_max * plot_h
            parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(ty)}" '
                         f'y2="{_num(ty)}" stroke="{GRID}" stroke-width="1"/>')
            parts.append(f'<text x="{left - 6}" y="{_num(ty + 4)}" text-anchor="end" '
                         f'fill="{MUTED}">{_t(_label(tick))}</text>')
        # Short labels (dates) are thinned out when they would overlap; long ones are cut.
        widest = max(_width(label) for label, _ in pairs) + 4
        every = max(1, math.ceil(widest / band)) if widest <= 44 else 1
        for i, (label, v) in enumerate(pairs):
            h = v / v_max * plot_h
            x0 = left + i * band
            parts.append(f'<rect x="{_num(x0 + band * 0.2)}" y="{_num(top + plot_h - h)}" '
                         f'width="{_num(band * 0.6)}" height="{_num(h)}" fill="{colour}"/>')
            if band >= 16:  # room for the value above the bar
                parts.append(f'<text x="{_num(x0 + band / 2)}" y="{_num(top + plot_h - h - 4)}" '
                             f'text-anchor="middle" fill="{MUTED}">{_t(_label(v))}</text>')
            if i % every == 0:
                parts.append(f'<text x="{_num(x0 + band / 2)}" y="{top + plot_h + 15}" '
                             f'text-anchor="middle" fill="{INK}">'
                             f'{_t(_fit(label, band * every - 4))}</text>')
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                     f'y2="{top + plot_h}" stroke="{AXIS}" stroke-width="1"/>')
        if unit:
            parts.append(f'<text x="{left - 6}" y="{top - 4}" text-anchor="end" '
                         f'fill="{MUTED}">{_t(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
