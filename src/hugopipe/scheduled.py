"""Which pages a time-based publish is due for: ``publishDate`` passed, or ``expiryDate``.

Hugo leaves a future-dated page out of the build and an expired one in until the
next build after its date; neither changes the live site until someone publishes.
``due_pages`` lists the content files whose ``publishDate`` (or ``expiryDate``)
fell between the environment's last publish and now, so the scheduled check can
start exactly one publish for them, and none when nothing is due.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import frontmatter

CONTENT_EXT = {".md", ".markdown", ".html"}


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        try:
            return _as_time(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def due_pages(site: Path, since: datetime, until: datetime | None = None) -> list[dict[str, str]]:
    """Pages whose ``publishDate`` or ``expiryDate`` is in ``(since, until]``."""
    until = until or datetime.now(UTC)
    out: list[dict[str, str]] = []
    content = site / "content"
    if not content.is_dir():
        return out
    for path in sorted(content.rglob("*")):
        if path.suffix.lower() not in CONTENT_EXT or not path.is_file():
            continue
        try:
            meta = frontmatter.load(path).metadata
        except Exception:  # a page validate will name; not this check's to report
            continue
        for key, why in (("publishDate", "publish"), ("expiryDate", "expire")):
            when = _as_time(meta.get(key) or meta.get(key.lower()))
            if when is not None and since < when <= until:
                out.append(
                    {"page": path.relative_to(site).as_posix(), "due": why, "at": when.isoformat()}
                )
    return out


def start_due_publish(api: Any, site: str, env: str, now: datetime | None = None) -> dict[str, Any]:
    """Start one ``publish`` of ``env`` when a page is due; none otherwise.

    Never a duplicate: it yields to a publish of the same site and environment that
    is scheduled, pending, running or paused (and says which), and the run's
    idempotency key is the due set itself, so two checks racing over the same due
    pages create one run between them.
    """
    from hugopipe.maintenance.history import active_publish, last_publish
    from hugopipe.run_control import deployment_names, work_queue_for

    since = last_publish(api, env, site)
    if since is None:
        return {
            "env": env,
            "started": None,
            "reason": "never published: the first publish is a person's call",
        }
    due = due_pages(Path(site), since, now)
    if not due:
        return {"env": env, "started": None, "due": [], "reason": "nothing due"}
    active = active_publish(api, env, site)
    if active is not None:
        state = (active.get("state") or {}).get("name")
        return {
            "env": env,
            "started": None,
            "due": due,
            "yielded_to": active["id"],
            "reason": f"yielded to publish run {active.get('name')} ({active['id']}), {state}",
        }
    flow_name, dep_name = deployment_names("publish")
    dep = api.deployment_by_name(flow_name, dep_name)
    key = "scheduled:" + "|".join([site, env, *sorted(f"{d['page']}@{d['at']}" for d in due)])
    params = {
        "env": env,
        "site": site,
        "context": {"user_request": "scheduled publish", "due": due},
    }
    run = api.create_run(
        dep["id"],
        params,
        idempotency_key=key[:1000],
        tags=["scheduled-publish"],
        work_queue_name=work_queue_for(api, dep, params),
    )
    return {"env": env, "started": run["id"], "due": due, "reason": f"{len(due)} page(s) due"}
