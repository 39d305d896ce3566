"""The manager's page's charts as inline SVG, drawn by pygal (imported only by `report --format html`).

pygal renders SVG in Python with no runtime of its own; the SVG it writes is made offline-safe here:
no script (its tooltip script is a URL, `js=[]`; its inline settings for it are cut), no comments, and the chart's random id replaced by a
stable one, so the same data gives the same page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

FONTS = '"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif'
# Colour-blind-safe series colours (Okabe–Ito), the stages in order.
COLOURS = ("#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
TARGET_COLOUR = "#D55E00"
_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)  # pygal's tooltip settings: nothing runs on the page


def _style(colours: Sequence[str] = COLOURS) -> Any:
    from pygal.style import Style

    return Style(font_family=FONTS, background="white", plot_background="white", colors=tuple(colours),
                 foreground="#333", foreground_strong="#111", foreground_subtle="#bbb",
                 label_font_size=11, major_label_font_size=11, legend_font_size=12, value_font_size=10,
                 title_font_size=14, no_data_font_size=18, opacity=".9", opacity_hover="1")


def _config(**extra: Any) -> dict[str, Any]:
    return {"js": [], "disable_xml_declaration": True, "no_data_text": "暂无数据", "style": _style(),
            "legend_at_bottom": True, "truncate_legend": -1, "truncate_label": -1, "explicit_size": False,
            "show_y_guides": True, **extra}


def _svg(chart: Any, name: str) -> str:
    """The chart's SVG, offline-safe, with a stable id (`chart-NAME`)."""
    text = chart.render(is_unicode=True)
    text = _SCRIPT.sub("", _COMMENT.sub("", text))
    text = _CHART_ID.sub(f"chart-{name}", text)
    return text


def stacked_bars(name: str, groups: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *,
                 width: int = 760, height: int = 300) -> str:
    """Stacked bars, one bar per group (store, model, day), one series per part (stage, person)."""
    import pygal

    rotate = 30 if len(groups) > 6 else 0
    chart = pygal.StackedBar(**_config(width=width, height=height, x_label_rotation=rotate,
                                       print_values=False, legend_at_bottom_columns=min(len(series), 6) or 1))
    chart.x_labels = list(groups)
    for label, values in series:
        chart.add(label, list(values))
    return _svg(chart, name)


def horizontal_bars(name: str, labels: Sequence[str], values: Sequence[int], *, width: int = 760,
                    height: int = 240) -> str:
    """One horizontal bar per label (the churn funnel's categories, largest on top as given)."""
    import pygal

    chart = pygal.HorizontalBar(**_config(width=width, height=height, show_legend=False, print_values=True))
    chart.x_labels = list(reversed(labels))  # pygal draws the first label at the bottom
    chart.add("车辆数", list(reversed(values)))
    return _svg(chart, name)


def kpi_line(name: str, months: Sequence[str], values: Sequence[float | None], target: float | None, *,
             percent: bool, width: int = 380, height: int = 180) -> str:
    """A KPI's value month by month (a gap where the denominator was 0) with its target as a dashed line."""
    import pygal

    scale = 100.0 if percent else 1.0
    points = [None if v is None else round(v * scale, 1) for v in values]
    known = [p for p in points if p is not None] + ([target * scale] if target is not None else [])
    top = max(known, default=1.0)
    fixed = percent and top <= 100  # a rate: always 0–100%, so two charts read alike
    chart = pygal.Line(**_config(width=width, height=height, show_legend=True, legend_at_bottom_columns=2,
                                 x_label_rotation=45 if len(months) > 6 else 0, dots_size=3,
                                 allow_interruptions=True, range=(0, 100 if fixed else (top * 1.1 or 1)),
                                 y_labels=[0, 25, 50, 75, 100] if fixed else None,
                                 value_formatter=(lambda x: f"{x:.1f}%") if percent else (lambda x: f"{x:g}"),
                                 style=_style(("#0072B2", TARGET_COLOUR))))
    chart.x_labels = [m[2:] for m in months]  # 25-12: short enough for twelve labels
    chart.add("实际", points)
    if target is not None:
        chart.add("目标", [target * scale] * len(months), show_dots=False, stroke_style={"dasharray": "6,4", "width": 2})
    return _svg(chart, name)
