"""The deploy stage's values: remote object state, release manifests, the plan and the report.

They are pydantic models because they travel: into the Prefect approval form
and artifacts, into result files, and out of ``hugopipe deploy --json``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, computed_field

from hugopipe.deploy.headers import Headers, UploadClass, upload_class

MANIFEST_FORMAT = 1


class ObjectState(BaseModel):
    """What we know about one object in the bucket."""

    sha256: str | None  # hex SHA-256 of the source bytes (our metadata); None when unknown
    size: int  # stored size (after gzip)
    etag: str | None = None
    version_id: str | None = None
    headers: Headers


class ReleaseManifest(BaseModel):
    """One successful deploy: every key with its hash and headers, plus where it came from.

    The latest one is also the bucket's state file (``.hugopipe/manifest.json.gz``), so a
    small deploy costs one GET instead of a listing of the whole bucket.
    """

    format: int = MANIFEST_FORMAT
    release_id: str
    previous_release_id: str | None = None
    target: str
    bucket: str
    prefix: str = ""
    created: str  # ISO-8601 UTC
    git_commit: str | None = None
    build_hash: str | None = None
    #: Hash of the site's sources (``hugopipe.approval.source``): the same across environments,
    #: so production's approval form can say whether staging serves what it approves.
    source_hash: str | None = None
    rolled_back_from: str | None = None
    #: the approvals log entry of the person who approved this release (production only):
    #: approver, second_factor, note, approved_at, plan_hash, commit, hash (hugopipe.approval.log)
    approval: dict[str, Any] | None = None
    files: dict[str, ObjectState]


class UploadReason(StrEnum):
    NEW = "new"
    CONTENT = "content changed"
    HEADERS = "headers changed"
    UNKNOWN = "remote hash unknown"
    FORCE = "forced"
    DRIFT = "changed in the bucket by hand"


class UploadItem(BaseModel):
    key: str
    path: str
    reason: UploadReason
    sha256: str
    size: int  # source bytes
    headers: Headers
    gzip: bool = False
    group: int = 0  # upload barrier group: every group completes before the next starts
    changes: list[str] = Field(default_factory=list)  # which headers changed, old → new
    #: An S3 website redirect from ``_redirects``: a zero-byte object with this Location.
    redirect: str | None = None


class DeleteItem(BaseModel):
    key: str
    size: int = 0
    #: Why the object goes: a removed source page, a rename, an alias no longer generated.
    why: str = ""


class RedirectItem(BaseModel):
    """One plain rule of the site's ``_redirects`` and what the deploy makes of it."""

    source: str
    target: str
    status: int
    line: int
    #: The redirect objects that serve it (empty when it is not applied).
    keys: list[str] = Field(default_factory=list)
    #: Why it is not served as an S3 website redirect (None: it is).
    not_applied: str | None = None


class DriftItem(BaseModel):
    key: str
    problem: str


class PlanSummary(BaseModel):
    uploads: int = 0
    uploads_by_reason: dict[str, int] = Field(default_factory=dict)
    pages_added: int = 0
    pages_changed: int = 0
    pages_deleted: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_deleted: int = 0
    deletes: int = 0
    unchanged: int = 0
    upload_bytes: int = 0
    local_files: int = 0
    invalidation_paths: int = 0
    #: ``_redirects`` rules served as S3 website redirects / plain rules that are not.
    redirects: int = 0
    redirects_not_applied: int = 0
    #: Redirect objects among ``uploads`` (not counted as pages or files added/changed).
    redirect_uploads: int = 0


#: How many items the approval form lists before "… and N more".
SHOW_ITEMS = 25


class DeployPlan(BaseModel):
    """Everything a deploy will do, decided before anything is written.

    The approval form shows this value and ``apply_plan`` applies exactly this value;
    ``base_manifest_etag`` lets apply refuse if the bucket changed in between. The
    summary is derived from the items, so it can never disagree with them.
    """

    target: str
    bucket: str
    prefix: str = ""
    environment: str | None = None
    release_id: str
    base_release_id: str | None = None
    base_manifest_etag: str | None = None
    remote_source: str  # manifest | listing | full-check
    uploads: list[UploadItem] = Field(default_factory=list)
    deletes: list[DeleteItem] = Field(default_factory=list)
    unchanged: int = 0
    #: State of every unchanged object: carried into the next manifest as is.
    kept: dict[str, ObjectState] = Field(default_factory=dict)
    invalidation_paths: list[str] = Field(default_factory=list)
    cloudfront_distribution_id: str | None = None
    max_deletes: int = 256
    #: ``--allow-deletes N``: up to N deletes pass every delete guard (``safety``).
    allow_deletes: int | None = None
    blocked: str | None = None
    #: Deletes held back because an uploaded page still links to them (kept in the manifest).
    held_deletes: list[DeleteItem] = Field(default_factory=list)
    drift: list[DriftItem] = Field(default_factory=list)
    pending_keys: list[str] = Field(default_factory=list)
    skipped_local: list[str] = Field(default_factory=list)
    git_commit: str | None = None
    build_hash: str | None = None
    source_hash: str | None = None
    #: The target's S3 endpoint (None: AWS) and Hugo ``baseURL``: the bucket's identity in the
    #: plan hash (``hugopipe.deploy.binding``) and the pages' public URLs in the approval form.
    endpoint: str | None = None
    base_url: str | None = None
    #: The plan writes to a bucket or distribution a production environment uses (set by the
    #: deploy task from ``hugopipe.deploy.binding``), whatever the environment is called.
    production_bucket: bool = False
    #: Every plain rule of ``_redirects`` (by line), applied or not (``siteredirects``).
    redirects: list[RedirectItem] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def summary(self) -> PlanSummary:
        """Counts for the approval form and ``--json``, from the uploads and deletes."""
        s = PlanSummary(
            local_files=len(self.uploads) + self.unchanged,
            unchanged=self.unchanged,
            deletes=len(self.deletes),
            invalidation_paths=len(self.invalidation_paths),
            redirects=sum(1 for r in self.redirects if r.not_applied is None),
            redirects_not_applied=sum(1 for r in self.redirects if r.not_applied is not None),
        )
        for u in self.uploads:
            s.uploads += 1
            s.upload_bytes += u.size
            s.uploads_by_reason[u.reason.value] = s.uploads_by_reason.get(u.reason.value, 0) + 1
            if u.redirect is not None:
                s.redirect_uploads += 1
                continue
            page = upload_class(u.path) == UploadClass.HTML
            if u.reason == UploadReason.NEW:
                if page:
                    s.pages_added += 1
                else:
                    s.files_added += 1
            elif page:
                s.pages_changed += 1
            else:
                s.files_changed += 1
        for d in self.deletes:
            # the key without the target prefix: a stripped ``dir/`` is a page as ``dir/index.html`` is
            if upload_class(d.key[len(self.prefix) :]) == UploadClass.HTML:
                s.pages_deleted += 1
            else:
                s.files_deleted += 1
        return s

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletes

    def to_markdown(self, show: int = SHOW_ITEMS) -> str:
        """What goes into the Prefect approval form (and ``hugopipe deploy`` without ``--json``)."""
        s = self.summary
        lines = [f"### Deploy plan for `{self.target}` (s3://{self.bucket}/{self.prefix})", ""]
        if self.blocked:
            lines += [f"> **BLOCKED:** {self.blocked}", ""]
        if self.deletes:
            lines += [
                f"> **{len(self.deletes)} object(s) will be DELETED** (listed below, each with why)",
                "",
            ]
        lines += [
            "| | pages | other files |",
            "|---|---:|---:|",
            f"| added | {s.pages_added} | {s.files_added} |",
            f"| changed | {s.pages_changed} | {s.files_changed} |",
            f"| deleted | {s.pages_deleted} | {s.files_deleted} |",
            "",
            f"- upload: {s.uploads} objects, {_human(s.upload_bytes)}"
            + (
                " (" + ", ".join(f"{n} {r}" for r, n in sorted(s.uploads_by_reason.items())) + ")"
                if s.uploads_by_reason
                else ""
            ),
            f"- delete: {s.deletes} objects (limit {self.max_deletes if self.max_deletes >= 0 else 'none'})",
            f"- unchanged: {s.unchanged} of {s.local_files} local files",
            f"- remote state from: {self.remote_source}"
            + (
                f", base release `{self.base_release_id}`"
                if self.base_release_id
                else ", no previous release"
            ),
            f"- release id: `{self.release_id}`",
        ]
        if self.cloudfront_distribution_id:
            paths = self.invalidation_paths
            lines.append(
                f"- CloudFront `{self.cloudfront_distribution_id}` invalidation: "
                + (
                    ", ".join(f"`{p}`" for p in paths[:show]) + (" …" if len(paths) > show else "")
                    if paths
                    else "none"
                )
            )
        if self.drift:
            lines += ["", f"**Drift: {len(self.drift)} object(s) differ from the manifest**", ""]
            lines += [f"- `{d.key}`: {d.problem}" for d in self.drift[:show]]
        if self.deletes:
            lines += ["", "**Deletes**", ""]
            lines += [
                f"- `{d.key}`" + (f" — {d.why}" if d.why else "") for d in self.deletes[:show]
            ]
            if len(self.deletes) > show:
                lines.append(f"- … and {len(self.deletes) - show} more")
        if self.held_deletes:
            lines += ["", "**Not deleted** (an uploaded page still links to them)", ""]
            lines += [f"- `{d.key}`" for d in self.held_deletes[:show]]
        if self.uploads:
            lines += ["", "**Uploads** (in order)", ""]
            for u in self.uploads[:show]:
                extra = f" ({'; '.join(u.changes)})" if u.changes else ""
                extra += f", redirect to {u.redirect}" if u.redirect is not None else ""
                lines.append(
                    f"- `{u.key}` — {u.reason.value}{extra}, {_human(u.size)}, {u.headers.content_type}"
                )
            if len(self.uploads) > show:
                lines.append(f"- … and {len(self.uploads) - show} more")
        if self.redirects:
            lines += ["", f"**Redirects from `_redirects`** ({s.redirects} served by S3)", ""]
            lines += [
                f"- `{r.source}` → `{r.target}`"
                + (f" — not applied: {r.not_applied}" if r.not_applied else "")
                for r in self.redirects[:show]
            ]
            if len(self.redirects) > show:
                lines.append(f"- … and {len(self.redirects) - show} more")
        if self.skipped_local:
            lines += ["", f"Not deployed from public/: {len(self.skipped_local)}", ""]
            lines += [f"- {p}" for p in self.skipped_local[:show]]
        if self.empty and not self.blocked:
            lines += ["", "Nothing to do: the bucket already matches public/."]
        return "\n".join(lines) + "\n"

    def to_summary(self) -> dict[str, object]:
        """A compact JSON-able view (no per-object state) for ``--json`` output."""
        return self.model_dump(mode="json", exclude={"kept"})


class ApplyStatus(StrEnum):
    SUCCEEDED = "succeeded"
    NOTHING_TO_DO = "nothing to do"
    DRY_RUN = "dry run"
    FAILED = "failed"
    ALREADY_APPLIED = "already applied"


class ObjectError(BaseModel):
    key: str
    operation: str  # upload | delete | invalidate | manifest
    code: str
    message: str
    transient: bool = False


class ApplyReport(BaseModel):
    target: str
    bucket: str
    status: ApplyStatus
    release_id: str | None = None
    uploaded: list[str] = Field(default_factory=list)
    upload_bytes: int = 0
    deleted: list[str] = Field(default_factory=list)
    skipped_uploads: list[str] = Field(
        default_factory=list
    )  # later groups not started after a failure
    skipped_deletes: int = 0
    invalidation_id: str | None = None
    invalidation_paths: list[str] = Field(default_factory=list)
    invalidation_status: str | None = None
    errors: list[ObjectError] = Field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and self.status != ApplyStatus.FAILED

    def to_markdown(self) -> str:
        """A short Markdown account for a Prefect artifact or a result file."""
        would = "would be " if self.status == ApplyStatus.DRY_RUN else ""  # nothing was written
        lines = [
            f"### Deploy to `{self.target}` (s3://{self.bucket}): {self.status.value}",
            "",
            f"- release: `{self.release_id or '-'}`",
            f"- {would}uploaded: {len(self.uploaded)} objects ({_human(self.upload_bytes)})",
            f"- {would}deleted: {len(self.deleted)} objects"
            + (
                f" ({self.skipped_deletes} held back because an upload failed)"
                if self.skipped_deletes
                else ""
            ),
        ]
        if self.skipped_uploads:
            lines.append(
                f"- not started (an earlier group failed): {len(self.skipped_uploads)} uploads"
            )
        if self.invalidation_id or self.invalidation_paths:
            lines.append(
                f"- CloudFront invalidation `{self.invalidation_id or '-'}` "
                f"({self.invalidation_status or 'not sent'}): "
                + ", ".join(f"`{p}`" for p in self.invalidation_paths[:20])
                + (" …" if len(self.invalidation_paths) > 20 else "")
            )
        lines.append(f"- duration: {self.duration_s:.2f} s")
        if self.errors:
            lines += ["", f"**{len(self.errors)} error(s):**", ""]
            lines += [f"- {e.operation} `{e.key}`: {e.code}: {e.message}" for e in self.errors]
        return "\n".join(lines) + "\n"


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover
