"""Schemathesis hooks for the Parley runs (loaded through SCHEMATHESIS_HOOKS by run.py).

They supply what a real caller always has and no schema can generate:
- with the secret key, a request acts for a user named in `user_id` (the document says it
  is required with the secret key; with a user token it is optional), so the tenant
  server's run names one when the generated request left it out;
- a `cursor` is only meaningful when the API handed it out: generated ones are dropped.
"""

import os

import schemathesis

ACT_AS = os.environ.get("PARLEY_ST_ACT_AS")


def _declares_query(ctx, name: str) -> bool:
    params = ctx.operation.definition.raw.get("parameters", [])
    return any(p.get("name") == name and p.get("in") == "query" for p in params)


@schemathesis.hook
def map_query(ctx, query):
    if query is None:
        query = {}
    query.pop("cursor", None)
    if ACT_AS and "user_id" not in query and _declares_query(ctx, "user_id"):
        query["user_id"] = ACT_AS
    return query or None


def _optional_user_id(ctx) -> bool:
    """Whether the body has an optional `user_id` (a required one is generated anyway)."""
    raw = ctx.operation.definition.raw
    schema = raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    refs = [schema.get("$ref", "")] + [s.get("$ref", "") for s in schema.get("oneOf", [])]
    components = ctx.operation.schema.raw_schema.get("components", {}).get("schemas", {})
    for ref in filter(None, refs):
        body = components.get(ref.rsplit("/", 1)[-1], {})
        if "user_id" in body.get("properties", {}) and "user_id" not in body.get("required", []):
            return True
    return False


@schemathesis.hook
def map_body(ctx, body):
    if ACT_AS and isinstance(body, dict) and "user_id" not in body and _optional_user_id(ctx):
        body["user_id"] = ACT_AS
    return body
