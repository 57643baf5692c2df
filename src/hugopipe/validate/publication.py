"""Publication state: drafts, future and expired pages must not reach the output.

Hugo is the truth (``hugo list drafts|future|expired`` with the same
environment), not our YAML parser: Hugo and PyYAML disagree on ``draft: yes``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hugopipe.validate import urls
from hugopipe.validate.engine import Scan, _f
from hugopipe.validate.findings import Finding

KINDS = {"drafts": "a draft", "future": "dated in the future", "expired": "expired"}


def _lister():
    from hugopipe.hugo import hugo_list

    return hugo_list


def publication_rules(
    sc: Scan, site_dir: Path, env: str, now: dt.datetime | None = None
) -> list[Finding]:
    out: list[Finding] = []
    hugo_list = _lister()
    now = now or dt.datetime.now(dt.UTC)
    for kind, what in KINDS.items():
        for row in hugo_list(site_dir, env, kind):
            link = row.get("permalink") or ""
            k, path, _ = urls.to_path(sc.site, "/", link, None)
            if k != urls.OK:
                continue
            st, f = urls.path_to_file(sc.site, path, sc.files)
            if st in (urls.OK, urls.SLASHLESS):
                out.append(
                    _f(
                        "D1",
                        f,
                        f"{row.get('path')} is {what} but was published as {link}",
                        url=link,
                    )
                )
            if kind == "future":
                try:
                    when = dt.datetime.fromisoformat(
                        (row.get("publishDate") or "").replace("Z", "+00:00")
                    )
                except ValueError:
                    continue
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                if now < when <= now + dt.timedelta(hours=24):
                    out.append(
                        _f(
                            "D2",
                            row.get("path") or f,
                            f"{row.get('path')} goes live at {when.isoformat()}; schedule a rebuild",
                            url=link,
                        )
                    )
    return out
