#!/usr/bin/env python3
"""Runs Schemathesis against a freshly seeded `parley serve`, once per kind of caller.

Starts the debug build (`cargo build -p parley-api`) on a free port with a temporary data
dir (and, with `--backend postgres`, a fresh database that is dropped afterwards). For each
caller — the operator (admin token), a tenant server (secret key) and an end user
(publishable key + user token) — it seeds a tenant of its own (users, a channel, a message,
a webhook, a device, an upload…) so that path parameters name real resources, then runs
`schemathesis run` on the served `/openapi.json` with every check. Exits non-zero when any
run reports a failure or an error (a 5xx, a response that does not match the document, an
unresolvable reference…).

    python3 .ci/schemathesis/run.py --backend sqlite                 # what CI runs
    python3 .ci/schemathesis/run.py --backend postgres --max-examples 200 --phases examples,coverage,fuzzing

Anything after `--` goes to every `schemathesis run` unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Checks that hold for this API. `--checks all` also turns on the checks below; each
# exclusion says why.
EXCLUDED_CHECKS = [
    # Sends the request without its credentials and expects 401 — but the operations that
    # accept several schemes (secret key, or publishable key + user token) are fine with
    # either, and Schemathesis drops only one of them. Auth is covered by the test suite.
    "ignored_auth",
    # Expects every schema-valid request to succeed. Some rules are stated in words only,
    # as no schema can hold them: a message needs `text` or `attachments`; push credentials
    # must sign; a webhook host must resolve; a tenant has at most 20 webhooks; mentions
    # must be members; cursors must be ones the API gave out. Every answer is still checked
    # against the document (status, content type, schema, headers).
    "positive_data_acceptance",
]


def log(msg: str) -> None:
    print(f"\n==> {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """A tiny JSON client for seeding."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body=None, headers=None, ok=(200, 201, 202, 204)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        if status not in ok:
            raise RuntimeError(f"seeding: {method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None


def seed(api: Api, admin_token: str, label: str) -> dict:
    """A tenant with two users, a channel with a message, a reaction, a webhook and a
    delivery, a device and an upload; returns what the runs need."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    created = api.call("POST", "/admin/v1/tenants", {"name": f"schemathesis {label}"}, admin)
    tenant_id = created["tenant"]["id"]
    sk, pk = created["secret_key"], created["publishable_key"]
    server = {"Authorization": f"Bearer {sk}"}
    for uid, name in (("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")):
        api.call("PUT", f"/v1/users/{uid}", {"name": name}, server)
    token = api.call("POST", "/v1/tokens", {"user_id": "alice"}, server)["token"]
    channel = api.call(
        "POST",
        "/v1/channels",
        {"type": "messaging", "id": "general", "name": "General", "members": ["alice", "bob", "carol"]},
        server,
    )
    message = api.call(
        "POST", "/v1/channels/messaging/general/messages", {"text": "hello", "user_id": "alice"}, server
    )
    api.call("POST", f"/v1/messages/{message['id']}/reactions", {"type": "like", "user_id": "alice"}, server)
    # Deleted by the runs, so that the resources above stay for the other operations.
    api.call("POST", "/v1/channels", {"type": "messaging", "id": "doomed", "members": ["alice", "bob"]}, server)
    doomed = api.call(
        "POST", "/v1/channels/messaging/general/messages", {"text": "bye", "user_id": "alice"}, server
    )
    webhook = api.call("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/parley-hook"}, server)
    delivery = api.call("POST", f"/v1/webhooks/{webhook['id']}/test", None, server)
    device_token = "ab" * 32
    api.call("POST", "/v1/devices", {"provider": "apns", "token": device_token, "user_id": "alice"}, server)
    upload = api.call(
        "POST", "/v1/uploads", {"filename": "a.txt", "content_type": "text/plain", "size": 5, "user_id": "alice"}, server
    )
    media_object = upload["put_url"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    keys = api.call("GET", f"/admin/v1/tenants/{tenant_id}/keys", None, admin)
    jobs = api.call("GET", "/admin/v1/jobs?limit=1", None, admin)
    job_id = jobs["items"][0]["id"] if jobs["items"] else 1
    return {
        "tenant_id": tenant_id,
        "secret_key": sk,
        "publishable_key": pk,
        "user_token": token,
        "cid": channel["cid"],
        "message_id": message["id"],
        "doomed_message_id": doomed["id"],
        "webhook_id": webhook["id"],
        "delivery_id": delivery["id"],
        "device_token": device_token,
        "upload_id": upload["upload_id"],
        "media_object": media_object,
        "key_id": keys[0]["id"],
        "job_id": job_id,
    }


def toml_str(v) -> str:
    return json.dumps(v) if isinstance(v, str) else str(v)


# Rules the document states in words but a schema cannot: for these operations the runs
# give Schemathesis values that satisfy them, or do not expect every schema-valid request
# to be accepted. Everything else about these operations is checked as usual.
OPERATION_OVERRIDES = """
# The event stream never ends by itself: read its first event (`connection.ready`).
[[operations]]
include-path = "/v1/events"
max-stream-events = 1

# A webhook's host must resolve and answer; this one is refused by nothing (private
# addresses are allowed on this server) and never answers, so deliveries fail and retry.
[[operations]]
include-name = "POST /v1/webhooks"
parameters = { "body.url" = "http://127.0.0.1:9/parley-hook" }
[[operations]]
include-name = "PATCH /v1/webhooks/{webhook_id}"
parameters = { "body.url" = "http://127.0.0.1:9/parley-hook" }

# A device token's format depends on `provider`; 64 hex digits suit both.
[[operations]]
include-name = "POST /v1/devices"
parameters = { "body.token" = "abababababababababababababababababababababababababababababababab" }

"""


def write_config(path: Path, params: dict, per_operation: dict) -> None:
    lines = [
        "workers = 1",
        "request-timeout = 10",
        "",
        "[phases.stateful]",
        "enabled = false",
        "",
        # A declared upload size over the tenant's limit is refused with 413, as it should be.
        "[checks.negative_data_rejection]",
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]',
        "",
        "[parameters]",
    ]
    lines += [f"{json.dumps(k)} = {toml_str(v)}" for k, v in params.items()]
    lines.append(OPERATION_OVERRIDES)
    for name, op_params in per_operation.items():
        inline = ", ".join(f"{json.dumps(k)} = {toml_str(v)}" for k, v in op_params.items())
        lines += ["[[operations]]", f"include-name = {json.dumps(name)}", f"parameters = {{ {inline} }}", ""]
    path.write_text("\n".join(lines) + "\n")


def start_server(binary: Path, data_dir: Path, port: int, admin_token: str, database_url: str | None):
    config = data_dir / "parley.toml"
    # High request rates so that 429s (documented) do not crowd out everything else.
    config.write_text("[limits]\nserver_requests_per_second = 100000\nuser_requests_per_second = 100000\n")
    env = dict(os.environ)
    env.update(
        {
            "PARLEY_BIND": f"127.0.0.1:{port}",
            "PARLEY_DATA_DIR": str(data_dir),
            "PARLEY_CONFIG": str(config),
            "PARLEY_ADMIN_TOKEN": admin_token,
            "PARLEY_WORKERS": "2",
            # Webhooks point at a closed local port (there may be no DNS): deliveries fail and
            # are retried, which is what the delivery endpoints need to show.
            "PARLEY_ALLOW_PRIVATE_URLS": "true",
            "RUST_LOG": env.get("RUST_LOG", "warn"),
        }
    )
    if database_url:
        env["PARLEY_DATABASE_URL"] = database_url
    else:
        env.pop("PARLEY_DATABASE_URL", None)
    out = open(data_dir / "server.log", "wb")
    proc = subprocess.Popen([str(binary), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"parley serve exited early:\n{(data_dir / 'server.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return proc, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("parley serve did not become ready")


def psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--max-examples", type=int, default=10, help="cases per operation and phase")
    p.add_argument("--phases", default="examples,coverage,fuzzing")
    p.add_argument("--callers", default="server,user,operator", help="comma-separated: server,user,operator")
    p.add_argument("--binary", default=str(ROOT / "target/debug/parley"))
    p.add_argument("--schemathesis", default=os.environ.get("SCHEMATHESIS", "schemathesis"))
    p.add_argument("--report-dir", default=None, help="keep JUnit reports here")
    p.add_argument("extra", nargs="*", help="after `--`: passed to schemathesis run")
    args = p.parse_args()

    st = shutil.which(args.schemathesis) or args.schemathesis
    binary = Path(args.binary)
    if not binary.exists():
        print(f"{binary} is missing: run `cargo build -p parley-api` first", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="parley-schemathesis-"))
    database_url = None
    pg_admin = None
    db_name = None
    if args.backend == "postgres":
        pg_admin = os.environ.get("PARLEY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        db_name = f"parley_schemathesis_{uuid.uuid4().hex}"
        psql(pg_admin, f"CREATE DATABASE {db_name}")
        database_url = pg_admin.rsplit("/", 1)[0] + f"/{db_name}"

    admin_token = secrets.token_urlsafe(24)
    proc = None
    failed = []
    try:
        proc, base = start_server(binary, work, free_port(), admin_token, database_url)
        api = Api(base)
        log(f"parley serve on {base} ({args.backend}), data in {work}")
        for caller in [c.strip() for c in args.callers.split(",") if c.strip()]:
            s = seed(api, admin_token, caller)
            channel_type, channel_id = s["cid"].split(":", 1)
            params = {
                "path.tenant_id": s["tenant_id"],
                "path.key_id": s["key_id"],
                "path.job_id": s["job_id"],
                "path.user_id": "bob",
                "path.type": channel_type,
                "path.id": channel_id,
                "path.message_id": s["message_id"],
                "path.webhook_id": s["webhook_id"],
                "path.delivery_id": s["delivery_id"],
                "path.token": s["device_token"],
                "path.upload_id": s["upload_id"],
                "path.object": s["media_object"],
            }
            env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")]))
            env.pop("PARLEY_ST_ACT_AS", None)
            # Destructive operations get resources of their own.
            per_operation = {
                "DELETE /v1/messages/{message_id}": {"path.message_id": s["doomed_message_id"]},
                "DELETE /v1/channels/{type}/{id}": {"path.type": "messaging", "path.id": "doomed"},
            }
            if caller == "operator":
                headers = [f"Authorization: Bearer {admin_token}"]
                scope = ["--include-path-regex", "^/(admin/|healthz|readyz)"]
                # The operator deletes a tenant of its own, not the one the others use.
                victim = api.call(
                    "POST", "/admin/v1/tenants", {"name": "doomed"}, {"Authorization": f"Bearer {admin_token}"}
                )
                per_operation["DELETE /admin/v1/tenants/{tenant_id}"] = {"path.tenant_id": victim["tenant"]["id"]}
            else:
                # The secret key acts for a user named in `user_id` (required); a user may name
                # only themselves. Both act as alice, a member of the seeded channel.
                if caller == "server":
                    env["PARLEY_ST_ACT_AS"] = "alice"
                    headers = [f"Authorization: Bearer {s['secret_key']}"]
                else:
                    headers = [f"X-Api-Key: {s['publishable_key']}", f"Authorization: Bearer {s['user_token']}"]
                # The WebSocket upgrade is not plain HTTP; the test suite covers it.
                scope = ["--include-path-regex", "^/v1/", "--exclude-path", "/v1/connect"]
            config = work / f"schemathesis-{caller}.toml"
            write_config(config, params, per_operation)
            cmd = [st, "--config-file", str(config), "run", f"{base}/openapi.json", "--checks", "all"]
            cmd += ["--exclude-checks", ",".join(EXCLUDED_CHECKS)]
            cmd += ["--max-examples", str(args.max_examples), "--phases", args.phases]
            cmd += ["--generation-deterministic", "--no-shrink"] if args.max_examples <= 10 else []
            cmd += scope
            for h in headers:
                cmd += ["-H", h]
            if args.report_dir:
                Path(args.report_dir).mkdir(parents=True, exist_ok=True)
                cmd += ["--report", "junit", "--report-junit-path", str(Path(args.report_dir) / f"{args.backend}-{caller}.xml")]
            cmd += args.extra
            log(f"schemathesis as the {caller} ({args.backend})")
            shown = [c if not c.startswith(("Authorization", "X-Api-Key")) else c.split(":")[0] + ": …" for c in cmd]
            print(" ".join(shown), flush=True)
            # Run in the temp dir: Schemathesis keeps a cache of failures in its working directory.
            if subprocess.run(cmd, env=env, cwd=work).returncode != 0:
                failed.append(caller)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log_text = (work / "server.log").read_text(errors="replace") if (work / "server.log").exists() else ""
        if failed and log_text:
            print("\n--- server log (last 4000 characters) ---\n" + log_text[-4000:])
        if pg_admin and db_name:
            try:
                psql(pg_admin, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        print(f"\nschemathesis ({args.backend}): failures as the {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nschemathesis ({args.backend}): no failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
