"""The five CSV kinds of contract.md: columns in order, required columns, cell types.

One `CsvKind` per `domain.kinds.RecordKind` (the one list of kinds), in its order.

Each column names the model field it fills and how its cell is spelled. Scans
are the one kind whose columns are not fields one to one: `cl1_mm..cl3_mm`
fill the tuple `Scan.cl_mm`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cervix_watch.domain.history import PATIENT_FACTS, CellType
from cervix_watch.domain.kinds import RecordKind
from cervix_watch.domain.models import Discussion, Exam, Patient, Record, Scan, Treatment
from cervix_watch.interop.cells import FORMATTERS

M = TypeVar("M", bound=Record)

KindName = RecordKind  # the name of a CSV kind is its record kind

CL_COLUMNS = ("cl1_mm", "cl2_mm", "cl3_mm")


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its name, how its cell is spelled, the model field behind it."""

    name: str
    type: CellType
    attr: str = ""  # model field, when it differs from the column name
    index: int | None = None  # position in a tuple field (cl1_mm is cl_mm[0])

    @property
    def field(self) -> str:
        return self.attr or self.name

    def getter(self) -> Callable[[Any], str]:
        """A function from a model to this column's exported cell."""
        fmt, attr, index = FORMATTERS[self.type], self.field, self.index
        if index is None:
            return lambda model: fmt(getattr(model, attr))

        def cell(model: Any) -> str:
            values = getattr(model, attr)
            return fmt(values[index]) if index < len(values) else ""

        return cell


@dataclass(frozen=True, slots=True)
class CsvKind(Generic[M]):
    """One CSV file format: which model it holds and its columns in contract order."""

    name: KindName
    model: type[M]
    columns: tuple[Column, ...]
    required: tuple[str, ...]
    # at least one of these must be in the header (patients: edd or lmp)
    required_any: tuple[str, ...] = ()
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def text_columns(self) -> frozenset[str]:
        """Free-text columns: the only ones spreadsheet safety applies to."""
        return frozenset(c.name for c in self.columns if c.type == "text")


def _cols(spec: str) -> tuple[Column, ...]:
    """`"mrn:text date:date"` -> columns, to keep the tables below one line per column."""
    columns = []
    for item in spec.split():
        name, kind = item.split(":")
        if name in CL_COLUMNS:
            columns.append(Column(name, "float", attr="cl_mm", index=CL_COLUMNS.index(name)))
        else:
            columns.append(Column(name, kind))  # type: ignore[arg-type]
    return tuple(columns)


# patients.csv: who and when first, then every other Patient fact (domain/history.py) in its
# order, with its cell type from there, then the notes.
_PATIENT_FIRST = ("name", "edd", "lmp", "dating")
PATIENTS = CsvKind(
    RecordKind.PATIENTS,
    Patient,
    (
        Column("mrn", "text"),
        *(Column(name, PATIENT_FACTS[name].csv) for name in _PATIENT_FIRST),
        *(Column(name, f.csv) for name, f in PATIENT_FACTS.items() if name not in _PATIENT_FIRST),
        Column("notes", "text"),
    ),
    required=("mrn",),
    required_any=("edd", "lmp"),
)
SCANS = CsvKind(
    RecordKind.SCANS,
    Scan,
    _cols(
        "scan_id:int mrn:text date:date route:enum cl1_mm:float cl2_mm:float cl3_mm:float"
        " funneling:bool funnel_length_mm:float funnel_width_mm:float funnel_shape:enum"
        " sludge:bool symptoms:symptoms operator:text source:text notes:text"
    ),
    required=("mrn", "date", "cl1_mm"),
)
EXAMS = CsvKind(
    RecordKind.EXAMS,
    Exam,
    _cols(
        "exam_id:int mrn:text date:date dilation_cm:float membranes_visible:bool"
        " membranes_ruptured:bool"
        " contractions:bool bleeding:bool infection_signs:bool symptoms:symptoms notes:text"
    ),
    required=("mrn", "date"),
)
TREATMENTS = CsvKind(
    RecordKind.TREATMENTS,
    Treatment,
    _cols("mrn:text type:enum kind:enum start:date end:date notes:text"),
    required=("mrn", "type", "start"),
)
DISCUSSIONS = CsvKind(
    RecordKind.DISCUSSIONS,
    Discussion,
    _cols("mrn:text action:enum date:date outcome:enum notes:text"),
    required=("mrn", "action", "date", "outcome"),
)

# keyed by RecordKind, whose values are the names (`KINDS["scans"]` works); in its order
KINDS: dict[str, CsvKind[Any]] = {
    kind.name: kind for kind in (PATIENTS, SCANS, EXAMS, TREATMENTS, DISCUSSIONS)
}


def kind_named(name: str) -> CsvKind[Any]:
    """The CsvKind for `patients`, `scans`, ...; KeyError names the known kinds."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown CSV kind {name!r}: use one of {', '.join(KINDS)}") from None
