"""Delete safety: when a plan may delete, and why each delete is there.

An empty or nearly empty ``public/`` is the classic symptom of a broken build or a
wrong path, and deploying it would wipe the site. ``hugo deploy`` and s3deploy refuse
more than 256 deletes by default; we refuse that too (honouring Hugo's ``maxDeletes``),
more than a quarter of the bucket, and any delete at all from an output with no pages
or with under a tenth of the bucket's objects. Only ``--allow-deletes N`` (N at least the
number of deletes) lifts every rule; ``maxDeletes = -1`` lifts the count and share rules
but never the empty-output one. Pure: counts in, a reason (or None) out.
"""

from __future__ import annotations

from hugopipe.deploy.headers import UploadClass, upload_class
from hugopipe.deploy.models import DeleteItem, ObjectState, UploadItem

#: Refuse a plan that deletes more than this share of the bucket's objects …
MAX_SHARE = 0.25
#: … once it deletes more than this many (deleting 2 of a 5-object bucket is no accident).
SHARE_FLOOR = 10
#: An output with fewer objects than this share of the bucket is "nearly empty" …
NEARLY_EMPTY_SHARE = 0.10
#: … for a bucket of at least this many objects.
NEARLY_EMPTY_FLOOR = 20


def _allow(n: int) -> str:
    return (
        f"If these deletes are intended, run again with --allow-deletes {n} "
        "(the flow's allow_deletes parameter); nothing was changed."
    )


def delete_refusal(
    deletes: int,
    remote_objects: int,
    local_files: int,
    local_pages: int,
    *,
    max_deletes: int,
    allow_deletes: int | None = None,
) -> str | None:
    """Why this plan must not run, with the numbers and the flag; None when it may."""
    if deletes == 0 or (allow_deletes is not None and deletes <= allow_deletes):
        return None
    share = deletes / max(remote_objects, 1)
    of = f"{deletes} of the bucket's {remote_objects} objects ({share:.0%})"
    if local_pages == 0:
        return (
            f"public/ holds no pages ({local_files} files): deploying it would delete {of}. "
            "An empty output is the symptom of a failed build or a wrong path; check them. "
            + _allow(deletes)
        )
    if remote_objects >= NEARLY_EMPTY_FLOOR and local_files < NEARLY_EMPTY_SHARE * remote_objects:
        return (
            f"public/ is nearly empty ({local_files} files for a bucket of {remote_objects}): "
            f"deploying it would delete {of}. Check that the build is complete. " + _allow(deletes)
        )
    if max_deletes < 0:
        return None
    if deletes > max_deletes:
        return (
            f"{deletes} deletes exceed the max-deletes limit of {max_deletes}; nothing was changed. "
            "Check that public/ is the complete site, then raise --max-deletes (or maxDeletes in "
            f"[deployment]; -1 disables the guard). " + _allow(deletes)
        )
    if deletes > SHARE_FLOOR and share > MAX_SHARE:
        return (
            f"this deploy would delete {of}, more than {MAX_SHARE:.0%}. "
            "Check that public/ is the complete site. " + _allow(deletes)
        )
    return None


def count_pages(paths: list[str]) -> int:
    return sum(1 for p in paths if upload_class(p) == UploadClass.HTML)


def explain(
    delete: DeleteItem,
    path: str,
    state: ObjectState | None,
    new_uploads: list[UploadItem],
    by_sha: dict[str, str],
) -> str:
    """Why ``delete`` is in the plan: moved or renamed, an alias no longer made, or a removed page."""
    if state is not None and state.sha256 and state.sha256 in by_sha:
        return f"moved: the same file is now {by_sha[state.sha256]}"
    if state is not None and state.size == 0:
        return "an empty object no longer made: a website redirect whose rule left _redirects, or an empty file"
    is_page = upload_class(path) == UploadClass.HTML
    if is_page:
        slug = path.rsplit("/", 2)[-2] if path.endswith("/index.html") else path.rsplit("/", 1)[-1]
        for u in new_uploads:
            if u.path != path and slug and f"/{slug}/" in f"/{u.path}" and u.path.endswith("html"):
                return f"renamed: a new page {u.path} has the same slug"
        if state is not None and state.size <= 600:
            return "an alias (redirect page) that the site no longer generates"
        return "its source page was removed (or is now a draft, expired or unlisted)"
    return "no longer in the build output (removed from static/ or assets, or no page uses it)"


def explain_all(
    deletes: list[DeleteItem],
    paths: dict[str, str],
    remote: dict[str, ObjectState],
    uploads: list[UploadItem],
) -> None:
    """Fill in ``why`` for every delete."""
    new = [u for u in uploads if u.reason == "new"]
    by_sha = {u.sha256: u.path for u in new}
    for d in deletes:
        d.why = explain(d, paths[d.key], remote.get(d.key), new, by_sha)
