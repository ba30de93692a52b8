"""The weekly review as Markdown for the meeting notes (GitHub / CommonMark tables).

Every text taken from the data (names, messages, citations, rule ids) is
escaped: `|` would end a table cell, `*`, `_`, `[` ... would turn a name into
formatting or a link, and `<` would let a name inject HTML into the rendered
notes. Line breaks inside a cell become `<br>`, which the renderers accept.
"""

from __future__ import annotations

import re

from cervix_watch.report import common
from cervix_watch.rules import PatientReview, Profile, Review
from cervix_watch.rules.identity import profile_label

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones
# that change meaning inside a table cell.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")
_BREAKS = re.compile(r"\s*[\r\n]+\s*")
COLUMNS = ("MRN", "Name", "GA", "Risk", "CL latest / shortest (mm)", "Next scan", "Points")


def escape(text: str) -> str:
    """User or profile text made literal in a Markdown table cell (one line)."""
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", text))


def review_markdown(review: Review, profile: Profile) -> str:
    lines = [
        f"# Weekly review {review.as_of.isoformat()}",
        "",
        f"Profile: **{escape(profile_label(profile))}** ({escape(profile.title)})",
        "",
        escape(common.counts_line(review)) + "  ",
        escape(common.points_line(review)),
    ]
    for group in common.groups(review):
        lines += ["", f"## {escape(group.title)}", "", _row(COLUMNS), _row(["---"] * len(COLUMNS))]
        lines += [_row(_cells(patient)) for patient in group.patients]
    if not review.patients:
        lines += ["", common.nobody_words(review)]
    return "\n".join(lines) + "\n"


def _row(cells: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cells(patient: PatientReview) -> list[str]:
    return [
        escape(patient.mrn),
        escape(common.name_or_dash(patient.name)),
        patient.ga,
        patient.risk.value,
        escape(common.cl_pair(patient)),  # the route's note names a scanner's AE title
        common.due_text(patient.next_scan_due),
        _points(patient),
    ]


def _points(patient: PatientReview) -> str:
    items = [
        f"**{common.PRIORITY_LABEL[flag.priority]}** {escape(flag.action.value)} "
        f"({escape(flag.rule)}): {escape(flag.message)} *{escape(flag.citation)}*"
        for flag in patient.flags
    ]
    items += [f"Discussed: {escape(line)}" for line in common.discussed_text(patient)]
    items += [f"**{escape(line)}**" for line in common.state_lines(patient)]
    return "<br>".join(items) if items else "no discussion points"
