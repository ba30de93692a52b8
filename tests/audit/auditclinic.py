"""A small fixed synthetic clinic for the audit tests, written through the Store.

The audit period is 2026-04-01 to 2026-06-30 (`TO` is the as-of date), under
acog-smfm: high risk = prior sPTB before 37+0, a painless loss, or a prior
cerclage. Each pregnancy is placed by her GA on `TO`; every event by its own
GA. The expected measures are worked out by hand in test_audit_measures.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from cervix_watch.domain.enums import (
    Action,
    CerclageKind,
    CloseOutcome,
    Outcome,
    PriorCerclage,
    Route,
    TreatmentType,
)
from cervix_watch.domain.ga import date_at_ga, parse_ga
from cervix_watch.domain.models import Closure, Discussion, Patient, Scan, Treatment
from cervix_watch.store.store import Store
from tests.conftest import TODAY

FROM = date(2026, 4, 1)
TO = date(2026, 6, 30)
WHO = "audit-test"
HIGH = {"prior_sptb_weeks": "30+0"}  # prior sPTB at 30+0: high risk (and before 34+0)


def edd_for(ga_on_to: str) -> date:
    """The EDD of a pregnancy at `ga_on_to` on TO."""
    return TO + timedelta(days=280 - parse_ga(ga_on_to))


class Clinic:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.edd: dict[str, date] = {}

    def patient(self, mrn: str, ga_on_to: str, **history: object) -> None:
        edd = self.edd[mrn] = edd_for(ga_on_to)
        self.store.add_patient(Patient.model_validate({"mrn": mrn, "edd": edd, **history}), WHO)

    def on(self, mrn: str, ga: str, plus_days: int = 0) -> date:
        return date_at_ga(self.edd[mrn], parse_ga(ga)) + timedelta(days=plus_days)

    def scan(self, mrn: str, ga: str, *cl: float, route: Route = Route.TV) -> None:
        scan = Scan(mrn=mrn, date=self.on(mrn, ga), route=route, cl_mm=cl)
        self.store.add_scan(scan, WHO, today=TODAY)

    def discuss(self, mrn: str, action: Action, ga: str, plus_days: int = 0) -> None:
        when = self.on(mrn, ga, plus_days)
        record = Discussion(mrn=mrn, action=action, date=when, outcome=Outcome.ACCEPTED)
        self.store.add_discussion(record, WHO, today=TODAY)

    def treat(
        self,
        mrn: str,
        kind_of: TreatmentType,
        ga: str,
        plus_days: int = 0,
        kind: CerclageKind | None = None,
    ) -> None:
        start = self.on(mrn, ga, plus_days)
        treatment = Treatment(mrn=mrn, type=kind_of, kind=kind, start=start)
        self.store.add_treatment(treatment, WHO, today=TODAY)

    def close(self, mrn: str, ga: str, outcome: CloseOutcome, record_ga: bool = True) -> None:
        closure = Closure(
            date=self.on(mrn, ga), outcome=outcome, ga_days=parse_ga(ga) if record_ga else None
        )
        self.store.close_patient(mrn, closure, WHO, None, today=TODAY)


def build_clinic(store: Store) -> Clinic:
    """Sixteen pregnancies; the comment on each says what the audit should make of her."""
    c = Clinic(store)
    # A1 high, 26+0 on TO: TV scan at 16+0 exactly (window start): screened
    c.patient("A1", "26+0", **HIGH)
    c.scan("A1", "16+0", 30.0)
    # A2 high, 30+0: TV scan at 24+0 exactly (window end, included), CL 25.0 (short:
    # at or below 25); cerclage discussion 14 days later (the last day that counts)
    c.patient("A2", "30+0", **HIGH)
    c.scan("A2", "24+0", 25.0)
    c.discuss("A2", Action.CERCLAGE_DISCUSSION, "24+0", plus_days=14)
    # A3 high, 30+0: TV scans at 15+6 and 24+1, both just outside the window
    c.patient("A3", "30+0", **HIGH)
    c.scan("A3", "15+6", 20.0)
    c.scan("A3", "24+1", 22.0)
    # A4 high, 28+0: a transabdominal scan in the window (not a TV screen), TV at 26+0
    c.patient("A4", "28+0", **HIGH)
    c.scan("A4", "20+0", 18.0, route=Route.TA)
    c.scan("A4", "26+0", 35.0)
    # A5 high, 23+6 on TO (has not reached 24+0): short at 20+0; a cerclage discussion the
    # day before the scan, a referral 3 days after (not an audit action), a progesterone
    # discussion and course 15 days after (one day too late)
    c.patient("A5", "23+6", **HIGH)
    c.scan("A5", "20+0", 24.0, 26.0, 25.5)
    c.discuss("A5", Action.CERCLAGE_DISCUSSION, "20+0", plus_days=-1)
    c.discuss("A5", Action.REFER_PTB_CLINIC, "20+0", plus_days=3)
    c.discuss("A5", Action.PROGESTERONE_DISCUSSION, "20+0", plus_days=15)
    c.treat("A5", TreatmentType.PROGESTERONE, "20+0", plus_days=15)
    # A6 low, 20+0: TV 40 mm at 18+0
    c.patient("A6", "20+0")
    c.scan("A6", "18+0", 40.0)
    # A7 low, 22+0: TV at 18+0 measured 26.0 and 25.1: recorded CL 25.1, not short
    c.patient("A7", "22+0")
    c.scan("A7", "18+0", 26.0, 25.1)
    # A8 low, 21+0: TV at 19+0 measured 27.0, 24.9, 26.0 (recorded 24.9: short); an
    # ultrasound-indicated cerclage the next day (a treatment counts as discussed)
    c.patient("A8", "21+0")
    c.scan("A8", "19+0", 27.0, 24.9, 26.0)
    c.treat("A8", TreatmentType.CERCLAGE, "19+0", plus_days=1, kind=CerclageKind.ULTRASOUND)
    # A9 high (painless loss), delivered at 33+6 in the period (GA recorded), after 24+0;
    # TV at 17+0; history-indicated cerclage at 13+0
    c.patient("A9", "35+0", painless_loss_count=1)
    c.treat("A9", TreatmentType.CERCLAGE, "13+0", kind=CerclageKind.HISTORY)
    c.scan("A9", "17+0", 32.0)
    c.close("A9", "33+6", CloseOutcome.DELIVERED)
    # A10 high (prior history cerclage), lost at 22+0 in the period: never reached 24+0
    c.patient("A10", "25+0", prior_cerclage=PriorCerclage.HISTORY)
    c.close("A10", "22+0", CloseOutcome.LOSS)
    # A11 low, delivered at 37+0 in the period, no GA recorded (from the date)
    c.patient("A11", "38+0")
    c.close("A11", "37+0", CloseOutcome.DELIVERED, record_ga=False)
    # A12 low, 15+6 on TO: EDD in range but never at 16+0 in the period: left out
    c.patient("A12", "15+6")
    # A13 low, would be 20+0 but lost at 14+0 (in the period): left out
    c.patient("A13", "20+0")
    c.close("A13", "14+0", CloseOutcome.LOSS)
    # A14 high, EDD the day before FROM, delivered before the period: not read at all
    c.patient("A14", "20+0", **HIGH)
    # edited as on its due date (an EDD is accepted only for GA 0+0..44+0 on the day given)
    due = FROM - timedelta(days=1)
    c.store.edit_patient("A14", {"edd": due}, "dating", WHO, today=due)
    c.edd["A14"] = FROM - timedelta(days=1)
    c.close("A14", "38+0", CloseOutcome.DELIVERED)
    # A15 high, transferred out at 30+0 in the period: TV at 22+0
    c.patient("A15", "32+0", **HIGH)
    c.scan("A15", "22+0", 28.0)
    c.close("A15", "30+0", CloseOutcome.TRANSFERRED)
    # A16 high (painless loss), exactly 24+0 on TO: reached 24+0, never scanned
    c.patient("A16", "24+0", painless_loss_count=1)
    return c
