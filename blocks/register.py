"""Create or update the blocks hugopipe reads, from the environment. Idempotent; safe in CI.

``hugopipe-aws`` (prefect-aws ``AwsCredentials``): the secret key is stored as a
SecretStr in Prefect, read from ``AWS_SECRET_ACCESS_KEY`` here and never
written anywhere else. ``HUGOPIPE_S3_ENDPOINT`` points it at MinIO, R2 or a
local moto server; unset means real AWS.
"""

from __future__ import annotations

import os
import sys

from prefect_aws import AwsCredentials
from prefect_aws.client_parameters import AwsClientParameters


def register(name: str = "hugopipe-aws") -> str:
    endpoint = os.environ.get("HUGOPIPE_S3_ENDPOINT") or None
    creds = AwsCredentials(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        region_name=os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1",
        aws_client_parameters=AwsClientParameters(endpoint_url=endpoint),
    )
    creds.save(name, overwrite=True)
    return f"saved AwsCredentials block {name!r} (endpoint: {endpoint or 'AWS default'})"


if __name__ == "__main__":
    print(register(*sys.argv[1:2]), file=sys.stderr)
