"""`review --format html`: one self-contained, escaped page with a chart per flagged patient."""

from __future__ import annotations

import json
import re
import stat
from importlib import resources
from pathlib import Path

from tests.conftest import Cli
from tests.report.conftest import AS_OF, add_patient

XSS_NAME = "<script>alert(1)</script>"


def write_html(cli: Cli, out: Path, *extra: str) -> str:
    result = cli("review", "--as-of", AS_OF, "--format", "html", "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def flagged_count(cli: Cli, *extra: str) -> int:
    review = json.loads(cli("review", "--as-of", AS_OF, "--format", "json", *extra).stdout)
    return sum(1 for p in review["patients"] if p["flags"])


def test_page_is_self_contained_with_one_chart_per_flagged_patient(
    loaded: Cli, tmp_path: Path
) -> None:
    """No script, no external asset; one <svg> per patient with a point; A4 print CSS."""
    page = write_html(loaded, tmp_path / "r.html")
    assert page.count("<svg") == flagged_count(loaded)
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page.lower()
    assert "@page { size: A4" in page
    assert "page-break-before: always" in page


def test_print_css_keeps_headings_with_rows_and_the_summary_compact(
    loaded: Cli, tmp_path: Path
) -> None:
    """In print a heading never ends a page (it stays with its table's first row) and the
    summary table is set small with its citations left to the patients' sections."""
    page = write_html(loaded, tmp_path / "r.html")
    print_css = page.split("@media print {", 1)[1].split("</style>", 1)[0]
    assert re.search(r"h1, h2, h3, thead \{ break-after: avoid;", print_css)
    assert re.search(r"tbody tr:first-child \{ break-before: avoid;", print_css)
    assert re.search(r"main > table \{ font-size: 8pt; \}", print_css)
    assert "main > table .citation { display: none; }" in print_css
    # the citation left out of the printed summary is printed in the patient's own section
    for citation in re.findall(r'<section class="patient".*?</section>', page, re.S):
        assert 'class="citation"' in citation


def test_name_with_markup_is_escaped(narrow: Cli, tmp_path: Path) -> None:
    """A name `<script>alert(1)</script>` appears as escaped text, never as a tag."""
    add_patient(narrow, "X1", XSS_NAME)
    page = write_html(narrow, tmp_path / "r.html")
    assert XSS_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_file_is_created_owner_only(loaded: Cli, tmp_path: Path) -> None:
    """The report names patients: the file is created 0600, and an existing file becomes 0600."""
    out = tmp_path / "r.html"
    out.write_text("old")
    out.chmod(0o644)
    write_html(loaded, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_html_without_out_is_one_line_naming_out(loaded: Cli) -> None:
    """`--format html` without --out: one line naming `out`, exit 1 (the user guide's word,
    issue 21.6); no page printed."""
    result = loaded("review", "--as-of", AS_OF, "--format", "html")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: out: --format html writes a file: give --out FILE\n"


def test_chart_lines_come_from_the_profile(loaded: Cli, tmp_path: Path) -> None:
    """An edited threshold in a copied profile is the line drawn, so lines are not literals."""
    text = (resources.files("cervix_watch.rules") / "profiles" / "acog-smfm.toml").read_text()
    edited = text.replace('name = "acog-smfm"', 'name = "local-copy"')
    edited = edited.replace("short_cl_below_mm = 30.0", "short_cl_below_mm = 31.5")
    edited = edited.replace("threshold_mm = 30.0", "threshold_mm = 31.5")
    assert edited.count("31.5") == 2
    profile_file = tmp_path / "local.toml"
    profile_file.write_text(edited)
    page = write_html(loaded, tmp_path / "r.html", "--profile", str(profile_file))
    assert ">31.5 mm</text>" in page
    assert ">30 mm</text>" not in page
    assert ">25 mm</text>" in page
    assert ">20 mm</text>" in page
    assert "treatment window 16+0 to before 24+0" in page


def test_chart_shows_routes_treatments_and_exams(loaded: Cli, tmp_path: Path) -> None:
    """Scans by route (tv circle, other square), treatment bars and exam marks are drawn."""
    page = write_html(loaded, tmp_path / "r.html")
    assert 'class="scan tv"' in page
    assert 'class="treatment"' in page  # P05's cerclage
    assert 'class="exam"' in page  # P04's exam
    assert 'class="window"' in page


def test_chart_key_speaks_words_and_keeps_rule_ids_in_a_tooltip(
    loaded: Cli, tmp_path: Path
) -> None:
    """The key names what each line prompts; the rule ids are only in the hover title."""
    page = write_html(loaded, tmp_path / "r.html")
    key = page.split('<p class="key">', 1)[1].split("</p>", 1)[0]
    assert "30 mm: surveillance increase, shorter scan interval</span>" in key
    assert 'title="acog.weekly-cl, schedule.high"' in key
    assert "(acog.weekly-cl" not in key  # ids are not the visible words
    assert "A chart is drawn for each patient with discussion points" in key


def test_chart_labels_stay_inside_the_drawing(narrow: Cli, tmp_path: Path) -> None:
    """Treatment labels end inside the plot; exam markers sit above the frame, not cut by it."""
    add_patient(narrow, "T1", "Treated")
    result = narrow(
        "treatment", "add", "T1", "cerclage", "--kind", "ultrasound", "--date", "2026-10-15"
    )
    assert result.exit_code == 0, result.output
    assert narrow("exam", "add", "T1", "--date", AS_OF, "--dilation-cm", "0").exit_code == 0
    page = write_html(narrow, tmp_path / "r.html")
    chart = page.split('id="patient-T1"', 1)[1].split("</svg>", 1)[0]
    (label_x,) = re.findall(r'class="small treatment-label" x="([\d.]+)"', chart)
    assert 52 <= float(label_x) <= 680 - 60 - len("ultrasound-indicated cerclage") * 5.6
    (marker,) = re.findall(
        r'class="exam-marker" d="M[\d.]+,([\d.]+) L[\d.]+,[\d.]+ L[\d.]+,([\d.]+)', chart
    )
    assert 0 < float(marker[0]) < float(marker[1]) <= 40  # entirely above the plot's top edge


def test_patient_without_a_scan_says_so(narrow: Cli, tmp_path: Path) -> None:
    """A flagged patient with no scan reads "no CL scan yet", not "CL latest - mm"."""
    result = narrow("patient", "add", "N1", "--edd", "2027-06-01", "--painless-loss-count", "1")
    assert result.exit_code == 0, result.output
    page = write_html(narrow, tmp_path / "r.html")
    section = page.split('id="patient-N1"', 1)[1].split("</section>", 1)[0]
    assert "no CL scan yet" in section
    assert "CL latest - mm" not in page


def test_other_risk_factors_are_shown_beside_the_patient(narrow: Cli, tmp_path: Path) -> None:
    """A flagged smoker with two surgical dilations has them named in her section; a patient
    with none recorded has no such line."""
    add_patient(narrow, "R1", "Risk One")
    add_patient(narrow, "R2", "Risk Two")
    edit = ("patient", "edit", "R1", "--smoker", "--cervical-dilation-procedures", "2")
    assert narrow(*edit, "--reason", "booking").exit_code == 0
    page = write_html(narrow, tmp_path / "r.html")
    sections = page.split('<section class="patient"')
    (r1,) = [s for s in sections if 'id="patient-R1"' in s]
    (r2,) = [s for s in sections if 'id="patient-R2"' in s]
    assert "Other risk factors: 2 surgical cervical dilations; smoker" in r1
    assert "Other risk factors" not in r2
