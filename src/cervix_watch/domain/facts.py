"""What a `Patient` field says about itself: its `Fact`, the metadata on the field.

Each detail of a patient that a user gives is declared once, as its field of the model
in domain/models.py, with a `Fact` in its `Annotated` type:

    uterine_anomaly: Annotated[
        Bool, Fact("A uterine (Müllerian) anomaly.", words="uterine anomaly", group="history")
    ] = False

domain/history.py reads them off the model (`PATIENT_FACTS`). This module holds no
pydantic, so that what only needs the shape of a fact stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
