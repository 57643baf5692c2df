"""The production approval's Prefect-free parts: the second factor and the approvals log."""
