"""Fixtures for the work-pool tests: a PostgreSQL-backed Prefect server of their own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import public_read_policy
from tests.fleet.pool import PoolServer
from tests.postgres import Cluster, fresh_database
from tests.support import ROOT


@pytest.fixture(scope="session")
def pool_server(pg_cluster: Cluster, moto_endpoint: str) -> Iterator[PoolServer]:
    """A Prefect server on a fresh PostgreSQL database, every service on (as in production).

    Its own server, not the session's: ``prefect deploy`` would rebind the session's
    served deployments to the work pool under the other tests.
    """
    server = PoolServer(
        fresh_database(pg_cluster),
        extra={"HUGOPIPE_S3_ENDPOINT": moto_endpoint, "HUGOPIPE_APPROVAL_POLL_SECONDS": "1"},
    )
    try:
        yield server.start()
    finally:
        server.stop()


def site_copy(src: Path, dest: Path, bucket_prefix: str, s3) -> Path:
    """A copy of an example site whose buckets are ``<bucket_prefix>-<env>``, created on moto."""
    site = dest / src.name
    shutil.copytree(src, site, ignore=shutil.ignore_patterns(".hugopipe", "public", "resources"))
    for path in (site / "hugopipe.toml", site / "config" / "_default" / "hugo.toml"):
        text = path.read_text()
        for old in ("hugopipe-example", "hugopipe-docs"):
            text = text.replace(f"{old}-", f"{bucket_prefix}-")
        path.write_text(text)
    for env in ("dev", "staging", "production"):
        bucket = f"{bucket_prefix}-{env}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return site


EXAMPLES = (ROOT / "examples" / "site", ROOT / "examples" / "site-docs")
