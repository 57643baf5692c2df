"""Publication state: drafts, future and expired pages must not reach the output.

Hugo is the truth (``hugo list all`` with the same environment, split the way
``hugo list drafts|future|expired`` split it), not our YAML parser: Hugo and PyYAML
disagree on ``draft: yes``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hugopipe.validate import urls
from hugopipe.validate.findings import Finding
from hugopipe.validate.sitescan import Scan

KINDS = {"drafts": "a draft", "future": "dated in the future", "expired": "expired"}


def _lister():
    from hugopipe.hugo import hugo_list

    return hugo_list


def _date(value: str | None) -> dt.datetime | None:
    """A date of ``hugo list``'s CSV; None for Hugo's zero date (not set) or no date."""
    if not value or value.startswith("0001-01-01"):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def by_kind(rows: list[dict[str, str]], now: dt.datetime) -> dict[str, list[dict[str, str]]]:
    """Split the rows of ``hugo list all`` the way ``hugo list drafts|future|expired`` do.

    One Hugo run instead of three (each takes seconds on a large site). Hugo still decides
    what a page's draft flag, publish date and expiry date are (front matter keys, cascades,
    date formats); only the comparison with now is ours, as Hugo makes it: future when the
    publish date is after now, expired when an expiry date is set and before now.
    """
    out: dict[str, list[dict[str, str]]] = {kind: [] for kind in KINDS}
    for row in rows:
        if (row.get("draft") or "").lower() == "true":
            out["drafts"].append(row)
        publish = _date(row.get("publishDate"))
        if publish is not None and publish > now:
            out["future"].append(row)
        expiry = _date(row.get("expiryDate"))
        if expiry is not None and expiry < now:
            out["expired"].append(row)
    return out


def publication_rules(
    sc: Scan,
    site_dir: Path,
    env: str,
    now: dt.datetime | None = None,
    rows: list[dict[str, str]] | None = None,
) -> list[Finding]:
    """``rows``: ``hugo list all`` for ``env`` if the caller has it already."""
    out: list[Finding] = []
    now = now or dt.datetime.now(dt.UTC)
    if rows is None:
        rows = _lister()(site_dir, env, "all")
    for kind, listed in by_kind(rows, now).items():
        what = KINDS[kind]
        for row in listed:
            link = row.get("permalink") or ""
            k, path, _ = urls.to_path(sc.site, "/", link, None)
            if k != urls.OK:
                continue
            st, f = urls.path_to_file(sc.site, path, sc.files)
            if st in (urls.OK, urls.SLASHLESS):
                out.append(
                    Finding.of(
                        "D1",
                        f,
                        f"{row.get('path')} is {what} but was published as {link}",
                        url=link,
                    )
                )
            if kind == "future":
                when = _date(row.get("publishDate"))
                if when is not None and now < when <= now + dt.timedelta(hours=24):
                    out.append(
                        Finding.of(
                            "D2",
                            row.get("path") or f,
                            f"{row.get('path')} goes live at {when.isoformat()}; schedule a rebuild",
                            url=link,
                        )
                    )
    return out
