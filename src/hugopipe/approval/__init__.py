"""The human step before production: what the approver reads, what the approval covers
(the plan hash), the second factor and the approvals log. Prefect-free."""
