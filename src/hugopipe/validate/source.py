"""Rules on the content source: front matter parses, dates are dates, required keys, images, unique URLs.

Errors name the content file and the line *in that file* (the opening delimiter
is line 1), because that is what the author — or Claude Code — opens to fix it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hugopipe.validate.config import ValidateConfig
from hugopipe.validate.findings import Finding

CONTENT_EXT = (".md", ".markdown", ".html", ".htm", ".adoc", ".asciidoc", ".org", ".pandoc", ".rst")
DATE_KEYS = (
    "date",
    "publishdate",
    "pubdate",
    "published",
    "expirydate",
    "unpublishdate",
    "lastmod",
    "modified",
)
IMAGE_KEYS = (
    "images",
    "image",
    "featured_image",
    "featuredimage",
    "cover",
    "thumbnail",
    "og_image",
)
YAML_DELIM = re.compile(r"^---[ \t]*$", re.M)
TOML_DELIM = re.compile(r"^\+\+\+[ \t]*$", re.M)
HUGO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|[A-Z]{3,4})?$"
)


class FrontMatter:
    """Front matter split from a content file, with where it starts."""

    def __init__(self, fmt: str | None, text: str, first_line: int):
        self.fmt, self.text, self.first_line = fmt, text, first_line

    def key_line(self, key: str) -> int | None:
        """Line (in the file) where ``key`` is set, for messages."""
        pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]", re.I | re.M)
        m = pat.search(self.text)
        if not m:
            return None
        return self.first_line + self.text.count("\n", 0, m.start()) + 1


def split(raw: str) -> FrontMatter | None:
    """Find the front matter block the way Hugo does (YAML ---, TOML +++, JSON {…})."""
    s = raw.lstrip("\ufeff")
    if s.startswith("---"):
        m = YAML_DELIM.search(s, 3)
        if s.split("\n", 1)[0].strip() != "---" or m is None:
            return FrontMatter("yaml-unclosed", s, 1)
        return FrontMatter("yaml", s[s.index("\n") + 1 : m.start()], 1)
    if s.startswith("+++"):
        m = TOML_DELIM.search(s, 3)
        if m is None:
            return FrontMatter("toml-unclosed", s, 1)
        return FrontMatter("toml", s[s.index("\n") + 1 : m.start()], 1)
    if s.startswith("{"):
        return FrontMatter("json", s, 0)
    return None


_FAST_YAML = getattr(yaml, "CSafeLoader", None)  # libyaml, bundled with PyYAML's wheels


def _load_yaml(text: str) -> Any:
    """libyaml where PyYAML has it: the pure-Python parser spent ~10 s on the front matter
    of a 20,000-page site. Anything libyaml rejects is parsed again by the pure-Python
    loader, so an error carries the same message and line as it always did."""
    if _FAST_YAML is not None:
        try:
            return yaml.load(text, Loader=_FAST_YAML)
        except (yaml.YAMLError, ValueError):
            pass
    return yaml.safe_load(text)


def parse(fm: FrontMatter, rel: str) -> tuple[dict[str, Any] | None, Finding | None]:
    """Parse the block; on failure a finding with the file and line of the error."""
    if fm.fmt in ("yaml-unclosed", "toml-unclosed"):
        delim = "---" if fm.fmt.startswith("yaml") else "+++"
        return None, Finding.of(
            "F1", rel, f"front matter opened with {delim} on line 1 is never closed", line=1
        )
    try:
        if fm.fmt == "yaml":
            data = _load_yaml(fm.text)
        elif fm.fmt == "toml":
            data = tomllib.loads(fm.text)
        else:
            data, _ = json.JSONDecoder().raw_decode(fm.text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = fm.first_line + mark.line + 1 if mark else None
        return None, Finding.of("F1", rel, f"YAML error: {exc.problem or exc}", line=line)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = fm.first_line + int(m.group(1)) if m else None
        return None, Finding.of("F1", rel, f"TOML error: {exc}", line=line)
    except json.JSONDecodeError as exc:
        return None, Finding.of("F1", rel, f"JSON error: {exc.msg}", line=exc.lineno)
    except ValueError as exc:
        # PyYAML's constructor raises a bare ValueError for impossible dates (2020-13-45):
        # find the line by loading the front matter one line at a time.
        line = None
        for i, text in enumerate(fm.text.splitlines()):
            try:
                yaml.safe_load(text)
            except ValueError:
                line = fm.first_line + i + 1
                break
            except yaml.YAMLError:
                continue
        return None, Finding.of("F2", rel, f"a date does not parse: {exc}", line=line)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, Finding.of(
            "F1", rel, f"front matter is a {type(data).__name__}, not a mapping", line=fm.first_line
        )
    return data, None


def _is_date(v: Any) -> bool:
    if isinstance(v, dt.date):
        return True
    if isinstance(v, str):
        return bool(HUGO_DATE.match(v.strip()))
    return False


def _image_values(data: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    lower = {k.lower(): (k, v) for k, v in data.items()}
    for key in IMAGE_KEYS:
        if key not in lower:
            continue
        k, v = lower[key]
        vals = v if isinstance(v, list) else [v]
        for x in vals:
            if isinstance(x, dict):
                x = x.get("image") or x.get("src") or x.get("url")
            if isinstance(x, str) and x.strip():
                out.append((k, x.strip()))
    params = data.get("params")
    if isinstance(params, dict):
        out += _image_values(params)
    return out


def _image_exists(site: Path, content_file: Path, value: str) -> bool:
    if value.startswith(("http://", "https://", "//", "data:")) or "{{" in value:
        return True
    v = value.split("?", 1)[0].split("#", 1)[0]
    rel = v.lstrip("/")
    cands = [content_file.parent / v, site / "static" / rel, site / "assets" / rel]
    if content_file.name in ("index.md", "_index.md") or content_file.stem in ("index", "_index"):
        cands.append(content_file.parent / rel)
    for theme in (site / "themes").glob("*") if (site / "themes").is_dir() else []:
        cands += [theme / "static" / rel, theme / "assets" / rel]
    return any(c.is_file() for c in cands)


def _required_for(cfg: ValidateConfig, section: str, data: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    req = cfg.required
    keys += req.get("*", [])
    keys += req.get(section, [])
    layout = data.get("layout")
    if isinstance(layout, str):
        keys += req.get(f"layout:{layout}", [])
    typ = data.get("type")
    if isinstance(typ, str):
        keys += req.get(f"type:{typ}", [])
    return list(dict.fromkeys(keys))


def source_rules(
    site: Path,
    cfg: ValidateConfig,
    rows: list[dict[str, str]] | Callable[[], list[dict[str, str]] | None] | None = None,
) -> tuple[list[Finding], int]:
    """Front matter rules over content/ (and duplicate URLs from ``hugo list all`` rows).

    ``rows`` may be a callable, asked only after every file is parsed: ``hugo list``
    then runs while the front matter is read.
    """
    out: list[Finding] = []
    content = site / "content"
    n = 0
    aliases: dict[str, list[str]] = defaultdict(list)
    if content.is_dir():
        for path in sorted(content.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in CONTENT_EXT:
                continue
            n += 1
            rel = path.relative_to(site).as_posix()
            try:
                raw = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                out.append(Finding.of("F1", rel, f"not UTF-8: {exc}"))
                continue
            fm = split(raw)
            if fm is None:
                data: dict[str, Any] = {}
            else:
                parsed, err = parse(fm, rel)
                if err:
                    out.append(err)
                    continue
                data = parsed or {}
            lower = {k.lower(): k for k in data}
            for key in DATE_KEYS:
                if key in lower:
                    v = data[lower[key]]
                    if v not in (None, "") and not _is_date(v):
                        out.append(
                            Finding.of(
                                "F2",
                                rel,
                                f"{lower[key]}: {v!r} is not a date",
                                line=fm.key_line(lower[key]) if fm else None,
                            )
                        )
            parts = path.relative_to(content).parts
            section = parts[0] if len(parts) > 1 else ""
            for key in _required_for(cfg, section, data):
                if key.lower() not in lower or data[lower[key.lower()]] in (None, "", []):
                    out.append(
                        Finding.of(
                            "F3",
                            rel,
                            f"front matter has no {key!r} (required for {section or 'the home'} pages)",
                            line=fm.first_line if fm else None,
                        )
                    )
            if "draft" in lower and fm is not None:
                v = data[lower["draft"]]
                rawv = None
                m = re.search(r"^\s*draft\s*[:=]\s*(.+?)\s*$", fm.text, re.I | re.M)
                if m:
                    rawv = m.group(1)
                if not isinstance(v, bool) or (
                    rawv is not None and rawv.lower() not in ("true", "false")
                ):
                    out.append(
                        Finding.of(
                            "F4",
                            rel,
                            f"draft: {rawv or v!r} — Hugo reads this differently from YAML",
                            line=fm.key_line(lower["draft"]),
                        )
                    )
            for key, value in _image_values(data):
                if not _image_exists(site, path, value):
                    out.append(
                        Finding.of(
                            "F6",
                            rel,
                            f"{key}: {value} does not exist in the page bundle, static/ or assets/",
                            line=fm.key_line(key) if fm else None,
                            url=value,
                        )
                    )
            al = data.get(lower.get("aliases", "aliases"))
            if isinstance(al, str):
                al = [al]
            if isinstance(al, list):
                for a in al:
                    if isinstance(a, str) and a.startswith("/"):
                        aliases["/" + a.strip("/") + "/" if not a.endswith(".html") else a].append(
                            rel
                        )
    if callable(rows):
        rows = rows()
    if rows:
        from urllib.parse import urlsplit

        by_url: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            link = r.get("permalink") or ""
            by_url[urlsplit(link).path or link].append(r.get("path") or "?")
        for url, paths in by_url.items():
            if len(paths) > 1:
                for p in paths[1:]:
                    out.append(Finding.of("F5", p, f"produces {url}, as does {paths[0]}", url=url))
        for url, paths in aliases.items():
            if url in by_url:
                # An alias naming the page itself is harmless (a leftover of a move): Hugo
                # keeps the page. One naming another page's URL is a real conflict: Hugo
                # (0.168, tests/validate/corpus/aliases) writes the redirect over that page,
                # so its readers land here instead.
                owner = by_url[url][0]
                for p in paths:
                    if p == owner:
                        continue
                    out.append(
                        Finding.of(
                            "F5",
                            p,
                            f"alias {url} is the URL of {owner}: Hugo writes this page's "
                            "redirect over it, so that page is lost",
                            url=url,
                        )
                    )
    for url, paths in aliases.items():
        if len(paths) > 1:
            for p in paths[1:]:
                out.append(
                    Finding.of("F5", p, f"alias {url} is also declared by {paths[0]}", url=url)
                )
    return out, n
