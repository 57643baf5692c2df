"""The deploy stage's values: remote object state, release manifests, the plan and the report.

They are pydantic models because they travel: into the Prefect approval form
and artifacts, into result files, and out of ``hugopipe deploy --json``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from hugopipe.deploy.headers import Headers

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
    rolled_back_from: str | None = None
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


class DeleteItem(BaseModel):
    key: str
    size: int = 0


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
        lines = [
            f"### Deploy to `{self.target}` (s3://{self.bucket}): {self.status.value}",
            "",
            f"- release: `{self.release_id or '-'}`",
            f"- uploaded: {len(self.uploaded)} objects ({_human(self.upload_bytes)})",
            f"- deleted: {len(self.deleted)} objects"
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
