#!/usr/bin/env bash
# Sync benchmarks (bench/README.md, "Sync"): change-feed read throughput (wrk), long-poll wake-up
# latency while 1,000 consumers wait, and webhook deliveries per second to a local receiver
# (bench/sync.py). Builds in release mode, starts crm-server pinned to core 0 on a fresh database
# (private webhook targets allowed: the receiver is on 127.0.0.1) and drives it from core 1.
#
#   bench/sync.sh                       # FEED_ENTRIES=20000 WAITERS=1000 DELIVERIES=5000
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${CRM_BENCH_PORT:-18090}
DURATION=${DURATION:-5}
FEED_ENTRIES=${FEED_ENTRIES:-20000}
WAITERS=${WAITERS:-1000}
DELIVERIES=${DELIVERIES:-5000}
CRM=http://127.0.0.1:$PORT

log() { printf '[sync-bench] %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }

log "building (release)"
swift build -c release --scratch-path .build-bench --product crm-server >/dev/null
BINARY=$ROOT/.build-bench/release/crm-server
TMP=$(mktemp -d)
cleanup() {
    [[ -n ${CRM_PID:-} ]] && kill "$CRM_PID" 2>/dev/null && wait "$CRM_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# Room for 1,000 waiting consumers plus the load: raise the descriptor limit if allowed.
ulimit -n 65536 2>/dev/null || true
taskset -c 0 "$BINARY" serve --db "$TMP/sync.sqlite" --port "$PORT" --event-loops 1 --rate-limit off \
    --allow-private-webhooks >"$TMP/out" 2>"$TMP/err" &
CRM_PID=$!
for _ in $(seq 100); do curl -fs -o /dev/null "$CRM/readyz" && break; sleep 0.1; done
KEY=$(grep '^crm_' "$TMP/out" | tail -n 1)
AUTH="Authorization: Bearer $KEY"

log "writing $FEED_ENTRIES feed entries (customers through the batch endpoint)"
python3 - "$CRM" "$KEY" "$FEED_ENTRIES" <<'PY'
import json, sys, urllib.request
url, key, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
for start in range(0, total, 1000):
    records = [{"type": "person", "name": f"Feed {i}", "external_id": f"feed-{i}"} for i in range(start, min(total, start + 1000))]
    body = json.dumps({"upsert_by": "external_id", "records": records}).encode()
    request = urllib.request.Request(f"{url}/v1/customers/batch", body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(request).read()
PY

MIDDLE=$((FEED_ENTRIES / 2))
log "feed read throughput: GET /v1/changes?after=$MIDDLE&limit=100, 64 connections"
taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" --latency -H "$AUTH" "$CRM/v1/changes?after=$MIDDLE&limit=100" | tee "$TMP/wrk.txt" |
    awk '/Requests\/sec/ { printf "feed pages of 100: %s req/s (%.0f entries/s)\n", $2, $2 * 100 } /^ +99%/ { print "  p99 " $2 }'

by_id() { taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" --latency -H "$AUTH" "$CRM/v1/customers/1" |
    awk -v label="$1" '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "GET /v1/customers/{id} %s: %s req/s, p99 %s\n", label, rps, p99 }'; }
log "what parked long-polls cost other requests"
by_id "with no long-poll waiting"
taskset -c 1 python3 "$ROOT/bench/sync.py" --url "$CRM" --key "$KEY" --waiters "$WAITERS" --hold $((DURATION + 4)) &
HOLDER=$!
sleep 3
echo "  feed waiters parked: $(curl -fs "$CRM/metrics" | awk '$1 == "crm_feed_waiters" { print $2 }')"
by_id "with $WAITERS long-polls parked"
wait "$HOLDER" || true

log "long-poll wake-up and webhook deliveries"
taskset -c 1 python3 "$ROOT/bench/sync.py" --url "$CRM" --key "$KEY" --waiters "$WAITERS" --deliveries "$DELIVERIES"
