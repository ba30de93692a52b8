"""Interactive `scan add`: the contract's order, every answer checked where it is typed.

MRN first (checked at once, with suggestions), then the patient is confirmed (name, GA
today, latest CL, open points), then date, measurements, route, funneling, sludge,
symptoms, operator and note. A wrong answer is said in one line and asked again, so a
typo never loses the entry; a summary is confirmed before anything is written. Ctrl-C
(or end of input) at any prompt writes nothing and exits 130.

Each answer is checked by the same domain model the flags and CSV go through: the
record is built with the answers so far, and only the problems of the field just asked
are reported.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from cervix_watch.console import context, output
from cervix_watch.domain.errors import InputError, Problem
from cervix_watch.domain.ga import format_ga

if TYPE_CHECKING:
    from cervix_watch.domain.models import Patient, Scan
    from cervix_watch.domain.pregnancy import PatientHistory
    from cervix_watch.rules import PatientReview, Profile

T = TypeVar("T")

MEASUREMENT_STANDARD = (
    "Measurement standard (CLEAR/FMF): transvaginal, empty bladder, cervix filling about three "
    "quarters of the image, anterior and posterior lips of equal width, internal and external "
    "os both seen, calipers where the walls touch. Take at least three measurements over a few "
    "minutes; the shortest is recorded. They should differ by under 10 %."
)


@contextmanager
def interruptible() -> Iterator[None]:
    """A prompt turns Ctrl-C and end of input into Abort (exit 1); the contract wants 130."""
    try:
        yield
    except typer.Abort:
        raise KeyboardInterrupt from None


class AskAgain(Exception):
    """The answer asked for help (`?`), which is printed: the question is asked again."""


def ask(label: str, check: Callable[[str], T], default: str | None = None) -> T:
    """Prompt until `check` accepts the answer; each refusal is one line, then asked again."""
    while True:
        text = typer.prompt(
            label, default="" if default is None else default, show_default=bool(default)
        )
        try:
            return check(str(text).strip())
        except AskAgain:
            continue
        except InputError as problem:
            for message in problem.lines():
                output.error(message)


def yes_no(label: str, default: bool) -> bool:
    return bool(typer.confirm(label, default=default))


def wrapped(text: str) -> str:
    """`text` wrapped to the terminal's width (at most 100 columns), for reading at a glance."""
    width = min(shutil.get_terminal_size((80, 24)).columns, 100)
    return textwrap.fill(text, width=max(width - 1, 40))


class ScanEntry:
    """The answers of one interactive entry; `values` grows into a valid `Scan`."""

    def __init__(self, state: context.State, given: dict[str, Any], profile: Profile) -> None:
        self.state, self.values, self.profile = state, given, profile
        self.file: PatientHistory | None = None  # the patient chosen, read with her review
        self.review: PatientReview | None = None
        self.today = state.today  # read once at the edge (context.State)

    # -- checks -------------------------------------------------------------------------
    def problems_of(self, field: str, values: dict[str, Any]) -> list[Problem]:
        """The problems of `field` (only) when the record is built from `values`."""
        from cervix_watch.domain.models import Scan
        from cervix_watch.domain.problems import build

        try:
            build(Scan, values)
        except InputError as error:
            return [p for p in error.problems if p.field == field]
        return []

    def checked(self, field: str, value: Any) -> Any:
        """`value` for `field` if the domain model accepts it, else InputError (asked again)."""
        trial = {"mrn": self.mrn, "date": self.today, "cl_mm": (30,), **self.values}
        trial[field] = value
        if problems := self.problems_of(field, trial):
            raise InputError(problems)
        return value

    @property
    def mrn(self) -> str:
        return str(self.values.get("mrn", ""))

    # -- the steps, in the contract's order ---------------------------------------------
    def choose_patient(self, typed: str | None) -> None:
        """MRN first, checked at once (with suggestions), then the patient confirmed."""
        from cervix_watch.app.records import reviewed

        while True:
            mrn = typed if typed is not None else ask("MRN", _not_empty("mrn"))
            typed = None
            try:
                self.file, self.review = reviewed(
                    self.state.store(), mrn.strip(), self.today, self.profile
                )
            except InputError as problem:
                for message in problem.lines():
                    output.error(message)
                continue
            self.values["mrn"] = self.file.patient.mrn
            self.show_patient()
            if yes_no("Is this the right patient?", default=True):
                return

    def show_patient(self) -> None:
        assert self.file is not None
        p, scans = self.file.patient, self.file.scans
        output.line(f"Patient {p.mrn}: {p.name or '(no name)'}")
        output.line(f"  GA today {format_ga(p.ga_on(self.today))} (EDD {p.edd})")
        if scans:
            last = scans[-1]
            output.line(f"  Latest CL {last.recorded_cl_mm:.1f} mm on {last.date}")
        else:
            output.line("  Latest CL: no scan yet")
        output.line(f"  Open points: {self.open_points()}")
        if self.file.closure is not None:
            c = self.file.closure
            output.line(f"  Closed: {c.outcome.value} on {c.date}")

    def open_points(self) -> str:
        flags = self.review.flags if self.review else ()
        return ", ".join(f"{f.action.value} ({f.priority.value})" for f in flags) or "none"

    def ask_date(self) -> None:
        if "date" not in self.values:
            self.values["date"] = ask("Scan date", self.check_date, self.today.isoformat())

    def check_date(self, text: str) -> date:
        from cervix_watch.domain.models import check_event_date

        on = context.parse_date("date", text, self.today)
        assert on is not None
        assert self.file is not None
        closed = self.file.closure.date if self.file.closure else None
        if problem := check_event_date("date", on, self.file.patient, self.today, closed=closed):
            raise InputError(problem)
        return on

    def ask_measurements(self) -> None:
        if "cl_mm" in self.values:
            return
        output.note(wrapped(MEASUREMENT_STANDARD))
        measurements: list[str] = []
        while len(measurements) < 3:
            label = f"CL measurement {len(measurements) + 1} (mm)"
            if measurements:
                label += ", blank to finish"
            text = ask(label, self.check_measurement(measurements))
            if not text:
                break
            measurements.append(text)
        self.values["cl_mm"] = tuple(measurements)

    def check_measurement(self, so_far: list[str]) -> Callable[[str], str]:
        def check(text: str) -> str:
            if not text and so_far:
                return text
            if not text:
                raise InputError(Problem("cl_mm", "at least one measurement is required"))
            self.checked("cl_mm", (*so_far, text))
            return text

        return check

    def ask_findings(self) -> None:
        if "route" not in self.values:
            self.values["route"] = ask(
                "Route (tv/ta/tp)", lambda t: self.checked("route", t.lower()), "tv"
            )
        if "funneling" not in self.values:
            self.values["funneling"] = yes_no("Funneling?", default=False)
            if self.values["funneling"]:
                for field, label in (
                    ("funnel_length_mm", "Funnel length mm, blank if not measured"),
                    ("funnel_width_mm", "Funnel width mm, blank if not measured"),
                    ("funnel_shape", "Funnel shape (T/Y/V/U), blank if not noted"),
                ):
                    if field not in self.values:
                        self.values[field] = ask(label, self.optional(field)) or None
        if "sludge" not in self.values:
            self.values["sludge"] = yes_no("Sludge?", default=False)
        if "symptoms" not in self.values:
            self.values["symptoms"] = ask(
                "Symptoms reported, blank for none (? lists them)", self.check_symptoms
            )

    def check_symptoms(self, text: str) -> tuple[Any, ...]:
        """Names from clinical-rules.md (domain.symptoms), separated by `,` or `;`."""
        from cervix_watch.domain.symptoms import Symptom

        if text == "?":  # the list is the answer to a question, not an error
            for symptom in Symptom:
                output.line(f"  {symptom.value:17} {symptom.description}")
            raise AskAgain
        value: tuple[Any, ...] = self.checked("symptoms", text.replace(",", ";"))
        return value

    def optional(self, field: str) -> Callable[[str], str]:
        def check(text: str) -> str:
            if text:
                self.checked(field, text.upper() if field == "funnel_shape" else text)
            return text.upper() if field == "funnel_shape" else text

        return check

    def ask_people(self, operator: str | None) -> str:
        """Operator (default $CERVIX_WATCH_OPERATOR or the login name) and note."""
        if operator is None:
            operator = ask("Operator", self.check_operator, context.who(None))
        if "notes" not in self.values:
            self.values["notes"] = ask("Note, blank for none", lambda t: self.checked("notes", t))
        self.values["operator"] = operator
        return operator

    def check_operator(self, text: str) -> str:
        name = context.who(text)
        self.checked("operator", name)
        return name

    def confirm(self) -> Scan:
        """The summary; saving only after a yes."""
        from cervix_watch.domain.models import Scan
        from cervix_watch.domain.problems import build

        scan = build(Scan, self.values)
        output.line(summary(scan, self.file.patient if self.file else None))
        if not yes_no("Save this scan?", default=True):
            raise InputError(Problem("scan", "not saved (declined at the summary)"))
        return scan


def summary(scan: Scan, patient: Patient | None) -> str:
    """What is about to be saved, one fact a line."""
    ga = f" (GA {format_ga(patient.ga_on(scan.date))})" if patient else ""
    funnel = "no"
    if scan.funneling:
        details = [
            f"length {scan.funnel_length_mm:.1f} mm" if scan.funnel_length_mm is not None else "",
            f"width {scan.funnel_width_mm:.1f} mm" if scan.funnel_width_mm is not None else "",
            f"shape {scan.funnel_shape.value}" if scan.funnel_shape else "",
        ]
        funnel = "yes" + "".join(f", {d}" for d in details if d)
    lines = [
        "Summary:",
        f"  Patient      {scan.mrn}",
        f"  Date         {scan.date}{ga}",
        f"  CL mm        {', '.join(f'{v:.1f}' for v in scan.cl_mm)} "
        f"(recorded {scan.recorded_cl_mm:.1f})",
        f"  Route        {scan.route.value}",
        f"  Funneling    {funnel}",
        f"  Sludge       {'yes' if scan.sludge else 'no'}",
        f"  Symptoms     {', '.join(s.value for s in scan.symptoms) or 'none reported'}",
        f"  Operator     {scan.operator}",
        f"  Note         {scan.notes or '-'}",
    ]
    return "\n".join(lines)


def _not_empty(field: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not text:
            raise InputError(Problem(field, "is required"))
        return text

    return check


def interactive_scan(
    state: context.State,
    mrn: str | None,
    given: dict[str, Any],
    operator: str | None,
    profile: Profile,
) -> tuple[Scan, str]:
    """Walk the sonographer through one scan; returns the confirmed scan and the operator."""
    entry = ScanEntry(state, given, profile)
    with interruptible():
        entry.choose_patient(mrn)
        entry.ask_date()
        entry.ask_measurements()
        entry.ask_findings()
        who = entry.ask_people(operator)
        return entry.confirm(), who


__all__ = ["MEASUREMENT_STANDARD", "interactive_scan", "summary"]
