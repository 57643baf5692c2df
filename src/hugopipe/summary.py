"""The Markdown a human reads before approving production, and the run's result summary.

Pure functions over the stage reports, so the approval form, the Prefect
artifact and the result file all say the same thing and can be tested.
"""

from __future__ import annotations

from typing import Any

from hugopipe.build import BuildReport


def approval_markdown(
    env: str,
    build: BuildReport,
    plan_md: str,
    warnings: list[Any],
    staging_url: str | None = None,
    plain_words: str = "",
    context: dict[str, Any] | None = None,
    *,
    review: str = "",
) -> str:
    """``review``: the second-pass review's warnings (``hugopipe.llm.review``), Markdown."""
    lines = [
        f"## ⚠️ Publish to **{env}** (customer-facing)",
        "",
    ]
    if context:  # a task file's context: who asked for this, and why
        lines += [f"Requested: {context['user_request']}"] if context.get("user_request") else []
        lines += [
            f"- {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in context.items()
            if k != "user_request"
        ]
        lines.append("")
    lines += [
        f"Build: {build.pages} pages, {build.files} files, content hash `{build.content_hash[:12]}`, Hugo `{build.hugo_version.split('-')[0]}`.",
    ]
    if staging_url:
        lines.append(f"Staging preview: {staging_url}")
    if plain_words:
        lines += ["", plain_words.strip()]
    if review:
        lines += ["", review.strip()]
    lines += ["", plan_md.strip(), ""]
    if warnings:
        lines += [f"**Validation warnings ({len(warnings)})**", ""]
        for f in warnings[:15]:
            where = f"{f.file}:{f.line}" if getattr(f, "line", None) else getattr(f, "file", "")
            lines.append(f"- [{f.rule}] {where} {f.message}")
        if len(warnings) > 15:
            lines.append(f"- … and {len(warnings) - 15} more (see the findings artifact)")
        lines.append("")
    lines += _confirm("publish exactly this plan")
    return "\n".join(lines)


def _confirm(action: str) -> list[str]:
    return [
        "---",
        f"Type **DEPLOY TO PRODUCTION** below and press Resume to {action}.",
        "To reject, close this dialog and cancel the run.",
    ]


def rollback_approval_markdown(env: str, plan_md: str) -> str:
    """The form for rolling production back: the same typed phrase, over the rollback plan."""
    return "\n".join(
        [
            f"## ⚠️ Roll back **{env}** (customer-facing)",
            "",
            "Approving restores the earlier release below, object by object, from S3 versions.",
            "",
            plan_md.strip(),
            "",
            *_confirm("roll back exactly as planned above"),
        ]
    )


def result_summary(title: str, stages: dict[str, str], next_step: str) -> str:
    lines = [f"## {title}", ""]
    lines += [f"- **{name}**: {text}" for name, text in stages.items()]
    lines += ["", "## Next Steps", next_step]
    return "\n".join(lines)
