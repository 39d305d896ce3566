"""store/bulk.py on a real database: upserts a batch at a time, insert-only defaults and `kept`,
chunked key lookups, readings, visits without work-order numbers, advisors from work orders."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from lifecycle_cli.store.bulk import (
    IN_CHUNK,
    INSERT_ONLY,
    add_readings,
    chunks,
    fetch_in,
    fill_service_advisors,
    lookup_ids,
    upsert_customers,
    upsert_vehicles,
    upsert_visits,
)
from lifecycle_cli.store.tables import CUSTOMERS, READINGS, VEHICLES, VISITS


def stored(engine: Engine, table: Any, key: str, *columns: str) -> dict[Any, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(table.c[key], *[table.c[c] for c in columns]))
        return {r[0]: tuple(r[1:]) for r in rows}


@pytest.mark.parametrize(("n", "sizes"), [
    (0, []), (1, [1]), (IN_CHUNK - 1, [IN_CHUNK - 1]), (IN_CHUNK, [IN_CHUNK]), (IN_CHUNK + 1, [IN_CHUNK, 1]),
    (2 * IN_CHUNK + 1, [IN_CHUNK, IN_CHUNK, 1]),
])
def test_chunks_cut_at_the_chunk_size_and_keep_every_value(n: int, sizes: list[int]) -> None:
    parts = list(chunks(list(range(n))))
    assert [len(p) for p in parts] == sizes
    assert [v for p in parts for v in p] == list(range(n))


def test_a_batch_counts_new_changed_and_unchanged_rows_and_keeps_the_values_before(engine: Engine) -> None:
    with engine.begin() as conn:
        counts, ids = upsert_customers(conn, [{"customer_id": "C1", "name": "张三", "phone": "13812345601"},
                                              {"customer_id": "C2", "name": "李四"}])
    assert (counts.inserted, counts.updated, counts.unchanged, counts.changed) == (2, 0, 0, {"C1", "C2"})
    assert ids == {k: v for k, (v,) in stored(engine, CUSTOMERS, "customer_id", "id").items()}

    with engine.begin() as conn:  # C1 renamed; C2 as it is; the phone column is not in this file
        counts, again = upsert_customers(conn, [{"customer_id": "C1", "name": "张三丰"}, {"customer_id": "C2", "name": "李四"}])
    assert (counts.inserted, counts.updated, counts.unchanged, counts.changed) == (0, 1, 1, {"C1"})
    assert counts.before["C1"]["name"] == "张三"
    assert again == ids
    assert stored(engine, CUSTOMERS, "customer_id", "name", "phone")["C1"] == ("张三丰", "13812345601")


def test_a_key_twice_in_one_batch_lands_once_with_its_later_values(engine: Engine) -> None:
    with engine.begin() as conn:
        counts, _ = upsert_customers(conn, [{"customer_id": "C1", "name": "旧名"}, {"customer_id": "C1", "name": "新名"}])
    assert (counts.inserted, counts.updated) == (1, 1)
    assert stored(engine, CUSTOMERS, "customer_id", "name") == {"C1": ("新名",)}


def test_insert_only_defaults_fill_new_rows_and_never_overwrite_a_stored_value(engine: Engine) -> None:
    with engine.begin() as conn:
        upsert_customers(conn, [{"customer_id": "C1", "name": "甲", "do_not_contact": True, "store": "天河"},
                                {"customer_id": "C2", "name": "乙", "do_not_contact": False}])
    default = {INSERT_ONLY: {"do_not_contact": False, "store": "番禺"}}
    with engine.begin() as conn:
        counts, _ = upsert_customers(conn, [
            {"customer_id": "C1", "name": "甲", **default},  # keeps True and 天河: counted as kept
            {"customer_id": "C2", "name": "乙", **default},  # False already; no store stored: not kept
            {"customer_id": "C3", "name": "丙", **default},  # new: the defaults fill it
        ])
    assert (counts.inserted, counts.updated, counts.unchanged, counts.kept) == (1, 0, 2, 1)
    assert stored(engine, CUSTOMERS, "customer_id", "do_not_contact", "store") == {
        "C1": (True, "天河"), "C2": (False, None), "C3": (False, "番禺")}


def test_lookups_span_several_chunks_and_read_dates_and_booleans_as_core_does(engine: Engine) -> None:
    n = 2 * IN_CHUNK + 7
    rows = [{"customer_id": f"C{i:05d}", "birthday": date(1980, 1 + i % 12, 1 + i % 28), "do_not_contact": i % 3 == 0}
            for i in range(n)]
    with engine.begin() as conn:
        _, ids = upsert_customers(conn, rows)
    keys = [r["customer_id"] for r in rows]
    with engine.connect() as conn:
        assert lookup_ids(conn, CUSTOMERS, "customer_id", [*keys, "NOPE", keys[0]]) == ids
        assert len(ids) == n and len(set(ids.values())) == n
        fetched = fetch_in(conn, CUSTOMERS, ("customer_id", "birthday", "do_not_contact"), "customer_id", keys[:IN_CHUNK])
        core = {tuple(r) for r in conn.execute(select(CUSTOMERS.c.customer_id, CUSTOMERS.c.birthday,
                                                        CUSTOMERS.c.do_not_contact))}
        assert fetch_in(conn, CUSTOMERS, ("customer_id",), "customer_id", []) == []
    assert len(fetched) == IN_CHUNK and set(fetched) <= core
    assert {type(b) for _, b, _ in fetched} == {date} and {type(d) for _, _, d in fetched} == {bool}


@pytest.mark.parametrize(("keys", "ranged"), [
    ([1], True), ([1, 2, 3], True), ([4, 5, 6, 7], True),  # every integer from first to last, ascending
    ([1, 3], False), ([3, 2, 1], False), ([1, 2, 2, 3], False), ([1, 3, 2, 4], False),  # gaps, order, repeats
    ([2, 9, 3], False), (["1", "2"], False), ([True, 2], False), ([1, 2.0], False),  # not integers
])
def test_fetch_in_reads_a_whole_range_of_ids_by_between_and_finds_what_the_in_list_finds(
        engine: Engine, keys: list[Any], ranged: bool) -> None:
    from lifecycle_cli.store.keyed import _whole_range

    assert _whole_range(keys) is ranged
    with engine.begin() as conn:
        _, ids = upsert_customers(conn, [{"customer_id": f"C{i}", "birthday": date(1990, 1, i)} for i in range(1, 9)])
        conn.execute(CUSTOMERS.delete().where(CUSTOMERS.c.id == ids["C5"]))  # a gap inside a range
        every = sorted(ids.values())
        for part in (every, every[2:6], every[4:5], every[::2], list(reversed(every))):
            got = fetch_in(conn, CUSTOMERS, ("id", "customer_id", "birthday"), "id", part)
            core = conn.execute(select(CUSTOMERS.c.id, CUSTOMERS.c.customer_id, CUSTOMERS.c.birthday)
                                .where(CUSTOMERS.c.id.in_(part))).all()
            assert sorted(got) == sorted(tuple(r) for r in core)
            assert all(type(b) is date for _, _, b in got)


def cars(engine: Engine, *vins: str, advisor: str | None = None) -> dict[str, int]:
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}])
        _, ids = upsert_vehicles(conn, [{"vin": vin, "customer_pk": owners["C1"], "delivery_date": date(2025, 1, 10),
                                         "service_advisor": advisor} for vin in vins])
    return ids


def test_readings_already_stored_are_not_added_again(engine: Engine) -> None:
    ids = cars(engine, "V1", "V2")
    v1, v2 = ids["V1"], ids["V2"]
    with engine.begin() as conn:
        assert add_readings(conn, [(v1, date(2025, 6, 1), 8000), (v1, date(2025, 6, 1), 8000)]) == {v1}
    with engine.begin() as conn:
        assert add_readings(conn, [(v1, date(2025, 6, 1), 8000), (v2, date(2025, 7, 1), 9000)]) == {v2}
        assert add_readings(conn, []) == set()
    with engine.connect() as conn:
        got = sorted(tuple(r) for r in conn.execute(select(READINGS.c.vehicle_pk, READINGS.c.reading_date, READINGS.c.km)))
    assert got == [(v1, date(2025, 6, 1), 8000), (v2, date(2025, 7, 1), 9000)]


def test_visits_without_a_work_order_are_matched_on_car_day_and_km(engine: Engine) -> None:
    ids = cars(engine, "V1", "V2")
    v1, v2 = ids["V1"], ids["V2"]
    first = [{"vehicle_pk": v1, "visit_date": date(2025, 6, 1), "mileage_km": 8000, "kind": "maintenance"},
             {"vehicle_pk": v2, "visit_date": date(2025, 6, 1), "mileage_km": 8000, "kind": "repair"}]
    with engine.begin() as conn:
        counts = upsert_visits(conn, [dict(r) for r in first])
    assert (counts.inserted, counts.changed) == (2, {v1, v2})
    with engine.begin() as conn:  # the same again, and v2's visit now says maintenance
        counts = upsert_visits(conn, [dict(first[0]), {**first[1], "kind": "maintenance"}])
    assert (counts.inserted, counts.updated, counts.unchanged, counts.changed) == (0, 1, 1, {v2})


def test_a_work_order_moved_to_another_car_changes_both_cars(engine: Engine) -> None:
    ids = cars(engine, "V1", "V2")
    v1, v2 = ids["V1"], ids["V2"]
    visit = {"ro_number": "RO1", "visit_date": date(2025, 6, 1), "mileage_km": 8000}
    with engine.begin() as conn:
        upsert_visits(conn, [{**visit, "vehicle_pk": v1}])
    with engine.begin() as conn:
        counts = upsert_visits(conn, [{**visit, "vehicle_pk": v2}])
    assert (counts.updated, counts.changed) == (1, {v1, v2})
    assert stored(engine, VISITS, "ro_number", "vehicle_pk") == {"RO1": (v2,)}


def test_a_car_without_an_advisor_gets_its_latest_work_orders_and_keeps_its_own(engine: Engine) -> None:
    ids = cars(engine, "V1", "V2")
    own = cars(engine, "V3", advisor="王强")["V3"]
    v1, v2 = ids["V1"], ids["V2"]
    filled: dict[int, date] = {}
    with engine.begin() as conn:
        assert sorted(fill_service_advisors(conn, {v1: (date(2025, 6, 1), "甲"), own: (date(2025, 6, 1), "乙")},
                                            filled)) == [v1]
    with engine.begin() as conn:  # a later batch: an older work order for V1 does not win, a newer one does
        assert fill_service_advisors(conn, {v1: (date(2025, 5, 1), "丙"), v2: (date(2025, 5, 1), "丁")}, filled) == [v2]
        assert fill_service_advisors(conn, {v1: (date(2025, 7, 1), "戊")}, filled) == [v1]
        assert fill_service_advisors(conn, {}, filled) == []
    assert stored(engine, VEHICLES, "vin", "service_advisor") == {"V1": ("戊",), "V2": ("丁",), "V3": ("王强",)}
