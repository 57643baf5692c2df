"""The human step before production: what the approver reads and what their approval covers."""
