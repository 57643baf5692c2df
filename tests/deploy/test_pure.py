"""Pure parts: content types, globs, URL params, the diff and the invalidation collapse rule."""

from __future__ import annotations

import pytest

from hugopipe.deploy.cloudfront import collapse, encode_path, invalidation_paths, url_forms
from hugopipe.deploy.headers import Headers, Matcher, default_content_type, upload_class
from hugopipe.deploy.local import LocalFile
from hugopipe.deploy.models import ObjectState, UploadReason
from hugopipe.deploy.plan import diff
from hugopipe.deploy.targets import DeployTarget, glob_to_regex, parse_target_url
from hugopipe.errors import ConfigError


@pytest.mark.parametrize(
    ("key", "ctype"),
    [
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("posts/index.xml", "application/rss+xml; charset=utf-8"),
        ("a/b.html", "text/html; charset=utf-8"),
        ("x.woff", "font/woff"),
        ("x.JPG", "image/jpeg"),
        ("noext", "application/octet-stream"),
    ],
)
def test_default_content_types(key, ctype):
    assert default_content_type(key) == ctype


@pytest.mark.parametrize(
    ("glob", "yes", "no"),
    [
        ("**.html", ["a.html", "a/b/c.html"], ["a.htm"]),
        ("*.html", ["a.html"], ["a/b.html"]),
        ("{css,js}/**", ["css/a.css", "js/x/y.js"], ["img/a.png"]),
        ("file?.txt", ["file1.txt"], ["file10.txt"]),
    ],
)
def test_glob_like_hugo(glob, yes, no):
    rx = glob_to_regex(glob)
    assert all(rx.match(y) for y in yes) and not any(rx.match(n) for n in no)


def test_target_url_params():
    f = parse_target_url(
        "s3://b?endpoint=127.0.0.1:9000&disable_https=true&s3ForcePathStyle=true&prefix=p/"
    )
    assert f["endpoint"] == "http://127.0.0.1:9000" and f["path_style"] and f["prefix"] == "p/"
    with pytest.raises(ConfigError, match="not s3://"):
        parse_target_url("gs://b")
    with pytest.raises(ConfigError, match="disableSSL"):
        parse_target_url("s3://b?disableSSL=true")


def test_upload_classes():
    assert [
        upload_class(k) for k in ("a.css", "a/index.html", "sitemap.xml", "index.xml", "x.png")
    ] == [0, 1, 2, 2, 0]


def _lf(key, sha="m", ctype="text/html; charset=utf-8", **kw):
    return LocalFile(
        path=key, key=key, sha256=sha, size=1, headers=Headers(content_type=ctype), **kw
    )


def _rs(sha="m", ctype="text/html; charset=utf-8", etag=None):
    return ObjectState(sha256=sha, size=1, etag=etag, headers=Headers(content_type=ctype))


def test_diff_reasons_and_order():
    t = DeployTarget(name="t", url="s3://b", bucket="b", include="**", exclude="keep/**")
    local = {
        "new.html": _lf("new.html"),
        "same.html": _lf("same.html"),
        "changed.css": _lf("changed.css", sha="new", ctype="text/css; charset=utf-8"),
        "hdr.xml": _lf("hdr.xml", ctype="application/xml; charset=utf-8"),
        "foreign.txt": _lf("foreign.txt", sha="s", _md5="abc", ctype="text/plain; charset=utf-8"),
        "pending.html": _lf("pending.html"),
    }
    remote = {
        "same.html": _rs(),
        "changed.css": _rs(sha="old", ctype="text/css; charset=utf-8"),
        "hdr.xml": _rs(ctype="application/rss+xml"),
        "foreign.txt": _rs(sha=None, ctype="text/plain; charset=utf-8", etag="abc"),
        "pending.html": _rs(),
        "gone.html": _rs(),
        "keep/other.html": _rs(),
    }
    uploads, deletes, kept = diff(local, remote, t, pending={"pending.html"})
    reasons = {u.key: u.reason for u in uploads}
    assert reasons == {
        "new.html": UploadReason.NEW,
        "changed.css": UploadReason.CONTENT,
        "hdr.xml": UploadReason.HEADERS,
        "pending.html": UploadReason.UNKNOWN,
    }
    assert [u.key for u in uploads] == ["changed.css", "new.html", "pending.html", "hdr.xml"]
    assert [u.group for u in uploads] == [0, 1, 1, 2]
    assert [d.key for d in deletes] == ["gone.html"]  # excluded keys are never deleted
    assert set(kept) == {
        "same.html",
        "foreign.txt",
    }  # a foreign object with a matching ETag is kept


def test_url_forms_and_encoding():
    assert url_forms("index.html") == ["/", "/index.html"]
    assert url_forms("a/b/index.html") == ["/a/b/", "/a/b/index.html"]
    assert url_forms("a/b/index.html", strip_index_html=True) == ["/a/b/"]
    assert encode_path("/über uns/a+b.html") == "/%C3%BCber%20uns/a+b.html"


def test_collapse_keeps_every_path_covered():
    paths = [f"/posts/p{i}/" for i in range(12)] + ["/tags/a/", "/tags/b/", "/index.xml", "/"]
    out = collapse(paths, 8)
    assert len(out) <= 8
    for p in paths:
        assert p in out or any(w.endswith("*") and p.startswith(w[:-1]) for w in out)
    assert collapse(paths, 100) == sorted(paths)
    assert collapse([f"/d{i}/x" for i in range(50)], 5) == ["/*"]


def test_dedupe_drops_exactly_the_paths_another_wildcard_covers():
    # the prefix-set lookup must agree with the definition: covered by a wildcard other than itself
    import random

    from hugopipe.deploy.cloudfront import _dedupe

    rng = random.Random(7)
    parts = ["a", "b", "ab", "c"]
    for _ in range(300):
        paths = set()
        for _ in range(rng.randint(1, 12)):
            p = "/" + "/".join(rng.choice(parts) for _ in range(rng.randint(0, 3)))
            paths.add(p + rng.choice(["", "/", "*", "/*"]))
        expected = {
            p
            for p in paths
            if not any(w != p and w.endswith("*") and p.startswith(w[:-1]) for w in paths)
        }
        assert _dedupe(set(paths)) == expected, sorted(paths)


def test_first_deploy_of_a_large_site_collapses_to_few_wildcards():
    files = [f"posts/post-{i:05d}/index.html" for i in range(5000)] + ["index.html", "css/a.css"]
    out = invalidation_paths(files, threshold=100)
    assert out == ["/", "/css/a.css", "/index.html", "/posts/*"]


def test_fingerprinted_assets_need_no_invalidation():
    assert invalidation_paths(["css/main.0123456789abcdef0123456789abcdef.css"], threshold=8) == []


def test_matcher_uses_hugo_field_names():
    m = Matcher.model_validate(
        {"pattern": "x", "cachecontrol": "c", "contenttype": "t", "gzip": True}
    )
    assert (m.cache_control, m.content_type, m.gzip) == ("c", "t", True)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 10_000])
def test_scan_hashes_whole_files_across_read_chunks(tmp_path, monkeypatch, size):
    """The hash and size cover every byte, whether a file fits one read or needs several."""
    import hashlib

    from hugopipe import outputwalk
    from hugopipe.deploy import scan

    monkeypatch.setattr(outputwalk, "READ_CHUNK", 4096)
    data = bytes(i % 251 for i in range(size))
    (tmp_path / "f.bin").write_bytes(data)
    (sf,) = scan.scan_public(tmp_path, workers=1).files
    assert (sf.sha256, sf.size) == (hashlib.sha256(data).hexdigest(), size)
