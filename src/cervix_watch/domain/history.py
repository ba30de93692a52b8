"""A patient's details, each declared once: how it is given, spelled in a CSV file and said.

`PATIENT_FACTS` has a `Fact` per `Patient` field a user gives (all but the MRN and the
notes), keyed by the field's name:

    "uterine_anomaly": Fact("A uterine (Müllerian) anomaly.", words="uterine anomaly",
                            group="history"),

From it come the `patient add`/`patient edit` options and their help (in this order),
the patients.csv columns and how their cells are spelled, the table column of a yes/no
or count field that `store/tables.py` does not spell out, the words in every report,
and, for a yes/no `history` fact, the key a profile's `history` criteria may test. The
table holds no pydantic, so `--help` stays light. A new yes/no history field is the
`Patient` field, its entry here, a migration (store/migrations.py) and the profile TOML
that uses it; docs/developing.md says more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cervix_watch.domain.ga import PREGNANCY_DAYS

# How a CSV cell of the field is spelled (interop/cells.py reads and writes each).
CellType = Literal["text", "date", "bool", "float", "int", "ga", "enum", "symptoms"]
# Where the words go: the obstetric history (and the rules' history criteria), or the
# other risk factors that no risk category uses (shown only), or nowhere but the record.
Group = Literal["", "history", "other"]


@dataclass(frozen=True)
class Fact:
    """How a Patient field is given, stored and said."""

    help: str  # the option's help in `patient add` and `patient edit`
    csv: CellType = "bool"
    words: str = ""  # how reports and rule messages say it: "uterine anomaly"
    group: Group = ""

    @property
    def criterion(self) -> bool:
        """A yes/no fact of the history: a profile's `history` criteria may test it."""
        return self.group == "history" and self.csv == "bool"

    def phrase(self, value: Any) -> str | None:
        """The words for a patient's value: the words when yes, "2 <words>s" for a count."""
        if not value:
            return None
        if self.csv == "int":
            return f"{value} {self.words}{'s' if value != 1 else ''}"
        return self.words


PATIENT_FACTS: dict[str, Fact] = {
    "edd": Fact("Estimated due date, YYYY-MM-DD.", "date"),
    "lmp": Fact(f"Last menstrual period, YYYY-MM-DD (EDD = LMP + {PREGNANCY_DAYS} d).", "date"),
    "name": Fact("Patient name.", "text"),
    "fetuses": Fact("Number of fetuses, 1-6.", "int"),
    "prior_sptb_weeks": Fact(
        "GA of the earliest previous spontaneous preterm birth or mid-trimester loss "
        "(16+0 to 36+6), e.g. 26+3.",
        "ga",
    ),
    "prior_sptb_count": Fact("Number of previous sPTBs and mid-trimester losses.", "int"),
    "prior_pprom_weeks": Fact("GA of the earliest previous PPROM.", "ga"),
    "painless_loss_count": Fact(
        "Previous second-trimester losses from painless cervical dilation.", "int"
    ),
    "prior_cerclage": Fact(
        "Cerclage in an earlier pregnancy: no, history, ultrasound, exam.", "enum"
    ),
    "cervical_excision": Fact(
        "none, lletz, lletz_deep (>10 mm), lletz_multiple, cone, trachelectomy.", "enum"
    ),
    "uterine_anomaly": Fact(
        "A uterine (Müllerian) anomaly.", words="uterine anomaly", group="history"
    ),
    "intrauterine_adhesions": Fact(
        "Intrauterine adhesions (Asherman syndrome).",
        words="intrauterine adhesions",
        group="history",
    ),
    "caesarean_full_dilatation": Fact(
        "A previous caesarean section at full dilatation.",
        words="caesarean at full dilatation",
        group="history",
    ),
    "dating": Fact(
        "How the EDD was set: ultrasound, ivf or lmp (the LMP alone); '' = not recorded.", "enum"
    ),
    # The other risk factors (clinical-rules.md): recorded and shown; no risk category uses them.
    "des_exposure": Fact("Exposed to DES in utero.", words="DES exposure in utero", group="other"),
    "connective_tissue_disorder": Fact(
        "A collagen disorder such as Ehlers-Danlos syndrome.",
        words="connective-tissue (collagen) disorder",
        group="other",
    ),
    "cervical_dilation_procedures": Fact(
        "Previous surgical dilations of the cervix (D&C, surgical termination): a count.",
        "int",
        words="surgical cervical dilation",
        group="other",
    ),
    "cervical_tear": Fact(
        "A cervical tear in a prior labour.", words="cervical tear in a prior labour", group="other"
    ),
    "smoker": Fact("Smokes in pregnancy.", words="smoker", group="other"),
}


def grouped(group: Group) -> dict[str, Fact]:
    """The facts of one group ("history", "other"), in their order."""
    return {name: fact for name, fact in PATIENT_FACTS.items() if fact.group == group}


def criteria() -> dict[str, Fact]:
    """The yes/no history facts a profile's `history` criteria may test."""
    return {name: fact for name, fact in PATIENT_FACTS.items() if fact.criterion}
