"""The manager's page as a person sees it: Debian's headless Chromium opens the sample store's page
(issue 20). No console message, no request leaves the file (Chromium's own net log, every host
resolving to nothing), the screenshot is not blank and has the charts' colours across the page, the
printed PDF has every section on A4 pages.

Skipped when /usr/bin/chromium is missing, unless LIFECYCLE_REQUIRE_CHROMIUM=1 (`.ci/run` sets it
and installs Chromium), where a missing browser fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from page_helpers import run_ok, sample_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("LIFECYCLE_REQUIRE_CHROMIUM") == "1":
    raise RuntimeError("LIFECYCLE_REQUIRE_CHROMIUM=1 but chromium is not installed (apt-get install chromium)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); "
                                "CI installs it and sets LIFECYCLE_REQUIRE_CHROMIUM=1")

SECTION_TITLES = ("生命周期阶段分布", "KPI（2026-11）与近 12 个月趋势", "流失漏斗（按类型与原因）",
                  "未来 14 天工作量（按负责人）", "本期活动及结果")
A4 = (595.0, 842.0)  # points


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on the file, offline: no background traffic, every host name resolves to nothing,
    every network event in profile/net.json, console messages on stderr."""
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--enable-logging=stderr", "--v=0", f"--log-net-log={profile / 'net.json'}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def page_requests(net_log: Path) -> list[str]:
    """The URLs the page asked for (the browser's own requests have no origin; a file page's is 'null')."""
    data = json.loads(net_log.read_text(encoding="utf-8"))
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e["params"] for e in data["events"] if e["type"] == start and "url" in e.get("params", {})]
    return [p["url"] for p in starts if p.get("initiator") != "not an origin" and not p["url"].startswith("file:")]


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) bytes of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    idat = b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        chunks[kind] = body
        idat += body if kind == b"IDAT" else b""
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0) and colour in (2, 6), (depth, colour, interlace)
    size = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * size, [], bytearray(width * size)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up, corner = previous[x], previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line[i] for i in range(stride) if i % size < 3))  # RGB only
        previous = line
    return width, height, rows


def coloured_share(rows: list[bytes], width: int) -> float:
    """The share of strongly coloured pixels (the charts' series; text and rules are grey)."""
    coloured = sum(1 for row in rows for x in range(0, width * 3, 3) if max(row[x:x + 3]) - min(row[x:x + 3]) > 60)
    return coloured / (len(rows) * width)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "page.db"
    sample_store(db)
    run_ok(db, "report", "--format", "html", "--out", folder / "report.html")
    return folder / "report.html"


def test_the_page_opens_offline_and_its_screenshot_has_the_charts(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = chromium(page, tmp_path / "profile", "--window-size=1000,3000", "--hide-scrollbars",
                      "--force-device-scale-factor=0.5", f"--screenshot={shot}")  # half size: a quicker decode
    assert shot.exists(), result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    assert page_requests(tmp_path / "profile" / "net.json") == []
    width, height, rows = png_pixels(shot)
    assert (width, height) == (500, 1500)
    bands = [rows[y:y + 250] for y in range(0, 1500, 250)]  # the stage charts, then the KPI cards
    shares = [coloured_share(band, width) for band in bands]
    assert all(share > 0.003 for share in shares), shares  # charts all the way down, not a blank page
    assert coloured_share(rows, width) > 0.02


def test_the_checks_see_a_request_and_a_console_error(tmp_path: Path) -> None:
    """The two checks above can fail: a page that asks the network and logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><img src="https://example.com/a.png"><script>console.error("坏")</script>',
                   encoding="utf-8")
    result = chromium(bad, tmp_path / "profile", f"--screenshot={tmp_path / 'bad.png'}")
    assert page_requests(tmp_path / "profile" / "net.json") == ["https://example.com/a.png"]
    assert len(console_messages(result.stderr)) == 1


def test_the_printed_page_has_every_section_on_a4_pages(page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    result = chromium(page, tmp_path / "profile", "--no-pdf-header-footer", "--generate-pdf-document-outline",
                      f"--print-to-pdf={pdf}")
    assert pdf.exists(), result.stderr[-2000:]
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    pages = re.findall(rb"/Type /Page\b(?!s)", data)
    assert len(pages) >= len(SECTION_TITLES) and len(boxes) >= len(pages)
    assert all(abs(float(w) - A4[0]) < 2 and abs(float(h) - A4[1]) < 2 for w, h in boxes), set(boxes)
    # The document outline (from the headings): each section's title and the page it starts on.
    outline = {bytes.fromhex(title.decode()).decode("utf-16-be").lstrip("\ufeff"): int(page_ref)
               for title, page_ref in re.findall(rb"/Title <([0-9A-F]+)>\s*/Dest \[(\d+) 0 R", data)}
    starts = [outline.get(title) for title in SECTION_TITLES]
    assert None not in starts, sorted(outline)
    assert len(set(starts)) == len(starts)  # each section on its own page
