"""The scheduler: a customer's facts, the rules and a window of dates in, dated tasks out.

Pure: no database, no clock. Facts dated after `today` are ignored, so a list asked for a
past date is the list that date would have shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from lifecycle_cli.core.calendar import HOLIDAY_SHIFT, HolidayCalendar, extended_window_end
from lifecycle_cli.core.facts import (
    CustomerFacts,
    MaintenanceDue,
    VehicleFacts,
    VisitFact,
    maintenance_visits,
    next_maintenance,
    upgrade_date,
    vehicle_projection,
    warranty_end,
    yearly_date,
)
from lifecycle_cli.core.insurance import (
    INSPECTION_CODE,
    RENEWAL_CODE,
    ExpiryChange,
    RenewalStep,
    expiry_on,
    inspection_schedule,
    renewal_steps,
    replaced_expiries,
)
from lifecycle_cli.core.invitations import POSTPONED, SECOND_STEP, SECOND_STEP_NAME, placements, winback_date
from lifecycle_cli.core.mileage import Projection, whole_km
from lifecycle_cli.core.rules import Rules, Touchpoint
from lifecycle_cli.core.staffing import Staffing, named_person
from lifecycle_cli.core.stages import add_months, add_years, stage_index_by_age, stage_index_by_mileage
from lifecycle_cli.core.window import TaskWindow

# The facts and a vehicle's dates live in core/facts.py; named here too for the scheduler's users.
__all__ = ["INVITATION_CODES", "RENEWAL_HORIZON_DAYS", "SCHEDULED_CODES", "SECOND_STEP", "SECOND_STEP_NAME", "CustomerFacts", "MaintenanceDue",
           "ScheduledTask", "Scheduler", "VehicleFacts", "VisitFact", "maintenance_visits", "next_maintenance",
           "upgrade_date", "vehicle_projection", "warranty_end", "yearly_date"]

# Codes the scheduler owns: an open task of one of these that the scheduler no longer
# produces (a visit came, a new maintenance chain began) is closed when the window is synced.
SCHEDULED_CODES = frozenset(
    {
        "delivery_call_24h",
        "delivery_call_7d",
        "visit_45d",
        "first_service_invite",
        "service_invite",
        "churn_winback",
        "warranty_expiry_check",
        "trade_in_offer",
        "post_service_followup",
        "purchase_anniversary",
        "birthday_greeting",
        "care_call",
        "holiday_greeting",
        "pre_holiday_check",
        "insurance_renewal_invite",
        "inspection_reminder",
    }
)
# How far before a window the scheduler still produces renewal / inspection tasks (so stored ones
# whose expiry moved or passed are matched by key and closed).
RENEWAL_HORIZON_DAYS = 400
# Invitations a visit closes (邀约: the car came in).
INVITATION_CODES = frozenset({"first_service_invite", "service_invite", "churn_winback", "warranty_expiry_check"})


@dataclass(slots=True)
class ScheduledTask:
    """One dated task the rules produce: what, for whom, when it is listed and until when.

    Treated as a value (a changed copy comes from `dataclasses.replace`); not declared frozen
    because the scheduler builds about fifteen per car and a frozen __init__ costs 2.5 times as much.
    """

    code: str
    customer_id: str
    vin: str
    event_key: str
    rule_date: date
    due_date: date
    window_end: date
    name: str
    moment: str
    role: str
    owner: str
    channel: str
    hint: str
    stage: str
    store: str | None
    closed_by_visit: date | None = None
    # Why the task closes on `closed_by_visit`: a visit, or (renewal calls) next_step / lapsed / renewed.
    closed_reason: str = "visit"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The natural key: (customer, vehicle, code, the event it belongs to)."""
        return (self.customer_id, self.vin, self.code, self.event_key)

    @property
    def original_due_date(self) -> date | None:
        """The rule's date when a holiday moved the task, else None."""
        return self.rule_date if self.rule_date != self.due_date else None


@dataclass
class Scheduler:
    """Turns customers' facts into the tasks of a window [start, end], with facts up to `today`."""

    rules: Rules
    today: date
    start: date
    end: date
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    # The real today, when `today` is a later day being looked at: closures that only the passing of
    # time makes (a renewal step replaced by the next, a lapse) apply up to it. None: `today`.
    now: date | None = None
    # The store's active people (care-desk §1): owners are people once there is a staff file.
    staffing: Staffing = field(default_factory=Staffing)
    # Every store's go-live on a database's first sync (care-desk §4; None otherwise): for_customer(in_window=True)
    # then gives only the tasks go-live creates (core/golive.py), and does not build the others.
    go_live: date | None = None
    # Set while for_customer(in_window=True) runs: tasks that cannot meet the window are not built.
    _pruning: bool = field(default=False, init=False, repr=False, compare=False)
    # Per car of the customer being scheduled: the day its first invitation closes (care calls wait for it).
    _care_blocked: dict[str, date | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    # The window (and go-live) of this scheduler: a task's dates, and which tasks are kept (core/window.py).
    _window: TaskWindow = field(init=False, repr=False, compare=False)
    # The same for every car, keyed by (date, pruning): an expiry's renewal steps and a delivery date's
    # computed inspection dates, those that can meet the window when pruning (as many as the calendar has days).
    _steps: dict[tuple[date, bool], list[RenewalStep]] = field(default_factory=dict, init=False, repr=False,
                                                               compare=False)
    _inspections: dict[tuple[date, bool], list[tuple[str, date]]] = field(default_factory=dict, init=False,
                                                                          repr=False, compare=False)

    def __post_init__(self) -> None:
        self._window = TaskWindow(self.rules, self.calendar, self.start, self.end, self.go_live)

    def for_customer(self, customer: CustomerFacts, *, in_window: bool = True) -> list[ScheduledTask]:
        """Every task of this customer whose time on the list meets the window.

        With in_window=False, also the tasks around the window the rules produced on the way
        (so a stored task whose dates moved is matched by its key, not lost).
        """
        if customer.do_not_contact:
            return []
        tasks: list[ScheduledTask] = []
        self._pruning = in_window
        self._care_blocked.clear()
        active = customer.active_vehicles  # a car sold, scrapped or transferred gets no tasks (care-desk §6)
        try:
            for vehicle in active:
                if vehicle.delivery_date > self.today:
                    continue  # not delivered yet as of today: facts after today are ignored
                tasks.extend(self._vehicle_tasks(customer, vehicle))
            if active or not customer.vehicles:  # no active car left: no customer-level tasks either
                tasks.extend(self._customer_tasks(customer, active))
        finally:
            self._pruning = False
        if customer.phone_bad:
            tasks = [t for t in tasks if t.channel != "phone"]
        if customer.sms_opt_out:  # 短信退订: no message of any kind
            tasks = [t for t in tasks if t.channel != "sms"]
        if not in_window:
            return tasks
        return [t for t in tasks if self._window.keeps(t.code, t.due_date, t.window_end)]

    def _pruned(self, code: str, rule_date: date, window_end: date | None = None) -> bool:
        """Whether to leave this task unbuilt: only while pruning, and only when the task of this rule date
        (and window end, when the rule gives one) is not kept (core/window.py: exact, as the final filter)."""
        return self._pruning and not self._window.can_meet(code, rule_date, window_end)

    # -- building one task -------------------------------------------------------------

    def _task(
        self,
        code: str,
        customer: CustomerFacts,
        vehicle: VehicleFacts | None,
        event_key: str,
        rule_date: date,
        *,
        window_end: date | None = None,
        projection: Projection | None = None,
        closed_by_visit: date | None = None,
        role: str | None = None,
    ) -> ScheduledTask:
        tp: Touchpoint = self.rules.touchpoints[code]
        role = role or tp.role
        due, end = self._window.dates(tp, rule_date, window_end)
        stage = ""
        # The stage is shown on the list: worked out only for tasks that can meet the window.
        if vehicle is not None and projection is not None and due <= self.end and end >= self.start:
            on = max(rule_date, vehicle.delivery_date)  # core/stages.py stage_on(...).stage, without the rest
            stage = self.rules.stages.names[max(stage_index_by_age(vehicle.delivery_date, on, self.rules),
                                                stage_index_by_mileage(whole_km(projection, on), self.rules))]
        store = (vehicle.store if vehicle is not None else None) or customer.store
        named = named_person(role, vehicle.sales_consultant, vehicle.service_advisor) if vehicle is not None else None
        owner = self.staffing.owner(role, store, named, customer.assigned_to(role), self.rules.role_label(role))
        return ScheduledTask(
            code=code,
            customer_id=customer.customer_id,
            vin=vehicle.vin if vehicle is not None else "",
            event_key=event_key,
            rule_date=rule_date,
            due_date=due,
            window_end=end,
            name=tp.name + SECOND_STEP_NAME if event_key.endswith(SECOND_STEP) else tp.name,
            moment=tp.moment,
            role=role,
            owner=owner,
            channel=tp.channel,
            hint=tp.hint,
            stage=stage,
            store=store,
            closed_by_visit=closed_by_visit,
        )

    def _fixed_date_can_meet(self, code: str, rule_date: date) -> bool:
        """Whether a task whose rule date is part of its key (so a stored copy never has other dates)
        can meet the window, with a margin for a holiday shift; those that cannot are not built at all.
        (A birthday or anniversary keeps its key when corrected data moves its date: built whenever
        stored tasks are matched, i.e. unless pruning.)"""
        if rule_date > self.end:
            return False
        return extended_window_end(rule_date, self.rules.touchpoints[code].window_days) + HOLIDAY_SHIFT >= self.start

    def _first_visit_between(self, vehicle: VehicleFacts, first: date, last: date) -> date | None:
        """The first visit of any kind in [first, min(last, today)]: the car came in."""
        last = min(last, self.today)
        dates = [v.date for v in vehicle.visits if first <= v.date <= last]
        return min(dates) if dates else None

    # -- vehicle tasks --------------------------------------------------------------------

    def _vehicle_tasks(self, customer: CustomerFacts, vehicle: VehicleFacts) -> Iterator[ScheduledTask]:
        rules = self.rules
        proj = vehicle_projection(vehicle, rules, self.today)
        delivered = vehicle.delivery_date
        for code in ("delivery_call_24h", "delivery_call_7d", "visit_45d"):
            on = delivered + timedelta(days=rules.touchpoints[code].offset_days)
            if not self._pruned(code, on) and self._fixed_date_can_meet(code, on):
                yield self._task(code, customer, vehicle, delivered.isoformat(), on, projection=proj)

        nxt = next_maintenance(vehicle, proj, rules, self.today)
        yield from self._invitations(customer, vehicle, proj, nxt)

        end = warranty_end(vehicle, proj, rules)
        check_date = end - timedelta(days=rules.schedule.warranty_check_before_days)
        if not self._pruned("warranty_expiry_check", check_date, end):
            check = self._task("warranty_expiry_check", customer, vehicle, "warranty", check_date,
                               window_end=end, projection=proj)
            if check.window_end < check.due_date:  # a holiday pushed the call past the warranty's end
                check = replace(check, window_end=check.due_date)
            yield _with_visit(check, self._first_visit_between(vehicle, check.due_date, check.window_end))

        enter = upgrade_date(vehicle, proj, rules)
        oldest_offer = self.start - timedelta(days=rules.touchpoints["trade_in_offer"].window_days) - HOLIDAY_SHIFT
        years = max(0, oldest_offer.year - enter.year - 1)  # the offers of earlier years end before it
        while (offer := add_years(enter, years)) <= self.end:
            if offer >= oldest_offer and not self._pruned("trade_in_offer", offer):
                yield self._task("trade_in_offer", customer, vehicle, f"upgrade:{years}", offer, projection=proj)
            years += 1

        post = rules.touchpoints["post_service_followup"]
        post_days = post.offset_days
        # A follow-up's dates never move, so visits whose follow-up closed long before the
        # window cannot matter to it (margin for a holiday shift).
        oldest = self.start - timedelta(days=post.offset_days + post.window_days) - HOLIDAY_SHIFT
        for visit in vehicle.visits:
            if oldest <= visit.date <= self.today and not self._pruned("post_service_followup", visit.date + timedelta(days=post_days)):
                yield self._task("post_service_followup", customer, vehicle, f"visit:{visit.key}",
                                 visit.date + timedelta(days=post_days), projection=proj)

        for year in range(max(self.start.year - 1, delivered.year + 1), self.end.year + 1):
            anniversary = yearly_date(delivered.month, delivered.day, year)
            if not self._pruned("purchase_anniversary", anniversary):
                yield self._task("purchase_anniversary", customer, vehicle, f"year:{year - delivered.year}",
                                 anniversary, projection=proj)

        yield from self._renewal_tasks(customer, vehicle, proj)
        yield from self._inspection_tasks(customer, vehicle, proj)

    def _invitations(self, customer: CustomerFacts, vehicle: VehicleFacts, proj: Projection,
                     nxt: MaintenanceDue) -> Iterator[ScheduledTask]:
        """The maintenance invitation's placements (core/invitations.py: both steps each; a repair while it
        is open moves it, the placement left closes `postponed` on the repair day) and churn_winback (after
        the later of the due date and the last visit); only a maintenance visit (a new chain) cancels them."""
        rules = self.rules
        code = "first_service_invite" if nxt.first else "service_invite"
        tp = rules.touchpoints[code]
        came = sorted((v.date, v.kind) for v in vehicle.visits if v.date <= self.today)
        repairs = [day for day, kind in came if kind not in rules.schedule.maintenance_kinds]
        chain = placements(nxt.due, nxt.event_key, repairs, rules.schedule, lambda d: self._window.due(tp, d),
                           lambda d: self._window.dates(tp, d)[1])
        # While the first service has not come, care calls wait until its invitation's last step ended.
        self._care_blocked[vehicle.vin] = self._window.dates(tp, chain[-1].second)[1] + timedelta(days=1) \
            if nxt.first else None
        for place in chain:  # each placement a repair left closes postponed (a stored task of it closes)
            for key, rule_date in ((place.event_key, place.first), (place.event_key + SECOND_STEP, place.second)):
                if not self._pruned(code, rule_date):
                    task = self._task(code, customer, vehicle, key, rule_date, projection=proj)
                    yield task if place.moved_on is None else replace(task, closed_by_visit=place.moved_on,
                                                                      closed_reason=POSTPONED)
        churn_date = winback_date(nxt.due, came[-1][0] if came else None, rules.schedule)
        if not self._pruned("churn_winback", churn_date):
            yield self._task("churn_winback", customer, vehicle, nxt.event_key, churn_date, projection=proj)

    def _care_calls(self, customer: CustomerFacts, delivered: list[VehicleFacts]) -> Iterator[ScheduledTask]:
        """双月关怀: every care.every_days after the last attempted or successful contact of any kind, only
        while the customer had a visit or a delivery in the care_active_months before the call, and not
        before each car's first service came or its invitation closed."""
        rules = self.rules
        active = [v.delivery_date for v in delivered]
        active += [visit.date for v in delivered for visit in v.visits if visit.date <= self.today]
        if not active:
            return
        contacts = list(active)
        if customer.last_contact is not None and customer.last_contact <= self.today:
            contacts.append(customer.last_contact)
        last, last_active = max(contacts), max(active)
        every = rules.care.every_days
        not_before = max(self._care_blocked.get(v.vin) or date.min for v in delivered)
        # The first occurrence whose time on the list can still meet the window (holiday shift and extension).
        k = max(1, ((self.start - last).days - rules.care.window_days - 2 * HOLIDAY_SHIFT.days) // every)
        while (call := last + timedelta(days=every * k)) <= self.end:
            if add_months(call, -rules.schedule.care_active_months) > last_active:
                return  # no visit or delivery in the months before: churned, campaigns not care calls
            if call >= not_before and not self._pruned("care_call", call):
                yield self._task("care_call", customer, None, f"after:{last.isoformat()}:{k}", call)
            k += 1

    def _renewal_tasks(self, customer: CustomerFacts, vehicle: VehicleFacts,
                       proj: Projection) -> Iterator[ScheduledTask]:
        """续保邀约: a task per step of each expiry (event key 'EXPIRY:DAYS'), each closing when the next step
        comes, the last one when the expiry passes (lapsed: 脱保); tasks of an expiry the vehicle left
        close on the day it changed (renewed when it moved later in time), so they never linger."""
        rules = self.rules
        role = "insurance_specialist" if rules.insurance.specialist else "service_advisor"
        current, left = vehicle.insurance_expiry, {}
        if vehicle.insurance_changes:
            current = expiry_on(current, vehicle.insurance_changes, self.today)
            left = replaced_expiries(vehicle.insurance_changes, self.today)
        oldest = min(self.start, self.today) - timedelta(days=RENEWAL_HORIZON_DAYS)
        expiries: dict[date, ExpiryChange | None] = {e: c for e, c in left.items() if e != current}
        if current is not None:
            expiries[current] = None
        latest = self.end + timedelta(days=rules.insurance.steps_before_days[0])
        for expiry, change in sorted(expiries.items()):
            # Far-off expiries cannot meet the window; one the vehicle left is still produced so its
            # stored tasks close.
            if expiry < oldest or (change is None and expiry > latest):
                continue
            steps = self._steps.get((expiry, self._pruning))
            if steps is None:
                steps = self._steps[expiry, self._pruning] = [
                    step for step in renewal_steps(expiry, rules)
                    if not self._pruned(RENEWAL_CODE, step.rule_date, step.last_day)]
            for step in steps:
                task = self._task(RENEWAL_CODE, customer, vehicle, f"{expiry.isoformat()}:{step.days_before}",
                                  step.rule_date, window_end=step.last_day, projection=proj, role=role)
                if task.window_end < task.due_date:  # a holiday pushed the call past the step's days
                    task = replace(task, window_end=task.due_date)
                ends = [(task.window_end + timedelta(days=1), "lapsed" if step.final else "next_step")]
                if change is not None:
                    ends.append((change.changed_on, "renewed" if change.renewed else "superseded"))
                on, reason = min(ends)
                if on <= min(self.today, self.now or self.today):
                    task = replace(task, closed_by_visit=on, closed_reason=reason)
                yield task

    def _inspection_tasks(self, customer: CustomerFacts, vehicle: VehicleFacts,
                          proj: Projection) -> Iterator[ScheduledTask]:
        """年审提醒 before_days before the inspection due date: the data's, else the rules' schedule
        from the registration (delivery) date; on the list until the due date."""
        rules = self.rules
        before = timedelta(days=rules.inspection.before_days)
        if vehicle.inspection_due is not None:
            due = vehicle.inspection_due
            dues = [] if self._pruned(INSPECTION_CODE, due - before, due) else [("due", due)]
        else:
            dues = self._computed_inspections(vehicle.delivery_date)
        for kind, due in dues:
            task = self._task(INSPECTION_CODE, customer, vehicle, f"{kind}:{due.isoformat()}", due - before,
                              window_end=due, projection=proj)
            yield task if task.window_end >= task.due_date else replace(task, window_end=task.due_date)

    def _computed_inspections(self, registered: date) -> list[tuple[str, date]]:
        """(kind, due) of the rules' inspection dates from a registration date whose reminder can meet the
        window (computed dates never move: holiday margin), those not pruned; the same for every car of the day."""
        dues = self._inspections.get((registered, self._pruning))
        if dues is None:
            before = timedelta(days=self.rules.inspection.before_days)
            schedule = inspection_schedule(registered, self.rules, self.end + before + HOLIDAY_SHIFT,
                                           self.start - HOLIDAY_SHIFT)
            dues = self._inspections[registered, self._pruning] = [
                (d.kind, d.due) for d in schedule if not self._pruned(INSPECTION_CODE, d.due - before, d.due)]
        return dues

    # -- customer tasks -------------------------------------------------------------------

    def _customer_tasks(self, customer: CustomerFacts, active: tuple[VehicleFacts, ...]) -> Iterator[ScheduledTask]:
        delivered = [v for v in active if v.delivery_date <= self.today]
        if customer.birthday is not None:
            for year in range(self.start.year - 1, self.end.year + 1):
                birthday = yearly_date(customer.birthday.month, customer.birthday.day, year)
                if not self._pruned("birthday_greeting", birthday):
                    yield self._task("birthday_greeting", customer, None, str(year), birthday)

        yield from self._care_calls(customer, delivered)

        if delivered:
            for key, day in self._window.greetings():  # the festivals' greeting days inside the window
                if not self._pruned("holiday_greeting", day):
                    yield self._task("holiday_greeting", customer, None, key, day)
            for key, day in self._window.pre_holiday_checks():  # 节前出行检查 before 春节 and 国庆
                if not self._pruned("pre_holiday_check", day):
                    yield self._task("pre_holiday_check", customer, None, key, day)


def _with_visit(task: ScheduledTask, visit_date: date | None) -> ScheduledTask:
    """The same task, marked as closed by a visit on `visit_date` when there was one."""
    if visit_date is None:
        return task
    return replace(task, closed_by_visit=visit_date)
