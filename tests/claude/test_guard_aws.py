"""The guard's S3/CloudFront knowledge: which aws command lines write to production."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import PROD_BUCKET, PROD_DIST, guard_module, make_project

aws = guard_module("aws")
config = guard_module("config")
lexer = guard_module("lexer")
Block = guard_module("main").Block


@pytest.fixture(scope="module")
def know() -> Iterator:
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-aws-") as tmp:
        root = make_project(Path(tmp))
        yield config.Project(str(root), str(root)).know


def run(know, command: str) -> None:
    (cmd,) = lexer.lex(command)
    aws.check(cmd.argv[1:], command, know)


@pytest.mark.parametrize(
    "command",
    [
        f"aws s3 cp s3://{PROD_BUCKET}/index.html -",
        f"aws s3 cp s3://{PROD_BUCKET}/index.html ./index.html --quiet",
        f"aws s3 sync s3://{PROD_BUCKET} ./copy --exclude '*.jpg'",
        f"aws s3 ls s3://{PROD_BUCKET}/",
        f"aws s3api get-object --bucket {PROD_BUCKET} --key index.html out.html",
        f"aws s3api head-object --bucket {PROD_BUCKET} --key index.html",
        f"aws s3api list-objects-v2 --bucket {PROD_BUCKET}",
        "aws s3 sync public s3://acme-staging-www --delete",
        "aws --region us-east-1 s3api put-object --bucket acme-staging-www --key k --body f",
        f"aws cloudfront get-distribution --id {PROD_DIST}",
        f"aws cloudfront list-invalidations --distribution-id {PROD_DIST}",
        "aws cloudfront create-invalidation --distribution-id ESTAGING --paths /x",
        "aws sts get-caller-identity",
        "aws --version",
        # not guessed at: a run-time bucket or id meets the agent's credentials
        "aws s3 sync public s3://$B",
        "aws s3 rm",
        "aws cloudfront update-distribution --id $D",
    ],
)
def test_reads_and_other_buckets_pass(know, command: str) -> None:
    run(know, command)


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (f"aws s3 cp index.html s3://{PROD_BUCKET}/index.html", "production bucket"),
        (f"aws s3 sync s3://acme-staging-www s3://{PROD_BUCKET}", "production bucket"),
        (f"aws s3 cp s3://{PROD_BUCKET}/a s3://{PROD_BUCKET}/b", "production bucket"),
        (f"aws s3 mv s3://{PROD_BUCKET}/a ./a", "production bucket"),
        (f"aws s3 rm s3://{PROD_BUCKET}/a", "production bucket"),
        (f"aws s3api put-object --bucket={PROD_BUCKET} --key k", "production bucket"),
        (f"aws s3api copy-object --copy-source {PROD_BUCKET}/a --bucket x --key a", "production"),
        (f"aws s3 sync --delete public s3://{PROD_BUCKET}", "production bucket"),
        (f"aws s3 cp --recursive public s3://{PROD_BUCKET}/", "production bucket"),
        (f"aws s3 cp - s3://{PROD_BUCKET}/index.html", "production bucket"),
        (f"aws cloudfront create-invalidation --distribution-id {PROD_DIST} --paths /x", PROD_DIST),
        (f"aws cloudfront update-distribution --id {PROD_DIST}", PROD_DIST),
    ],
)
def test_writes_to_production_are_blocked(know, command: str, why: str) -> None:
    with pytest.raises(Block, match=why):
        run(know, command)


def test_an_unreadable_deploy_config_blocks_writes_but_not_reads(know) -> None:
    broken = config.Knowledge()
    broken.errors = ["site/hugo.toml (bad)"]
    with pytest.raises(Block, match="could not be read"):
        run(broken, "aws s3 sync public s3://anything")
    run(broken, "aws s3api get-object --bucket anything --key k out")


def test_split_args() -> None:
    (cmd,) = lexer.lex("aws --profile p s3 cp --recursive --exclude x s3://a/b ./c")
    pos, opts = aws.split_args(cmd.argv[1:])
    assert [w.text for w in pos] == ["s3", "cp", "s3://a/b", "./c"]
    assert {k: [w.text for w in v] for k, v in opts.items()} == {
        "--profile": ["p"],
        "--exclude": ["x"],
    }
