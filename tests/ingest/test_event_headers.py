"""The events kind of import files: headers, aliases that hold only there, detection."""

from __future__ import annotations

import pytest

from lifecycle_cli.ingest.headers import detect_kind, find_header_row, map_headers, missing_required


@pytest.mark.parametrize(
    "headers",
    [
        ["vin", "event_date", "kind", "note"],
        ["车架号", "日期", "类型", "说明"],
        ["车架号VIN", "事件日期", "事件类型", "备注"],
    ],
)
def test_events_files_are_detected(headers: list[str]) -> None:
    assert detect_kind(headers) == "events"
    header_map = map_headers(headers, "events")
    assert header_map.columns == {"vin": 0, "event_date": 1, "kind": 2, "note": 3}
    assert missing_required(header_map) == []


def test_event_aliases_hold_only_in_events_files() -> None:
    # 类型 is an event's kind, never a visit's 维修类型; 维修类型 is no event kind.
    assert "kind" not in map_headers(["类型"], "visits").columns
    assert map_headers(["维修类型"], "events").unknown == ["维修类型"]
    assert map_headers(["日期"], "vehicles").unknown == ["日期"]


def test_events_file_without_a_kind_is_not_detected() -> None:
    assert detect_kind(["车架号", "日期", "说明"]) is None
    assert missing_required(map_headers(["车架号", "日期"], "events")) == ["kind"]


def test_header_row_below_a_title() -> None:
    rows = [["2026年11月客户事件登记表"], ["车架号", "日期", "类型", "说明"], ["LVRHDA3K1FN392187", "2026-11-20", "投诉", ""]]
    assert find_header_row(rows) == 1
