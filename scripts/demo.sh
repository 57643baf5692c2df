#!/usr/bin/env bash
# The demo: publish the example site to staging, then leave production waiting for a human.
#
#   scripts/demo.sh          start what is missing (S3 endpoint, Prefect server, served deployments),
#                            publish to staging, start a production run that pauses for approval
#   scripts/demo.sh stop     stop only what this script started (paused flows first, then the server)
#
# Ports: Prefect 4200 (UI + API), local S3 endpoint (moto) 4566. An already running Prefect
# server or S3 endpoint on those ports is reused, not restarted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_bootstrap.sh"

STATE="$ROOT/.hugopipe/demo"
mkdir -p "$STATE"
export PREFECT_HOME="${PREFECT_HOME:-$STATE/prefect}"
export PREFECT_API_URL="http://127.0.0.1:4200/api"
export PREFECT_UI_URL="http://127.0.0.1:4200"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_UI_API_URL="$PREFECT_API_URL"
export HUGOPIPE_S3_ENDPOINT="${HUGOPIPE_S3_ENDPOINT:-http://127.0.0.1:4566}"
# The local S3 endpoint accepts any key; against real AWS these come from your environment.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-demo}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-demo-secret}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_EC2_METADATA_DISABLED=true
VENV="$ROOT/.venv/bin"

stop_pid() {  # stop a process we started, by its pid file
  local f="$STATE/$1.pid"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    # the whole group: serve's flow processes write their result files as they stop
    for _ in $(seq 1 30); do kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    echo "stopped $1 (pid $pid)" >&2
  fi
  rm -f "$f"
}

up() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# A served run waiting for a person is Suspended (flows/approval.py): no process holds it, so
# it survives the stop and can be approved after the next start; it is left alone. A run
# Paused in a process (one called directly) lives in that process: stopping serve
# ends it, but the server would keep showing it as Paused, waiting for an approval that
# could resume nothing. On a server this script started, such runs are marked Cancelled,
# with the reason, once serve is gone. A server we did not start is left alone.
cancel_orphans() {  # the ids of the runs that were paused while serve ran
  [ -n "$1" ] || return 0
  "$VENV/python" - "$@" <<'PY'
import os, sys, httpx
api = os.environ["PREFECT_API_URL"]
for run_id in sys.argv[1].split():
    state = {"type": "CANCELLED", "message": "Cancelled: scripts/demo.sh stop ended the process that held it paused"}
    r = httpx.post(f"{api}/flow_runs/{run_id}/set_state", json={"state": state, "force": True}, timeout=10)
    print(f"cancelled paused run {run_id} ({r.json().get('status')})", file=sys.stderr)
PY
}

stop_flows() {  # TERM serve's flow processes first: each writes its result file as it stops
  [ -f "$STATE/serve.pid" ] || return 0
  local kids; kids="$(pgrep -P "$(cat "$STATE/serve.pid")" 2>/dev/null || true)"
  [ -n "$kids" ] || return 0
  kill -TERM $kids 2>/dev/null || true
  for _ in $(seq 1 30); do
    local alive=""
    for k in $kids; do kill -0 "$k" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && return 0
    sleep 0.5
  done
}

if [ "${1:-}" = "stop" ]; then
  paused=""
  if [ -f "$STATE/prefect.pid" ] && [ -f "$STATE/serve.pid" ] && up "$PREFECT_API_URL/health"; then
    paused="$("$VENV/hugopipe" runs --state PAUSED --limit 200 --json \
      | "$VENV/python" -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin) if r["state"] != "Suspended"))')"
  fi
  stop_flows
  stop_pid serve
  cancel_orphans "$paused"
  stop_pid prefect; stop_pid moto
  exit 0
fi

start_bg() {  # name, command...: start in its own process group, remember the pid
  local name="$1"; shift
  setsid "$@" >"$STATE/$name.log" 2>&1 < /dev/null &
  echo $! > "$STATE/$name.pid"
}
wait_for() {  # url, seconds, what
  for _ in $(seq 1 "$2"); do up "$1" && return 0; sleep 1; done
  echo "error: $3 did not come up; see $STATE/*.log" >&2; exit 4
}

if up "$HUGOPIPE_S3_ENDPOINT"; then echo "» S3 endpoint already running at $HUGOPIPE_S3_ENDPOINT" >&2
else
  echo "» starting a local S3-compatible endpoint (moto) on :4566" >&2
  start_bg moto "$VENV/moto_server" -H 127.0.0.1 -p 4566
  wait_for "$HUGOPIPE_S3_ENDPOINT" 30 "the S3 endpoint"
fi

if up "$PREFECT_API_URL/health"; then echo "» Prefect server already running at $PREFECT_UI_URL" >&2
else
  echo "» starting the Prefect server (SQLite in $PREFECT_HOME; first start runs migrations, ~30 s)" >&2
  start_bg prefect "$VENV/prefect" server start --host 127.0.0.1 --port 4200
  wait_for "$PREFECT_API_URL/health" 180 "the Prefect server"
fi

echo "» saving the hugopipe-aws credentials block and creating the demo buckets" >&2
"$VENV/python" blocks/register.py
"$VENV/python" - <<'PY'
# one bucket per environment of every site of hugopipe-workspace.toml (both examples), named
# by its Hugo deployment targets (hugopipe.deploy.targets): the names live in each site's
# configuration, not here
import json, os, boto3
from hugopipe import sitesfile
from hugopipe.config import ProjectConfig
from hugopipe.deploy.targets import load_target
ws = sitesfile.load()
names = []
for site in [s.path for s in ws.sites] if ws else []:
    cfg = ProjectConfig.load(site)
    names += [load_target(site, e.target, environment=env).bucket for env, e in cfg.environments.items()]
s3 = boto3.client("s3", endpoint_url=os.environ["HUGOPIPE_S3_ENDPOINT"])
have = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
for name in names:
    if name not in have:
        s3.create_bucket(Bucket=name)
    # world-readable, like an S3 website origin, so the verify stage can GET pages anonymously
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    # versioned, as a real site's buckets should be: rollback restores a release byte for byte
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
PY

if [ -f "$STATE/serve.pid" ] && kill -0 "$(cat "$STATE/serve.pid")" 2>/dev/null; then
  echo "» deployments already served (pid $(cat "$STATE/serve.pid"))" >&2
else
  served="$("$VENV/python" -c 'from hugopipe.flows_registry import FLOWS; print(", ".join(f.label for f in FLOWS))')"
  echo "» serving the deployments ($served)" >&2
  start_bg serve "$VENV/python" deployments/serve.py   # every site of hugopipe-workspace.toml
  for _ in $(seq 1 90); do up "$PREFECT_API_URL/deployments/name/publish/site" && break; sleep 1; done
  up "$PREFECT_API_URL/deployments/name/publish/site" || { echo "error: serve.py did not register; see $STATE/serve.log" >&2; exit 4; }
fi

echo "» publishing the example site to staging" >&2
"$VENV/hugopipe" run publish --env staging --wait --timeout 600
"$VENV/python" - <<'PY'
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["HUGOPIPE_S3_ENDPOINT"])
keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="hugopipe-example-staging") for o in p.get("Contents", [])]
print(f"staging bucket s3://hugopipe-example-staging now holds {len(keys)} objects, e.g. {', '.join(sorted(keys)[:3])}")
PY

echo "» starting the production run: it builds, validates, plans, then waits for a human" >&2
set +e
out="$("$VENV/hugopipe" run publish --env production --wait --timeout 600 --json)"
code=$?
set -e
if [ "$code" -ne 5 ]; then echo "$out"; echo "error: expected the production run to pause for approval (exit 5), got $code" >&2; exit 1; fi
link="$(printf '%s' "$out" | "$VENV/python" -c 'import json,sys; print(json.load(sys.stdin)["ui_url"])')"
cat <<MSG

Production is waiting for approval.
  Open:     $link
  Approve:  menu ⋮ (top right) → Resume → type DEPLOY TO PRODUCTION → Resume
            any other phrase is refused and the run stays paused; cancel the run to reject.
  Result files: results/$(date -u +%Y-%m-%d)/
  Stop everything this demo started:  scripts/demo.sh stop
MSG
