"""Small hand-written outputs: one good site, and helpers to break exactly one thing."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = "https://www.example.org/"
DESC = "A description of this page that is long enough to be useful to readers."


def page(
    url: str,
    *,
    title: str | None = None,
    body: str = "<p>Hello there</p>",
    head: str = "",
    lang: str = ' lang="en"',
    description: str | None = DESC,
    canonical: bool = True,
    base: str = BASE,
) -> str:
    title = title if title is not None else f"Page at {url} here"
    desc = f'<meta name="description" content="{description} {url}">' if description else ""
    canon = f'<link rel="canonical" href="{base.rstrip("/")}{url}">' if canonical else ""
    return (
        f"<!doctype html><html{lang}><head><meta charset=utf-8><title>{title}</title>"
        f"{desc}{canon}{head}</head><body>{body}</body></html>"
    )


def alias(target: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>{target}</title>'
        f'<link rel="canonical" href="{target}"><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={target}"></head></html>'
    )


def sitemap(urls: list[str], base: str = BASE) -> str:
    locs = "".join(f"<url><loc>{base.rstrip('/')}{u}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    )


class Out:
    """A built output in tmp_path that tests edit file by file."""

    def __init__(self, root: Path, base: str = BASE):
        self.root = root
        self.base = base
        self.pages = ["/", "/about/", "/blog/", "/blog/post/"]
        self.write(
            "index.html",
            page(
                "/",
                body='<h2 id="intro">Intro</h2><a href="/about/">About us</a> <a href="/blog/post/#part-2">Post</a>',
                base=base,
            ),
        )
        self.write(
            "about/index.html",
            page(
                "/about/",
                base=base,
                body='<p>About</p><img src="/img/a.png" alt="A"><a href="../blog/">Blog</a>',
            ),
        )
        self.write("blog/index.html", page("/blog/", base=base, body='<a href="post/">Post</a>'))
        self.write(
            "blog/post/index.html",
            page(
                "/blog/post/",
                base=base,
                body='<h2 id="part-2">Part 2</h2><a href="#part-2">again</a>',
            ),
        )
        self.write("img/a.png", "png")
        self.write("css/site.css", "body{background:url(../img/a.png)}")
        self.write("robots.txt", f"User-agent: *\nDisallow:\nSitemap: {base}sitemap.xml\n")
        self.refresh_sitemap()

    def write(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def add_page(self, url: str, body: str = "<p>More</p>", **kw) -> None:
        self.pages.append(url)
        self.write(url.strip("/") + "/index.html", page(url, body=body, base=self.base, **kw))
        self.refresh_sitemap()

    def refresh_sitemap(self) -> None:
        self.write("sitemap.xml", sitemap(self.pages, self.base))

    def validate(
        self, env: str = "production", production: bool = True, config: dict | None = None
    ):
        from hugopipe.validate import validate_public

        return validate_public(
            self.root, base_url=self.base, env=env, production=production, config=config, jobs=1
        )


@pytest.fixture
def out(tmp_path: Path) -> Out:
    return Out(tmp_path / "public")


def rules(report) -> set[str]:
    return {f.rule for f in report.findings}
