"""``hugopipe approval-key init`` and ``hugopipe approvals verify``: the second factor's secret
and the approvals log's integrity check.

``approval-key init`` is meant to be run by a person, as the user of the process that
runs production flows (it writes the secret that process reads, mode 0600, outside the
repository); it prints the ``otpauth://`` URI and a QR code to scan once with an
authenticator app. An agent that ran it would see the secret, so the README says to run
it in a terminal of that user, never through the agent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit

DEFAULT_KEY_FILE = "~/.config/hugopipe/approval-key"


def key_init_cmd(args: argparse.Namespace) -> int:
    import getpass
    import socket

    import segno

    from hugopipe.approval import totp

    path = Path(args.file).expanduser()
    secret = totp.new_secret()
    totp.write_key_file(path, secret, force=args.force)
    account = args.account or f"{getpass.getuser()}@{socket.gethostname()}"
    uri = totp.otpauth_uri(secret, account)
    setup = (
        f"export {totp.KEY_FILE_VARIABLE}={path}   # in the serving process's / worker's "
        "environment only"
    )
    data = {"key_file": str(path), "otpauth_uri": uri, "account": account, "setup": setup}
    if args.json:
        emit(data, json_output=True)
        return Exit.OK
    qr = segno.make(uri, error="m")
    sys.stdout.write(f"approval key written to {path} (mode 0600)\n\n")
    qr.terminal(out=sys.stdout, compact=True)
    sys.stdout.write(
        f"\nscan it with an authenticator app, or enter this URI:\n{uri}\n\n"
        f"then start the serving process (or production worker) with\n  {setup}\n"
    )
    return Exit.OK


def verify_cmd(args: argparse.Namespace) -> int:
    from hugopipe.approval import log

    path = Path(args.log).expanduser() if args.log else log.default_path()
    report = log.verify(path, head=args.head)
    lines = [
        f"{report.path}: {report.entries} entries"
        + (f", head {report.head}" if report.head else "")
    ]
    lines += [f"line {p.line}: {p.message}" for p in report.problems]
    if report.found_head is False:
        lines.append(f"entry {args.head} is not in the log: it (or the log's tail) was deleted")
    emit(report.model_dump() | {"ok": report.ok}, json_output=args.json, text="\n".join(lines))
    if not report.ok:
        raise log.ApprovalLogInvalid(
            f"the approvals log {path} does not verify: "
            + (
                f"{len(report.problems)} problem(s)"
                if report.problems
                else "the given entry is missing"
            ),
            hint="restore the log from a backup; the release manifests and result files keep "
            "each approval's entry hash",
        )
    return Exit.OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("approval-key")
    sub = p.add_subparsers(dest="approval_key_command", metavar="SUBCOMMAND", required=True)
    init = sub.add_parser("init", help="create the TOTP secret; print its otpauth URI and QR code")
    init.add_argument(
        "--file", default=DEFAULT_KEY_FILE, help=f"where (default {DEFAULT_KEY_FILE})"
    )
    init.add_argument("--account", help="the label the authenticator app shows (default user@host)")
    init.add_argument("--force", action="store_true", help="replace an existing key")
    init.add_argument("--json", action="store_true")
    init.set_defaults(func=key_init_cmd)

    p = subparsers.add_parser("approvals")
    sub = p.add_subparsers(dest="approvals_command", metavar="SUBCOMMAND", required=True)
    ver = sub.add_parser("verify", help="check the hash chain of the approvals log")
    ver.add_argument(
        "--log",
        help="the log (default $HUGOPIPE_APPROVALS_LOG or ~/.local/state/hugopipe/approvals.jsonl)",
    )
    ver.add_argument(
        "--head",
        help="an entry hash (from a release record or result file) that must be in the log",
    )
    ver.add_argument("--json", action="store_true")
    ver.set_defaults(func=verify_cmd)
