"""Nightly maintenance, Prefect-free: what the ``nightly-maintenance`` flow's tasks call.

``sweep`` (stale runs, expired approvals, task files whose run vanished, the
archive of old results and tasks), ``health`` (HTTP status, timing, redirects and
TLS days left of each environment's URLs) and ``report`` (the one Markdown
artifact and result file the night leaves).
"""
