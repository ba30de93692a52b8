"""Import and export: CSV now (later FHIR, DICOM SR), built on the same domain models as the CLI.

Pure parsing, validation and formatting; the store owns transactions and the
checks that need stored data.
"""

from cervix_watch.interop.csvio import (
    CHUNK_ROWS,
    MAX_FIELD_CHARS,
    MAX_LINE_BYTES,
    read_file,
    read_rows,
    read_stream,
    write_csv,
)
from cervix_watch.interop.kinds import (
    DISCUSSIONS,
    EXAMS,
    KINDS,
    PATIENTS,
    SCANS,
    TREATMENTS,
    Column,
    CsvKind,
    KindName,
    kind_named,
)
from cervix_watch.interop.validate import ParsedRow

__all__ = [
    "CHUNK_ROWS",
    "DISCUSSIONS",
    "EXAMS",
    "KINDS",
    "MAX_FIELD_CHARS",
    "MAX_LINE_BYTES",
    "PATIENTS",
    "SCANS",
    "TREATMENTS",
    "Column",
    "CsvKind",
    "KindName",
    "ParsedRow",
    "kind_named",
    "read_file",
    "read_rows",
    "read_stream",
    "write_csv",
]
