"""The HTML report opened in a real headless browser (Debian's chromium).

Skipped only where no chromium is installed (say `apt-get install chromium`);
under CI=true a missing browser fails the test instead, so CI cannot pass
without it. `.ci/run` installs it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli, in_ci
from tests.report.conftest import AS_OF, add_patient
from tests.report.test_html import XSS_NAME, write_html

pytestmark = pytest.mark.slow

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BROWSER_TIMEOUT_S = 120


def find_browser() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    why = "no headless chromium installed (apt-get install chromium)"
    if in_ci():
        pytest.fail(f"CI must run the browser test, but {why}")
    pytest.skip(why)


def run_browser(browser: str, profile_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False
    )


@pytest.fixture
def page(loaded: Cli, tmp_path: Path) -> tuple[Path, int]:
    """The vignettes' report plus a patient named like a script; and the flagged-patient count."""
    add_patient(loaded, "X1", XSS_NAME)
    out = tmp_path / "review.html"
    write_html(loaded, out)
    review = json.loads(loaded("review", "--as-of", AS_OF, "--format", "json").stdout)
    return out, sum(1 for p in review["patients"] if p["flags"])


def test_report_renders_in_chromium(page: tuple[Path, int], tmp_path: Path) -> None:
    """Chromium loads the page (a real screenshot) and its DOM holds one chart per flagged
    patient, the script-like name as text, and no script element."""
    browser = find_browser()
    html, flagged = page
    screenshot = tmp_path / "review.png"
    shot = run_browser(
        browser,
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=1200,1600",
        "--enable-logging=stderr",
        "--v=0",
        html.as_uri(),
    )
    assert screenshot.is_file(), shot.stderr[-2000:]
    assert shot.returncode == 0, shot.stderr[-2000:]
    # the page loaded without errors: chromium logs every console message of the page
    # ("INFO:CONSOLE:1] ..." or ":CONSOLE(1)]"), and a page with no script and no external
    # asset has none unless something failed (a blocked or missing resource, a parse error)
    assert re.findall(r".*:CONSOLE[:(].*", shot.stderr) == []
    assert screenshot.read_bytes().startswith(PNG_MAGIC)
    assert screenshot.stat().st_size > 20_000  # a blank page is a few kB

    dumped = run_browser(browser, tmp_path / "profile-dom", "--dump-dom", html.as_uri())
    dom = dumped.stdout
    assert "Weekly review as of" in dom, dumped.stderr[-2000:]
    assert len(re.findall(r"<svg\b", dom)) == flagged
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script" not in dom.lower()


A4_AT_96_DPI = (794, 1123)


def test_report_prints_on_a4_and_fits_a4_width(page: tuple[Path, int], tmp_path: Path) -> None:
    """At A4 size the page renders (screenshot) and prints to a multi-page A4 PDF in chromium."""
    browser = find_browser()
    html, _ = page
    width, height = A4_AT_96_DPI
    screenshot = tmp_path / "a4.png"
    shot = run_browser(
        browser,
        tmp_path / "profile-a4",
        f"--screenshot={screenshot}",
        f"--window-size={width},{height}",
        html.as_uri(),
    )
    assert screenshot.is_file(), shot.stderr[-2000:]
    png = screenshot.read_bytes()
    assert png.startswith(PNG_MAGIC)
    # the PNG header's IHDR holds the rendered size: the page was laid out at A4 width
    assert int.from_bytes(png[16:20], "big") == width
    pdf = tmp_path / "review.pdf"
    printed = run_browser(
        browser, tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
        html.as_uri(),
    )  # fmt: skip
    assert pdf.is_file(), printed.stderr[-2000:]
    document = pdf.read_bytes()
    assert document.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page[^s]", document)
    assert len(pages) >= 2  # the print CSS starts each flagged patient's chart on its own block
    # every page is A4: 595 x 842 points (chromium writes 594.96 x 841.92)
    boxes = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", document)
    assert boxes
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}


def test_printed_review_never_ends_a_page_on_a_heading(
    page: tuple[Path, int], tmp_path: Path
) -> None:
    """Printed to A4 by chromium, no page's last line is a priority heading
    ("HIGH (2 patients)"): the print CSS keeps each heading with its first row."""
    browser = find_browser()
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("no pdftotext (apt-get install poppler-utils)")
    html, _ = page
    pdf = tmp_path / "review.pdf"
    printed = run_browser(
        browser, tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
        html.as_uri(),
    )  # fmt: skip
    assert pdf.is_file(), printed.stderr[-2000:]
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    heading = re.compile(r"^(URGENT|HIGH|ROUTINE|INFO|No discussion points) \(\d+ patients?\)$")
    pages = [[line.strip() for line in p.splitlines() if line.strip()] for p in text.split("\f")]
    assert any(heading.match(line) for lines in pages for line in lines)  # the test can fail
    assert [lines[-1] for lines in pages if lines and heading.match(lines[-1])] == []
