"""Schema as SQLAlchemy Core tables. Columns mirror the domain records one to one.

Nothing is ever deleted: scans and exams carry `voided_at`/`void_reason`, patients carry
their closure, and every change writes a row to `audit`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cervix_watch.domain.history import PATIENT_FACTS
from cervix_watch.domain.models import MAX_MRN, MAX_OPERATOR

# Column lengths come from the domain's limits (what validation lets through must fit).
# Names (up to MAX_NAME, 10,000 characters) and free text are TEXT: no length to drift.
metadata = sa.MetaData()

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# The migrations applied to this database, by name (`migrations`); not a data table.
schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
)

patients = sa.Table(
    "patients",
    metadata,
    sa.Column("patient_id", sa.Integer, primary_key=True),
    sa.Column("mrn", sa.String(MAX_MRN), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("edd", sa.Date, nullable=False),
    sa.Column("lmp", sa.Date),
    sa.Column("fetuses", sa.Integer, nullable=False),
    sa.Column("prior_sptb_weeks", sa.Integer),  # GA in days
    sa.Column("prior_sptb_count", sa.Integer),
    sa.Column("prior_pprom_weeks", sa.Integer),  # GA in days
    sa.Column("painless_loss_count", sa.Integer, nullable=False),
    sa.Column("prior_cerclage", sa.String(16), nullable=False),
    sa.Column("cervical_excision", sa.String(16), nullable=False),
    sa.Column("uterine_anomaly", sa.Boolean, nullable=False),
    sa.Column("intrauterine_adhesions", sa.Boolean, nullable=False),
    sa.Column("caesarean_full_dilatation", sa.Boolean, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("closed_date", sa.Date),
    sa.Column("close_outcome", sa.String(16)),
    sa.Column("close_ga_days", sa.Integer),
    # schema version 2 (the migration `v2_fields` adds them to a v1 database, with these defaults)
    sa.Column("dating", sa.String(16)),  # ultrasound, ivf, lmp; NULL = not recorded
    sa.Column("des_exposure", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("connective_tissue_disorder", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("cervical_dilation_procedures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cervical_tear", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("smoker", sa.Boolean, nullable=False, server_default=sa.false()),
)


def _fact_column(name: str, cell: str) -> sa.Column[Any]:
    """The column of a yes/no or count detail: NOT NULL, `no` or 0 for every stored row."""
    if cell == "bool":
        return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.false())
    if cell == "int":
        return sa.Column(name, sa.Integer, nullable=False, server_default="0")
    raise ValueError(f"patients.{name}: spell out a {cell} column above")


# A Patient fact (domain/history.py) not spelled out above gets its column here, after
# the others (where ALTER TABLE puts it in an older database too): its migration adds it
# with `migrations.added_columns("name", tables.patients, "name")`.
for _name, _fact in PATIENT_FACTS.items():
    if _name not in patients.c:
        patients.append_column(_fact_column(_name, _fact.csv))

scans = sa.Table(
    "scans",
    metadata,
    sa.Column("scan_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("route", sa.String(2), nullable=False),
    sa.Column("cl1_mm", sa.Float, nullable=False),
    sa.Column("cl2_mm", sa.Float),
    sa.Column("cl3_mm", sa.Float),
    sa.Column("funneling", sa.Boolean, nullable=False),
    sa.Column("funnel_length_mm", sa.Float),
    sa.Column("funnel_width_mm", sa.Float),
    sa.Column("funnel_shape", sa.String(1)),
    sa.Column("sludge", sa.Boolean, nullable=False),
    sa.Column("operator", sa.String(MAX_OPERATOR), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("voided_at", sa.DateTime),
    sa.Column("void_reason", sa.Text),
    # schema version 2
    sa.Column("symptoms", sa.Text, nullable=False, server_default=""),  # names joined by ";"
    sa.Column("source", sa.String(100), nullable=False, server_default=""),  # dicom-sr:<UID>
)

exams = sa.Table(
    "exams",
    metadata,
    sa.Column("exam_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("dilation_cm", sa.Float),
    sa.Column("membranes_visible", sa.Boolean, nullable=False),
    sa.Column("contractions", sa.Boolean, nullable=False),
    sa.Column("bleeding", sa.Boolean, nullable=False),
    sa.Column("infection_signs", sa.Boolean, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    # schema version 2
    sa.Column("membranes_ruptured", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("symptoms", sa.Text, nullable=False, server_default=""),
    # `exam void` (contract v3; the migration `exam_voids` adds them): a voided exam never counts
    sa.Column("voided_at", sa.DateTime),
    sa.Column("void_reason", sa.Text),
)

treatments = sa.Table(
    "treatments",
    metadata,
    sa.Column("treatment_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), nullable=False, index=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16)),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date),
    sa.Column("notes", sa.Text, nullable=False),
)

discussions = sa.Table(
    "discussions",
    metadata,
    sa.Column("discussion_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("who", sa.String(MAX_OPERATOR), nullable=False),
    sa.Column(
        "action", sa.String(40), nullable=False
    ),  # add, edit, amend, void, close, end, import
    sa.Column(
        "entity", sa.String(20), nullable=False
    ),  # patient, scan, exam, treatment, discussion
    sa.Column("entity_id", sa.Integer),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), index=True),
    sa.Column("reason", sa.Text),
    sa.Column("changes", sa.Text, nullable=False),  # JSON: {"field": [old, new]} or the new record
    # schema version 5: SHA-256 over this row and the previous row's hash (store.chain)
    sa.Column("row_hash", sa.String(64)),
)

# The scanner-report inbox (interop.md version 3, "Nothing received is lost"): reports a
# person must resolve, one row per SOP Instance UID while open, never deleted; the received
# bytes of each version are kept in `inbox_versions` (at most store.inbox.MAX_HELD_BYTES).
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("inbox_id", sa.Integer, primary_key=True),
    sa.Column("received_at", sa.DateTime, nullable=False),  # first received
    sa.Column("calling_ae", sa.String(64), nullable=False),  # or "file import"
    sa.Column("sop_instance_uid", sa.String(100), nullable=False, index=True),
    sa.Column("study_instance_uid", sa.String(100), nullable=False, server_default=""),
    sa.Column("study_date", sa.Date),
    sa.Column("patient_id", sa.Text, nullable=False),  # as received: shown only by `inbox show`
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # held, filed, rejected
    sa.Column("receipts", sa.Integer, nullable=False),  # how many times it was received
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("resolved_by", sa.String(MAX_OPERATOR)),
    sa.Column("resolution", sa.Text),  # the reason given to `inbox reject`
    sa.Column("scan_id", sa.ForeignKey("scans.scan_id")),  # the scan it was filed as
    # the scanner settings it was read with (a listed calling AE, `import sr --hold
    # --scanner NAME`), so `inbox file` reads it with them again; NULL: none. Added by the
    # migration `inbox_scanner`.
    sa.Column("scanner", sa.String(64)),
)

inbox_versions = sa.Table(
    "inbox_versions",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("inbox_id", sa.ForeignKey("inbox.inbox_id"), nullable=False, index=True),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("calling_ae", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# Ignored reports (not OB-GYN, or no cervix container at all): a receipt, no patient data,
# deleted after `receipt_days` (the one deletion the spec asks for).
inbox_receipts = sa.Table(
    "inbox_receipts",
    metadata,
    sa.Column("receipt_id", sa.Integer, primary_key=True),
    sa.Column("received_at", sa.DateTime, nullable=False, index=True),
    sa.Column("calling_ae", sa.String(64), nullable=False),
    sa.Column("sop_instance_uid", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("unmapped", sa.Text, nullable=False),  # JSON [[scheme, code, unit], ...]
)

# Modality Worklist steps (interop.md): each issued once and never recomputed, so every
# Study Instance UID handed to a scanner keeps resolving to its patient. The step's SPS ID
# and Requested Procedure ID are `CW<step_id>`. Added by the migration `worklist_steps`.
worklist_steps = sa.Table(
    "worklist_steps",
    metadata,
    sa.Column("step_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.ForeignKey("patients.patient_id"), nullable=False, index=True),
    # the next-scan due date it was issued for; NULL: asked for by MRN while none was due
    sa.Column("due_on", sa.Date),
    sa.Column("study_uid", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", sa.DateTime, nullable=False),
)

# The review reads active pregnancies only: EDD after a date (GA below 37+0 on the review
# date) is the selective test, since years of finished pregnancies have their EDD in the past.
# Added to older databases by the migration `active_index`.
patients_edd_index = sa.Index("ix_patients_edd", patients.c.edd)

# The tables whose records are voided rather than deleted: their reads leave voided rows out.
VOIDABLE = (scans, exams)

# Tables in the order a copy or a count should visit them (parents first).
DATA_TABLES = (
    settings,
    patients,
    scans,
    exams,
    treatments,
    discussions,
    audit,
    inbox,
    inbox_versions,
    inbox_receipts,
    worklist_steps,
)
INBOX_TABLES = (inbox, inbox_versions, inbox_receipts)
