"""The HTML report's charts measured in chromium's real layout engine, on screen and at A4.

A copy of the report gets a script appended that measures every chart element
(`getBBox()` in the SVG's own units, `getBoundingClientRect()` on the page) and writes
the result as JSON into `<pre id="measure">`; `chromium --dump-dom` runs it and prints
the DOM. The print run applies the page's `@media print` rules and lays the page out
at the width A4 leaves inside its 14 mm margins. Skipped only where no chromium is
installed and not in CI (see `find_browser`).
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, Cli
from tests.report.test_html_browser import find_browser, run_browser

pytestmark = pytest.mark.slow

REVIEW = TODAY  # records cannot be dated after today
# (mode, window width in CSS px, apply the print rules)
LAYOUTS = [
    ("screen", 1200, False),
    ("a4-screen", 794, False),  # A4 paper width at 96 dpi
    ("a4-print", 688, True),  # 210 mm less two 14 mm margins (@page), at 96 dpi
]
RULE_ID = re.compile(r"\b(?:acog|smfm|nice|rcog|any|schedule|risk)\.[a-z_-]+")
TOLERANCE_PX = 0.5

MEASURE = """
<script>
(function () {
  const PRINT = %(print)s;
  if (PRINT) {  // the page's print rules, applied to the screen layout
    const rules = [];
    for (const sheet of document.styleSheets)
      for (const rule of sheet.cssRules)
        if (rule.media && rule.media.mediaText.includes("print"))
          for (const inner of rule.cssRules) rules.push(inner.cssText);
    const style = document.createElement("style");
    style.textContent = rules.join("\\n");
    document.head.appendChild(style);
  }
  const box = (r) => [r.left, r.top, r.right, r.bottom];
  const charts = [];
  for (const svg of document.querySelectorAll("svg.cl-chart")) {
    const frame = svg.querySelector('rect[fill="none"][stroke="#444"]');
    const items = [];
    const toSvg = svg.getScreenCTM().inverse();
    const userBox = (el) => {  // getBBox() in the svg's own units, after el's transform
      const b = el.getBBox();
      const m = toSvg.multiply(el.getScreenCTM());
      const xs = [], ys = [];
      for (const [x, y] of [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
                            [b.x + b.width, b.y + b.height]]) {
        const p = new DOMPoint(x, y).matrixTransform(m);
        xs.push(p.x);
        ys.push(p.y);
      }
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    };
    for (const el of svg.querySelectorAll("circle, rect, line, path, text")) {
      items.push({
        tag: el.tagName, cls: el.getAttribute("class") || "",
        text: el.tagName === "text" ? el.textContent : "",
        anchor: el.getAttribute("text-anchor") || "",
        bbox: userBox(el),
        rect: box(el.getBoundingClientRect()),
      });
    }
    const vb = svg.viewBox.baseVal;
    charts.push({
      section: svg.closest("section").id,
      view: [vb.x, vb.y, vb.x + vb.width, vb.y + vb.height],
      box: box(svg.getBoundingClientRect()),
      frame: userBox(frame),
      titles: [...svg.querySelectorAll("title")].map((t) => t.textContent),
      items: items,
    });
  }
  const key = document.querySelector("p.key");
  const result = {
    width: document.documentElement.clientWidth,
    text: document.body.innerText,
    key: key.innerText,
    keyTitles: [...key.querySelectorAll("[title]")].map((e) => e.getAttribute("title")),
    sections: [...document.querySelectorAll("section.patient")].map(
      (s) => ({id: s.id, text: s.innerText})),
    charts: charts,
  };
  const pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
</script>
"""


def _on(edd: date, weeks: int, days: int = 0) -> str:
    """The date at GA weeks+days for a pregnancy due on `edd`."""
    return (edd - timedelta(days=280 - weeks * 7 - days)).isoformat()


def _edd_at(weeks: int, days: int = 0) -> date:
    """The EDD that puts a pregnancy at GA weeks+days on the review date."""
    return REVIEW + timedelta(days=280 - weeks * 7 - days)


def _ok(cli: Cli, *args: str) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.output


CERCLAGE_13, LATE_LABEL, NO_SCAN, NO_POINTS = "C13", "TA1", "NS1", "QP1"


def _clinic(cli: Cli) -> None:
    """C13: cerclage from 13+0 still in place at 37+3 (review line past 37+0), scans, an
    exam, progesterone; TA1 (a smoker): the longest treatment label starting near the right edge;
    NS1: flagged by history with no scan; QP1: one normal scan and no discussion point."""
    edd = _edd_at(37, 3)
    _ok(cli, "patient", "add", CERCLAGE_13, "--edd", edd.isoformat(), "--name", "Early Cerclage")
    _ok(cli, "patient", "edit", CERCLAGE_13, "--prior-sptb-weeks", "28+0", "--reason", "history")
    for weeks, cl in ((16, "34.0"), (19, "30.5"), (22, "27.0")):
        _ok(cli, "scan", "add", CERCLAGE_13, "--date", _on(edd, weeks), *["--cl", cl] * 3)
    cerclage = ("treatment", "add", CERCLAGE_13, "cerclage", "--kind", "history")
    _ok(cli, *cerclage, "--date", _on(edd, 13))
    progesterone = ("treatment", "add", CERCLAGE_13, "progesterone", "--date", _on(edd, 16))
    _ok(cli, *progesterone, "--end", _on(edd, 34))
    _ok(cli, "exam", "add", CERCLAGE_13, "--date", _on(edd, 30), "--dilation-cm", "0")

    edd = _edd_at(36, 2)
    # a smoker, so she keeps a point in the review: since clinical rules v3 (change 4) the
    # cerclage placed after her short scan ends the window-closed point she had before
    late_patient = ("patient", "add", LATE_LABEL, "--edd", edd.isoformat(), "--smoker")
    _ok(cli, *late_patient, "--prior-sptb-weeks", "30+0")
    _ok(cli, "scan", "add", LATE_LABEL, "--date", _on(edd, 20), *["--cl", "21.0"] * 3)
    late = ("treatment", "add", LATE_LABEL, "cerclage", "--kind", "transabdominal")
    _ok(cli, *late, "--date", _on(edd, 36))
    _ok(cli, "exam", "add", LATE_LABEL, "--date", _on(edd, 36, 1), "--dilation-cm", "1")

    edd = _edd_at(12)
    _ok(cli, "patient", "add", NO_SCAN, "--edd", edd.isoformat(), "--painless-loss-count", "1")

    edd = _edd_at(20)
    _ok(cli, "patient", "add", NO_POINTS, "--edd", edd.isoformat(), "--name", "No Points")
    _ok(cli, "scan", "add", NO_POINTS, "--date", _on(edd, 20), *["--cl", "40.0"] * 3)


@pytest.fixture(scope="module")
def browser() -> str:
    return find_browser()


@pytest.fixture
def report(narrow: Cli, tmp_path: Path) -> Path:
    """The review report of the four patients above."""
    _clinic(narrow)
    out = tmp_path / "review.html"
    review = ("review", "--as-of", REVIEW.isoformat(), "--format", "html", "--out", str(out))
    _ok(narrow, *review)
    return out


def measure(browser: str, page: Path, folder: Path, width: int, print_rules: bool) -> Any:
    """Load a copy of `page` with the measuring script at `width` and return its JSON."""
    copy = folder / f"measured-{width}.html"
    script = MEASURE % {"print": "true" if print_rules else "false"}
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"))
    size = f"--window-size={width},1200"
    dumped = run_browser(browser, folder / f"profile-{width}", size, "--dump-dom", copy.as_uri())
    found = re.search(r'<pre id="measure">(.*?)</pre>', dumped.stdout, re.S)
    assert found, dumped.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def _inside(inner: list[float], outer: list[float], slack: float = TOLERANCE_PX) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _axis_weeks(chart: dict[str, Any]) -> tuple[float, float]:
    """The GA (weeks) at the frame's left and right edges, read off the tick labels."""
    bottom = chart["frame"][3]
    ticks = sorted(
        (int(item["text"]), (item["bbox"][0] + item["bbox"][2]) / 2)
        for item in chart["items"]
        if item["tag"] == "text" and item["text"].isdigit() and item["bbox"][1] > bottom
    )
    (w0, x0), (w1, x1) = ticks[0], ticks[-1]
    per_week = (x1 - x0) / (w1 - w0)
    left, right = chart["frame"][0], chart["frame"][2]
    return w0 - (x0 - left) / per_week, w1 + (right - x1) / per_week


# MRN -> the GA span (weeks) her x-axis must show
EXPECTED_SPAN = {
    CERCLAGE_13: (13.0, 37 + 3 / 7),  # the cerclage at 13+0 .. the review date at 37+3
    LATE_LABEL: (14.0, 37.0),
    NO_SCAN: (12.0, 37.0),  # the review date at 12+0 is the earliest thing drawn
}


@pytest.mark.parametrize(("mode", "width", "print_rules"), LAYOUTS, ids=[m for m, *_ in LAYOUTS])
def test_every_chart_element_is_inside_its_chart(
    browser: str, report: Path, tmp_path: Path, mode: str, width: int, print_rules: bool
) -> None:
    """In the real layout every point, treatment bar and label, exam marker, review-date
    line and axis text lies inside its SVG's visible box, the x-axis spans the data, the
    captions are words (rule ids only in titles) and the chartless patients say why."""
    result = measure(browser, report, tmp_path, width, print_rules)
    assert result["width"] <= width
    charts = {c["section"]: c for c in result["charts"]}
    assert set(charts) == {f"patient-{mrn}" for mrn in EXPECTED_SPAN}
    for mrn, (first, last) in EXPECTED_SPAN.items():
        chart = charts[f"patient-{mrn}"]
        for item in chart["items"]:
            where = f"{mode} {mrn} {item['tag']}.{item['cls']} {item['text']!r}"
            assert _inside(item["bbox"], chart["view"]), f"outside the viewBox: {where}"
            assert _inside(item["rect"], chart["box"]), f"outside the drawn box: {where}"
        _assert_data_in_frame(mode, mrn, chart)
        left, right = _axis_weeks(chart)
        assert (round(left, 2), round(right, 2)) == (round(first, 2), round(last, 2)), mode
        assert not RULE_ID.search(" ".join(i["text"] for i in chart["items"]))
        assert any(RULE_ID.search(title) for title in chart["titles"])  # the lines' tooltips
    _assert_captions_and_sentences(result)


def _assert_data_in_frame(mode: str, mrn: str, chart: dict[str, Any]) -> None:
    """Points, bars, labels, exam lines and the review-date line lie inside the plot frame;
    the exam markers sit above it, inside the drawing."""
    frame = chart["frame"]
    kinds = {"scan tv", "scan other", "treatment", "small treatment-label", "exam", "today"}
    drawn = [i for i in chart["items"] if i["cls"] in kinds]
    expected = {"today"} if mrn == NO_SCAN else kinds - {"scan other"}
    assert {i["cls"] for i in drawn} == expected, mode
    for item in drawn:
        where = f"{mode} {mrn} {item['cls']} {item['text']!r} {item['bbox']} in {frame}"
        assert _inside(item["bbox"], frame, slack=5.5), where  # a point's radius is 5
    markers = [i for i in chart["items"] if i["cls"] == "exam-marker"]
    assert len(markers) == (0 if mrn == NO_SCAN else 1), mode
    for marker in markers:  # above the frame's top edge, below the drawing's
        assert marker["bbox"][1] >= chart["view"][1], mode
        assert marker["bbox"][3] <= frame[1] + TOLERANCE_PX, mode


def _assert_captions_and_sentences(result: dict[str, Any]) -> None:
    key = result["key"]
    assert not RULE_ID.search(key), key  # the key speaks words ...
    assert any(RULE_ID.search(title) for title in result["keyTitles"])  # ... ids on hover
    assert "CL latest - mm" not in result["text"]
    assert " - mm" not in result["text"]
    sections = {s["id"]: s["text"] for s in result["sections"]}
    assert "no CL scan yet" in sections[f"patient-{NO_SCAN}"]
    assert f"patient-{NO_POINTS}" not in sections
    assert "the 1 without points have none" in key  # why QP1 has no chart
