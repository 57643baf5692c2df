"""Fixtures of the reliability suite: a fresh bucket on the session's moto server."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def s3(moto_endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(s3) -> str:
    name = "rel-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    return name
