"""Content tasks: create or edit one page from front matter and a body, validated like ``validate``.

So a Claude session on a phone can delegate a page ("add a post about X") and get
back a file that already passed the front matter rules. The page is written with
python-frontmatter, then the site's source rules run (``validate_source``, the same
rules and ``[validate]`` settings as ``hugopipe validate``); if the new page has an
error, the previous file is put back (or the new one removed) and the task fails
with the findings. A page outside ``content/`` is refused before anything is written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import frontmatter

from hugopipe.errors import ContentError
from hugopipe.sites import name_of
from hugopipe.workspace import under

if TYPE_CHECKING:
    from hugopipe.results import ResultFile
    from hugopipe.taskfile import TaskRequest


def write_page(
    site: Path,
    env: str,
    page: str,
    front_matter: dict[str, Any] | None,
    body: str | None,
    mode: str | None = None,
) -> dict[str, Any]:
    """Write ``content/<page>``; returns the outputs (raises ``ContentError`` when refused)."""
    from hugopipe.validate import validate_source

    target = under(site / "content", page)
    if target.suffix.lower() not in {".md", ".markdown"}:
        raise ContentError(f"{page!r} is not a Markdown file", hint="name a .md page")
    existed = target.is_file()
    if mode == "create" and existed:
        raise ContentError(f"content/{page} exists", hint="use mode: edit, or another name")
    if mode == "edit" and not existed:
        raise ContentError(f"content/{page} does not exist", hint="use mode: create")
    before = target.read_text(encoding="utf-8") if existed else None
    post = frontmatter.loads(before) if before is not None else frontmatter.Post("")
    post.metadata.update(front_matter or {})
    if body is not None:
        post.content = body.strip() + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")
    rel = target.relative_to(site.resolve()).as_posix()
    report = validate_source(site, env)
    errors = [f for f in report.errors if f.file == rel]
    mine = errors + [f for f in report.warnings if f.file == rel]
    if errors:
        if before is None:
            target.unlink()
        else:
            target.write_text(before, encoding="utf-8")
    return {
        "page": rel,
        "content_file": str(target),
        "created": not existed,
        "written": not errors,
        "validation_errors": len(errors),
        "validation_warnings": len(mine) - len(errors),
        "findings": [f"[{f.rule}] {f.file}:{f.line or ''} {f.message}" for f in mine],
        "errors": [f"[{f.rule}] {f.file}:{f.line or ''} {f.message}" for f in errors],
    }


def run_content_task(request: TaskRequest, site: Path) -> ResultFile:
    from hugopipe.errors import NEXT_STEP, FailureClass
    from hugopipe.results import ResultFile

    started = datetime.now(UTC)
    p = request.params
    try:
        outputs = write_page(
            site, request.environment, p.page or "", p.front_matter, p.body, p.mode
        )
    except ContentError as exc:
        outputs = {"written": False, "validation_errors": 1, "errors": [str(exc)]}
    ok = bool(outputs.get("written"))
    done = datetime.now(UTC)
    next_step = (
        f"Wrote {outputs['page']}; preview it with a hugo-deploy-dev task or `hugopipe validate`."
        if ok
        else NEXT_STEP[FailureClass.CONTENT] + " Nothing was written."
    )
    lines = [f"## Content task {request.task_id}", ""]
    lines += [f"- {x}" for x in outputs.get("findings") or outputs["errors"]] or ["- no findings"]
    return ResultFile(
        task_id=request.task_id,
        task_type=request.task_type,
        status="success" if ok else "failed",
        environment=request.environment,
        site=name_of(str(site)),
        started_at=started,
        completed_at=done,
        duration_seconds=round((done - started).total_seconds(), 2),
        failure_class=None if ok else str(FailureClass.CONTENT),
        next_step=next_step,
        outputs=outputs,
        summary="\n".join(lines) + f"\n\n## Next Steps\n{next_step}",
    )
