#!/usr/bin/env python3
"""Writes sdk/rust/src/generated.rs: one `Client` method per operation of
openapi/openapi.json, typed with the server's own wire types (crate parley-wire), and one
query struct per operation with query parameters.

    python3 sdk/rust/scripts/generate.py           rewrite the file
    python3 sdk/rust/scripts/generate.py --check   exit 1 when the file is stale

Skipped, because the SDK has hand-written calls for them: the realtime endpoints
(`/v1/connect`, `/v1/events`, see realtime.rs) and the signed media URLs (`put_upload`,
`get_signed` in client.rs, which take the URL the server handed out).
"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "src", "generated.rs")
SKIP = {"connect", "events", "get_object", "put_object"}
METHODS = ("get", "post", "put", "patch", "delete")


def camel(s):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[_\W]+", s) if p)


def type_of(schema):
    """The Rust type of a response or body schema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name.startswith("Page_"):
            return f"Page<{name[5:]}>"
        return name
    if schema.get("type") == "array":
        return f"Vec<{type_of(schema['items'])}>"
    if "oneOf" in schema:
        refs = [s for s in schema["oneOf"] if s.get("type") != "null"]
        if len(refs) == 1:
            return f"Option<{type_of(refs[0])}>"
    raise SystemExit(f"no Rust type for schema {schema}")


def scalar(schema):
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    t = schema.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    return {"string": "String", "integer": "i64", "boolean": "bool"}.get(t) or sys.exit(f"query type {schema}")


def doc(text, indent):
    out = []
    for line in (text or "").strip().splitlines():
        out.append(f"{indent}///{(' ' + line) if line.strip() else ''}")
    return out


def rustfmt(text):
    """The text as `cargo fmt` leaves it, so that formatting the workspace changes nothing."""
    import subprocess

    done = subprocess.run(
        ["rustfmt", "--edition", "2024", "--emit", "stdout"],
        input=text, capture_output=True, text=True, check=True,
    )
    return done.stdout


def main():
    check = "--check" in sys.argv
    spec = json.load(open(os.path.join(REPO, "openapi", "openapi.json")))
    methods, queries = [], []
    for path, item in spec["paths"].items():
        for verb in METHODS:
            op = item.get(verb)
            if not op or op["operationId"] in SKIP:
                continue
            name = op["operationId"]
            params = op.get("parameters", [])
            path_params = [p for p in params if p["in"] == "path"]
            query_params = [p for p in params if p["in"] == "query"]
            channel = "/channels/{type}/{id}" in path
            args, segments = [], []
            for seg in path.strip("/").split("/"):
                m = re.fullmatch(r"\{(\w+)\}", seg)
                if not m:
                    if seg:
                        segments.append(f'"{seg}"')
                    continue
                pname = m.group(1)
                p = next(p for p in path_params if p["name"] == pname)
                if channel and pname in ("type", "id"):
                    if pname == "type":
                        args.append("cid: &str")
                        segments.append("channel_type(cid)?")
                    else:
                        segments.append("channel_id(cid)?")
                    continue
                rust = "reaction_type" if pname == "type" else pname
                if p["schema"].get("type") == "integer":
                    args.append(f"{rust}: i64")
                    segments.append(f"&{rust}.to_string()")
                else:
                    args.append(f"{rust}: &str")
                    segments.append(rust)
            query = None
            if query_params:
                query = camel(name) + "Query"
                fields = []
                for p in query_params:
                    fields += doc(p.get("description"), "    ")
                    fields.append('    #[serde(skip_serializing_if = "Option::is_none")]')
                    fields.append(f"    pub {p['name']}: Option<{scalar(p['schema'])}>,")
                queries.append(
                    [f"/// The query of [`Client::{name}`].",
                     "#[derive(Debug, Clone, Default, Serialize)]",
                     f"pub struct {query} {{"] + fields + ["}"])
                args.append(f"query: &{query}")
            body = None
            rb = op.get("requestBody")
            if rb:
                (ct, c), = rb["content"].items()
                if ct != "application/json":
                    raise SystemExit(f"{name}: body {ct}")
                t = type_of(c["schema"])
                if t.startswith("Option<"):
                    args.append(f"body: Option<&{t[7:-1]}>")
                else:
                    args.append(f"body: &{t}")
                body = "body"
            answers = set()
            for status, resp in op["responses"].items():
                if not status.startswith("2"):
                    continue
                content = resp.get("content") or {}
                if not content:
                    answers.add(("()", "empty"))
                    continue
                (ct, c), = content.items()
                if ct != "application/json":
                    raise SystemExit(f"{name}: answer {ct}")
                answers.add((type_of(c["schema"]), "json"))
            # 200 (found) and 201 (created) answer with the same type.
            (ret, call), = answers
            security = sorted({" + ".join(sorted(s)) for s in op.get("security", [])})
            lines = doc(op.get("summary"), "    ")
            if op.get("description"):
                lines += ["    ///"] + doc(op["description"], "    ")
            lines.append("    ///")
            lines.append(f"    /// `{verb.upper()} {path}`" + (f"; credentials: {', '.join(f'`{s}`' for s in security)}." if security else "; no credentials."))
            sig = ", ".join(["&self"] + args)
            lines.append(f"    pub async fn {name}({sig}) -> Result<{ret}> {{")
            lines.append(f"        let url = self.url(&[{', '.join(segments)}])?;")
            q = "Some(query)" if query else "None::<&()>"
            b = "Some(body)" if body and not args[-1].startswith("body: Option") else ("body" if body else "None::<&()>")
            lines.append(f"        self.{call}(Method::{verb.upper()}, url, {q}, {b}).await")
            lines.append("    }")
            methods.append("\n".join(lines))
    out = [
        "// Generated by sdk/generate.sh from openapi/openapi.json; do not edit by hand.",
        "// Regenerate with `sdk/generate.sh` after the document changes.",
        "",
        "#![allow(clippy::too_many_arguments)]",
        "",
        "use parley_wire::*;",
        "use reqwest::Method;",
        "use serde::Serialize;",
        "",
        "use crate::client::{Client, channel_id, channel_type};",
        "use crate::error::Result;",
        "",
        "impl Client {",
        "\n\n".join(methods),
        "}",
        "",
        "\n\n".join("\n".join(q) for q in queries),
        "",
    ]
    text = rustfmt("\n".join(out))
    old = open(OUT).read() if os.path.exists(OUT) else None
    if check:
        if old != text:
            print("sdk/rust/src/generated.rs is stale: run sdk/generate.sh", file=sys.stderr)
            sys.exit(1)
        return
    if old != text:
        open(OUT, "w").write(text)
        print("wrote sdk/rust/src/generated.rs")


main()
