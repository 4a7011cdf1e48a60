#!/usr/bin/env bash
# Runs the Python SDK's tests against real `parley serve` processes.
#
#   sdk/python/run-tests.sh [pytest arguments]
#
# Creates (or reuses) a virtualenv, installs the package and the exact versions of
# requirements-test.txt into it, and runs pytest; the exit status is pytest's.
#   PARLEY_SDK_PYTHON_VENV  the virtualenv (default ${XDG_CACHE_HOME:-$HOME/.cache}/parley/sdk-python-venv)
#   PARLEY_BIN              the server binary (default: target/debug/parley of this repository)
#   PYTHON                  the interpreter that creates the virtualenv (default python3; 3.11 or newer)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PARLEY_SDK_PYTHON_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/sdk-python-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi
# Installed only when the requirements changed since the last run: a rerun needs no network
# for them. The package itself is reinstalled each time (it is small) so the tests always
# run the code in this checkout, as installed from its pyproject.toml.
stamp="$venv/.parley-requirements"
if ! cmp -s "$here/requirements-test.txt" "$stamp" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"
  cp "$here/requirements-test.txt" "$stamp"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$here"

cd "$here"
# `-P`: the tests import the installed package, not the source folder they run in.
exec "$venv/bin/python" -P -m pytest "$@"
