"""The planner: local tree + remote state → a ``DeployPlan`` value.

The diff (:func:`diff`) is pure; :func:`plan_deploy` only gathers its inputs.
Remote state comes from the bucket's manifest (one GET) when there is one, else
from a listing plus a HEAD per shared key (headers and our hash metadata are
not in a listing). ``full_check`` always lists and HEADs, and reports where the
bucket has drifted from the manifest — someone editing the bucket by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, Field

from hugopipe.deploy.cloudfront import invalidation_paths
from hugopipe.deploy.headers import Headers, UploadClass, upload_class
from hugopipe.deploy.local import LocalFile, LocalTree, walk_local
from hugopipe.deploy.models import (
    DeleteItem,
    DriftItem,
    ObjectState,
    PlanSummary,
    UploadItem,
    UploadReason,
)
from hugopipe.deploy.store import Clients, head_many, list_objects, read_manifest, read_pending
from hugopipe.deploy.targets import DeployTarget

#: How many items the approval form lists before "… and N more".
SHOW_ITEMS = 25


class DeployPlan(BaseModel):
    """Everything a deploy will do, decided before anything is written.

    The approval form shows this value and ``apply_plan`` applies exactly this value;
    ``base_manifest_etag`` lets apply refuse if the bucket changed in between.
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
    blocked: str | None = None
    drift: list[DriftItem] = Field(default_factory=list)
    pending_keys: list[str] = Field(default_factory=list)
    skipped_local: list[str] = Field(default_factory=list)
    git_commit: str | None = None
    build_hash: str | None = None
    summary: PlanSummary = Field(default_factory=PlanSummary)

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletes

    def to_markdown(self, show: int = SHOW_ITEMS) -> str:
        """What goes into the Prefect approval form (and ``hugopipe deploy`` without ``--json``)."""
        s = self.summary
        lines = [f"### Deploy plan for `{self.target}` (s3://{self.bucket}/{self.prefix})", ""]
        if self.blocked:
            lines += [f"> **BLOCKED:** {self.blocked}", ""]
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
        if self.uploads:
            lines += ["", "**Uploads** (in order)", ""]
            for u in self.uploads[:show]:
                extra = f" ({'; '.join(u.changes)})" if u.changes else ""
                lines.append(
                    f"- `{u.key}` — {u.reason.value}{extra}, {_human(u.size)}, {u.headers.content_type}"
                )
            if len(self.uploads) > show:
                lines.append(f"- … and {len(self.uploads) - show} more")
        if self.deletes:
            lines += ["", "**Deletes**", ""]
            lines += [f"- `{d.key}`" for d in self.deletes[:show]]
            if len(self.deletes) > show:
                lines.append(f"- … and {len(self.deletes) - show} more")
        if self.skipped_local:
            lines += ["", f"Not deployed from public/: {len(self.skipped_local)}", ""]
            lines += [f"- {p}" for p in self.skipped_local[:show]]
        if self.empty and not self.blocked:
            lines += ["", "Nothing to do: the bucket already matches public/."]
        return "\n".join(lines) + "\n"

    def to_summary(self) -> dict[str, object]:
        """A compact JSON-able view (no per-object state) for ``--json`` output."""
        return self.model_dump(mode="json", exclude={"kept"})


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _header_changes(old: Headers, new: Headers) -> list[str]:
    out = []
    for field in ("content_type", "cache_control", "content_encoding"):
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            out.append(f"{field.replace('_', '-')}: {a or '-'} → {b or '-'}")
    return out


def _group_key(target: DeployTarget, path: str) -> tuple[int, int]:
    """Hugo's ``order`` regex groups first, then assets → HTML → sitemaps/feeds inside each."""
    idx = len(target.order_res)
    for i, rx in enumerate(target.order_res):
        if rx.search(path):
            idx = i
            break
    return idx, upload_class(path)


def diff(
    local: dict[str, LocalFile],
    remote: dict[str, ObjectState],
    target: DeployTarget,
    *,
    force: bool = False,
    pending: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[UploadItem], list[DeleteItem], dict[str, ObjectState]]:
    """Pure diff: (uploads, deletes, kept). Deterministic: sorted by upload group, then key."""
    uploads: list[tuple[tuple[int, int], UploadItem]] = []
    kept: dict[str, ObjectState] = {}
    for key, lf in local.items():
        r = remote.get(key)
        changes: list[str] = []
        if r is None:
            reason: UploadReason | None = UploadReason.NEW
        elif force or target.force or lf.force:
            reason = UploadReason.FORCE
        elif key in pending:
            reason = UploadReason.UNKNOWN
        elif r.sha256 is None:
            # a foreign object (no manifest, no metadata): a single-part ETag is the MD5 of the bytes
            same = not lf.gzip and r.etag is not None and "-" not in r.etag and r.etag == lf.md5()
            reason = UploadReason.UNKNOWN if not same else None
            if same and r.headers != lf.headers:
                reason, changes = UploadReason.HEADERS, _header_changes(r.headers, lf.headers)
        elif r.sha256 != lf.sha256:
            reason = UploadReason.CONTENT
        elif r.headers != lf.headers:
            reason, changes = UploadReason.HEADERS, _header_changes(r.headers, lf.headers)
        else:
            reason = None
        if reason is None:
            kept[key] = r  # type: ignore[assignment]
            continue
        uploads.append(
            (
                _group_key(target, lf.path),
                UploadItem(
                    key=key,
                    path=lf.path,
                    reason=reason,
                    sha256=lf.sha256,
                    size=lf.size,
                    headers=lf.headers,
                    gzip=lf.gzip,
                    changes=changes,
                ),
            )
        )
    ranks = {g: i for i, g in enumerate(sorted({g for g, _ in uploads}))}
    items = []
    for g, item in sorted(uploads, key=lambda t: (t[0], t[1].key)):
        item.group = ranks[g]
        items.append(item)
    deletes = [
        DeleteItem(key=k, size=remote[k].size if k in remote else 0)
        for k in sorted(set(remote) | set(pending))
        if k not in local and target.selected(target.path_for(k))
    ]
    return items, deletes, kept


def release_id_for(base: str | None, local: dict[str, LocalFile]) -> str:
    """Deterministic: the same inputs give the same release id (and so the same plan)."""
    h = hashlib.sha256((base or "").encode())
    for key in sorted(local):
        lf = local[key]
        h.update(f"\0{key}\0{lf.sha256}\0{lf.headers.model_dump_json()}".encode())
    return "r" + h.hexdigest()[:15]


def _state_without_manifest(
    clients: Clients, target: DeployTarget, local: LocalTree
) -> tuple[dict[str, dict], dict[str, ObjectState]]:
    listing = list_objects(clients, target)
    shared = sorted(k for k in listing if k in local.files)
    heads = head_many(clients, target, shared, workers=max(4, target.workers))
    remote: dict[str, ObjectState] = {}
    for k, meta in listing.items():
        remote[k] = heads.get(k) or ObjectState(
            sha256=None, size=meta["size"], etag=meta["etag"], headers=Headers(content_type="")
        )
    return listing, remote


def _drift(
    manifest_files: dict[str, ObjectState], listing: dict[str, dict], remote: dict[str, ObjectState]
) -> list[DriftItem]:
    out = []
    for k in sorted(set(manifest_files) | set(listing)):
        m = manifest_files.get(k)
        if m is None:
            out.append(DriftItem(key=k, problem="in the bucket but not in the manifest"))
        elif k not in listing:
            out.append(DriftItem(key=k, problem="in the manifest but missing from the bucket"))
        elif m.etag and listing[k]["etag"] != m.etag:
            out.append(DriftItem(key=k, problem="content changed in the bucket (ETag differs)"))
        elif remote[k].headers.content_type and remote[k].headers != m.headers:
            out.append(
                DriftItem(
                    key=k,
                    problem="headers changed in the bucket: "
                    + "; ".join(_header_changes(m.headers, remote[k].headers)),
                )
            )
    return out


def plan_deploy(
    public_dir: Path,
    target: DeployTarget,
    clients: Clients,
    *,
    full_check: bool = False,
    max_deletes: int | None = None,
    force: bool = False,
    git_commit: str | None = None,
    build_hash: str | None = None,
    local_tree: Callable[[], LocalTree] | None = None,
) -> DeployPlan:
    """Read local and remote state and decide. Writes nothing.

    ``local_tree`` hands over a walk of ``public_dir`` already under way (the CLI starts
    it before the heavy imports); it is waited for only after the state file request is sent.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The state file and the pending list are fetched while public/ is hashed.
        f_manifest = pool.submit(read_manifest, clients, target)
        f_pending = pool.submit(read_pending, clients, target)
        local = local_tree() if local_tree is not None else walk_local(public_dir, target)
        manifest, etag = f_manifest.result()
        pending = set(f_pending.result())

    drift: list[DriftItem] = []
    if manifest is not None and not full_check:
        remote, source = manifest.files, "manifest"
    else:
        listing, remote = _state_without_manifest(clients, target, local)
        source = "full-check" if full_check else "listing"
        if manifest is not None:
            drift = _drift(manifest.files, listing, remote)

    uploads, deletes, kept = diff(local.files, remote, target, force=force, pending=pending)
    drifted = {d.key for d in drift}
    for u in uploads:
        if u.key in drifted and u.reason in {
            UploadReason.CONTENT,
            UploadReason.HEADERS,
            UploadReason.UNKNOWN,
        }:
            u.reason = UploadReason.DRIFT

    limit = target.max_deletes if max_deletes is None else max_deletes
    blocked = None
    if limit >= 0 and len(deletes) > limit:
        blocked = (
            f"{len(deletes)} deletes exceed the max-deletes limit of {limit}; nothing was changed. "
            "Check that public/ is the complete site, then raise --max-deletes (or maxDeletes in "
            "[deployment]; -1 disables the guard)."
        )

    inval: list[str] = []
    if target.cloudfront_distribution_id and target.invalidate_cdn:
        changed = [u.path for u in uploads] + [target.path_for(d.key) for d in deletes]
        inval = invalidation_paths(
            changed,
            threshold=target.invalidation_threshold,
            strip_index_html=target.strip_index_html,
        )

    base_release = manifest.release_id if manifest else None
    summary = PlanSummary(local_files=len(local.files), unchanged=len(kept), deletes=len(deletes))
    for u in uploads:
        summary.uploads += 1
        summary.upload_bytes += u.size
        summary.uploads_by_reason[u.reason.value] = (
            summary.uploads_by_reason.get(u.reason.value, 0) + 1
        )
        page = upload_class(u.path) == UploadClass.HTML
        if u.reason == UploadReason.NEW:
            if page:
                summary.pages_added += 1
            else:
                summary.files_added += 1
        elif page:
            summary.pages_changed += 1
        else:
            summary.files_changed += 1
    for d in deletes:
        if upload_class(target.path_for(d.key)) == UploadClass.HTML:
            summary.pages_deleted += 1
        else:
            summary.files_deleted += 1
    summary.invalidation_paths = len(inval)

    rid = release_id_for(base_release, local.files)
    return DeployPlan(
        target=target.name,
        bucket=target.bucket,
        prefix=target.prefix,
        environment=target.environment,
        release_id=rid,
        base_release_id=base_release,
        base_manifest_etag=etag,
        remote_source=source,
        uploads=uploads,
        deletes=deletes,
        unchanged=len(kept),
        kept=kept,
        invalidation_paths=inval,
        cloudfront_distribution_id=target.cloudfront_distribution_id
        if target.invalidate_cdn
        else None,
        max_deletes=limit,
        blocked=blocked,
        drift=drift,
        pending_keys=sorted(pending),
        skipped_local=local.skipped,
        git_commit=git_commit,
        build_hash=build_hash or rid,
        summary=summary,
    )
