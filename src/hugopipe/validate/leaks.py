"""E1: URLs that point at localhost, a private address or another environment's host.

E6 is the same match inside a JSON output: a search index's copy of page text.

Runs in the scan workers over the bytes of every file they read (pages, CSS, feeds,
sitemaps, JSON). Feeds run to tens of megabytes, and a case-insensitive regex over a
whole decoded feed cost 0.1 s per pass, so the scan first finds the lines that hold a
"://host" trigger with one search of the bytes, and decodes and searches only those.
``configure`` compiles the patterns for a worker's ``Context``.
"""

from __future__ import annotations

import re

from hugopipe.validate.context import Context
from hugopipe.validate.findings import line_of
from hugopipe.validate.records import Finding

PRIVATE_HOSTS = (
    r"localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1?\]|10\.\d{1,3}\.\d{1,3}\.\d{1,3}"
    r"|192\.168\.\d{1,3}\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.local(?![a-z0-9.-])"
)


def leak_pattern(other_hosts: list[str]) -> str:
    """Regex for URLs whose host is private, loopback or another environment's host."""
    hosts = PRIVATE_HOSTS
    if other_hosts:
        hosts += "|" + "|".join(re.escape(h) for h in other_hosts)
    return r"https?://(" + hosts + r")(?![a-z0-9.-])(?::\d+)?(?:[/?#][^\s\"'<>)\\]*)?"


_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|quot|lt|gt|apos);", re.I)

_TRIGGER_RX: re.Pattern[bytes] = re.compile(b"(?!)")
LEAK_TRIGGERS = (
    "://localhost",
    "://127.",
    "://0.0.0.0",
    "://[",
    "://10.",
    "://192.168.",
    "://172.",
)
# A *.local host: "://", host characters, ".local". The leak regex matches its host
# letters case-insensitively on decoded text, where "K" (Kelvin) and "ſ" count as
# letters too: any byte of a UTF-8 sequence is let through for them.
_LOCAL_TRIGGER = rb"[a-z0-9.\x80-\xff-]*\.local"
# What Python's re matches case-insensitively to an ASCII letter besides its other case
# (a test checks every code point). The leak regex runs on decoded text, so it finds
# "https://ſtaging.example.org/", and browsers send that to staging.example.org
# (UTS #46 maps ſ to s, the Kelvin sign to k): the byte trigger must let it through.
NON_ASCII_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def trigger_bytes(trigger: str) -> bytes:
    """A bytes pattern, searched with re.I, that matches wherever ``trigger`` matches
    the decoded text case-insensitively (it may match more; the text regex decides)."""
    out = []
    for ch in trigger:
        if ch.isascii():
            piece = re.escape(ch.encode())
            folds = NON_ASCII_FOLDS.get(ch.lower(), "")
            if folds:
                piece = b"(?:" + b"|".join([piece] + [f.encode() for f in folds]) + b")"
        else:  # any UTF-8 sequence, or an ASCII character re would take for it
            twins = [chr(a) for a in range(128) if re.fullmatch("(?i)" + re.escape(ch), chr(a))]
            piece = (
                b"(?:"
                + b"|".join([rb"[\x80-\xff]{2,4}"] + [re.escape(t.encode()) for t in twins])
                + b")"
            )
        out.append(piece)
    return b"".join(out)


def configure(ctx: Context) -> None:
    """Compile the leak patterns of ``ctx`` (once per worker)."""
    global _TRIGGER_RX, _LEAK_TAIL, _OWN_HOST
    triggers = LEAK_TRIGGERS + tuple("://" + h.lower() for h in ctx.other_hosts)
    assert all(t.startswith("://") for t in triggers)
    # one search for the "://host" triggers, in any letter case: the literal "://" lets the
    # regex engine skip ahead, so this costs about what a case-sensitive search does
    alternatives = [trigger_bytes(t[3:]) for t in triggers] + [_LOCAL_TRIGGER]
    _TRIGGER_RX = re.compile(b"://(?:" + b"|".join(alternatives) + b")", re.I)
    leak = ctx.leak_re
    _LEAK_TAIL = re.compile(leak[len(_SCHEME) :], re.I) if leak.startswith(_SCHEME) else None
    _OWN_HOST = ctx.site.host


_SCHEME = "https?"
_LEAK_TAIL: re.Pattern[str] | None = None  # the leak regex without its scheme
_OWN_HOST = ""


def _trigger_lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line of ``data`` that holds a trigger in any letter case, in
    order, each once. One search over the bytes; nothing is decoded or copied."""
    if _TRIGGER_RX.search(data) is None:
        return []  # almost every page: one search, no lists
    spans: list[tuple[int, int]] = []
    end = -1
    for h in [m.start() for m in _TRIGGER_RX.finditer(data)]:
        if h < end:
            continue  # on the line just taken
        a = data.rfind(b"\n", 0, h) + 1
        end = data.find(b"\n", h)
        if end < 0:
            end = len(data)
        spans.append((a, end))
    return spans


def scan_leaks(data: bytes, rel: str, out: list[Finding]) -> None:
    """E1: URLs that point at localhost, a private address or another environment.

    Feeds run to tens of megabytes, and a case-insensitive regex over a whole decoded
    feed cost 0.1 s per pass. So only the lines that hold a trigger are decoded and
    searched: a match never spans lines (URLs stop at white space), so the matches are
    the ones a search of the whole text finds, in the same order.
    """
    if _LEAK_TAIL is None:
        return
    spans = _trigger_lines(data)
    if not spans:
        return
    seen: set[str] = set()
    own = _OWN_HOST
    low = rel.lower()
    markup = low.endswith(MARKUP_EXT)
    # text in a JSON output (a search index Docsy or Book builds from page text) is a copy
    # of a page's words, not a link a reader follows: E6, a warning (the page itself reports
    # E1 where its URL is a link)
    rule = "E6" if low.endswith(".json") else "E1"
    shown: Shown | None = None
    for a, b in spans:
        cursor = a
        for url, host in leak_matches(data[a:b].decode("utf-8", "replace")):
            url = _ENTITY.split(url, 1)[0]
            at = data.find(url.encode("utf-8"), cursor, b)
            if at >= 0:
                cursor = at + 1
            if url in seen or host.lower() == own:
                continue
            if markup and at >= 0:
                if shown is None:
                    shown = Shown(data, feed=low.endswith(FEED_EXT))
                if shown(at):
                    continue
            seen.add(url)
            line = data.count(b"\n", 0, at) + 1 if at >= 0 else _line_in(data, url)
            out.append((rule, url, f"{url} points at {host}", line))


# Files whose text is markup: a URL there may be *shown* (a code sample) rather than used.
MARKUP_EXT = (".html", ".htm", ".xml", ".rss", ".atom")
# Feeds: one document per <item> (RSS) or <entry> (Atom), each a page's own HTML, escaped.
FEED_EXT = (".xml", ".rss", ".atom")
# The elements whose text shows code or keyboard input, the comment delimiters, and the
# end of a tag; each also in the escaped form a feed carries (``&lt;pre&gt;``). Every
# alternative starts with a byte that has no letter case ("<", "&", "-"), so the regex
# engine skips to those bytes in C; a group or a letter in front (the first version) made
# it try the whole pattern at every offset, 5x slower (``fastpath``, trick 6).
_SHOWN = re.compile(
    rb"<(/?)(?:pre|code|samp|kbd|xmp)(?=[\s>/&])|&lt;(/?)(?:pre|code|samp|kbd|xmp)(?=[\s>/&])"
    rb"|<!--|&lt;!--|-->|--&gt;",
    re.I,
)


class Shown:
    """Tells, for URLs at increasing byte offsets of one file, whether each is text *shown*
    to the reader rather than followed: inside ``pre``, ``code``, ``samp``, ``kbd``
    (documentation writing "the server is at http://localhost:1313/") or inside a comment.
    A URL in a tag (an attribute), in a script or in ordinary prose is used and counts.

    Asked only for a trigger a page holds (a few pages of a site), over the bytes before
    it, and never twice over the same bytes (a feed of 30 MB with a sample in every post
    is read once): no second parse. In a feed (``feed``) each ``<item>``/``<entry>`` is a
    page's HTML of its own, so the walk starts at the item that holds the URL: a code
    block a summary cut open in an earlier item does not hide a later item's leak, and a
    leak at the end of a 7 MB feed costs one item's bytes, not the whole feed (unless the
    item is inside a comment of the feed itself: then the walk goes on from where it was).
    """

    def __init__(self, data: bytes, feed: bool = False) -> None:
        self.data = data
        self.feed = feed
        self.pos = 0
        self.depth = 0
        self.in_comment = False
        # feeds: up to where the feed's own comments were looked for, and whether one is open
        self.xml_pos = 0
        self.in_xml_comment = False

    def __call__(self, at: int) -> bool:
        data = self.data
        if at < self.pos:  # not in order: start over (never happens in scan_leaks)
            self.pos, self.depth, self.in_comment = 0, 0, False
            self.xml_pos, self.in_xml_comment = 0, False
        if self.feed:
            item = _last_item(data, self.pos, at)
            if item > self.pos and not self._xml_comment_at(item):
                self.pos, self.depth, self.in_comment = item, 0, False
        for m in _SHOWN.finditer(data, self.pos, at):
            slash = m.lastindex  # the "/" group of the tag alternative that matched
            if slash is None:  # a comment delimiter: "<!--", "&lt;!--" open, "-->"... close
                self.in_comment = m.group()[0] != 45  # 45: "-"
            elif not self.in_comment:
                self.depth = max(0, self.depth + (-1 if m.group(slash) else 1))
        self.pos = at
        if self.in_comment:
            return True
        lt, gt = data.rfind(b"<", 0, at), data.rfind(b">", 0, at)
        if lt > gt:
            return False  # inside a tag: an attribute a browser follows
        return self.depth > 0

    def _xml_comment_at(self, item: int) -> bool:
        """Is offset ``item`` inside a comment of the feed itself (raw ``<!--``)? Decided by
        the last opener before it and any closer after that; each byte is searched once
        however many URLs are asked, and a feed without comments costs one ``rfind``."""
        data = self.data
        opened = _last_comment_open(data, self.xml_pos, item)
        if opened >= 0:
            self.in_xml_comment = data.find(b"-->", opened + 4, item) < 0
        elif self.in_xml_comment:
            self.in_xml_comment = data.find(b"-->", self.xml_pos, item) < 0
        self.xml_pos = item
        return self.in_xml_comment


def _last_comment_open(data: bytes, lo: int, hi: int) -> int:
    """``data.rfind(b"<!--", lo, hi)``, searched as the last "!" before it: a byte prose
    rarely holds, found with memrchr (7 MB without a comment: 0.07 ms, not 1.7 ms)."""
    end = hi
    while True:
        i = data.rfind(b"!", lo + 1, end)
        if i < 0:
            return -1
        if data[i - 1] == 60 and data[i + 1 : i + 3] == b"--" and i + 3 <= hi:  # 60: "<"
            return i - 1
        end = i


_ITEM_TAGS = (b"<item", b"<entry")


def _last_item(data: bytes, lo: int, hi: int) -> int:
    """Where the last ``<item>``/``<entry>`` start tag in ``data[lo:hi]`` begins (-1: none)."""
    best = -1
    for tag in _ITEM_TAGS:
        end = hi
        while True:
            i = data.rfind(tag, max(lo, best + 1), end)
            if i < 0:
                break
            if data[i + len(tag) : i + len(tag) + 1] in (b">", b" ", b"\t", b"\r", b"\n", b"/"):
                best = i
                break
            end = i + len(tag) - 1  # <items>, <entryx>: look further back
    return best


def shown_not_used(data: bytes, at: int) -> bool:
    """``Shown`` for one URL (tests and one-off callers)."""
    return Shown(data)(at)


def _line_in(data: bytes, url: str) -> int | None:
    """Line of the first occurrence of ``url``, counted in the bytes (no decode)."""
    i = data.find(url.encode("utf-8"))
    if i < 0:  # the URL holds a replacement character: count in the decoded text
        return line_of(data.decode("utf-8", "replace"), url)
    return data.count(b"\n", 0, i) + 1


def leak_matches(text: str) -> list[tuple[str, str]]:
    """(url, host) for each match of the leak regex, as ``finditer`` would give them.

    The regex itself is case-insensitive from its first letter, which leaves the regex
    engine no literal to skip ahead with; on a 30 MB feed that costs half a second.
    So we search for the part after the scheme (its literal prefix ``://`` is found at
    memchr speed) and check the scheme in front by hand. A match without the scheme is
    searched past its ``://`` only, so a URL inside its tail is still found.
    """
    tail = _LEAK_TAIL
    found: list[tuple[str, str]] = []
    if tail is None:
        return found
    pos = 0
    while True:
        m = tail.search(text, pos)
        if m is None:
            return found
        s = m.start()
        if text[max(0, s - 5) : s].lower() == "https":
            start = s - 5
        elif text[max(0, s - 4) : s].lower() == "http":
            start = s - 4
        else:
            pos = s + 3
            continue
        found.append((text[start : m.end()], m.group(1)))
        pos = m.end()
