"""The privileges an operation may require, and the roles seeded for every client."""

from __future__ import annotations

WEBSERVICES_INBOUND = "Webservices Inbound"
WEBSERVICES_OUTBOUND = "Webservices Outbound"
REVENUE_JOBS = "Revenue Jobs"
ADMINISTRATION = "Administration"
REVENUE_HOLDS = "Revenue Holds"  # apply and release holds (controls)
AUDIT_TRAIL = "Audit Trail"  # read the audit trail of control actions
REVENUE_APPROVALS = "Revenue Approvals"  # approve or reject contracts awaiting approval (controls)
MANUAL_RELEASE = "Manual Release"  # release a POB or line by hand (manual revenue actions)
SSP_OVERRIDE = "SSP Override"  # override a line's SSP (manual revenue actions)
ALLOCATION_OVERRIDE = "Allocation Override"  # override a contract's allocation (manual revenue actions)
MANUAL_JOURNAL_ENTRIES = "Manual Journal Entries"  # key, submit, list and reverse manual journal entries
APPROVE_MANUAL_JOURNAL_ENTRIES = "Approve Manual Journal Entries"  # approve or reject them

ALL_PRIVILEGES = (
    WEBSERVICES_INBOUND,
    WEBSERVICES_OUTBOUND,
    REVENUE_JOBS,
    ADMINISTRATION,
    REVENUE_HOLDS,
    AUDIT_TRAIL,
    REVENUE_APPROVALS,
    MANUAL_RELEASE,
    SSP_OVERRIDE,
    ALLOCATION_OVERRIDE,
    MANUAL_JOURNAL_ENTRIES,
    APPROVE_MANUAL_JOURNAL_ENTRIES,
)

API_ROLE = "API Role"
ADMIN_ROLE = "Administrator"

SEEDED_ROLES: dict[str, tuple[str, ...]] = {
    API_ROLE: (WEBSERVICES_INBOUND, WEBSERVICES_OUTBOUND, REVENUE_JOBS),
    ADMIN_ROLE: (
        ADMINISTRATION,
        REVENUE_HOLDS,
        AUDIT_TRAIL,
        REVENUE_APPROVALS,
        MANUAL_RELEASE,
        SSP_OVERRIDE,
        ALLOCATION_OVERRIDE,
        MANUAL_JOURNAL_ENTRIES,
        APPROVE_MANUAL_JOURNAL_ENTRIES,
    ),
}
