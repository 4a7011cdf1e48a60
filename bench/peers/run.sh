#!/usr/bin/env bash
# Benchmark peers for Parley's fan-out load test.
#
#   run.sh install [socketio|flask|ceiling ...]   install/build (all three by default); idempotent, quiet
#   run.sh start socketio|flask|ceiling [PORT]    run one peer in the foreground (exec: $! is the server's pid)
#
# Default ports: socketio 3001, flask 3002, ceiling 3003.
# Environment: PYTHON (interpreter for the flask venv; default python3.11, else python3),
#              CARGO_TARGET_DIR (honoured the same way cargo honours it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CEILING_TARGET="${CARGO_TARGET_DIR:-$HERE/../../target/peers}"
case "$CEILING_TARGET" in /*) ;; *) CEILING_TARGET="$HERE/ceiling/$CEILING_TARGET" ;; esac
CEILING_BIN="$CEILING_TARGET/release/ceiling"

die() { echo "run.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

raise_nofile() {
  local hard
  hard="$(ulimit -Hn)"
  if [ "$hard" = unlimited ]; then
    hard="$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1048576)"
  fi
  ulimit -n "$hard" 2>/dev/null || echo "run.sh: warning: could not raise open-files limit to $hard (now $(ulimit -n))" >&2
}

stamp_of() { # stamp_of FILE... -> content hash of the files plus tool versions given in $EXTRA_STAMP
  { cat "$@"; printf '%s' "${EXTRA_STAMP:-}"; } | sha256sum | cut -d' ' -f1
}

install_socketio() {
  command -v node >/dev/null || die "node not found (Node.js 20 expected)"
  command -v npm >/dev/null || die "npm not found"
  local dir="$HERE/socketio" stampfile="$HERE/socketio/node_modules/.parley-bench-stamp" want
  want="$(EXTRA_STAMP="$(node --version)" stamp_of "$dir/package.json" "$dir/package-lock.json")"
  if [ -f "$stampfile" ] && [ "$(cat "$stampfile")" = "$want" ]; then return 0; fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stampfile"
}

install_flask() {
  local py="${PYTHON:-}"
  if [ -z "$py" ]; then
    if command -v python3.11 >/dev/null; then py=python3.11; else py=python3; fi
  fi
  command -v "$py" >/dev/null || die "$py not found"
  local dir="$HERE/flask" venv="$HERE/flask/.venv" want
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
  fi
  want="$(EXTRA_STAMP="$("$venv/bin/python" --version 2>&1)" stamp_of "$dir/requirements.txt")"
  if [ -f "$venv/.parley-bench-stamp" ] && [ "$(cat "$venv/.parley-bench-stamp")" = "$want" ]; then return 0; fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$dir/requirements.txt"
  echo "$want" >"$venv/.parley-bench-stamp"
}

install_ceiling() {
  command -v cargo >/dev/null || die "cargo not found"
  (cd "$HERE/ceiling" && cargo build --release --locked -q)
}

cmd="${1:-}"
case "$cmd" in
  install)
    shift
    [ $# -gt 0 ] || set -- socketio flask ceiling
    for peer in "$@"; do
      case "$peer" in
        socketio) install_socketio ;;
        flask) install_flask ;;
        ceiling) install_ceiling ;;
        *) die "unknown peer '$peer' (socketio|flask|ceiling)" ;;
      esac
    done
    ;;
  start)
    [ $# -ge 2 ] && [ $# -le 3 ] || usage
    peer="$2"
    raise_nofile
    case "$peer" in
      socketio)
        [ -d "$HERE/socketio/node_modules/socket.io" ] || die "socketio peer not installed: run '$0 install socketio'"
        export PORT="${3:-3001}" NODE_ENV=production
        cd "$HERE/socketio"
        exec node server.js
        ;;
      flask)
        [ -x "$HERE/flask/.venv/bin/python" ] || die "flask peer not installed: run '$0 install flask'"
        export PORT="${3:-3002}" PYTHONUNBUFFERED=1
        cd "$HERE/flask"
        exec "$HERE/flask/.venv/bin/python" server.py
        ;;
      ceiling)
        [ -x "$CEILING_BIN" ] || die "ceiling peer not built ($CEILING_BIN): run '$0 install ceiling'"
        export PORT="${3:-3003}"
        exec "$CEILING_BIN"
        ;;
      *) die "unknown peer '$peer' (socketio|flask|ceiling)" ;;
    esac
    ;;
  *) usage ;;
esac
