"""The Markdown a human reads before approving a production rollback, and the run's result summary.

The publish approval form is ``hugopipe.approval.form``.

Pure functions over the stage reports, so the approval form, the Prefect
artifact and the result file all say the same thing and can be tested.
"""

from __future__ import annotations


def _confirm(action: str) -> list[str]:
    return [
        "---",
        f"Type **DEPLOY TO PRODUCTION** below and press Resume to {action}.",
        "To reject, close this dialog and cancel the run.",
    ]


def rollback_approval_markdown(env: str, plan_md: str, plan_hash: str | None = None) -> str:
    """The form for rolling production back: the same typed phrase, over the rollback plan
    and its hash (what the approval covers: ``hugopipe.deploy.binding.rollback_plan_hash``)."""
    covers = (
        [f"Your approval covers rollback plan `{plan_hash[:12]}`: if the bucket changes "
         "before it is applied, nothing is written.", ""]
        if plan_hash
        else []
    )  # fmt: skip
    return "\n".join(
        [
            f"## ⚠️ Roll back **{env}** (customer-facing)",
            "",
            "Approving restores the earlier release below, object by object, from S3 versions.",
            "",
            plan_md.strip(),
            "",
            *covers,
            *_confirm("roll back exactly as planned above"),
        ]
    )


def result_summary(title: str, stages: dict[str, str], next_step: str) -> str:
    lines = [f"## {title}", ""]
    lines += [f"- **{name}**: {text}" for name, text in stages.items()]
    lines += ["", "## Next Steps", next_step]
    return "\n".join(lines)
