"""Fixtures of the reliability suite: a fresh bucket on the session's moto server (``moto_endpoint``
and ``s3`` are tests/conftest.py's)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def bucket(s3) -> str:
    name = "rel-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    return name
