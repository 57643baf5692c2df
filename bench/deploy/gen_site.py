"""Generate a deterministic Hugo site with N posts (the deploy benchmark's input).

Shaped like a typical Hugo blog: paginated home and sections (pagerSize 20), tags and
categories, RSS feeds, a sitemap, a stylesheet, a script and 40 images, so that the
phases produce realistic change sets (one edit touches the page and its feeds;
adding a post shifts pagination across lists).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
    "velit",
    "esse",
    "cillum",
    "eu",
    "fugiat",
    "nulla",
    "pariatur",
]
TAGS = [f"tag{i:02d}" for i in range(60)]
CATEGORIES = [f"cat{i}" for i in range(8)]

LAYOUTS = {
    "baseof.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="stylesheet" href="/css/site.css"></head><body><main>{{ block "main" . }}{{ end }}</main>
<script src="/js/site.js"></script></body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>
{{ .Content }}<p>{{ range .Params.tags }}<a href="{{ "/tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}</p>
<img src="/img/img{{ .Params.img }}.jpg" alt=""></article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}
<ul>{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary | plainify | truncate 80 }}</li>{{ end }}</ul>
{{ with $p.Next }}<a href="{{ .URL }}">next</a>{{ end }}{{ end }}
""",
    "home.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ $p := .Paginate (where .Site.RegularPages "Section" "posts") }}
<ul>{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
""",
}


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."


def post(i: int, rng: random.Random) -> str:
    tags = rng.sample(TAGS, 3)
    year = 2000 + i % 15
    date = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
    body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(3, 8)))
    return (
        f'+++\ntitle = "Post {i:05d}"\ndate = {date}\ntags = {tags!r}\ncategories = ["{rng.choice(CATEGORIES)}"]\n'
        f"img = {i % 40}\n+++\n\n{body}\n"
    ).replace("'", '"')


def generate(site: Path, n: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    (site / "content/posts").mkdir(parents=True, exist_ok=True)
    (site / "layouts").mkdir(parents=True, exist_ok=True)
    (site / "static/css").mkdir(parents=True, exist_ok=True)
    (site / "static/js").mkdir(parents=True, exist_ok=True)
    (site / "static/img").mkdir(parents=True, exist_ok=True)
    for name, body in LAYOUTS.items():
        (site / "layouts" / name).write_text(body)
    (site / "static/css/site.css").write_text(
        "body{font-family:sans-serif;max-width:40rem;margin:auto}\n" * 20
    )
    (site / "static/js/site.js").write_text("document.documentElement.classList.add('js');\n" * 20)
    for i in range(40):
        (site / f"static/img/img{i}.jpg").write_bytes(rng.randbytes(rng.randint(20_000, 200_000)))
    for i in range(n):
        (site / f"content/posts/post-{i:05d}.md").write_text(post(i, rng))


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
