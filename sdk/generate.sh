#!/usr/bin/env bash
# Regenerates the generated parts of the SDKs from the API documents in openapi/.
#
#   sdk/generate.sh          rewrite the generated files
#   sdk/generate.sh --check  write nothing; exit 1 when a generated file is stale (for CI)
#
# TypeScript: sdk/typescript/src/generated/{openapi,asyncapi}.ts, from openapi/openapi.json
# (openapi-typescript) and openapi/asyncapi.yaml. The generators are the SDK's pinned
# devDependencies, installed from its package-lock.json when missing.
#
# Rust: sdk/rust/src/generated.rs (a `Client` method per operation, typed with the server's
# wire types from the parley-wire crate), by sdk/rust/scripts/generate.py (python3 alone).
#
# Python: sdk/python/parley/_generated/ from openapi/openapi.json (openapi-python-client),
# and sdk/python/parley/_sync_rest.py from the asyncio clients in parley/_async_rest.py. The
# generator runs in a virtualenv with the exact versions of sdk/python/requirements-generate.txt
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/parley/sdk-python-generate-venv, or
# $PARLEY_SDK_PYTHON_GENERATE_VENV), installed when missing; generation is offline after that.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=()
case "${1:-}" in
  --check) mode=(--check) ;;
  "") ;;
  *) echo "usage: sdk/generate.sh [--check]" >&2; exit 2 ;;
esac

ts="$repo/sdk/typescript"
if [ ! -d "$ts/node_modules/openapi-typescript" ]; then
  (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
fi
status=0
node "$ts/scripts/generate.mjs" "${mode[@]}" || status=$?

"${PYTHON:-python3}" "$repo/sdk/rust/scripts/generate.py" "${mode[@]}" || status=$?

py="$repo/sdk/python"
venv="${PARLEY_SDK_PYTHON_GENERATE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/sdk-python-generate-venv}"
if ! cmp -s "$py/requirements-generate.txt" "$venv/.parley-requirements" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || { mkdir -p "$(dirname "$venv")" && "${PYTHON:-python3}" -m venv "$venv"; }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$py/requirements-generate.txt"
  cp "$py/requirements-generate.txt" "$venv/.parley-requirements"
fi
"$venv/bin/python" "$py/scripts/generate.py" "${mode[@]}" || status=$?

exit "$status"
