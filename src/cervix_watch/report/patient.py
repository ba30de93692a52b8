"""`patient show`: one pregnancy on one page of terminal text.

The CLI gathers the records (store), the review row (engine) and the risk
words (`risk_reasons`) into a `PatientView`; this module only lays them out:
header, history, scans (voided ones apart, with the reason), the plotext CL
chart, current flags with rule ids and citations, discussions, next scan
due, treatments, exams and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.text import Text

from cervix_watch.domain.ga import format_ga
from cervix_watch.domain.models import Closure, Discussion, Exam, Patient, Scan, Treatment
from cervix_watch.domain.symptoms import Symptom
from cervix_watch.domain.words import treatment_words
from cervix_watch.report import common
from cervix_watch.report.cells import listing_table
from cervix_watch.report.chart import ChartData
from cervix_watch.report.plot import chart_key, terminal_chart
from cervix_watch.report.table import append_flag
from cervix_watch.rules import PatientReview
from cervix_watch.rules.identity import identity_label

if TYPE_CHECKING:  # the store hands these over; the report never opens it
    from cervix_watch.domain.trail import AuditEntry, VoidedScan


@dataclass(frozen=True, slots=True)
class PatientView:
    """Everything `patient show` prints, already computed by the store and the engine."""

    patient: Patient
    closure: Closure | None
    as_of: date
    profile: str
    review: PatientReview | None  # None: not active on the review date
    risk: str  # as printed, e.g. "HIGH" or "LOW (by history; not reviewed)"
    risk_category: str  # the category's value, e.g. "high" (JSON)
    risk_reasons: tuple[str, ...]
    scans: tuple[Scan, ...]
    voided: tuple[VoidedScan, ...]
    exams: tuple[Exam, ...]
    treatments: tuple[Treatment, ...]
    discussions: tuple[Discussion, ...]
    audit: tuple[AuditEntry, ...]
    chart: ChartData
    profile_sha256: str | None = None  # None: a built-in profile as shipped

    @property
    def profile_label(self) -> str:
        return identity_label(self.profile, self.profile_sha256)


def patient_view(view: PatientView) -> RenderableType:
    parts: list[RenderableType] = [header(view), Text("")]
    parts += [scans_table(view), *voided_part(view), Text("")]
    parts += [Text("Cervical length against GA", style="bold")]
    if view.chart.points:
        parts += [Text(terminal_chart(view.chart)), Text(chart_key(view.chart), style="dim")]
    else:  # an empty frame says nothing a sentence does not say better
        parts += [Text("no scans recorded up to this date: no chart", style="dim")]
    parts += [Text("")]
    parts += [flags_part(view), Text("")]
    for table in (discussions_table, treatments_table, exams_table):
        parts += [table(view), Text("")]
    parts += [audit_table(view)]
    return RenderGroup(*parts)


def status_words(view: PatientView) -> str:
    if view.closure is not None:
        ga = "" if view.closure.ga_days is None else f" at {format_ga(view.closure.ga_days)}"
        return f"closed: {view.closure.outcome.value} on {view.closure.date.isoformat()}{ga}"
    if view.review is None:
        return "not under review on this date (past the active GA, no cerclage in situ)"
    return "active"


def header(view: PatientView) -> Text:
    p = view.patient
    text = Text()
    text.append(f"{p.mrn}  {common.name_or_dash(p.name)}", style="bold")
    lmp = f", LMP {p.lmp.isoformat()}" if p.lmp else ""
    text.append(f"\nEDD {p.edd.isoformat()}{lmp} ({dating_words(p)}); ")
    text.append(f"GA {format_ga(p.ga_on(view.as_of))} ")
    text.append(f"on {view.as_of.isoformat()}")
    text.append(f"\nStatus: {status_words(view)}")
    ruptured = view.review.membranes_ruptured if view.review else None
    if ruptured is not None:  # the post-rupture state (clinical-rules.md v3)
        ga = format_ga(p.ga_on(ruptured))
        text.append(f"\nMembranes ruptured on {ruptured.isoformat()} ({ga})", style="bold")
    reasons = "; ".join(view.risk_reasons) or "no risk factor in the history"
    text.append(f"\nRisk ({view.profile_label}): ", style="bold")
    text.append(f"{view.risk} - {reasons}")
    text.append(f"\nHistory: {history_words(p)}")
    others = "; ".join(common.other_risk_words(p)) or "none recorded"
    text.append(f"\nOther risk factors: {others}")
    if p.notes:
        text.append(f"\nNotes: {p.notes}")
    due = view.review.next_scan_due if view.review else None
    text.append(f"\nNext scan due: {common.due_text(due)}", style="bold")
    return text


def history_words(p: Patient) -> str:
    words = ["singleton" if p.fetuses == 1 else f"{p.fetuses} fetuses"]
    if p.prior_sptb_weeks is not None:
        words.append(f"prior sPTB at {format_ga(p.prior_sptb_weeks)} (count {p.sptb_count})")
    if p.prior_pprom_weeks is not None:
        words.append(f"prior PPROM at {format_ga(p.prior_pprom_weeks)}")
    if p.painless_loss_count:
        words.append(f"painless second-trimester losses: {p.painless_loss_count}")
    if p.prior_cerclage.value != "no":
        words.append(f"prior {p.prior_cerclage.value}-indicated cerclage")
    if p.cervical_excision.value != "none":
        words.append(f"cervical excision: {p.cervical_excision.value}")
    words.extend(common.history_flag_words(p))
    return ", ".join(words)


_DATING = {
    "ultrasound": "dated by ultrasound",
    "ivf": "dated by IVF",
    "lmp": "dated by the LMP alone",
}


def dating_words(p: Patient) -> str:
    return _DATING[p.dating.value] if p.dating else "dating not recorded"


# A column heading and whether its cells may fold (free text); the others never break.
Columns = Sequence[tuple[str, bool]]
KEEP, FOLD = False, True


def grid(title: str, columns: Columns, rows: Iterable[Sequence[Any]]) -> RenderableType:
    """A listing of plain-text cells (never markup), laid out by `report.cells`: ids, dates,
    GA, numbers and CL series whole, free text folding between words; `none` if empty."""
    records = list(rows)
    if not records:
        return Text.assemble((title, "bold"), ": none")
    texts = ([None if v is None else str(v) for v in row] for row in records)
    return listing_table(Text(title, style="bold"), columns, texts)


def _findings(scan: Scan) -> str:
    found = []
    if scan.funneling:
        size = "x".join(f"{v:g}" for v in (scan.funnel_length_mm, scan.funnel_width_mm) if v)
        shape = scan.funnel_shape.value if scan.funnel_shape else ""
        found.append(" ".join(w for w in ("funnel", shape, f"{size} mm" if size else "") if w))
    if scan.sludge:
        found.append("sludge")
    if scan.symptoms:
        found.append(symptom_words(scan.symptoms))
    if scan.notes:
        found.append(scan.notes)
    return "; ".join(found)


def scans_table(view: PatientView) -> RenderableType:
    p = view.patient
    rows = [
        [
            s.scan_id,
            s.date.isoformat(),
            format_ga(p.ga_on(s.date)),
            s.route.value,
            " ".join(f"{v:.1f}" for v in s.cl_mm),
            common.mm(s.recorded_cl_mm),
            _findings(s),
            s.operator,
        ]
        for s in view.scans
    ]
    columns = [("Id", KEEP), ("Date", KEEP), ("GA", KEEP), ("Route", KEEP), ("CL mm", KEEP)]
    columns += [("Recorded", KEEP), ("Findings", FOLD), ("By", FOLD)]
    return grid(f"Scans ({len(rows)})", columns, rows)


def voided_part(view: PatientView) -> list[RenderableType]:
    if not view.voided:
        return []
    p = view.patient
    rows = [
        [
            v.scan.scan_id,
            v.scan.date.isoformat(),
            format_ga(p.ga_on(v.scan.date)),
            common.mm(v.scan.recorded_cl_mm),
            f"{v.voided_at:%Y-%m-%d %H:%M}",
            v.reason,
        ]
        for v in view.voided
    ]
    columns = [("Id", KEEP), ("Date", KEEP), ("GA", KEEP), ("Recorded", KEEP)]
    columns += [("Voided", KEEP), ("Reason", FOLD)]
    return [Text(""), grid(f"Voided scans ({len(rows)}, not counted)", columns, rows)]


def flags_part(view: PatientView) -> RenderableType:
    title = Text(f"Current discussion points ({view.profile_label}, {view.as_of.isoformat()})")
    title.stylize("bold")
    if view.review is None:
        return Text.assemble(title, "\nnone: not under review on this date")
    body = Text()
    for flag in view.review.flags:
        body.append("\n")
        append_flag(body, flag)
        body.append(f"\n  Citation: {flag.citation}", style="dim")
    if not view.review.flags:
        body.append("\nnone")
    for line in common.discussed_text(view.review):
        body.append(f"\nAddressed by discussion: {line}")
    return Text.assemble(title, body)


def discussions_table(view: PatientView) -> RenderableType:
    rows = [
        [d.date.isoformat(), d.action.value, d.outcome.value, d.notes] for d in view.discussions
    ]
    columns = [("Date", KEEP), ("Action", KEEP), ("Outcome", KEEP), ("Notes", FOLD)]
    return grid(f"Discussions ({len(rows)})", columns, rows)


def treatments_table(view: PatientView) -> RenderableType:
    p = view.patient
    rows = [
        [
            t.treatment_id,
            treatment_words(t.type.value, t.kind.value if t.kind else None),
            f"{t.start.isoformat()} ({format_ga(p.ga_on(t.start))})",
            "in place" if t.end is None else f"{t.end.isoformat()} ({format_ga(p.ga_on(t.end))})",
            t.notes,
        ]
        for t in view.treatments
    ]
    columns = [("Id", KEEP), ("Type", FOLD), ("Start (GA)", KEEP), ("End", KEEP)]
    return grid(f"Treatments ({len(rows)})", [*columns, ("Notes", FOLD)], rows)


def exam_findings(exam: Exam) -> str:
    found = [] if exam.dilation_cm is None else [f"dilation {exam.dilation_cm:g} cm"]
    for on, words in (
        (exam.membranes_visible, "membranes visible"),
        (exam.membranes_ruptured, "membranes ruptured"),
        (exam.contractions, "contractions"),
        (exam.bleeding, "bleeding"),
        (exam.infection_signs, "infection signs"),
    ):
        if on:
            found.append(words)
    if exam.symptoms:
        found.append(symptom_words(exam.symptoms))
    return ", ".join(found) or "no finding recorded"


def symptom_words(symptoms: Sequence[Symptom]) -> str:
    """`symptoms: fever (urgent), cramps`: the urgent ones marked, as the rules class them."""
    names = [f"{s.value} (urgent)" if s.urgent else s.value for s in symptoms]
    return "symptoms: " + ", ".join(names)


def exams_table(view: PatientView) -> RenderableType:
    p = view.patient
    rows = [
        [e.date.isoformat(), format_ga(p.ga_on(e.date)), exam_findings(e), e.notes]
        for e in view.exams
    ]
    columns = [("Date", KEEP), ("GA", KEEP), ("Findings", FOLD), ("Notes", FOLD)]
    return grid(f"Exams ({len(rows)})", columns, rows)


def _audit_value(value: Any) -> str:
    """One side of an audited change: a list of measurements as `21.0, 21.5`, none as `-`."""
    if value is None or value == "":
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_audit_value(v) for v in value) or "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def change_words(changes: dict[str, Any]) -> str:
    """`cl_mm: 21.0, 21.5, 22.0 -> 20.5; route: tv -> ta`: each audited field old -> new."""
    parts = []
    for field in sorted(changes):
        change = changes[field]
        if isinstance(change, list) and len(change) == 2:
            parts.append(f"{field}: {_audit_value(change[0])} -> {_audit_value(change[1])}")
        else:
            parts.append(field)
    return "; ".join(parts)


def _change_and_reason(entry: AuditEntry) -> str:
    """What changed (old -> new), then why, each on its own line."""
    # db-update: the PostgreSQL trigger's row, its columns old -> new (store/seal.py)
    changed = change_words(entry.changes) if entry.action in {"edit", "amend", "db-update"} else ""
    return "\n".join(part for part in (changed, entry.reason or "") if part)


def audit_table(view: PatientView) -> RenderableType:
    # one column for the change and its reason: an import's path or an amendment's
    # values get the width the When/What columns, kept whole, leave at 80 columns
    rows = [
        [
            f"{a.at:%Y-%m-%d %H:%M}",
            a.who,
            f"{a.action} {a.entity}" + ("" if a.entity_id is None else f" {a.entity_id}"),
            _change_and_reason(a),
        ]
        for a in view.audit
    ]
    columns = [("When", KEEP), ("Who", FOLD), ("What", KEEP), ("Change (old -> new), reason", FOLD)]
    return grid(f"Audit trail ({len(rows)})", columns, rows)
