"""Controls: holds, approvals, manual journal entries, manual revenue actions, and their audit trail."""
