"""Generate a Hugo site of N pages with planted defects and decoys (deterministic).

    python bench/validate/gen_site.py 5000 OUT_DIR

Writes OUT_DIR/planted.json: the planted defects (each with a token that
appears only in its broken URL), the extras only our rules know, and the decoys
(valid but tricky references that must not be reported as errors).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SECTIONS = 20

LAYOUT_BASEOF = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} | Bench site</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ .Title }} on the generated benchmark site, one of many pages.{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:image" content="{{ "images/img0.png" | absURL }}">
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/css/site.css">
<script src="/js/site.js" defer></script>
{{ block "head" . }}{{ end }}
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/s00/">Section 0</a> <a href="/tags/">Tags</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><a href="#top">Top</a></footer>
</body>
</html>
"""
LAYOUT_SINGLE = """{{ define "main" }}<article><h1 id="top">{{ .Title }}</h1>{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ (printf "/tags/%s/" (. | urlize)) }}">{{ . }}</a> {{ end }}</p></article>{{ end }}
"""
LAYOUT_LIST = """{{ define "main" }}<h1 id="top">{{ .Title }}</h1>
<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasNext }}<a href="{{ .Next.URL }}">next</a>{{ end }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">prev</a>{{ end }}{{ end }}{{ end }}
"""
LAYOUT_HOME = """{{ define "main" }}<h1 id="top">Bench site</h1><p>Home of the generated benchmark site.</p>
<ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"""
HUGO_TOML = """baseURL = "https://example.org/"
title = "Bench site"
languageCode = "en"
disableKinds = []
enableRobotsTXT = true
[pagination]
pagerSize = 20
[markup.goldmark.renderer]
unsafe = true
[taxonomies]
tag = "tags"
"""
ROBOTS = """User-agent: *
Disallow:
Sitemap: {{ "sitemap.xml" | absURL }}
"""


def page_id(s: int, i: int) -> str:
    return f"/s{s:02d}/p{i:05d}/"


def main(n: int, out: Path) -> None:
    rnd = random.Random(42)
    per = n // SECTIONS
    all_pages = [(s, s * per + i) for s in range(SECTIONS) for i in range(per)]
    for d in ("layouts/_default", "static/css", "static/js", "static/images", "content"):
        (out / d).mkdir(parents=True, exist_ok=True)
    (out / "hugo.toml").write_text(HUGO_TOML)
    (out / "layouts/_default/baseof.html").write_text(LAYOUT_BASEOF)
    (out / "layouts/_default/single.html").write_text(LAYOUT_SINGLE)
    (out / "layouts/_default/list.html").write_text(LAYOUT_LIST)
    (out / "layouts/index.html").write_text(LAYOUT_HOME)
    (out / "layouts/robots.txt").write_text(ROBOTS)
    (out / "static/css/site.css").write_text("body{background:url(../images/img1.png)}\n")
    (out / "static/js/site.js").write_text("console.log('bench');\n")
    (out / "static/favicon.ico").write_bytes(b"\0")
    (out / "static/files").mkdir(exist_ok=True)
    (out / "static/files/guide.pdf").write_bytes(b"%PDF-1.4\n")
    for k in range(20):
        (out / f"static/images/img{k}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for s in range(SECTIONS):
        (out / f"content/s{s:02d}").mkdir(parents=True, exist_ok=True)
        (out / f"content/s{s:02d}/_index.md").write_text(f"---\ntitle: Section {s}\n---\n")
    # special pages: planted defects, extras and decoys each on a distinct page
    specials = rnd.sample(all_pages[SECTIONS:], 40)
    planted, extras, decoys = [], [], []
    body_extra: dict[tuple[int, int], str] = {}

    def plant(token: str, md: str, kind: str) -> None:
        page = specials[len(planted) + len(extras) + len(decoys)]
        body_extra[page] = md
        planted.append({"page": page_id(*page), "token": token, "kind": kind})

    def extra(rule: str, token: str, md: str) -> None:
        page = specials[len(planted) + len(extras) + len(decoys)]
        body_extra[page] = md
        extras.append({"page": page_id(*page), "rule": rule, "token": token})

    def decoy(what: str, md: str) -> None:
        page = specials[len(planted) + len(extras) + len(decoys)]
        body_extra[page] = md
        decoys.append({"page": page_id(*page), "what": what})

    t = all_pages[7]
    plant("/s01/p99999991/", "[gone](/s01/p99999991/)", "missing page (root-relative)")
    plant("/s02/p99999992/", "[gone](/s02/p99999992/)", "missing page (root-relative)")
    plant("no-such-page", "[gone](../no-such-page/)", "missing page (../ relative)")
    plant("missing.pdf", "[pdf](/files/missing.pdf)", "missing file")
    for k in range(1, 5):
        tp = all_pages[10 + k]
        plant(
            f"no-such-heading-{k}",
            f"[frag]({page_id(*tp)}#no-such-heading-{k})",
            "missing cross-page fragment",
        )
    plant("nowhere", "[here](#nowhere)", "missing same-page fragment")
    plant("missing-1.png", "![an image](/images/missing-1.png)", "missing image (markdown)")
    plant("missing-2.png", '<img src="/images/missing-2.png" alt="raw">', "missing image (raw img)")
    plant("missing.js", '<script src="/js/missing.js"></script>', "missing script")
    plant("missing.css", '<link rel="stylesheet" href="/css/missing.css">', "missing stylesheet")
    extra("E1", "localhost:1313", "[dev](http://localhost:1313/s00/p00001/)")
    extra("A2", "img-only-link", "[![](/images/img1.png)](/s00/)")
    alias_pages = [all_pages[20], all_pages[21], all_pages[22]]
    for ap in alias_pages:
        decoy("link to a Hugo alias page", f"[old](/old/p{ap[1]:05d}/)")
    for k in range(3):
        tp = all_pages[30 + k]
        decoy("directory link without trailing slash", f"[dir]({page_id(*tp).rstrip('/')})")
    decoy("query string", f"[q]({page_id(*t)}?utm_source=x)")
    decoy("absolute production URL", f"[abs](https://example.org{page_id(*t)})")
    decoy("explicit index.html", f"[idx]({page_id(*t)}index.html)")
    decoy('href="#"', '<a href="#">nothing</a>')
    decoy("valid cross-page #details", f"[d]({page_id(*t)}#details)")
    decoy("percent-encoded fragment of a unicode heading", "## Über uns\n\n[u](#%C3%BCber-uns)")
    decoy("a[name] anchor", '<a name="legacy-anchor"></a>[l](#legacy-anchor)')
    decoy("#top and text fragment", "[t](#top) [tf](#:~:text=hello)")
    decoy(
        "srcset with two candidates",
        '<img src="/images/img2.png" srcset="/images/img2.png 1x, /images/img3.png 2x" alt="two">',
    )
    decoy(
        "protocol-relative external and tel/mailto",
        "[cdn](//cdn.example.net/lib.js) [call](tel:+4912345) [m](mailto:a@example.org)",
    )
    decoy(
        "pagination and taxonomy and RSS",
        "[p2](/s01/page/2/) [tag](/tags/bench/) [rss](/index.xml)",
    )
    decoy("existing file with query and fragment", "[pdf](/files/guide.pdf?v=1#page=2)")
    (out / "planted.json").write_text(
        json.dumps({"planted": planted, "extras": extras, "decoys": decoys}, indent=1)
    )
    for s, i in all_pages:
        links = []
        for _ in range(6):
            ts, ti = rnd.choice(all_pages)
            links.append(f"[page {ti}]({page_id(ts, ti)})")
        for _ in range(2):
            ts, ti = rnd.choice(all_pages)
            links.append(f"[details {ti}]({page_id(ts, ti)}#details)")
        for _ in range(2):
            ts, ti = rnd.choice([p for p in all_pages[s * per : (s + 1) * per]])
            links.append(f"[sibling {ti}](../p{ti:05d}/)")
        img = f"![figure {i % 20}](/images/img{i % 20}.png)"
        fm = f"---\ntitle: Page {i} of section {s}\ndate: 2024-01-01\ntags: [bench, t{i % 50}]\n"
        if (s, i) in alias_pages:
            fm += f"aliases: [/old/p{i:05d}/]\n"
        fm += "---\n"
        body = (
            f"## Overview\n\nPage {i}. "
            + " ".join(links[:4])
            + f"\n\n{img}\n\n## Details\n\n"
            + " ".join(links[4:])
            + f"\n\n## Summary\n\nSee [example](https://example.com/ref/{i % 50}) "
            "or [mail](mailto:bench@example.org).\n"
        )
        if (s, i) in body_extra:
            body += "\n" + body_extra[(s, i)] + "\n"
        (out / f"content/s{s:02d}/p{i:05d}.md").write_text(fm + body)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
