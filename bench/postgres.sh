#!/usr/bin/env bash
# The same requests on SQLite, on PostgreSQL with one crm-server node, and on PostgreSQL with two
# nodes, side by side with nginx's fixed body (bench/nginx-ceiling.conf) in the same run.
#
#   bench/postgres.sh                         # SEED_CUSTOMERS=100000 DURATION=5 CONNECTIONS=64
#
# A SQLite database is seeded (crm-server seed) and copied into a throwaway PostgreSQL cluster
# (crm-server copy-db), so every engine serves the same data. crm-server and PostgreSQL share core
# 0 (PostgreSQL's processes inherit the pin), wrk runs on core 1, as in bench/run.sh; with two
# nodes, both nodes are on core 0 and two wrk processes (half the connections each) on core 1.
# PostgreSQL runs durably (fsync and synchronous_commit on), as SQLite does with --sync full.
# Results: stdout and bench/out/postgres.txt.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-64}
SEED_CUSTOMERS=${SEED_CUSTOMERS:-100000}
PORT=${CRM_BENCH_PORT:-18080}
PG_PORT=${PG_BENCH_PORT:-55439}
OUT=$ROOT/bench/out
mkdir -p "$OUT"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for tool in wrk nginx taskset curl; do command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk nginx util-linux curl)"; done
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $PG_BIN/initdb ]] || die "PostgreSQL's server programs are missing (apt-get install postgresql)"

log "building crm-server (release)"
swift build -c release --scratch-path .build-bench --product crm-server >/dev/null
BINARY=$ROOT/.build-bench/release/crm-server

TMP=$(mktemp -d /tmp/crm-bench-pg.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -d $TMP/pg/data ]] && as_postgres "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: its programs run as nobody then.
as_postgres() {
    if ((EUID == 0)); then runuser -u nobody -- "$@"; else "$@"; fi
}

log "nginx ceiling on core 0"
mkdir -p "$TMP/nginx"
taskset -c 0 nginx -c "$ROOT/bench/nginx-ceiling.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -g 'worker_processes 1;' &
PIDS+=($!)

log "seeding $SEED_CUSTOMERS customers into SQLite"
"$BINARY" seed --customers "$SEED_CUSTOMERS" --db "$TMP/bench.sqlite" >/dev/null
KEY=$("$BINARY" keys create --role admin --name bench --db "$TMP/bench.sqlite")

log "a PostgreSQL cluster on core 0 (port $PG_PORT), and the copy"
mkdir -p "$TMP/pg"
((EUID == 0)) && chown nobody "$TMP/pg"
as_postgres "$PG_BIN/initdb" -D "$TMP/pg/data" -U crm --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres taskset -c 0 "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/log" -w start \
    -o "-k $TMP/pg -c listen_addresses=127.0.0.1 -p $PG_PORT -c max_connections=100 -c shared_buffers=256MB" >/dev/null
as_postgres "$PG_BIN/createdb" -h "$TMP/pg" -p "$PG_PORT" -U crm crm
URL="postgres:///crm?host=$TMP/pg&port=$PG_PORT&user=crm"
"$BINARY" copy-db "$TMP/bench.sqlite" --db "$URL" >&2

# serve NAME DB PORT: one node pinned to core 0 with one event loop; waits for /readyz.
serve() {
    taskset -c 0 "$BINARY" serve --db "$2" --port "$3" --event-loops 1 --rate-limit off \
        --secret-key-file "$TMP/bench.sqlite.key" >"$TMP/$1.out" 2>/dev/null &
    PIDS+=($!)
    for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$3/readyz" && return 0; sleep 0.1; done
    die "$1 did not start: $(tail -n 3 "$TMP/$1.out")"
}

stop_servers() {
    local keep=("${PIDS[0]}")
    for pid in "${PIDS[@]:1}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PIDS=("${keep[@]}")
}

# measure SCRIPT PATH PORTS…: wrk on core 1 against each port (connections split), for DURATION
# seconds; prints requests/s summed, and the worst p50 and p99.
measure() {
    local script=$1 path=$2
    shift 2
    local ports=("$@") share=$((CONNECTIONS / $#)) i=0
    for port in "${ports[@]}"; do
        CUSTOMERS=$SEED_CUSTOMERS KEY=$KEY RUN=$RANDOM taskset -c 1 wrk -t1 -c"$share" -d"${DURATION}s" --latency \
            -H "Authorization: Bearer $KEY" ${script:+-s "$ROOT/bench/lua/$script"} "http://127.0.0.1:$port$path" >"$TMP/wrk.$i" 2>&1 &
        i=$((i + 1))
    done
    for ((j = 0; j < i; j++)); do wait -n 2>/dev/null || true; done
    cat "$TMP"/wrk.* | awk '
        /^Requests\/sec:/ { rps += $2 }
        $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
        /Non-2xx/ { errors += $NF }
        END { printf "%10.0f %10s %10s%s", rps, p50, p99, (errors ? "  non-2xx: " errors : "") }'
    rm -f "$TMP"/wrk.*
}

ROWS=()
row() { ROWS+=("$(printf '%-34s %-16s %s' "$1" "$2" "$3")"); log "$1 $2 $3"; }

row "nginx fixed body" "ceiling" "$(measure "" /v1/customers/1 8082)"

# The scenarios of bench/run.sh that need no file of their own (its stage changes read ids from
# the SQLite file), on the same seeded data.
run_engine() { # LABEL PORTS…
    local label=$1
    shift
    row "/healthz" "$label" "$(measure "" /healthz "$@")"
    row "GET /v1/api-keys" "$label" "$(measure "" /v1/api-keys "$@")"
    row "GET /v1/customers/{id}" "$label" "$(measure customer_by_id.lua /v1/customers/1 "$@")"
    row "list industry+country" "$label" "$(measure "" "/v1/customers?industry=technology&country=CN&limit=20" "$@")"
    row "list tag, newest first" "$label" "$(measure "" "/v1/customers?tag=vip&sort=-created_at&limit=20" "$@")"
    row "list top spenders" "$label" "$(measure "" "/v1/customers?sort=-metrics.total_spent&lifecycle_stage=loyal&limit=20" "$@")"
    row "search q=张伟" "$label" "$(measure "" "/v1/customers?q=%E5%BC%A0%E4%BC%9F&limit=20" "$@")"
    row "search q=acme" "$label" "$(measure "" "/v1/customers?q=acme&limit=20" "$@")"
    row "customer timeline" "$label" "$(measure timeline.lua /v1/customers/1/timeline "$@")"
    row "tickets sla_breached" "$label" "$(measure "" "/v1/tickets?sla_breached=true&status=open&limit=20" "$@")"
    row "POST /v1/customers (durable)" "$label" "$(measure create_customer.lua /v1/customers "$@")"
    row "POST /v1/orders (durable)" "$label" "$(measure create_order.lua /v1/orders "$@")"
    row "POST /v1/tickets (durable)" "$label" "$(measure create_ticket.lua /v1/tickets "$@")"
}

serve sqlite "$TMP/bench.sqlite" "$PORT"
run_engine "SQLite, 1 node" "$PORT"
stop_servers

serve pg1 "$URL" "$PORT"
run_engine "PostgreSQL, 1 node" "$PORT"
serve pg2 "$URL" $((PORT + 1))
run_engine "PostgreSQL, 2 nodes" "$PORT" $((PORT + 1))
stop_servers

{
    printf 'crm-server on SQLite and PostgreSQL, %s customers, %s s per run, %s connections (%s)\n' \
        "$SEED_CUSTOMERS" "$DURATION" "$CONNECTIONS" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '%-34s %-16s %10s %10s %10s\n' scenario engine 'req/s' p50 p99
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/postgres.txt"
