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


def _body_properties(ctx) -> dict:
    raw = ctx.operation.definition.raw
    schema = raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    components = ctx.operation.schema.raw_schema.get("components", {}).get("schemas", {})
    return components.get(name, schema).get("properties", {})


@schemathesis.hook
def map_body(ctx, body):
    if ACT_AS and isinstance(body, dict) and "user_id" not in body and "user_id" in _body_properties(ctx):
        body["user_id"] = ACT_AS
    return body
