#!/usr/bin/env bash
# Custom field benchmarks (bench/README.md, "Custom fields"):
#  1. durable customer creates (wrk, 64 connections), every body carrying values for 20
#     attributes (bench/lua/create_customer_fields.lua), on a fresh database with none of them
#     defined, with the 20 defined (each checked on the write, each with its index), and with the
#     20 defined but their indexes dropped (the checks alone);
#  2. on a seeded database (1,000,000 customers by default, with the seed's five fields): what
#     defining a field held by every customer costs (its index is built in the write, so the
#     writer waits: the POST's time, and a create sent meanwhile), then typed filters and a rule
#     leaf on `vip_level` and `contract_renewal`, with their indexes and without them.
# Builds in release mode; the server is pinned to core 0, the load to core 1.
#
#   bench/fields.sh                                # seeds 1,000,000 customers for part 2 (a few minutes)
#   SEEDED_DB=/tmp/m1.sqlite bench/fields.sh       # copies a database seeded by this build's seed instead
#   PARTS=writes bench/fields.sh                   # only part 1 (PARTS=reads: only part 2)
#   CUSTOMERS=100000 PARTS=reads bench/fields.sh   # a quicker part 2
#
# Environment: DURATION seconds per wrk run (5), CONNECTIONS for the reads (“1 64”; a count above
# 1 is skipped when one request alone takes over 200 ms), REQUESTS per single-request median (20),
# CRM_BENCH_PORT (18096), SCRATCH build directory (.build-bench). Results: stdout and
# bench/out/fields.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${CRM_BENCH_PORT:-18096}
DURATION=${DURATION:-5}
CUSTOMERS=${CUSTOMERS:-1000000}
CONNECTIONS=${CONNECTIONS:-"1 64"}
REQUESTS=${REQUESTS:-20}
PARTS=${PARTS:-writes reads}
SCRATCH=${SCRATCH:-.build-bench}
OUT=$ROOT/bench/out
CRM=http://127.0.0.1:$PORT

log() { printf '[fields-bench] %s\n' "$*" >&2; }
die() { printf '[fields-bench] error: %s\n' "$*" >&2; exit 1; }
for tool in wrk curl sqlite3 python3 bc; do
    command -v "$tool" >/dev/null && continue
    apt-get install -y --no-install-recommends "$tool" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$tool" >/dev/null; }
done
(($(nproc) >= 2)) || die "needs 2 cores (server on core 0, load on core 1)"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "something already listens on 127.0.0.1:$PORT (set CRM_BENCH_PORT)"

mkdir -p "$OUT"
log "building crm-server (release, --scratch-path $SCRATCH)"
rm -f "$SCRATCH/release.yaml"
swift build -c release --scratch-path "$SCRATCH" --product crm-server >"$OUT/fields-build.log" 2>&1 ||
    { tail -n 40 "$OUT/fields-build.log" >&2; die "build failed (bench/out/fields-build.log)"; }
BINARY=$ROOT/$SCRATCH/release/crm-server
TMP=$(mktemp -d)
WRK_NAME_WIDTH=62
source "$ROOT/bench/common.sh"
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT

# curl with the key and a JSON body ($1 method, $2 path, $3 body): prints the status code.
send() {
    local args=(-s -o /dev/null -w '%{http_code}' -X "$1" "$CRM$2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
    [[ -n ${3:-} ]] && args+=(-d "$3")
    curl "${args[@]}"
}

# The server's CPU time so far (user and system, all threads), in seconds: per request, it is what
# a write costs the one core, which other work on the machine skews far less than throughput.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$CRM_PID/stat"; }

fields_part() {
    local kinds=(string integer number bool date enum) variant i kind options body
    printf '%-62s %5s %10s %10s %10s %11s\n' "durable POST /v1/customers, 20 attributes in each body" conns 'creates/s' p50 p99 \
        'server CPU'
    printf '%-62s %5s %10s %10s %10s %11s\n' "" "" "" "" "" 'per create'

    for variant in none indexed checked; do
        rm -f "$TMP"/w.sqlite*
        start_server "$TMP/w.sqlite"
        if [[ $variant != none ]]; then
            for i in $(seq 20); do
                kind=${kinds[$(((i - 1) % 6))]}
                options=
                [[ $kind == enum ]] && options=',"options":["bronze","silver","gold","platinum"]'
                body=$(printf '{"key":"f%02d","label":"Field %d","type":"%s"%s}' "$i" "$i" "$kind" "$options")
                [[ $(send POST /v1/fields "$body") == 201 ]] || die "could not define $body"
            done
        fi
        if [[ $variant == checked ]]; then
            stop_server
            sqlite3 "$TMP/w.sqlite" "$(sqlite3 "$TMP/w.sqlite" \
                "SELECT group_concat('DROP INDEX ' || name, '; ') FROM sqlite_master WHERE name LIKE 'customers_by_attribute_%'")"
            start_server "$TMP/w.sqlite" "$KEY"
        fi
        local label
        case $variant in
            none) label="0 fields defined" ;;
            indexed) label="20 fields defined (checked and indexed)" ;;
            checked) label="20 fields defined, indexes dropped (checked only)" ;;
        esac
        local before after
        before=$(cpu_seconds)
        KEY=$KEY RUN=$variant run_wrk "$label" 64 "$CRM" -s "$ROOT/bench/lua/create_customer_fields.lua" | tr -d '\n'
        after=$(cpu_seconds)
        awk -v a="$before" -v b="$after" '/ requests in / { n = $1 } END { printf " %8.0f us\n", (n > 0 ? (b - a) * 1e6 / n : 0) }' \
            "$TMP/wrk.txt"
        stop_server
    done
}

reads_part() {
    local db=$TMP/m.sqlite
    if [[ -n ${SEEDED_DB:-} ]]; then
        log "copying $SEEDED_DB"
        # With its write-ahead log and key file: the database is the three together.
        for suffix in "" -wal .key; do [[ -e $SEEDED_DB$suffix ]] && cp "$SEEDED_DB$suffix" "$db$suffix"; done
    else
        log "seeding $CUSTOMERS customers"
        "$BINARY" seed --customers "$CUSTOMERS" --db "$db" >/dev/null
    fi
    [[ $(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'customers_by_attribute_vip_level'") == 1 ]] ||
        die "the database has no vip_level field index: seed it with this build"
    local key
    key=$("$BINARY" keys create --role admin --name "fields bench" --db "$db")
    start_server "$db" "$key"
    local today in_two_weeks in_a_month
    today=$(date -u +%F)
    in_two_weeks=$(date -u -d "$today + 14 days" +%F)
    in_a_month=$(date -u -d "$today + 30 days" +%F)
    local gold_rules='{"all":[{"field":"attributes.vip_level","op":"eq","value":"gold"}]}'
    local search_body='{"rules":'$gold_rules',"limit":20}'
    local segment
    segment=$(taskset -c 1 python3 "$ROOT/bench/insight.py" --url "$CRM" --key "$KEY" segment "$gold_rules")
    # name|path: the reads measured, each a page of 20 (or a segment's member_count).
    local scenarios=(
        "GET ?attributes.vip_level=gold|/v1/customers?attributes.vip_level=gold&limit=20"
        "GET ?attributes.contract_renewal=<in two weeks>|/v1/customers?attributes.contract_renewal=$in_two_weeks&limit=20"
        "GET ?attributes.vip_level=platinum&sort=-created_at|/v1/customers?attributes.vip_level=platinum&sort=-created_at&limit=20"
        "GET ?attributes.contract_renewal in the next 30 days|/v1/customers?attributes.contract_renewal%5Bgte%5D=$today&attributes.contract_renewal%5Blte%5D=$in_a_month&limit=20"
        "POST /v1/customers/search (vip_level eq gold)|POST /v1/customers/search $search_body"
        "GET /v1/segments/{id} (member_count of vip_level eq gold)|/v1/segments/$segment"
    )
    local held
    held=$(sqlite3 "$db" "SELECT 'vip_level gold ' || sum(json_extract(attributes, '\$.vip_level') = 'gold') || ', platinum '
        || sum(json_extract(attributes, '\$.vip_level') = 'platinum') || '; contract renewals in two weeks '
        || sum(json_extract(attributes, '\$.contract_renewal') = '$in_two_weeks') || ', within 30 days '
        || sum(json_extract(attributes, '\$.contract_renewal') BETWEEN '$today' AND '$in_a_month')
        || '; of ' || count(*) || ' customers' FROM customers")
    printf 'database: %s; %s on disk\n' "$held" "$(du -h "$db" | cut -f1)"

    # Defining a field every customer holds (the seed's undefined `segment`): the index is built
    # in the write's transaction, so the writer, and every write queued behind it, waits.
    local started ended create_ms
    send POST /v1/customers '{"type":"person","name":"warm-up"}' >/dev/null
    started=$(date +%s.%N)
    send POST /v1/fields '{"key":"segment","label":"Segment","type":"enum","options":["gold","silver","bronze"]}' >"$TMP/define.status" &
    local define_pid=$!
    sleep 0.2
    create_ms=$(curl -s -o /dev/null -w '%{time_total}' -X POST "$CRM/v1/customers" -H "Authorization: Bearer $KEY" \
        -H 'Content-Type: application/json' -d '{"type":"person","name":"behind the index build"}' | awk '{ printf "%d", $1 * 1000 }')
    wait "$define_pid"
    ended=$(date +%s.%N)
    printf '\nPOST /v1/fields over every customer (segment, enum): %s in %.1f s; a create sent 0.2 s after it waited %s ms\n' \
        "$(cat "$TMP/define.status")" "$(echo "$ended - $started" | bc)" "$create_ms"
    started=$(date +%s.%N)
    printf 'DELETE /v1/fields/segment (drops its index): %s in %.2f s\n' "$(send DELETE /v1/fields/segment)" \
        "$(echo "$(date +%s.%N) - $started" | bc)"

    local variant scenario name target conns alone
    for variant in "with their indexes" "without (indexes dropped)"; do
        if [[ $variant == without* ]]; then
            stop_server
            sqlite3 "$db" "DROP INDEX customers_by_attribute_vip_level; DROP INDEX customers_by_attribute_contract_renewal"
            start_server "$db" "$key"
        fi
        printf '\nfilters on a defined attribute, %s: one request at a time (%s each)\n' "$variant" "$REQUESTS"
        local targets=()
        for scenario in "${scenarios[@]}"; do targets+=("${scenario#*|}"); done
        taskset -c 1 python3 "$ROOT/bench/insight.py" --url "$CRM" --key "$KEY" --requests "$REQUESTS" reports "${targets[@]}"
        printf '%-62s %5s %10s %10s %10s\n' "under load (wrk, $DURATION s)" conns 'req/s' p50 p99
        for scenario in "${scenarios[@]}"; do
            name=${scenario%%|*} target=${scenario#*|}
            local url args=(-H "Authorization: Bearer $KEY") curl_args=(-H "Authorization: Bearer $KEY")
            if [[ $target == POST\ * ]]; then
                target=${target#POST }
                url=$CRM${target%% *}
                args=(-s "$ROOT/bench/lua/post_json.lua")
                curl_args+=(-X POST -H 'Content-Type: application/json' -d "${target#* }")
            else
                url=$CRM$target
            fi
            alone=$(curl -s -o /dev/null -w '%{time_total}' "${curl_args[@]}" "$url" | awk '{ printf "%d", $1 * 1000 }')
            for conns in $CONNECTIONS; do
                if ((conns > 1 && alone > 200)); then
                    printf '%-62s %5s   skipped: one request alone takes %s ms\n' "$name" "$conns" "$alone"
                    continue
                fi
                BODY=${target#* } KEY=$KEY run_wrk "$name" "$conns" "$url" "${args[@]}"
                # Let the server answer what wrk left queued before the next run.
                curl -fs -o /dev/null --max-time 600 -H "Authorization: Bearer $KEY" "$CRM/v1/customers/1" || true
            done
        done
    done
    stop_server
}

results() {
    printf 'crm-server custom fields benchmark  %s  (%s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    printf 'server pinned to core 0 (--event-loops 1 --rate-limit off), load on core 1; load average %s\n\n' \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ " $PARTS " == *" writes "* ]]; then fields_part; fi
    if [[ " $PARTS " == *" reads "* ]]; then reads_part; fi
    printf '\nload average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

results | tee "$OUT/fields.txt"
