"""Helpers of the end-to-end CLI tests: small canonical CSVs, a real SQLite file, CliRunner.

Every test talks to the `lifecycle` app exactly as a user does (`--db FILE` first, then the
verb) and looks at exit codes, stdout and stderr. Nothing of our own database is mocked.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from lifecycle_cli.cli.app import app
from lifecycle_cli.ingest.values import vin_check_digit

CUSTOMER_COLUMNS = ("customer_id", "name", "phone", "birthday", "do_not_contact", "store")
VEHICLE_COLUMNS = (
    "vin",
    "customer_id",
    "plate",
    "model",
    "delivery_date",
    "mileage_km",
    "mileage_date",
    "sales_consultant",
    "service_advisor",
    "store",
)
VISIT_COLUMNS = ("ro_number", "vin", "visit_date", "mileage_km", "kind", "amount", "advisor")

STORE = "广州天河店"
NEW, EARLY, LATE, OUT, UPGRADE = "新车体验期", "保内初期", "保内后期", "保修外期", "换车升级期"
STAGES = (NEW, EARLY, LATE, OUT, UPGRADE)

# Environment variables that would change what the CLI does; a test sets them explicitly.
ENV_KEYS = ("LIFECYCLE_DB", "LIFECYCLE_RULES", "LIFECYCLE_NOW", "NO_COLOR")
# The clock of every test unless it says otherwise: 09:00 on 2026-11-23 in Asia/Shanghai. `import`
# brings stored tasks in step from "today", so the tests must not depend on the machine's date.
NOW = "2026-11-23T01:00:00Z"


def make_vin(serial: int, prefix: str = "LVRHDA3K") -> str:
    """A 17-character VIN with a correct ISO 3779 check digit (position 9)."""
    draft = f"{prefix}0TN{serial:06d}"
    assert len(draft) == 17
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def phone(n: int) -> str:
    """A valid Chinese mobile number (138 1234 56nn)."""
    return f"138123456{n:02d}"


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """A canonical UTF-8 CSV with these columns; missing cells are empty."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            unknown = set(row) - set(columns)
            assert not unknown, f"columns not in the file: {unknown}"
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    return path


def customer(cid: str, name: str, n: int, *, birthday: str = "", dnc: str = "0", store: str = STORE) -> dict[str, Any]:
    """One customers.csv row."""
    return {"customer_id": cid, "name": name, "phone": phone(n), "birthday": birthday, "do_not_contact": dnc,
            "store": store}


def vehicle(vin: str, cid: str, delivered: str, *, plate: str = "", model: str = "CX-5", km: str = "",
            km_date: str = "", sales: str = "李娜", advisor: str = "王强", store: str = STORE) -> dict[str, Any]:
    """One vehicles.csv row."""
    return {"vin": vin, "customer_id": cid, "plate": plate, "model": model, "delivery_date": delivered,
            "mileage_km": km, "mileage_date": km_date, "sales_consultant": sales, "service_advisor": advisor,
            "store": store}


def visit(ro: str, vin: str, day: str, km: int, kind: str = "maintenance", *, amount: str = "300.00",
          advisor: str = "王强") -> dict[str, Any]:
    """One visits.csv row."""
    return {"ro_number": ro, "vin": vin, "visit_date": day, "mileage_km": km, "kind": kind, "amount": amount,
            "advisor": advisor}


class Files:
    """Writes the three canonical files of a scenario into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def customers(self, rows: Iterable[Mapping[str, Any]], name: str = "customers.csv",
                  columns: Sequence[str] = CUSTOMER_COLUMNS) -> Path:
        return write_csv(self.folder / name, columns, rows)

    def vehicles(self, rows: Iterable[Mapping[str, Any]], name: str = "vehicles.csv",
                 columns: Sequence[str] = VEHICLE_COLUMNS) -> Path:
        return write_csv(self.folder / name, columns, rows)

    def visits(self, rows: Iterable[Mapping[str, Any]], name: str = "visits.csv",
               columns: Sequence[str] = VISIT_COLUMNS) -> Path:
        return write_csv(self.folder / name, columns, rows)


def run(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> Result:
    """`lifecycle --db DB ARGS...` through CliRunner; a crash (not a clean exit) fails the test."""
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(db), *[str(a) for a in args]], env=dict(env or {}))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"lifecycle {' '.join(map(str, args))} crashed: {result.exception!r}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        ) from result.exception
    return result


def run_ok(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> Result:
    """Like run(), and the command must exit 0."""
    result = run(db, *args, env=env)
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def refusal(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> str:
    """The message of a command refused as a usage error: exit 2, nothing on stdout, one message
    on stderr (returned without its final newline). An unknown option exits 2 too, with Click's
    usage text: comparing the message tells the two apart."""
    result = run(db, *args, env=env)
    assert (result.exit_code, result.stdout) == (2, ""), (result.exit_code, result.stdout, result.stderr)
    return result.stderr.removesuffix("\n")


def run_json(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> Any:
    """Run a command with --format json (exit 0) and parse its stdout."""
    return json.loads(run_ok(db, *args, "--format", "json", env=env).stdout)


def summary_rows(stdout: str) -> dict[str, dict[str, int]]:
    """The import summary (plain text when not a terminal): file name -> read/inserted/updated/... counts."""
    lines = stdout.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("文件\t"))
    header = lines[header_at].split("\t")
    keys = {"读取": "read", "新增": "inserted", "更新": "updated", "未变": "unchanged", "拒绝": "rejected",
            "警告": "warnings"}
    out: dict[str, dict[str, int]] = {}
    for line in lines[header_at + 1:]:
        cells = line.split("\t")
        if len(cells) != len(header):
            break
        row = dict(zip(header, cells, strict=True))
        out[row["文件"]] = {keys[k]: int(row[k]) for k in keys}
        out[row["文件"]]["status"] = row["状态"]  # type: ignore[assignment]
    return out


# --------------------------------------------------------------------------- the call-list world
#
# A small store on 2026-11-23 (DAY), every line of its call list designed by hand:
#   C100 张伟   car delivered 2026-11-22 (sales 李娜): delivery_call_24h today (销售经理), 7d on 11-29 (李娜)
#   C101 李静   car 110 (repair visit 11-20 -> post_service_followup today, 客服专员) and car 111
#               delivered 11-22 (sales 陈晨): two tasks today on one line, 24h first
#   C102 王芳   repair visit 11-15 -> post_service_followup due 11-18: 5 days overdue today
#   C103 刘洋   repair visit 11-05 -> post_service_followup due 11-08: window closed 11-22 (15 days)
#   C104 赵敏   do-not-contact, car delivered 11-22 and a birthday today: never listed
#   C105 陈杰   no car, birthday 11-23: an sms birthday greeting today (客服专员)

DAY = "2026-11-23"
WORLD_VINS = {
    "C100": make_vin(100),
    "C101a": make_vin(110),
    "C101b": make_vin(111),
    "C102": make_vin(120),
    "C103": make_vin(130),
    "C104": make_vin(140),
}


def world_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The customers, vehicles and visits rows of the call-list world."""
    v = WORLD_VINS
    customers = [
        customer("C100", "张伟", 1),
        customer("C101", "李静", 2),
        customer("C102", "王芳", 3),
        customer("C103", "刘洋", 4),
        customer("C104", "赵敏", 5, birthday="1985-11-23", dnc="是"),
        customer("C105", "陈杰", 6, birthday="1990-11-23"),
    ]
    vehicles = [
        vehicle(v["C100"], "C100", "2026-11-22", plate="粤A10001", sales="李娜"),
        vehicle(v["C101a"], "C101", "2025-03-10", plate="粤A10011", sales="陈晨"),
        vehicle(v["C101b"], "C101", "2026-11-22", plate="粤A10012", sales="陈晨"),
        vehicle(v["C102"], "C102", "2024-01-10", plate="粤A10021"),
        vehicle(v["C103"], "C103", "2024-01-10", plate="粤A10031"),
        vehicle(v["C104"], "C104", "2026-11-22", plate="粤A10041"),
    ]
    visits = [
        visit("RO-110-1", v["C101a"], "2026-11-20", 21000, "repair"),
        visit("RO-120-1", v["C102"], "2026-11-15", 30000, "repair"),
        visit("RO-130-1", v["C103"], "2026-11-05", 30000, "repair"),
    ]
    return customers, vehicles, visits


def import_world(db: Path, files: Files) -> None:
    """Write the call-list world's three files and import them (exit 0)."""
    customers, vehicles, visits = world_rows()
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))


def due_lines(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """`due ... --format json`: the lines."""
    lines: list[dict[str, Any]] = run_json(db, "due", *args, env=env)
    return lines


def due_tasks(db: Path, *args: Any, env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every task of a `due ... --format json`, each with its line's customer_id."""
    return [{**task, "customer_id": line["customer_id"]} for line in due_lines(db, *args, env=env)
            for task in line["tasks"]]


def task_id_of(db: Path, day: str, customer_id: str, code: str) -> int:
    """The task_id of the one task with this code on this customer's line of this day."""
    found = [t["task_id"] for t in due_tasks(db, "--date", day) if t["customer_id"] == customer_id
             and t["code"] == code]
    assert len(found) == 1, f"expected one {code} for {customer_id} on {day}, got {found}"
    return int(found[0])


def sql_rows(db: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read-only query straight from the database (`?` placeholders; dates as ISO text).

    A SQLite file is opened read-only with sqlite3; a PostgreSQL URL (the [postgres] variants) with
    psycopg, so the same assertions hold on both.
    """
    from datetime import date

    if isinstance(db, Path):
        import sqlite3

        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return [tuple(row) for row in conn.execute(sql, tuple(params)).fetchall()]
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(db).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as pg:
        rows = pg.execute(sql.replace("?", "%s"), tuple(params)).fetchall()  # type: ignore[arg-type]
    return [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]


def live_since(db: Path | str, day: str) -> None:
    """The database's stores went live on `day` (care-desk §4): for tests of the rules on days before
    the clock's today, where go-live (the first sync's today) would otherwise keep history off the list.
    Writes meta `go_live:<store>` for every store the data names and for customers without one."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{db}" if isinstance(db, Path) else str(db))
    with engine.begin() as conn:
        stores = {""} | {s for (s,) in conn.execute(text(
            "SELECT store FROM customer WHERE store IS NOT NULL UNION SELECT store FROM vehicle WHERE store IS NOT NULL"))}
        conn.execute(text("DELETE FROM meta WHERE key LIKE 'go_live:%'"))
        for store in sorted(stores):
            conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": f"go_live:{store}", "v": day})
    engine.dispose()


_WATCHING = """
import json, sys
from lifecycle_cli.cli.app import main
sys.argv = ["lifecycle", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\n" + json.dumps({"code": code, "loaded": sorted(m for m in WATCHED if m in sys.modules)}) + "\\n")
"""


def run_watching(args: Sequence[str], watched: Sequence[str], env: Mapping[str, str]) -> tuple[dict[str, Any], Any]:
    """Run `lifecycle ARGS` in a fresh interpreter: ({"code": its exit code, "loaded": which of the `watched`
    modules it imported}, the finished process) — what a command loads, seen from outside."""
    import subprocess
    import sys

    script = _WATCHING.replace("WATCHED", repr(tuple(watched)))
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          env=dict(env))
    return json.loads(done.stderr.strip().splitlines()[-1]), done
