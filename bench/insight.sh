#!/usr/bin/env bash
# Insight benchmarks (bench/README.md, "Insight"): ad hoc search and segment members under wrk
# load, single-request latency of each report and of a segment, and merges of seeded duplicates,
# on a database of SEED_CUSTOMERS seeded customers. Builds in release mode, starts crm-server
# pinned to core 0 and drives it from core 1.
#
#   bench/insight.sh                           # 1,000,000 customers, seeded once and reused
#   SEED_CUSTOMERS=20000 bench/insight.sh      # a quick run
#   RESEED=1 bench/insight.sh                  # seed the database again
#
# Environment: SEED_CUSTOMERS (1000000), DURATION seconds per wrk run (5), CONNECTIONS wrk
# connection counts (“1 64”), REQUESTS per report (20), MERGES (20), CRM_BENCH_PORT (18190),
# SCRATCH build directory (.build-bench), INSIGHT_DATA where the seeded database is kept
# (bench/out/insight, git-ignored), RESEED=1 to seed it again.
#
# The database is kept and reused while it holds SEED_CUSTOMERS customers seeded by the same seed
# code and schema (the git trees of Sources/CRM/Seed and Migrations, noted beside it); each run merges MERGES duplicate
# groups and adds a segment to it. Results: stdout and bench/out/insight.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SEED_CUSTOMERS=${SEED_CUSTOMERS:-1000000}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-"1 64"}
REQUESTS=${REQUESTS:-20}
MERGES=${MERGES:-20}
PORT=${CRM_BENCH_PORT:-18190}
SCRATCH=${SCRATCH:-.build-bench}
DATA=${INSIGHT_DATA:-$ROOT/bench/out/insight}
OUT=$ROOT/bench/out
CRM=http://127.0.0.1:$PORT

log() { printf '[insight-bench] %s\n' "$*" >&2; }
die() { printf '[insight-bench] error: %s\n' "$*" >&2; exit 1; }

for tool in wrk python3 curl taskset; do
    command -v "$tool" >/dev/null && continue
    package=$tool
    [[ $tool == taskset ]] && package=util-linux
    apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$package" >/dev/null; }
done
(($(nproc) >= 2)) || die "needs 2 cores (server on core 0, load on core 1)"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "something already listens on 127.0.0.1:$PORT (set CRM_BENCH_PORT)"

mkdir -p "$OUT" "$DATA"
log "building crm-server (release, --scratch-path $SCRATCH)"
rm -f "$SCRATCH/release.yaml"
swift build -c release --scratch-path "$SCRATCH" --product crm-server >"$OUT/insight-build.log" 2>&1 ||
    { tail -n 40 "$OUT/insight-build.log" >&2; die "build failed (bench/out/insight-build.log)"; }
BINARY=$ROOT/$SCRATCH/release/crm-server

# --- the database: seeded once, reused while the seed code is the same --------------------------

DB=$DATA/customers-$SEED_CUSTOMERS.sqlite
STAMP_FILE=$DB.seeded
STAMP="$SEED_CUSTOMERS customers, seed $(git rev-parse --short HEAD:Sources/CRM/Seed 2>/dev/null || echo unknown), schema $(
    git rev-parse --short HEAD:Migrations 2>/dev/null || echo unknown)"
if [[ ${RESEED:-} == 1 || ! -f $DB || $(head -n 1 "$STAMP_FILE" 2>/dev/null) != "$STAMP" ]]; then
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key" "$STAMP_FILE"
    log "seeding $SEED_CUSTOMERS customers into ${DB#"$ROOT"/}"
    started=$(date +%s.%N)
    "$BINARY" seed --customers "$SEED_CUSTOMERS" --db "$DB" >"$DATA/seed.out" 2>&1 || die "seed failed: $(tail -n 5 "$DATA/seed.out")"
    seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    printf '%s\nseeded in %s s on %s (load average %s)\n' "$STAMP" "$seconds" "$(date -u +%FT%TZ)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" >"$STAMP_FILE"
else
    log "reusing ${DB#"$ROOT"/} ($(sed -n 2p "$STAMP_FILE"))"
fi
SEED_NOTE=$(sed -n 2p "$STAMP_FILE")
KEY=$("$BINARY" keys create --role admin --name "insight bench" --db "$DB")

# --- the server ----------------------------------------------------------------------------------

TMP=$(mktemp -d)
# start_server DB [KEY], stop_server, run_wrk NAME CONNS URL [wrk args...]
source "$ROOT/bench/common.sh"
SAMPLER_PID=
cleanup() {
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null
    stop_server
    [[ -f $TMP/err ]] && tail -n 100 "$TMP/err" >"$OUT/insight-server.log"
    rm -rf "$TMP"
}
trap cleanup EXIT

start_server "$DB" "$KEY"

rss_anon() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$CRM_PID/status" 2>/dev/null || echo 0; }
RSS_START=$(rss_anon)
# The highest RssAnon (private memory) seen, sampled every 100 ms.
(
    peak=0
    while kill -0 "$CRM_PID" 2>/dev/null; do
        value=$(rss_anon)
        if ((value > peak)); then peak=$value && echo "$peak" >"$TMP/peak"; fi
        sleep 0.1
    done
) &
SAMPLER_PID=$!

client() { taskset -c 1 python3 "$ROOT/bench/insight.py" --url "$CRM" --key "$KEY" "$@"; }
AUTH=(-H "Authorization: Bearer $KEY")


RULES='{"all":[{"field":"lifecycle_stage","op":"eq","value":"loyal"},
  {"field":"metrics.total_spent","op":"gte","value":300000},{"field":"tags","op":"contains","value":"vip"}]}'
SEARCH_BODY='{"rules":'$RULES',"limit":20}'

# Waits until the server has answered everything queued (a slow endpoint under 64 connections
# leaves up to 64 requests behind wrk), so the next measurement starts on an idle server.
drain() { curl -fs -o /dev/null --max-time 600 "${AUTH[@]}" "$CRM/v1/customers/1" || true; }

# under_load NAME URL [wrk args...]: wrk at each count in CONNECTIONS; a count above 1 is skipped
# when one request alone takes over SLOW_MS (the queue would only measure waiting).
under_load() {
    local name=$1 url=$2 conns
    shift 2
    for conns in $CONNECTIONS; do
        if ((conns > 1)) && [[ -n ${ALONE_MS:-} ]] && ((ALONE_MS > ${SLOW_MS:-200})); then
            printf '%-40s %5s   skipped: one request alone takes %s ms\n' "$name" "$conns" "$ALONE_MS"
            continue
        fi
        run_wrk "$name" "$conns" "$url" "$@"
        drain
    done
}
alone_ms() { # METHOD PATH [BODY]: one request's time in ms (after one warm-up)
    local args=(-fs -o /dev/null -X "$1" "${AUTH[@]}" -H 'Content-Type: application/json')
    [[ -n ${3:-} ]] && args+=(-d "$3")
    curl "${args[@]}" "$CRM$2" || true
    curl "${args[@]}" -w '%{time_total}' "$CRM$2" | awk '{ printf "%d", $1 * 1000 }'
}

results() {
    printf 'crm-server insight benchmark  %s  (%s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    printf 'database: %s; %s; %s on disk\n' "$STAMP" "$SEED_NOTE" "$(du -h "$DB" | cut -f1)"
    printf 'server pinned to core 0 (--event-loops 1 --rate-limit off), load on core 1; load average %s\n' \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'search and segment rules: %s\n' "$(tr -d '\n' <<<"$RULES")"
    drain
    local segment
    segment=$(client segment "$RULES")

    printf '\nsingle requests, one at a time (%s each after a warm-up; bar: well under 100 ms):\n' "$REQUESTS"
    client --requests "$REQUESTS" reports /v1/analytics/funnel /v1/analytics/forecast /v1/analytics/customers \
        "/v1/analytics/churn-risk?limit=50" /v1/analytics/feedback /v1/analytics/tickets \
        "/v1/segments/$segment" "/v1/segments/$segment/customers?limit=50" "POST /v1/customers/search $SEARCH_BODY"

    printf '\n%-40s %5s %10s %10s %10s\n' "under load (wrk, $DURATION s)" conns 'req/s' p50 p99
    ALONE_MS=$(alone_ms POST /v1/customers/search "$SEARCH_BODY")
    BODY=$SEARCH_BODY KEY=$KEY under_load "POST /v1/customers/search (3 leaves)" "$CRM/v1/customers/search" \
        -s "$ROOT/bench/lua/post_json.lua"
    ALONE_MS=$(alone_ms GET "/v1/segments/$segment/customers?limit=50")
    under_load "GET /v1/segments/{id}/customers?limit=50" "$CRM/v1/segments/$segment/customers?limit=50" "${AUTH[@]}"
    ALONE_MS=$(alone_ms GET "/v1/segments/$segment")
    under_load "GET /v1/segments/{id} (member_count)" "$CRM/v1/segments/$segment" "${AUTH[@]}"

    printf '\nmerges of seeded duplicates:\n'
    client --merges "$MERGES" merges
    printf '\nserver memory: RssAnon %s kB after start, peak %s kB (sampled every 100 ms); VmHWM %s\n' \
        "$RSS_START" "$(cat "$TMP/peak" 2>/dev/null || echo '?')" \
        "$(awk '$1 == "VmHWM:" { print $2 " " $3 }' "/proc/$CRM_PID/status")"
    printf 'server 5xx logged: %s\n' "$(grep -c '"status":5' "$TMP/err" || true)"
}

results | tee "$OUT/insight.txt"
