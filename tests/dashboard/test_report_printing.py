"""The programme workbook as a reader gets it: opened and printed to PDF by LibreOffice (headless),
then read back page by page with pdftotext (poppler-utils).

LibreOffice and poppler-utils are Debian packages that ``make test`` installs when missing and it
runs as root, as it does Chromium. Elsewhere the test is skipped with a loud message; under
``CI=true`` a missing LibreOffice fails the run.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.dashboard.test_reports import request_report

LONG_NAME = "Mombasa Central Police Station and Traffic Base"  # 47 characters


def _tools() -> tuple[str, str]:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if office and pdftotext:
        return office, pdftotext
    message = (
        "LibreOffice (soffice) or pdftotext is missing: the workbook printing test cannot run. "
        "Install libreoffice-calc-nogui and poppler-utils (make test does it as root)."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    print(f"\n!!! {message} !!!", file=sys.stderr)
    pytest.skip(message)


def _pdf_pages(xlsx: bytes, tmp_path: Path) -> list[str]:
    office, pdftotext = _tools()
    source = tmp_path / "report.xlsx"
    source.write_bytes(xlsx)
    profile = tmp_path / "office-profile"
    subprocess.run(  # noqa: S603 (fixed arguments, our own file)
        [office, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    text = subprocess.run(  # noqa: S603 (fixed arguments, our own file)
        [pdftotext, "-layout", str(tmp_path / "report.pdf"), "-"],
        check=True, capture_output=True, timeout=60, text=True,
    ).stdout  # fmt: skip
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def test_workbook_prints_one_page_wide_with_whole_charts(
    coordinator_client, programme, world, make_org, tmp_path
):  # noqa: ANN001
    make_org("police_station", LONG_NAME, command=world.command)
    job = request_report(coordinator_client, start="2026-01-01", end="2026-06-30")
    body = coordinator_client.get(job + "/download").data
    book = load_workbook(io.BytesIO(body))

    # Read back: widths from the content (the long station name fits), shares as percentages,
    # every printed sheet landscape, one page wide, header row repeated.
    stations = book["Stations"]
    assert stations.column_dimensions["A"].width >= len(LONG_NAME)
    assert stations.column_dimensions["B"].width < 30  # short content, narrow column
    summary = {r[0].value: r for r in book["Summary"].iter_rows() if r[0].value}
    share = summary["Share of officers posted now who completed a training"][1]
    assert share.number_format == "0%"
    assert all(row[2].value for label, row in summary.items() if label in _indicator_labels())
    for name in book.sheetnames:
        sheet = book[name]
        if sheet.sheet_state == "hidden":
            continue
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        # fitToWidth 1 is the file format's default and left out; fitToHeight 0: as many as needed
        assert sheet.page_setup.fitToWidth in (None, 1), name
        assert sheet.page_setup.fitToHeight == 0, name
        if name not in ("Summary", "Charts"):
            assert sheet.print_title_rows.replace("$", "") == "1:1", name

    pages = _pdf_pages(body, tmp_path)
    # Summary 1–2 pages, one page per chart (3), one page for each short area sheet (6); before,
    # the same workbook printed to 21 pages with every chart cut in two.
    assert 10 <= len(pages) <= 11, [p[:80] for p in pages]
    for title, legend in (
        ("Meetings per month", ("Planned", "Held")),
        ("Referral slips per month", ("Issued", "Redeemed")),
        ("Concerns raised per month", ("Concerns",)),
    ):
        with_title = [p for p in pages if title in p and "Indicator" not in p]
        assert len(with_title) == 1, title
        page = with_title[0]
        # The whole chart is on that page: title, legend, first and last month on the axis.
        assert all(name in page for name in legend), (title, page)
        assert "2026-01" in page and "2026-06" in page, (title, page)
    # Each area sheet prints on one page, not cut across: the footer names the sheet.
    footers = [[line for line in p.splitlines() if line.strip()][-1].split()[0] for p in pages]
    for sheet in ("Stations", "Meetings", "Officers", "Referrals"):
        assert footers.count(sheet) == 1, (sheet, footers)
    assert any(LONG_NAME in p for p in pages)


def _indicator_labels() -> set[str]:
    return {
        "Police stations and posts covered",
        "Share of officers posted now who completed a training",
        "Mean pre-test score (percent of maximum)",
        "Normalised gain",
        "Redemption rate",
        "Meetings held in the period",
    }
