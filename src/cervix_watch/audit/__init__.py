"""The quarterly preterm-clinic audit (audit.md): measures computed with pandas.

Public surface: `clinic_audit`, `edd_range`, `ClinicAudit`, `Count`, `Median`.
"""

from cervix_watch.audit.measures import clinic_audit, edd_range
from cervix_watch.audit.result import ClinicAudit, Count, Median

__all__ = ["ClinicAudit", "Count", "Median", "clinic_audit", "edd_range"]
