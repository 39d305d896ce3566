"""The manager's page (`report --format html`): one self-contained Chinese HTML file, A4 when printed.

Nothing on the page is fetched: styles inline, charts inline SVG (render/report_charts.py), no script
but the report's own data (`<script type="application/json" id="report-data">`, the same object as
`report --format json`). Every number shown carries `data-v` (the JSON path of the value it shows, as
a JSON array) and `data-f` (how it is written), so a test can hold the page to the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from lifecycle_cli.render.output import plain
from lifecycle_cli.render.report_charts import FONTS, horizontal_bars, kpi_line, stacked_bars

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules

NONE = "—"  # a zero denominator, a value that does not exist: never 0%


def number_text(value: Any, kind: str) -> str:
    """How a number reads on the page: `int` as is, `pct` one decimal with %, `count` as is (—: none)."""
    if value is None:
        return NONE
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "count":
        return f"{value:g}"
    return str(value)


def kpi_kind(code: str) -> str:
    """A KPI's value is a percentage, except the count KPIs (campaigns_run)."""
    from lifecycle_cli.core.events import COUNT_KPIS

    return "count" if code in COUNT_KPIS else "pct"


def num(path: Sequence[Any], value: Any, kind: str = "int", tag: str = "td") -> str:
    """An element showing one number of the JSON, tagged with where it comes from."""
    where = escape(json.dumps(list(path), ensure_ascii=False), quote=True)
    css = ' class="n"' if tag == "td" else ""
    return f'<{tag}{css} data-v="{where}" data-f="{kind}">{number_text(value, kind)}</{tag}>'


def text(value: Any) -> str:
    return escape(str(value if value is not None else NONE))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css: str = "") -> str:
    """A table of prepared cells (`num(...)` or `<td>…</td>`); headers are plain text."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def td(value: Any) -> str:
    return f"<td>{text(value)}</td>"


def section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}"><h2>{escape(title)}</h2>{body}</section>'


def figure(svg: str, caption: str) -> str:
    return f'<figure class="chart"><figcaption>{escape(caption)}</figcaption>{svg}</figure>'


def header(data: dict[str, Any], about: dict[str, str]) -> str:
    stores = data["store"] or "、".join(data["stages_by_store"]) or "全部门店（暂无车辆）"
    items = [("门店", stores), ("报表日期", str(data["date"])), ("KPI 月份", data["month"]),
             ("数据库", about["database"]), ("规则摘要", about["rules_digest"][:16]), ("程序版本", about["version"])]
    rows = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in items)
    return f"<header><h1>车辆生命周期报表 · 售后经理</h1><dl>{rows}</dl></header>"


def stages_section(data: dict[str, Any], rules: Rules) -> str:
    from lifecycle_cli.core.facts import VEHICLE_STATUS_LABELS

    names = list(rules.stages.names)
    overall = table(["阶段", "车辆数", "占比"], (
        [td(n), num(["stages", n, "count"], data["stages"][n]["count"]),
         num(["stages", n, "share"], data["stages"][n]["share"], "pct")] for n in names))
    parts = [overall]
    for key, label in (("stages_by_store", "门店"), ("stages_by_model", "车型")):
        groups = data[key]
        series = [(n, [groups[g][n]["count"] for g in groups]) for n in names]
        parts.append(figure(stacked_bars(key, list(groups), series), f"按{label}的阶段分布（车辆数）"))
        parts.append(table([label, *names], (
            [td(g), *[num([key, g, n, "count"], groups[g][n]["count"]) for n in names]] for g in groups)))
    inactive = table(["车辆状态", "车辆数"], (
        [td(VEHICLE_STATUS_LABELS.get(s, s)), num(["inactive", s], n)] for s, n in data["inactive"].items()))
    parts.append(f'<h3>不计入阶段分布（车辆已离开）</h3>{inactive}')
    return section("stages", "生命周期阶段分布", "".join(parts))


def met_word(record: dict[str, Any]) -> tuple[str, str]:
    """达标 / 未达标 in words (and a class for its colour); 无目标, 无数据 when it cannot be said."""
    if record["target"] is None:
        return "none", "无目标"
    if record["met"] is None:
        return "none", "无数据"
    return ("met", "达标") if record["met"] else ("unmet", "未达标")


def kpi_card(code: str, record: dict[str, Any], trend: list[dict[str, Any]], rules: Rules) -> str:
    kind = kpi_kind(code)
    css, word = met_word(record)
    sign = "≤" if code in rules.kpi.lower_is_better else "≥"
    path = ["kpis", code]
    target = (f'目标 {sign} {num([*path, "target"], record["target"], kind, "span")}'
              if record["target"] is not None else "无目标")
    months = [t["month"] for t in trend]
    chart = kpi_line(f"kpi-{code}", months, [t["kpis"][code]["value"] for t in trend], record["target"],
                     percent=kind == "pct")
    return (f'<div class="kpi {css}" id="kpi-{escape(code)}"><h3>{text(record["name"])}</h3>'
            f'<p class="value">{num([*path, "value"], record["value"], kind, "span")}'
            f' <span class="word">{word}</span></p>'
            f'<p>分子 {num([*path, "numerator"], record["numerator"], "int", "span")} / '
            f'分母 {num([*path, "denominator"], record["denominator"], "int", "span")}；{target}</p>{chart}</div>')


def kpi_section(data: dict[str, Any], trend: list[dict[str, Any]], rules: Rules) -> str:
    cards = "".join(kpi_card(code, record, trend, rules) for code, record in data["kpis"].items())
    months = [t["month"] for t in trend]
    rows = ([td(record["name"]), *[num(["trend", i, "kpis", code, "value"], t["kpis"][code]["value"],
                                       kpi_kind(code)) for i, t in enumerate(trend)]]
            for code, record in data["kpis"].items())
    history = table(["KPI", *months], rows, css="trend")
    note = "各月数值为该月最后一天所见（本月为报表日期）；分母为零时显示 —，图中断开。"
    return section("kpis", f"KPI（{data['month']}）与近 {len(trend)} 个月趋势",
                   f'<div class="cards">{cards}</div><h3>月度趋势</h3><p class="note">{note}</p>{history}')


def churn_section(data: dict[str, Any], rules: Rules) -> str:
    categories = list(data["churn"])
    chart = horizontal_bars("churn", categories, [data["churn"][c] for c in categories])
    counts = table(["流失类型", "车辆数"], ([td(c), num(["churn", c], n)] for c, n in data["churn"].items()))
    reasons = table(["流失原因", "次数"], (
        [td(rules.churn_reasons.get(c, c)), num(["churn_reasons", c], n)] for c, n in data["churn_reasons"].items()))
    return section("churn", "流失漏斗（按类型与原因）",
                   figure(chart, f"流失类型（{data['date']}；流失返回为本月）") + counts
                   + f"<h3>流失原因（{escape(data['month'])}，拒绝与流失招揽回访记录的原因）</h3>" + reasons)


def workload_section(data: dict[str, Any], rules: Rules) -> str:
    start = date.fromisoformat(str(data["date"]))
    days = [(start + timedelta(days=i)).isoformat() for i in range(rules.call_list.ahead_days)]
    ahead = [(i, w) for i, w in enumerate(data["workload_days"]) if str(w["date"]) >= days[0]]
    owners = list(dict.fromkeys(w["owner"] for _, w in ahead))
    listed = {(w["owner"], str(w["date"])): w["listed"] for _, w in ahead}
    series = [(o, [listed.get((o, d), 0) for d in days]) for o in owners]
    chart = stacked_bars("workload", [d[5:] for d in days], series, height=320)
    columns = ("capacity", "listed", "deferred", "lapsed_capacity", "worked")
    rows = table(["负责人", "日期", "产能", "已列入", "顺延", "超出产能过期", "已完成", "完成率"], (
        [td(w["owner"]), td(w["date"]), *[num(["workload_days", i, c], w[c]) for c in columns],
         num(["workload_days", i, "completion"], w["completion"], "pct")] for i, w in ahead))
    tasks = table(["负责人", "逾期", "合计"], (
        [td(w["owner"]), num(["workload", i, "overdue"], w["overdue"]), num(["workload", i, "total"], w["total"])]
        for i, w in enumerate(data["workload"])))
    return section("workload", f"未来 {len(days)} 天工作量（按负责人）",
                   figure(chart, "每天列入清单的行数（按负责人；今天为已定清单，之后为预测）") + rows
                   + "<h3>待办任务（逾期与未来合计）</h3>" + tasks)


def campaigns_section(data: dict[str, Any], rules: Rules) -> str:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS

    if not data["campaigns"]:
        return section("campaigns", "本期活动", '<p class="empty">本期没有活动。</p>')
    counts = ("vehicles", "customers", "tasks", "tasks_open", "tasks_closed")
    rows = []
    for i, c in enumerate(data["campaigns"]):
        tp = rules.touchpoints.get(c["kind"])
        results = "，".join(f'{escape(OUTCOME_LABELS.get(r, r))} {num(["campaigns", i, "outcomes", r], n, "int", "span")}'
                           for r, n in c["outcomes"].items()) or NONE
        rows.append([td(c["name"]), td(tp.name if tp else c["kind"]), td(c["date"]),
                     td(rules.channels.get(c["channel"], c["channel"])),
                     *[num(["campaigns", i, k], c[k]) for k in counts], f"<td>{results}</td>"])
    return section("campaigns", "本期活动及结果", table(
        ["活动", "类型", "日期", "渠道", "车辆数", "客户数", "任务数", "进行中", "已结束", "回访结果"], rows))


STYLE = f"""
@page {{ size: A4; margin: 12mm; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONTS}; color: #222; margin: 0 auto; max-width: 1100px; padding: 16px; font-size: 14px; }}
header h1 {{ font-size: 22px; margin: 0 0 8px; }}
header dl {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px 16px; margin: 0 0 16px; }}
header dt {{ color: #666; font-size: 12px; }} header dd {{ margin: 0; word-break: break-all; }}
section {{ margin: 0 0 24px; }}
h2 {{ font-size: 18px; border-bottom: 2px solid #0072B2; padding-bottom: 4px; }}
h3 {{ font-size: 14px; margin: 12px 0 4px; }}
table {{ border-collapse: collapse; margin: 6px 0 12px; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; }}
th {{ background: #f2f2f2; }} td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.trend {{ font-size: 11px; }}
figure.chart {{ margin: 8px 0; }} figure.chart svg {{ width: 100%; height: auto; max-width: 760px; display: block; }}
figcaption {{ font-size: 12px; color: #555; }}
.cards {{ display: grid; grid-template-columns: repeat(2, 1fr); gap: 10px; }}
.kpi {{ border: 1px solid #ccc; border-left: 6px solid #999; padding: 6px 10px; break-inside: avoid; }}
.kpi h3 {{ margin: 0; }} .kpi p {{ margin: 2px 0; }} .kpi svg {{ width: 100%; height: auto; }}
.kpi .value {{ font-size: 20px; font-weight: bold; }}
.kpi.met {{ border-left-color: #009E73; }} .kpi.met .word {{ color: #00734f; }}
.kpi.unmet {{ border-left-color: #D55E00; }} .kpi.unmet .word {{ color: #b34700; }}
.kpi .word {{ font-size: 14px; color: #666; }}
.note, .empty {{ color: #555; font-size: 12px; }}
@media print {{
  body {{ max-width: none; padding: 0; font-size: 11px; }}
  section {{ break-before: page; }} section:first-of-type {{ break-before: auto; }}
  tr, figure {{ break-inside: avoid; }}
}}
"""


def report_page(data: dict[str, Any], rules: Rules, about: dict[str, str]) -> str:
    """The whole page. `data` is the report's JSON object with its `trend` (`report --months N`)."""
    trend = data["trend"]
    payload = json.dumps(plain(data), ensure_ascii=False).replace("<", "\\u003c")
    body = "".join((header(data, about), stages_section(data, rules), kpi_section(data, trend, rules),
                    churn_section(data, rules), workload_section(data, rules), campaigns_section(data, rules)))
    title = f"车辆生命周期报表 {data['store'] or '全部门店'} {data['date']}"
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}"
            f'<script type="application/json" id="report-data">{payload}</script></body></html>\n')
