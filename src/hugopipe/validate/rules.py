"""The rule catalogue: id, default severity per kind of environment, and the fix hint.

Severity means what it says. **error**: a reader or a crawler meets something broken (a
link or image that 404s, a fragment that is not there, a dev URL, a blank page, a sitemap
that sends crawlers to a missing page, production hidden from search, unpublished content
out), and the deploy stops. **warning**: worth fixing, nothing is broken (length of a
title, a missing canonical, a redirect hop). docs/validation.md lists each rule's level
and why; a change of level is recorded there.

Severities differ between production and other environments on purpose: a
localhost URL or a draft in a staging build is worth a warning, in production it
is a deploy blocker. ``off`` disables a rule; projects override any of these in
``[validate.severity]`` or ``[validate.environments.<env>.severity]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Level = Literal["error", "warning", "off"]
Scope = Literal["output", "source", "external"]


class Rule(BaseModel):
    id: str
    title: str
    production: Level
    other: Level
    hint: str
    scope: Scope = "output"


def _r(
    id: str, title: str, production: Level, other: Level | None, hint: str, scope: Scope = "output"
) -> Rule:
    return Rule(
        id=id,
        title=title,
        production=production,
        other=production if other is None else other,
        hint=hint,
        scope=scope,
    )


_RULES = [
    # L: internal links and assets
    _r(
        "L1",
        "internal reference resolves to a file in the output",
        "error",
        None,
        "fix the link or add the missing file (content/, static/ or assets/); the page named is the built page, its source is the matching content file",
    ),
    _r(
        "L2",
        "#fragment exists on the target page",
        "error",
        None,
        "link to an existing heading id (Hugo derives ids from heading text) or add an explicit {#id}",
    ),
    _r(
        "L3",
        "link to a directory without a trailing slash",
        "warning",
        None,
        "add the trailing slash: it saves a redirect and keeps relative links working on hosts that do not redirect",
    ),
    _r(
        "L4",
        "link points at a Hugo alias (redirect) page",
        "warning",
        None,
        "link to the alias target directly: it saves a hop and keeps the #fragment",
    ),
    _r("L5", "empty href/src", "error", None, "give the reference a target or remove the element"),
    _r(
        "L6",
        "target exists only with different letter case",
        "error",
        None,
        "match the file name's case exactly: S3, CloudFront and Linux are case-sensitive",
    ),
    _r(
        "L7",
        "internal link written as an absolute URL of this site",
        "off",
        None,
        "use relURL/.RelPermalink so the link works in every environment",
    ),
    _r(
        "L8",
        "a _redirects rule sends readers to a page that is not in the output",
        "error",
        None,
        "fix the rule's target (the line named in _redirects) or add the page it names",
    ),
    _r(
        "L9",
        "a _redirects line is not a rule",
        "warning",
        None,
        "write `/from /to [status]` (the host skips a line it cannot read)",
    ),
    # E: environment leaks
    _r(
        "E1",
        "URL points at localhost, a private address or another environment's host",
        "error",
        "warning",
        "replace the development/staging URL with a relative link or the production URL (check hugo.toml baseURL per environment)",
    ),
    _r(
        "E2",
        "livereload script in the output",
        "error",
        "warning",
        "never deploy the output of `hugo server`; build with `hugo` into a clean directory",
    ),
    _r(
        "E3",
        "canonical, og:url, sitemap or robots Sitemap URL not on this environment's host",
        "error",
        "warning",
        "generate these URLs from .Permalink / absURL so they follow the environment's baseURL",
    ),
    _r(
        "E4",
        "http:// subresource on an https site (mixed content)",
        "error",
        None,
        "load the resource over https:// or serve it from the site itself",
    ),
    _r(
        "E5",
        "production home page is marked noindex",
        "error",
        "off",
        "remove the robots noindex meta from the production configuration (it belongs to staging only)",
    ),
    _r(
        "E6",
        "URL to localhost, a private address or another environment inside a JSON output",
        "warning",
        None,
        "a search index copies page text: fix the page that writes the URL (E1 names it when it is a link)",
    ),
    # R: robots.txt and indexability
    _r(
        "R1",
        "robots.txt disallows everything in production",
        "error",
        "off",
        "production robots.txt must not contain `Disallow: /` for `User-agent: *`; keep that for staging",
    ),
    _r(
        "R2",
        "robots.txt missing or its Sitemap line is wrong",
        "warning",
        "off",
        'set enableRobotsTXT = true and add `Sitemap: {{ "sitemap.xml" | absURL }}` to layouts/robots.txt',
    ),
    _r(
        "R3",
        "non-production environment is indexable",
        "off",
        "warning",
        "disallow all in robots.txt or add <meta name=robots content=noindex> for this environment",
    ),
    # M: sitemap
    _r(
        "M1",
        "sitemap.xml exists and parses",
        "error",
        "warning",
        "enable Hugo's sitemap output and check layouts/sitemap.xml",
    ),
    _r(
        "M2",
        "every sitemap URL maps to an indexable page in the output",
        "error",
        "warning",
        "exclude the page from the sitemap (sitemap: {disable: true}) or fix its URL",
    ),
    _r(
        "M3",
        "every indexable page is in the sitemap",
        "warning",
        None,
        "remove `sitemap.disable` from the page, or mark it noindex if it should stay out of search",
    ),
    # D: publication state
    _r(
        "D1",
        "draft, future or expired content in the output",
        "error",
        "warning",
        "build without --buildDrafts/--buildFuture/--buildExpired (and without buildDrafts = true in this environment's config)",
    ),
    _r(
        "D2",
        "page becomes visible within 24 hours",
        "warning",
        "off",
        "schedule a rebuild after the publishDate so the post appears",
    ),
    # S: SEO basics
    _r(
        "S1",
        "<title> missing or empty",
        "warning",
        None,
        "give the page a title in its front matter and render it in <head>",
    ),
    _r(
        "S2",
        "title length outside 10–70 characters",
        "warning",
        None,
        "aim for 10–60 characters; search engines truncate longer titles",
    ),
    _r("S3", "duplicate title", "warning", None, "make each page's title unique"),
    _r(
        "S4",
        "meta description missing or outside 50–160 characters",
        "warning",
        None,
        "add a `description` to the front matter and render it as <meta name=description>",
    ),
    _r(
        "S5",
        "duplicate meta description",
        "warning",
        None,
        "write a distinct description for each page",
    ),
    _r(
        "S6",
        "<html lang> or doctype missing",
        "warning",
        None,
        'set languageCode in hugo.toml and render <html lang="{{ .Site.Language.LanguageCode }}">',
    ),
    _r(
        "S7",
        "canonical link missing or not resolving",
        "warning",
        None,
        'render <link rel=canonical href="{{ .Permalink }}"> in <head>',
    ),
    # A: accessibility subset
    _r(
        "A1",
        "<img> without alt attribute",
        "error",
        None,
        'add alt text (alt="" only for decorative images)',
    ),
    _r(
        "A2",
        "link with no accessible name",
        "warning",
        None,
        "give the link text, an aria-label, or an image with alt text",
    ),
    # P: page/file hygiene
    _r(
        "P1",
        "empty page",
        "error",
        None,
        "the page rendered no content: check its layout and that the content file has a body",
    ),
    _r(
        "P2",
        "file larger than the configured limit",
        "warning",
        None,
        "compress or resize the file (Hugo image processing), or raise the limit in [validate]",
    ),
    # B: the build itself (reported by `hugopipe validate` when Hugo fails)
    _r(
        "B1",
        "Hugo build failed",
        "error",
        None,
        "fix the file and line Hugo names (template errors are in layouts/, front matter in content/)",
        "source",
    ),
    # F: front matter (source)
    _r(
        "F1",
        "front matter parses",
        "error",
        None,
        "fix the YAML/TOML syntax at the line named",
        "source",
    ),
    _r(
        "F2",
        "date field is not a valid date",
        "error",
        None,
        "use an ISO 8601 date such as 2026-01-31 or 2026-01-31T09:00:00Z",
        "source",
    ),
    _r(
        "F3",
        "required front matter key missing",
        "error",
        None,
        "add the key named (required keys are set in [validate.required] of hugopipe.toml)",
        "source",
    ),
    _r(
        "F4",
        "non-canonical boolean in draft",
        "warning",
        None,
        "write draft: true or draft: false; Hugo and YAML parsers disagree on yes/no and quoted values",
        "source",
    ),
    _r(
        "F5",
        "two pages produce the same URL, or claim the same alias",
        "error",
        None,
        "change the slug/url/aliases of one of the pages so every URL is unique",
        "source",
    ),
    _r(
        "F6",
        "front matter image does not exist",
        "error",
        None,
        "add the image to the page bundle, static/ or assets/, or fix the path",
        "source",
    ),
    # N: external (nightly)
    _r(
        "N1",
        "external link broken",
        "error",
        None,
        "update or remove the link; the page named holds it",
        "external",
    ),
    _r("N2", "external link redirects", "warning", None, "link to the final URL", "external"),
    _r(
        "N3",
        "external link could not be verified (rate limit, timeout, 5xx)",
        "warning",
        None,
        "retried with backoff; it will be re-checked on the next run",
        "external",
    ),
    # L (continued): references a browser may fetch but a reader does not need
    _r(
        "L10",
        "optional reference (preload/prefetch hint, web app manifest, form posted to a server) resolves nowhere",
        "warning",
        None,
        "fix or remove the hint; a POST form's action is often a server route the output does not hold (accept the finding then)",
    ),
    _r(
        "L11",
        "link resolves only through a _redirects rule S3 does not serve (splat, placeholder, 307/308)",
        "warning",
        None,
        "link to the rule's target directly; on S3 the link 404s (only plain 301/302 rules deploy)",
    ),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
