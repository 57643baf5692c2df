"""The fields of every ``--json`` output, written out, so a refactor cannot drop one.

Claude Code parses these documents; a renamed or missing key breaks it silently. Each
set below is the exact key set of a real output (or, where a real run is too costly,
of the model the command renders). Adding a field is a deliberate edit here too.
"""

from __future__ import annotations

from typing import Any

#: ``run`` and ``status`` (``RunOutcome``)
RUN_OUTCOME = {
    "flow_run_id",
    "flow_run_name",
    "deployment",
    "parameters",
    "state_type",
    "state_name",
    "state_message",
    "ui_url",
    "waiting_for_approval",
    "site_name",  # issue 21: the run's site (its site:NAME tag, else its site parameter)
    "start_time",
    "end_time",
    "duration_seconds",
    "how_to_answer",  # how a person answers a waiting run's question (run_control.how_to_answer)
}
#: one row of ``runs``
RUNS_ROW = {
    "id",
    "name",
    "flow",
    "env",
    "site_name",
    "state",
    "state_type",
    "start",
    "duration_s",
    "ui_url",
}
#: one line of ``logs``
LOGS_ROW = {"timestamp", "level", "task", "message"}
#: ``retries``
RETRIES = {
    "flow_run_id",
    "flow_run_name",
    "state",
    "state_type",
    "state_message",
    "failure_class",
    "next_step",
    "ui_url",
    "tasks",
}
RETRIES_TASK = {
    "task_run_id",
    "task_name",
    "final_state",
    "run_count",
    "retries",
    "retry_delays_seconds",
    "attempts",
}
RETRIES_ATTEMPT = {
    "number",
    "state",
    "outcome",
    "started_at",
    "ended_at",
    "duration_seconds",
    "error",
    "failure_class",
    "next_step",
    "explanation",
    "retry_delay_seconds",
    "waited_seconds",
}
#: a result file (``ResultFile``), in ``result`` and ``submit``
RESULT_FILE = {
    "task_id",
    "task_type",
    "status",
    "environment",
    "site",  # issue 21: the site's name
    "started_at",
    "completed_at",
    "duration_seconds",
    "worker_id",
    "flow_run_id",
    "flow_run_url",
    "failure_class",
    "next_step",
    "context",
    "task_file",
    "outputs",
    "expected_outputs",
    "expectations_passed",
    "failure_explanation",
    "review",
    "logs",
    "summary",
}
#: ``result`` (``expected_outputs`` only with ``--task-file``)
RESULT = {"path", "assembled", "result"}
OUTPUT_CHECK = {"name", "expected", "actual", "passed", "reason"}
#: ``approve``: resumed, or refused
APPROVED = {"flow_run_id", "approved", "ui_url"}
APPROVE_REFUSED = {"flow_run_id", "approved", "refused", "reasons", "ui_url"}
DECIDED = {"flow_run_id", "decided", "ui_url"}
#: ``reject`` and ``cancel``
REJECTED = {"flow_run_id", "rejected", "message", "ui_url"}
CANCELLED = {"flow_run_id", "cancelled", "message", "ui_url"}
#: ``submit``: a valid file (``result`` once a result exists), and a malformed one
SUBMIT = {
    "valid",
    "task_id",
    "task_type",
    "environment",
    "site_name",  # issue 21
    "notices",
    "started",
    "flow_run_id",
    "ui_url",
    "state",
    "result_path",
    "expected_outputs",
    "passed",
    "task_file",
    "waiting_for",
}
SUBMIT_RESULT = RESULT_FILE - {"summary", "logs"}
SUBMIT_INVALID = {"valid", "started", "flow_run_id", "problems"}
PROBLEM = {"field", "line", "message", "fix"}
#: ``doctor``
DOCTOR = {"ok", "checks"}
DOCTOR_CHECK = {"name", "ok", "detail", "fix", "essential"}
#: ``validate`` (``ValidationReport``)
VALIDATE = {
    "env",
    "production",
    "site_dir",
    "site_name",  # issue 21: null for --public without a site
    "public_dir",
    "base_url",
    "base_url_from",
    "notices",
    "suppressed",
    "checked",
    "duration_s",
    "findings",
}
FINDING = {
    "rule",
    "severity",
    "file",
    "line",
    "url",
    "message",
    "hint",
    "accepted",
    "accepted_reason",
    "source",
    "template",
}
#: ``plan``
PLAN = {"environment", "production", "site", "site_name", "public_dir", "plan"}
#: the deploy plan in ``plan`` and ``deploy`` (``DeployPlan.to_summary()``)
DEPLOY_PLAN = {
    "target",
    "environment",
    "bucket",
    "prefix",
    "release_id",
    "base_release_id",
    "base_manifest_etag",
    "build_hash",
    "git_commit",
    "cloudfront_distribution_id",
    "uploads",
    "deletes",
    "unchanged",
    "skipped_local",
    "pending_keys",
    "drift",
    "invalidation_paths",
    "max_deletes",
    "allow_deletes",  # issue 19
    "endpoint",  # issue 16: the bucket's identity (plan hash) and the pages' URLs
    "base_url",
    "source_hash",  # issue 16: staging-match in the approval form
    "production_bucket",  # issue 16: production is a bucket, not a name
    "blocked",
    "held_deletes",  # issue 19
    "remote_source",
    "summary",
    "redirects",  # issue 18: the plain rules of _redirects, applied or not
}
PLAN_SUMMARY = {
    "uploads",
    "uploads_by_reason",
    "pages_added",
    "pages_changed",
    "pages_deleted",
    "files_added",
    "files_changed",
    "files_deleted",
    "deletes",
    "unchanged",
    "upload_bytes",
    "local_files",
    "invalidation_paths",
    "redirects",  # issue 18
    "redirects_not_applied",  # issue 18
    "redirect_uploads",  # issue 18
}
#: ``deploy`` and ``rollback`` (``report`` is null when a deploy plan is blocked)
DEPLOY = {"plan", "report", "site_name"}
APPLY_REPORT = {
    "target",
    "bucket",
    "status",
    "release_id",
    "uploaded",
    "upload_bytes",
    "deleted",
    "skipped_uploads",
    "skipped_deletes",
    "invalidation_id",
    "invalidation_paths",
    "invalidation_status",
    "errors",
    "duration_s",
}
OBJECT_ERROR = {"key", "operation", "code", "message", "transient"}
#: ``rollback`` (its plan without the manifest it restores) and ``rollback --list``
ROLLBACK_PLAN = {
    "target",
    "bucket",
    "prefix",
    "endpoint",
    "production_bucket",
    "current_release_id",
    "current_manifest_etag",
    "to_release_id",
    "new_release_id",
    "restores",
    "deletes",
    "unchanged",
    "invalidation_paths",
    "cloudfront_distribution_id",
}
RELEASE = {"release_id", "last_modified"}


def keys(data: Any) -> set[str]:
    assert isinstance(data, dict), f"expected a JSON object, got {type(data).__name__}: {data!r}"
    return set(data)
