"""The upload order that never lets a reader follow a link to something not there yet.

Apply uploads group after group, each one complete before the next starts
(``UploadItem.group``), so an interruption at any moment leaves only objects whose
new references are already in the bucket:

1. new and changed assets (and new feeds that an uploaded page links to);
2. pages, in levels: first those that link to no new page, then each page after every
   new page it links to (pages that link to each other, like a new post and its new tag
   page, form one level: there is no order that serves both);
3. feeds and sitemaps (they list the new pages);
4. redirects (Hugo's alias pages, and the website redirects of ``_redirects``) last.

Hugo's ``[deployment] order`` regexes order the uploads *within* each of these groups: a
site's ``order = ['.(css|js)$', '.html$']`` (assets first, as people write it) would
otherwise put a new section's feed after the list page that links to it. Pure: the
references of each page come from the ``refs`` function.

Only references to ``wanted`` paths can break a reader's link mid-deploy: a page or feed
that may not be in the bucket yet, or an object this deploy deletes. When there is none
(the common edit: changed pages, no new page, no delete), no page is read and the
uploads keep the planner's groups (assets, pages, feeds), as before the link order.
"""

from __future__ import annotations

from collections.abc import Callable

from hugopipe.deploy.headers import UploadClass, upload_class
from hugopipe.deploy.links import PageRefs
from hugopipe.deploy.models import UploadItem, UploadReason
from hugopipe.deploy.targets import DeployTarget

#: Uploads that may not be in the bucket yet: a page must not go up before them.
MAYBE_ABSENT = frozenset({UploadReason.NEW, UploadReason.UNKNOWN})


def _regex_group(target: DeployTarget, path: str) -> int:
    for i, rx in enumerate(target.order_res):
        if rx.search(path):
            return i
    return len(target.order_res)


def page_levels(edges: dict[str, set[str]]) -> dict[str, int]:
    """Longest chain of dependencies below each node; a cycle shares one level (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    comps: list[list[str]] = []  # in reverse topological order: dependencies first
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp[m] = len(comps)
                    members.append(m)
                    if m == node:
                        break
                comps.append(members)
    comp_level: list[int] = []
    for c, members in enumerate(comps):
        level = 0
        for m in members:
            for d in edges.get(m, ()):
                if comp[d] != c:
                    level = max(level, comp_level[comp[d]] + 1)
        comp_level.append(level)
    return {n: comp_level[comp[n]] for n in index}


def wanted_paths(uploads: list[UploadItem], deleted: set[str] | frozenset[str]) -> frozenset[str]:
    """The paths whose references order the uploads: pages and feeds that may not be in the
    bucket yet (a new asset goes up first anyway), and the objects being deleted."""
    return frozenset(
        u.path
        for u in uploads
        if u.reason in MAYBE_ABSENT
        and u.redirect is None
        and upload_class(u.path) in (UploadClass.HTML, UploadClass.FEED)
    ) | frozenset(deleted)


def assign_groups(
    uploads: list[UploadItem],
    target: DeployTarget,
    refs: Callable[[UploadItem], PageRefs],
    wanted: frozenset[str] | None = None,
) -> tuple[list[UploadItem], dict[str, frozenset[str]]]:
    """Uploads sorted and numbered by group; and each uploaded page's references to ``wanted``.

    ``wanted`` defaults to ``wanted_paths(uploads, frozenset())``; when it is empty the uploads are
    returned as the planner grouped them and no page is read.
    """
    if wanted is None:
        wanted = wanted_paths(uploads, frozenset())
    if not wanted:
        return uploads, {}
    absent = {u.path for u in uploads if u.reason in MAYBE_ABSENT}
    cls = {u.path: upload_class(u.path) for u in uploads}
    page_refs: dict[str, frozenset[str]] = {}
    redirects: set[str] = set()
    for u in uploads:
        if u.redirect is not None:  # a website redirect from _redirects: no body to read
            redirects.add(u.path)
        elif cls[u.path] == UploadClass.HTML:
            r = refs(u)
            page_refs[u.path] = r.refs & wanted
            if r.redirect:
                redirects.add(u.path)
    early_feeds = {
        d for rs in page_refs.values() for d in rs if d in absent and cls.get(d) == UploadClass.FEED
    }
    pages = set(page_refs) - redirects
    edges = {p: {d for d in page_refs[p] if d in absent and d in pages} for p in pages}
    levels = page_levels(edges)
    top = max(levels.values(), default=0)

    def rank(u: UploadItem) -> int:
        c = cls[u.path]
        if u.path in redirects:
            return top + 3
        if c == UploadClass.ASSET or u.path in early_feeds:
            return 0
        if c == UploadClass.FEED:
            return top + 2
        return 1 + levels.get(u.path, 0)

    keyed = [((rank(u), _regex_group(target, u.path)), u) for u in uploads]
    ranks = {g: i for i, g in enumerate(sorted({g for g, _ in keyed}))}
    out = []
    for g, item in sorted(keyed, key=lambda t: (t[0], t[1].key)):
        item.group = ranks[g]
        out.append(item)
    return out, page_refs
