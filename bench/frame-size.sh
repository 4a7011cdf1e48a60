#!/usr/bin/env bash
# The size of `message.new` as a client receives it: starts the given parley binary on a fresh
# SQLite data dir (port $PORT, default 18080), lets bob listen over SSE, has alice send a plain
# message and a thread reply with a mention, and prints each event's bytes (the SSE `data:`
# line), then the first event. Needs curl and jq.
#
#   bench/frame-size.sh target/release/parley
set -euo pipefail
BIN=$(realpath "$1")
PORT=${PORT:-18080}
DIR=$(mktemp -d)
cd "$DIR"
PARLEY_BIND=127.0.0.1:$PORT "$BIN" serve > server.log 2>&1 &
PID=$!
trap 'kill $PID; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 0.2; done
BASE=http://127.0.0.1:$PORT
ADMIN=$(cat parley-data/admin-token)
T=$(curl -s -X POST "$BASE/admin/v1/tenants" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"Acme"}')
SK=$(echo "$T" | jq -r .secret_key)
PK=$(echo "$T" | jq -r .publishable_key)
server() { curl -s -X "$1" "$BASE$2" -H "Authorization: Bearer $SK" -H 'Content-Type: application/json' -d "$3"; }
for u in alice bob; do server PUT "/v1/users/$u" '{}' > /dev/null; done
server POST /v1/channels '{"type":"messaging","id":"general","members":["alice","bob"]}' > /dev/null
BOB=$(server POST /v1/tokens '{"user_id":"bob"}' | jq -r .token)
curl -s -N "$BASE/v1/events?api_key=$PK&token=$BOB" > events.txt &
SSE=$!
sleep 1
M=$(server POST /v1/channels/messaging/general/messages \
  '{"text":"Hello Bob, how are you?","user_id":"alice"}' | jq -r .id)
server POST /v1/channels/messaging/general/messages \
  "{\"text\":\"@bob see above\",\"user_id\":\"alice\",\"parent_id\":\"$M\",\"mentions\":[\"bob\"]}" > /dev/null
sleep 1
kill $SSE
grep '^data: {"type":"message.new"' events.txt | while read -r line; do printf '%s ' "$(( ${#line} - 6 ))"; done
echo
grep '^data: {"type":"message.new"' events.txt | head -1 | cut -c7-
