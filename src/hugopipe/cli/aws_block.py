"""The CLI's loader of the prefect-aws ``AwsCredentials`` block, for ``hugopipe.credentials``.

It reads the block document over the Prefect REST API (``hugopipe.prefect_rest``), in memory
only, so ``plan``, ``deploy``, ``rollback`` and ``doctor`` never import Prefect or prefect-aws
(~1.1 s). Flows and tasks load the same block through prefect-aws (``tasks/aws.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hugopipe.credentials import BlockCredentials

BLOCK_TYPE = "aws-credentials"


def read_block(name: str, *, include_secrets: bool) -> dict[str, Any] | None:
    """The block document's data, or None when there is no such block or no reachable API."""
    from hugopipe.errors import HugopipeError
    from hugopipe.prefect_rest import NotFound, PrefectApi

    path = f"/block_types/slug/{BLOCK_TYPE}/block_documents/name/{name}"
    try:
        with PrefectApi(timeout=5) as api:
            doc = api.request("GET", path, params={"include_secrets": str(include_secrets).lower()})
    except (NotFound, HugopipeError):
        return None
    return (doc or {}).get("data") or {}


def load_block(name: str) -> BlockCredentials | None:
    """The CLI's block loader for ``hugopipe.credentials``: the block over the REST API (no
    Prefect import), or None when there is no such block or no reachable API."""
    from hugopipe.credentials import BlockCredentials

    data = read_block(name, include_secrets=True)
    if data is None:
        return None
    return BlockCredentials(
        name=name,
        aws_access_key_id=data.get("aws_access_key_id") or None,
        aws_secret_access_key=data.get("aws_secret_access_key") or None,
        aws_session_token=data.get("aws_session_token") or None,
        profile_name=data.get("profile_name") or None,
        region_name=data.get("region_name") or None,
        endpoint_url=(data.get("aws_client_parameters") or {}).get("endpoint_url") or None,
    )
