"""The quarterly preterm-clinic audit (audit.md): measures computed with pandas.

Public surface: `clinic_audit`, `edd_range`, `last_full_quarter`, `ClinicAudit`, `Count`, `Median`.
"""

from cervix_watch.audit.measures import clinic_audit, edd_range
from cervix_watch.audit.period import last_full_quarter
from cervix_watch.audit.result import ClinicAudit, Count, Median

__all__ = ["ClinicAudit", "Count", "Median", "clinic_audit", "edd_range", "last_full_quarter"]
