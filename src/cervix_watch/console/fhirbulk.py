"""`export fhir --ndjson DIR`: the clinic as FHIR Bulk Data, streamed patient by patient.

The store hands over a batch of patients at a time (`Store.patients_streamed`); each
patient's resources are built, checked by fhir.resources and written before the next
one's are built, so memory holds one batch of records and one patient's resources,
never the clinic (issue 25). Each distinct resource layout is checked by fhir.resources
once (`interop.fhirlines`, issue 25.4). The files and their manifest: `console.bulkfiles`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cervix_watch.console import output, progress
from cervix_watch.console.bulkfiles import bulk_files
from cervix_watch.domain.filenames import shown
from cervix_watch.domain.words import counted

if TYPE_CHECKING:
    from cervix_watch.app.database import Store


def export_ndjson(store: Store, folder: Path, mrns: list[str] | None, mrn_system: str) -> None:
    """Every patient (or these, each checked to exist first) into `folder`, in MRN order;
    `mrn_system`: the identifier system of the MRNs (the settings' `[fhir] mrn_system`)."""
    from cervix_watch.interop.fhir import BULK_TYPES, bulk_manifest, ndjson_stream
    from cervix_watch.interop.fhirlines import LayoutChecked

    wanted = [store.get_patient(mrn)[0].mrn for mrn in mrns] if mrns else None
    # Bulk Data's transactionTime: the data is read from this moment's snapshot on
    transaction_time = datetime.now(UTC).replace(microsecond=0)
    lines = LayoutChecked()  # each distinct resource layout checked by fhir.resources once
    total = len(wanted) if wanted is not None else lambda: store.counts()["patients"]
    with bulk_files(folder, BULK_TYPES) as files, progress.bar("Exporting FHIR", total) as advance:
        for resources in ndjson_stream(
            progress.each(store.patients_streamed(wanted), advance),
            mrn_system=mrn_system,
            lines=lines,
        ):
            for kind, written in resources.items():
                files.write(kind, written)
        request = " ".join(["cervix-watch export fhir --ndjson", *(wanted or [])])
        files.finish(bulk_manifest(transaction_time, request, files.counts))
    patients, observations = files.counts["Patient"], files.counts["Observation"]
    output.note(
        f"Wrote FHIR Bulk Data of {counted(patients, 'patient')}, "
        f"{counted(observations, 'observation')} to {shown(folder)}."
    )


__all__ = ["export_ndjson"]
