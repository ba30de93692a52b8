"""The weekly review as one self-contained HTML file (no external asset, no script).

Rendered by Jinja2 with autoescape on for every value; the only markup that
is not escaped is the SVG chart, whose own values `svg.py` escapes. The
page has a summary table and, per patient with a discussion point, a section
with her chart, points and treatments; print CSS lays it out on A4 with a
page break before each patient, keeps every heading with its first row and
sets the summary compact (docs/performance.md gives the page counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cervix_watch.domain.ga import format_ga
from cervix_watch.report import common
from cervix_watch.report.chart import chart_data, profile_thresholds, treatment_window
from cervix_watch.report.svg import cl_chart
from cervix_watch.rules import PatientHistory, PatientReview, Profile, Review
from cervix_watch.rules.identity import profile_label

TEMPLATE = "review.html.j2"


@dataclass(frozen=True, slots=True)
class PatientSection:
    """One flagged patient's page: her review row and her chart."""

    patient: PatientReview
    chart: Markup
    treatments: tuple[str, ...]
    # what the chart's symptom and ruptured-membrane marks say, in words
    events: tuple[str, ...] = ()
    # risk factors no risk category uses (clinical-rules.md), shown beside the history
    other_risks: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cervix_watch.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def review_html(review: Review, histories: dict[str, PatientHistory], profile: Profile) -> str:
    """The page as text; the caller writes it (0600)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(
        review=review,
        profile=profile,
        profile_label=profile_label(profile),
        groups=common.groups(review),
        counts_line=common.counts_line(review),
        points_line=common.points_line(review),
        nobody_words=common.nobody_words(review),
        sections=[_section(p, histories, profile, review) for p in review.patients if p.flags],
        unflagged=sum(1 for p in review.patients if not p.flags),
        thresholds=profile_thresholds(profile),
        window=treatment_window(profile),
        label=common.PRIORITY_LABEL,
        mm=common.mm,
        due=common.due_text,
        name=common.name_or_dash,
        discussed=common.discussed_text,
        state=common.state_lines,
    )


def _section(
    patient: PatientReview,
    histories: dict[str, PatientHistory],
    profile: Profile,
    review: Review,
) -> PatientSection:
    # the review was computed from these histories, so every reviewed MRN has one
    history = histories[patient.mrn]
    data = chart_data(history, profile, review.as_of)
    treatments = tuple(
        f"{t.label} from GA {format_ga(t.start_ga_days)}"
        + (" (in place)" if t.end_ga_days is None else f" to {format_ga(t.end_ga_days)}")
        for t in data.treatments
    )
    title = f"Cervical length against gestational age, {patient.mrn}"
    events = tuple(
        f"{'urgent' if m.urgent else 'watch'} symptoms, {m.label}" for m in data.symptoms
    ) + tuple(m.label for m in data.ruptured)
    others = tuple(common.other_risk_words(history.patient))
    return PatientSection(patient, cl_chart(data, title), treatments, events, others)
