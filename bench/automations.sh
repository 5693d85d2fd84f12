#!/usr/bin/env bash
# Automation benchmarks (bench/README.md, "Automations"):
#  1. durable customer creates (wrk, 64 connections) with 0, 5 and 20 enabled automations on
#     customer.created whose condition does not hold (each records a skipped run), and with 5
#     that act (each adds a tag: a second write of the customer);
#  2. a daily run over a seeded database (1,000,000 customers by default): its duration, and the
#     p99 of GET /v1/customers/{id} and of durable creates while it runs, beside the same load
#     without it.
# Builds in release mode; the server is pinned to core 0, the load to core 1.
#
#   bench/automations.sh                          # seeds 1,000,000 customers for part 2
#   SEEDED_DB=/tmp/m1.sqlite bench/automations.sh # copies an already seeded database instead
#   PARTS=writes bench/automations.sh             # only part 1 (PARTS=daily: only part 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${CRM_BENCH_PORT:-18095}
DURATION=${DURATION:-5}
CUSTOMERS=${CUSTOMERS:-1000000}
PARTS=${PARTS:-writes daily}
CRM=http://127.0.0.1:$PORT

log() { printf '[automations-bench] %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }

log "building (release)"
swift build -c release --scratch-path .build-bench --product crm-server >/dev/null
BINARY=$ROOT/.build-bench/release/crm-server
TMP=$(mktemp -d)
# start_server DB [KEY], stop_server
source "$ROOT/bench/common.sh"
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT

# POST /v1/automations with the JSON body $1.
automation() {
    curl -fs -o /dev/null -X POST "$CRM/v1/automations" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$1" ||
        { log "could not create automation: $1"; exit 1; }
}

creates() { # label
    KEY=$KEY RUN=$RANDOM taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" --latency -s "$ROOT/bench/lua/create_customer.lua" "$CRM" |
        awk -v label="$1" '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "%-46s %9s creates/s  p99 %s\n", label, rps, p99 }'
}

if [[ " $PARTS " == *" writes "* ]]; then
    log "part 1: durable creates with automations on customer.created"
    for variant in "0 skip" "5 skip" "20 skip" "5 act"; do
        read -r count kind <<<"$variant"
        rm -f "$TMP"/w.sqlite*
        start_server "$TMP/w.sqlite"
        for i in $(seq "$count"); do
            if [[ $kind == skip ]]; then
                automation "{\"name\":\"a$i\",\"trigger\":\"customer.created\",\"conditions\":{\"all\":[{\"field\":\"country\",\"op\":\"eq\",\"value\":\"US\"}]},\"actions\":[{\"type\":\"add_tag\",\"tag\":\"t$i\"}]}"
            else
                automation "{\"name\":\"a$i\",\"trigger\":\"customer.created\",\"actions\":[{\"type\":\"add_tag\",\"tag\":\"t$i\"}]}"
            fi
        done
        label="$count automations"
        [[ $count != 0 ]] && label="$count automations ($([[ $kind == skip ]] && echo "condition false" || echo "each adds a tag"))"
        creates "$label"
        stop_server
    done
fi

if [[ " $PARTS " == *" daily "* ]]; then
    DB=$TMP/daily.sqlite
    if [[ -n ${SEEDED_DB:-} ]]; then
        log "part 2: copying $SEEDED_DB"
        # With its write-ahead log and key file: the database is the three together.
        for suffix in "" -wal .key; do [[ -e $SEEDED_DB$suffix ]] && cp "$SEEDED_DB$suffix" "$DB$suffix"; done
    else
        log "part 2: seeding $CUSTOMERS customers"
        "$BINARY" seed --customers "$CUSTOMERS" --db "$DB" >/dev/null
    fi
    start_server "$DB"
    # A database that already had keys prints none on start: make one.
    [[ -n $KEY ]] || KEY=$("$BINARY" keys create --role admin --name "automations bench" --db "$DB")
    automation '{"name":"Birthday care","trigger":"schedule.daily","schedule":{"select":"birthday_today"},"actions":[{"type":"create_task","title":"Birthday greeting","kind":"care"}]}'
    automation '{"name":"60-day follow-up","trigger":"schedule.daily","schedule":{"select":"no_order_for_days","days":60},"conditions":{"all":[{"field":"tier","op":"eq","value":"vip"}]},"actions":[{"type":"create_task","title":"Follow up","due_in_days":3}]}'
    automation '{"name":"Quiet VIPs","trigger":"schedule.daily","schedule":{"select":"no_interaction_for_days","days":90},"conditions":{"all":[{"field":"tier","op":"eq","value":"vip"}]},"actions":[{"type":"add_tag","tag":"quiet"}]}'
    automation '{"name":"SLA chase","trigger":"schedule.daily","schedule":{"select":"ticket_sla_breached"},"actions":[{"type":"set_field","field":"assignee","value":"escalations"}]}'
    by_id() { # label
        taskset -c 1 wrk -t1 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $KEY" "$CRM/v1/customers/4242" |
            awk -v label="$1" '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "%-46s %9s req/s      p99 %s\n", label, rps, p99 }'
    }
    # A first create run warms the page cache of a database just opened (its numbers are dropped).
    creates "warm-up" >/dev/null
    by_id "GET /v1/customers/{id}, no daily run"
    creates "creates, no daily run"
    log "daily run (POST /v1/automations/run-daily) with the same load beside it"
    start=$(date +%s.%N)
    curl -fs -X POST "$CRM/v1/automations/run-daily" -H "Authorization: Bearer $KEY" >"$TMP/daily.json" &
    DAILY=$!
    sleep 1
    by_id "GET /v1/customers/{id}, during the daily run"
    creates "creates, during the daily run"
    wait "$DAILY"
    end=$(date +%s.%N)
    printf 'daily run: %s in %.1f s\n' "$(cat "$TMP/daily.json")" "$(echo "$end - $start" | bc)"
    printf 'private memory after: %s\n' "$(awk '/RssAnon/ { print $2, $3 }' "/proc/$CRM_PID/status")"
fi
