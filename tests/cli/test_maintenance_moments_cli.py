"""Maintenance that matches the seeds' key moments (issue 18, care-desk §6, §9 "Windows", "Milestones").

- A maintenance invitation names the milestone (1万 / 1.5万 / 2万 / 4万 / 6万 / 8万公里保养) nearest to its
  service km (the maintenance it follows + 5,000 km; a first service 5,000 km) within ±2,500 km, with
  the milestone's items from the rules in its hint and the JSON key `milestone`.
- A repair (any visit but maintenance) while the invitation is open (first step or 二次邀约) moves it:
  listed from repair + 30 with the hint 上次进厂未做保养, its second step 37 days after that; the placement
  it left closes `postponed` on the repair day. Only a maintenance visit cancels it. churn_winback falls due
  90 days after the later of the due date and the last visit of any kind.

Every car below had maintenance on 2025-06-01 and 2025-12-01 (about 5 km a day: the six months come
first), so its next service is due 2026-06-01: the invitation is listed 05-25 … 06-08, its second step
07-01 … 07-15, the win-back from 08-30. Each morning is replayed with the clock on that day.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Files, customer, due_tasks, make_vin, refusal, run_ok, sql_rows, vehicle, visit

from lifecycle_cli.core.rules import load_rules

TOUCHPOINT_HINT = load_rules().touchpoints["service_invite"].hint
ITEMS = {m.name: "、".join(m.items) for m in load_rules().milestones.services}
# The cars of the repair tests: last maintenance at 12,000 km, so the service km is 17,000 (1.5万).
AT_15000 = f"1.5万公里保养：{ITEMS['1.5万公里保养']}。{TOUCHPOINT_HINT}"


def now(day: str) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def history(vin: str, km: int, n: int = 0) -> list[dict[str, Any]]:
    """Two maintenance visits, the last at `km` on 2025-12-01."""
    return [visit(f"RO-{n}-1", vin, "2025-06-01", km - 1000), visit(f"RO-{n}-2", vin, "2025-12-01", km)]


def invitations(db: Path, day: str) -> list[dict[str, Any]]:
    """The maintenance invitations on the list of `day`, as of that day."""
    return [t for t in due_tasks(db, "--date", day, env=now(day))
            if t["code"] in ("first_service_invite", "service_invite")]


# (km of the last maintenance -> service km, the milestone named)
MILESTONES = [
    (2499, 7499, None),
    (2500, 7500, "1万公里保养"),
    (7499, 12499, "1万公里保养"),
    (7500, 12500, "1.5万公里保养"),  # halfway between two: the larger
    (12500, 17500, "2万公里保养"),
    (17500, 22500, "2万公里保养"),
    (17501, 22501, None),
    (32499, 37499, None),
    (32500, 37500, "4万公里保养"),
    (47500, 52500, None),
    (57500, 62500, "6万公里保养"),
    (77500, 82500, "8万公里保养"),
    (77501, 82501, None),
]


def test_each_invitation_names_the_milestone_nearest_its_service_km(db: Path, files: Files) -> None:
    vins = {km: make_vin(600 + i) for i, (km, _, _) in enumerate(MILESTONES)}
    first = make_vin(699)  # first service (5,000 km) due 2026-06-01: no milestone
    customers = [customer(f"C{km}", f"客户{km}", i) for i, (km, _, _) in enumerate(MILESTONES)]
    vehicles = [vehicle(vins[km], f"C{km}", "2018-01-01") for km, _, _ in MILESTONES]
    visits = [row for i, (km, _, _) in enumerate(MILESTONES) for row in history(vins[km], km, i)]
    run_ok(db, "import", files.customers([*customers, customer("F1", "首保", 99)]),
           files.vehicles([*vehicles, vehicle(first, "F1", "2026-03-01")]), files.visits(visits), env=now("2026-05-20"))

    listed = {t["vin"]: t for t in invitations(db, "2026-05-25")}
    assert {km: listed[vins[km]]["milestone"] for km, _, _ in MILESTONES} == {km: m for km, _, m in MILESTONES}
    for km, _, milestone in MILESTONES:
        hint = listed[vins[km]]["hint"]
        assert hint == (f"{milestone}：{ITEMS[milestone]}。{TOUCHPOINT_HINT}" if milestone else TOUCHPOINT_HINT)
    assert listed[vins[32500]]["hint"].startswith("4万公里保养：更换机油、更换机油滤清器、更换空气滤芯、更换空调滤芯、"
                                                  "更换刹车油、更换火花塞。")
    assert (listed[first]["code"], listed[first]["milestone"]) == ("first_service_invite", None)
    # The second step (二次邀约) names it too.
    second = {t["vin"]: t for t in invitations(db, "2026-07-01")}
    assert (second[vins[32500]]["name"], second[vins[32500]]["milestone"]) == ("定期保养邀约（二次邀约）", "4万公里保养")
    assert second[vins[32500]]["hint"] == listed[vins[32500]]["hint"]


def test_a_rules_file_changes_the_items_without_a_rebuild(db: Path, files: Files, tmp_path: Path) -> None:
    vin = make_vin(700)
    run_ok(db, "import", files.customers([customer("C1", "张伟", 1)]), files.vehicles([vehicle(vin, "C1", "2018-01-01")]),
           files.visits(history(vin, 33000)), env=now("2026-05-20"))  # service km 38,000
    rules = tmp_path / "rules.toml"
    rules.write_text('[milestones]\nwithin_km = 1000\n', encoding="utf-8")
    result = run_ok(db, "--rules", rules, "due", "--date", "2026-05-25", "--format", "json", env=now("2026-05-25"))
    assert '"milestone": null' in result.stdout  # 40,000 is 2,000 away
    rules.write_text('[[milestones.services]]\nkm = 40000\nname = "4万公里保养"\nitems = ["更换机油"]\n', encoding="utf-8")
    result = run_ok(db, "--rules", rules, "due", "--date", "2026-05-25", "--format", "json", env=now("2026-05-25"))
    assert "已按当前规则重算" not in result.stderr  # labels and hints only: no rebuild
    assert '"hint": "4万公里保养：更换机油。' in result.stdout


# ------------------------------------------------------------------------ a repair moves the invitation

VIN = make_vin(701)


@pytest.fixture
def car(db: Path, files: Files) -> Path:
    """One car whose service is due 2026-06-01 (last maintenance 2025-12-01 at 12,000 km); live since 05-25."""
    run_ok(db, "import", files.customers([customer("C1", "张伟", 1)]), files.vehicles([vehicle(VIN, "C1", "2018-01-01")]),
           files.visits(history(VIN, 12000)), env=now("2026-05-20"))
    assert [(t["name"], t["due_date"]) for t in invitations(db, "2026-05-25")] == [("定期保养邀约", "2026-05-25")]
    return db


def came_in(db: Path, files: Files, day: str, kind: str = "repair") -> None:
    run_ok(db, "import", files.visits([visit(f"RO-{day}", VIN, day, 12500, kind)], name=f"visit-{day}.csv"),
           env=now(day))


def stored(db: Path) -> list[tuple[str, str, str | None, str | None]]:
    rows = sql_rows(db, "SELECT event_key, status, closed_reason, closed_on FROM task "
                        "WHERE code = 'service_invite' ORDER BY id")
    return [(key, status, reason, str(on)[:10] if on else None) for key, status, reason, on in rows]


# (the step that is open, repair day, the moved first step's list day, its second step's list day)
MOVES = [
    pytest.param("2026-05-25", "2026-05-27", "2026-06-26", "2026-08-02", "after:2025-12-01",
                 id="repair-while-the-first-step-is-open"),
    pytest.param("2026-07-01", "2026-07-03", "2026-08-02", "2026-09-08", "after:2025-12-01:step:2",
                 id="repair-while-the-second-step-is-open"),
]


@pytest.mark.parametrize(("open_on", "repair", "first", "second", "left"), MOVES)
def test_a_repair_while_the_invitation_is_open_moves_it(car: Path, files: Files, open_on: str, repair: str,
                                                        first: str, second: str, left: str) -> None:
    [before] = invitations(car, open_on)
    came_in(car, files, repair)
    assert invitations(car, repair) == []  # the car came in: off the list the same day
    moved_key = f"after:2025-12-01:moved:{repair}"
    assert invitations(car, (date.fromisoformat(first) - timedelta(days=1)).isoformat()) == []
    [moved] = invitations(car, first)
    assert (moved["name"], moved["due_date"], moved["milestone"]) == ("定期保养邀约", first, "1.5万公里保养")
    assert moved["hint"] == f"上次进厂未做保养。{AT_15000}"
    assert before["hint"] == AT_15000
    assert moved["task_id"] != before["task_id"]
    [step2] = invitations(car, second)
    assert (step2["name"], step2["due_date"], step2["hint"]) == ("定期保养邀约（二次邀约）", second, moved["hint"])
    rows = {key: (status, reason, on) for key, status, reason, on in stored(car)}
    assert rows[left] == ("closed", "postponed", repair)
    assert rows[moved_key][0] == "closed" and rows[moved_key + ":step:2"][0] == "open"


def test_a_maintenance_visit_cancels_the_invitation(car: Path, files: Files) -> None:
    came_in(car, files, "2026-05-27", "maintenance")
    assert invitations(car, "2026-05-27") == []
    assert invitations(car, "2026-06-26") == []
    assert [(key, status, reason) for key, status, reason, _ in stored(car)] == [
        ("after:2025-12-01", "closed", "superseded")]


@pytest.mark.parametrize(("repair", "winback"), [
    pytest.param(None, "2026-08-30", id="no-visit-due-plus-90"),
    pytest.param("2026-05-27", "2026-08-30", id="a-visit-before-the-due-date-due-plus-90"),
    pytest.param("2026-07-20", "2026-10-18", id="a-visit-after-the-due-date-visit-plus-90"),
])
def test_the_win_back_falls_due_90_days_after_the_later_of_due_date_and_last_visit(
        car: Path, files: Files, repair: str | None, winback: str) -> None:
    if repair is not None:
        came_in(car, files, repair)
    on = {day: [t["due_date"] for t in due_tasks(car, "--date", day, env=now(day)) if t["code"] == "churn_winback"]
          for day in ("2026-08-30", winback)}
    assert on[winback] == [winback]
    if winback != "2026-08-30":
        assert on["2026-08-30"] == []


@pytest.mark.parametrize(("text", "message"), [
    ('[[milestones.services]]\nkm = 40000\nname = "4万"\n', "milestones.services[1]: 缺少 items"),
    ('[[milestones.services]]\nkm = 40000\nname = "4万"\nitems = []\n[[milestones.services]]\nkm = 40000\n'
     'name = "四万"\nitems = []\n', "milestones.services: 里程不能重复（40000）"),
    ('[milestones]\nwithin_km = "2500"\n', "milestones.within_km: 应为整数，不是文本 \"2500\""),
    ('[schedule]\nrepair_moves_invite_days = -1\n', "schedule.repair_moves_invite_days: 不能为负数，不是 -1"),
])
def test_a_bad_milestones_table_is_refused(db: Path, tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(text, encoding="utf-8")
    assert message in refusal(db, "--rules", str(rules), "rules")
