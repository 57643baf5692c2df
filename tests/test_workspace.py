"""Paths from task files and parameters cannot leave the workspace (hugopipe.workspace)."""

from __future__ import annotations

import os

import pytest

from hugopipe.errors import ConfigError
from hugopipe.workspace import inside, within


def test_paths_resolve_inside_the_workspace(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    (ws / "site").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", ws / "link")
    monkeypatch.setenv("HUGOPIPE_WORKSPACE", str(ws))
    assert inside("site", what="site") == ws / "site"
    assert inside(ws / "site" / ".." / "site", what="site") == ws / "site"
    for escape in ("../elsewhere", str(tmp_path / "elsewhere"), "link", "site/../../elsewhere"):
        with pytest.raises(ConfigError, match="outside the workspace") as ei:
            inside(escape, what="params.site_path", file="task.md", line=4)
        assert ei.value.location() == "task.md:4" and "HUGOPIPE_WORKSPACE" in (ei.value.hint or "")
    monkeypatch.setenv(
        "HUGOPIPE_WORKSPACE", os.pathsep.join([str(ws), str(tmp_path / "elsewhere")])
    )
    assert inside(tmp_path / "elsewhere", what="site") == tmp_path / "elsewhere"


def test_within_is_by_path_component_not_prefix():
    assert within("/a/b", "/a") and within("/a", "/a")
    assert not within("/ab", "/a") and not within("/", "/a")
