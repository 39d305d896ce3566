"""`event add / resolve / list` and `campaign add / list / show`: the random key moments (随机节点)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lifecycle_cli.errors import RefusedInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.events import EventKind
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.core.segments import Segment
    from lifecycle_cli.store.events import EventResult, Selection


def add_event(engine: Engine, rules: Rules, vin: str, kind: EventKind, day: date, note: str,
              level: str = "store") -> EventResult:
    """Record an event of a car on a day with its follow-up task (a repeat changes nothing: created False).
    RefusedInput: no such VIN; store.events.EventRefused: a day before the car's delivery."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.events import EventRefused, NewEvent, add_events, vehicle_pk_of

    with engine.begin() as conn:
        vehicle_pk = vehicle_pk_of(conn, vin)
        if vehicle_pk is None:
            raise RefusedInput(f"车架号 \"{vin}\" 不存在（先导入车辆；lifecycle show 可按车牌、电话查找）")
        result = add_events(conn, rules, HolidayCalendar(), [NewEvent(vehicle_pk, kind, day, note, level=level)])[0]
        if isinstance(result, EventRefused):
            raise result
    return result


def resolve_event(engine: Engine, rules: Rules, event_id: int, satisfied: bool, day: date) -> dict[str, Any] | None:
    """Resolve an open event on a day; the complaint's follow-up task after it (None for other kinds).
    store.events.EventRefused / EventResolved when it cannot be."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.events import resolve_event as resolve

    with engine.begin() as conn:
        _, task = resolve(conn, rules, HolidayCalendar(), event_id, satisfied, day)
    return task


@dataclass
class EventFilters:
    """Which events `event list` shows."""

    kind: str | None = None
    status: str | None = None
    store: str | None = None
    since: date | None = None
    until: date | None = None


def list_events(engine: Engine, filters: EventFilters) -> list[dict[str, Any]]:
    """The events of the filters, newest first, with their follow-up tasks."""
    from lifecycle_cli.store.events import list_events as query

    with engine.connect() as conn:
        return query(conn, kind=filters.kind, status=filters.status, store=filters.store, since=filters.since,
                     until=filters.until)


@dataclass
class CampaignOptions:
    """A campaign to create: its name, kind, day, channel, owner role and segment."""

    name: str
    kind: str
    day: date
    channel: str
    role: str
    segment: Segment


@dataclass
class CampaignAdded:
    """The segment's selection and the campaign created (None: a dry run, or not confirmed)."""

    selection: Selection
    created: dict[str, Any] | None


def add_campaign(engine: Engine, rules: Rules, options: CampaignOptions,
                 go_on: Callable[[Selection], bool]) -> CampaignAdded:
    """Select the segment on the campaign day, ask `go_on` (which shows the selection: False stops
    without a change), then store the campaign and one task per targeted customer, all in one
    transaction. RefusedInput when the segment selects nobody who may be contacted."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.events import create_campaign, select_segment

    with engine.connect() as conn, conn.begin():
        selection = select_segment(conn, rules, options.day, options.segment)
        if not selection.targets:
            extra = (f"（另有免打扰客户 {selection.excluded_customers} 位，不生成任务）"
                     if selection.excluded else "")
            raise RefusedInput(f"客群为空：{options.day} 按「{options.segment.describe(rules)}」没有选中任何"
                               f"可联系的客户{extra}，未创建活动")
        if not go_on(selection):
            return CampaignAdded(selection, None)
        created = create_campaign(conn, rules, HolidayCalendar(), name=options.name, kind=options.kind,
                                  on=options.day, channel=options.channel, role=options.role,
                                  segment=options.segment, selection=selection)
    return CampaignAdded(selection, created)


def list_campaigns(engine: Engine, since: date | None, until: date | None) -> list[dict[str, Any]]:
    """The campaigns of [since, until] with their task and outcome counts."""
    from lifecycle_cli.store.events import list_campaigns as query

    with engine.connect() as conn:
        return query(conn, since=since, until=until)


def campaign(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """One campaign with its targets, tasks and outcomes; RefusedInput when there is none."""
    from lifecycle_cli.store.events import campaign_detail

    with engine.connect() as conn:
        record = campaign_detail(conn, campaign_id)
    if record is None:
        raise RefusedInput(f"活动 {campaign_id} 不存在（lifecycle campaign list 可查看活动号）")
    return record

