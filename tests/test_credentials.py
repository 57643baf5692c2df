"""The one credential and endpoint chain (``hugopipe.credentials``), table-tested with a fake
block loader: no Prefect server, no network (boto3 only resolves credentials locally)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from hugopipe import credentials
from hugopipe.credentials import BlockCredentials, resolve_endpoint, s3_access
from hugopipe.errors import CredentialsError

BLOCK = BlockCredentials(
    name="hugopipe-aws",
    aws_access_key_id="BLOCKKEY",
    aws_secret_access_key="block-secret",
    region_name="eu-west-1",
    endpoint_url="http://block:4566",
)


class FakeLoader:
    """A block loader that records which names it was asked for."""

    def __init__(self, block: BlockCredentials | None) -> None:
        self.block = block
        self.asked: list[str] = []

    def __call__(self, name: str) -> BlockCredentials | None:
        self.asked.append(name)
        return self.block


@dataclass
class Target:
    profile: str | None = None
    endpoint: str | None = None
    name: str = "staging"


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS credentials anywhere (variables, files, instance metadata) and no endpoint
    variable; returns the shared credentials file a test may fill."""
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "HUGOPIPE_S3_ENDPOINT",
    ):
        monkeypatch.delenv(var, raising=False)
    shared = tmp_path / "credentials"
    shared.write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return shared


def env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")


# --- the endpoint order -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "variable", "block", "target", "expected"),
    [
        ("http://flag", "http://var", BLOCK, "http://url", ("http://flag", "--endpoint-url")),
        (None, "http://var", BLOCK, "http://url", ("http://var", "HUGOPIPE_S3_ENDPOINT")),
        (None, None, BLOCK, "http://url", ("http://block:4566", "the hugopipe-aws block")),
        (None, "", BLOCK, "http://url", ("http://block:4566", "the hugopipe-aws block")),
        (None, None, None, "http://url", ("http://url", "the target URL")),
        (
            None,
            None,
            BlockCredentials(name="b"),  # a block without an endpoint
            "http://url",
            ("http://url", "the target URL"),
        ),
        (None, None, None, None, (None, "AWS default")),
    ],
)
def test_endpoint_order(flag, variable, block, target, expected) -> None:
    environ = {} if variable is None else {"HUGOPIPE_S3_ENDPOINT": variable}
    assert resolve_endpoint(flag, block, target, environ) == expected


# --- the credentials order --------------------------------------------------------------------
def test_environment_first_and_the_block_is_not_read(aws_env, monkeypatch) -> None:
    env_keys(monkeypatch)
    loader = FakeLoader(BLOCK)
    access = s3_access("hugopipe-aws", loader, target_endpoint="http://url")
    assert access.session.get_credentials().access_key == "ENVKEY"
    assert access.credentials_from == credentials.ENVIRONMENT
    assert loader.asked == []  # an operator's keys override the block, at no API cost
    # the block's endpoint belongs to the block's keys: the target URL's is used
    assert (access.endpoint, access.endpoint_from) == ("http://url", "the target URL")


def test_the_block_when_the_environment_has_none(aws_env) -> None:
    loader = FakeLoader(BLOCK)
    access = s3_access("hugopipe-aws", loader, target_endpoint="http://url")
    assert loader.asked == ["hugopipe-aws"]
    creds = access.session.get_credentials()
    assert (creds.access_key, creds.secret_key) == ("BLOCKKEY", "block-secret")
    assert access.session.region_name == "eu-west-1"
    assert access.credentials_from == "the hugopipe-aws block"
    assert access.endpoint == "http://block:4566"


def test_the_variable_and_the_flag_beat_the_block_endpoint(aws_env, monkeypatch) -> None:
    monkeypatch.setenv("HUGOPIPE_S3_ENDPOINT", "http://var")
    assert s3_access("b", FakeLoader(BLOCK)).endpoint == "http://var"
    access = s3_access("b", FakeLoader(BLOCK), endpoint_flag="http://flag")
    assert (access.endpoint, access.endpoint_from) == ("http://flag", "--endpoint-url")


def test_nowhere(aws_env) -> None:
    access = s3_access("hugopipe-aws", FakeLoader(None), target_endpoint="http://url")
    assert access.session.get_credentials() is None  # the first request raises, classified
    assert access.credentials_from == credentials.NOWHERE
    assert access.endpoint == "http://url"


def test_the_targets_profile_is_part_of_the_environment(aws_env, monkeypatch) -> None:
    aws_env.write_text("[site]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = p\n")
    env_keys(monkeypatch)  # an explicit profile wins over the variables, as in boto3 and Hugo
    loader = FakeLoader(BLOCK)
    access = s3_access("hugopipe-aws", loader, profile="site")
    assert access.session.get_credentials().access_key == "PROFILEKEY"
    assert access.credentials_from == "the AWS environment (profile site)"
    assert loader.asked == []


def test_a_missing_profile_falls_back_to_the_block(aws_env) -> None:
    access = s3_access("hugopipe-aws", FakeLoader(BLOCK), profile="absent")
    assert access.session.get_credentials().access_key == "BLOCKKEY"


def test_a_missing_profile_and_no_block_is_a_clear_error(aws_env) -> None:
    with pytest.raises(CredentialsError) as info:
        s3_access("hugopipe-aws", FakeLoader(None), profile="absent")
    assert "'absent'" in info.value.message and "'hugopipe-aws'" in info.value.message
    assert "blocks/register.py" in (info.value.hint or "")


def test_half_set_variables_are_a_clear_error(aws_env, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
    with pytest.raises(CredentialsError) as info:
        s3_access("hugopipe-aws", FakeLoader(BLOCK))
    assert "AWS_SECRET_ACCESS_KEY" in (info.value.hint or "")


def test_a_blocks_own_session_factory_is_used(aws_env) -> None:
    import boto3

    made = boto3.Session(aws_access_key_id="ROLEKEY", aws_secret_access_key="r")
    block = BlockCredentials(name="b", session_factory=lambda: made, endpoint_url="http://e")
    access = s3_access("b", FakeLoader(block))
    assert access.session is made and access.endpoint == "http://e"


def test_for_target_reads_profile_and_endpoint(aws_env) -> None:
    access = credentials.for_target(
        Target(endpoint="http://url"), "b", FakeLoader(None), "http://flag"
    )
    assert access.endpoint == "http://flag"
    assert credentials.for_target(
        Target(endpoint="http://url"), "b", FakeLoader(None)
    ).endpoint == ("http://url")


def test_secrets_stay_out_of_reprs_and_descriptions(aws_env) -> None:
    assert "block-secret" not in repr(BLOCK)
    access = s3_access("hugopipe-aws", FakeLoader(BLOCK))
    assert "block-secret" not in access.describe() and "BLOCKKEY" not in access.describe()
    assert access.describe() == (
        "credentials from the hugopipe-aws block; endpoint http://block:4566 (the hugopipe-aws block)"
    )


# --- the two loaders --------------------------------------------------------------------------
def test_cli_loader_maps_the_block_document(monkeypatch) -> None:
    from hugopipe.cli import aws_block

    doc = {
        "aws_access_key_id": "K",
        "aws_secret_access_key": "S",
        "region_name": "us-east-2",
        "aws_client_parameters": {"endpoint_url": "http://e"},
    }
    monkeypatch.setattr(aws_block, "read_block", lambda name, include_secrets: doc)
    block = aws_block.load_block("b")
    assert block == BlockCredentials(
        name="b",
        aws_access_key_id="K",
        aws_secret_access_key="S",
        region_name="us-east-2",
        endpoint_url="http://e",
    )
    monkeypatch.setattr(aws_block, "read_block", lambda name, include_secrets: None)
    assert aws_block.load_block("b") is None


def test_task_loader_wraps_prefect_aws(monkeypatch) -> None:
    from prefect_aws import AwsClientParameters, AwsCredentials

    from tasks import aws

    saved = AwsCredentials(
        aws_access_key_id="K",
        aws_secret_access_key="S",
        region_name="us-east-2",
        aws_client_parameters=AwsClientParameters(endpoint_url="http://e"),
    )

    def load(name: str) -> AwsCredentials:
        if name != "hugopipe-aws":
            raise ValueError(f"Unable to find block document named {name}")
        return saved

    monkeypatch.setattr(AwsCredentials, "load", staticmethod(load))
    block = aws.load_block("hugopipe-aws")
    assert block is not None and block.endpoint_url == "http://e"
    creds = block.session().get_credentials()
    assert (creds.access_key, creds.secret_key) == ("K", "S")
    assert aws.load_block("other") is None


def test_tasks_honour_the_endpoint_variable(aws_env, monkeypatch) -> None:
    """The flows' tasks use the same chain, HUGOPIPE_S3_ENDPOINT included."""
    from hugopipe.deploy import DeployTarget
    from tasks import aws

    monkeypatch.setattr(aws, "load_block", FakeLoader(BLOCK))
    monkeypatch.setenv("HUGOPIPE_S3_ENDPOINT", "http://var")
    target = DeployTarget(name="staging", url="s3://b", bucket="b", endpoint="http://url")
    access = aws.s3_access("hugopipe-aws", target)
    assert access.endpoint == "http://var"
    assert access.session.get_credentials().access_key == "BLOCKKEY"


# --- one flag spelling --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["plan", "--env", "staging"],
        ["deploy", "--site", ".", "--target", "staging"],
        ["rollback", "--env", "staging"],
    ],
)
def test_every_s3_command_spells_the_flag_endpoint_url(argv: list[str]) -> None:
    from hugopipe.cli.main import build_parser

    parser = build_parser(argv[0])
    assert parser.parse_args([*argv, "--endpoint-url", "http://e"]).endpoint_url == "http://e"
    sub = parser._subparsers._group_actions[0].choices[argv[0]]
    assert "--endpoint-url" in sub.format_help()


def test_plans_old_spelling_still_works_but_is_hidden() -> None:
    from hugopipe.cli.main import build_parser

    parser = build_parser("plan")
    args = parser.parse_args(["plan", "--env", "dev", "--endpoint", "http://old"])
    assert args.endpoint_url == "http://old"
    sub = parser._subparsers._group_actions[0].choices["plan"]
    assert "--endpoint " not in sub.format_help() and "--endpoint URL" not in sub.format_help()


def test_production_credentials_come_only_from_the_production_variables(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert credentials.production_session({}) is None
    session, source = credentials.production_session(
        {
            "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID": "AKPROD",
            "HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY": "prod-secret",
        }
    )
    assert session.get_credentials().access_key == "AKPROD"
    assert source == "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID"  # a name, never the value
    with pytest.raises(CredentialsError, match="only one of"):
        credentials.production_session({"HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID": "AKPROD"})
    with pytest.raises(CredentialsError, match="absent-profile"):
        credentials.production_session({"HUGOPIPE_PRODUCTION_AWS_PROFILE": "absent-profile"})

    # a production target prefers them to the ordinary chain (and never asks for the block);
    # a non-production target never sees them
    monkeypatch.setenv("HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID", "AKPROD")
    monkeypatch.setenv("HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY", "prod-secret")

    def no_block(name: str):
        raise AssertionError("a production run must not read a block")

    prod = s3_access("hugopipe-aws", no_block, production=True, target_endpoint="http://url")
    assert prod.session.get_credentials().access_key == "AKPROD"
    assert prod.credentials_from == "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID"
    assert prod.endpoint == "http://url"
    other = s3_access("hugopipe-aws", FakeLoader(None))
    assert other.session.get_credentials() is None  # the ordinary chain: nothing here
