#!/usr/bin/env bash
# Speed benchmark for crm-server against the nginx loopback ceiling (bench/nginx-ceiling.conf),
# checking the speed and memory bars listed in bench/README.md, which also says what each scenario
# measures.
#
#   bench/run.sh                              # DURATION=5, CONNECTIONS="1 64 512"
#   DURATION=10 CONNECTIONS="64" bench/run.sh
#
# Environment:
#   DURATION           seconds per wrk run (default 5)
#   CONNECTIONS        space-separated wrk connection counts (default "1 64 512")
#   IDLE_CONNECTIONS   idle keep-alive connections held in the idle scenario (default 10000)
#   IDLE_WRK_CONNECTIONS  wrk connections run while they are held (default 64)
#   SEED_CUSTOMERS     customers (with their orders, tickets, …) seeded before the runs (default 1000000)
#   CRM_BENCH_PORT     crm-server's port (default 18080; the write comparison also uses the next two);
#                      nginx's is fixed at 8082 by its config
#   NGINX_CONF         the ceiling config (default bench/nginx-ceiling.conf)
#
# The server is pinned to core 0 and wrk to core 1 (taskset), as the bars require. Everything
# talks to 127.0.0.1 only. Every process started here is stopped on exit and temp dirs removed.
# Results: stdout and bench/out/latest.txt (raw wrk output in bench/out/raw/, the end of the
# server's log in bench/out/crm-server.log, nginx's in bench/out/nginx-error.log).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-"1 64 512"}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
IDLE_WRK_CONNECTIONS=${IDLE_WRK_CONNECTIONS:-64}
BULK_REQUESTS=${BULK_REQUESTS:-5}
TARGET_CONNECTIONS=${TARGET_CONNECTIONS:-16}
SEED_CUSTOMERS=${SEED_CUSTOMERS:-1000000}
CRM_PORT=${CRM_BENCH_PORT:-18080}
NGINX_PORT=8082 # fixed by nginx-ceiling.conf
NGINX_CONF=${NGINX_CONF:-$ROOT/bench/nginx-ceiling.conf}
SCRATCH=.build-bench
OUT=$ROOT/bench/out

CRM=http://127.0.0.1:$CRM_PORT
NGINX=http://127.0.0.1:$NGINX_PORT

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- prerequisites -----------------------------------------------------------------------------

# The config first: without it there is no ceiling to compare with, so nothing is worth installing.
[[ -f $NGINX_CONF ]] || die "no nginx ceiling config at $NGINX_CONF (set NGINX_CONF)"
NGINX_CONF=$(realpath "$NGINX_CONF")

install_missing() {
    local missing=() package
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        apt-get update >/dev/null
        apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

command -v wrk >/dev/null || install_missing wrk
command -v nginx >/dev/null || install_missing nginx-light
command -v curl >/dev/null || install_missing curl
command -v taskset >/dev/null || install_missing util-linux
command -v python3 >/dev/null || install_missing python3
install_missing libsqlite3-dev

(($(nproc) >= 2)) || die "needs 2 cores (server on core 0, wrk on core 1); this machine has $(nproc)"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_in_use "$NGINX_PORT" && die "something already listens on 127.0.0.1:$NGINX_PORT (nginx ceiling port)"
port_in_use "$CRM_PORT" && die "something already listens on 127.0.0.1:$CRM_PORT (set CRM_BENCH_PORT)"

# 10k idle connections need 10k descriptors in the server and in the holder.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= IDLE_CONNECTIONS + 1000)) ||
    log "warning: open-file limit $(ulimit -n) is low for $IDLE_CONNECTIONS idle connections"

mkdir -p "$OUT/raw"
log "building crm-server (release, --scratch-path $SCRATCH)"
# A --product build can reuse an old build plan whose plugin commands predate new files;
# dropping the plan makes SwiftPM ask the plugins again (cheap).
rm -f "$SCRATCH/release.yaml"
if ! swift build -c release --scratch-path "$SCRATCH" --product crm-server >"$OUT/build.log" 2>&1; then
    tail -n 40 "$OUT/build.log" >&2
    die "build failed (full log: bench/out/build.log)"
fi
BINARY=$ROOT/$SCRATCH/release/crm-server

# --- processes and cleanup ---------------------------------------------------------------------

TMP=$(mktemp -d /tmp/crm-bench.XXXXXX)
NGINX_PID= CRM_PID= HOLDER_PID=
EXTRA_PIDS=()

stop_process() { # PID: TERM, then KILL if still there after 5 s
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    stop_process "$HOLDER_PID"
    for pid in "${EXTRA_PIDS[@]}"; do stop_process "$pid"; done
    stop_process "$CRM_PID"
    stop_process "$NGINX_PID"
    # Keep the logs' ends for diagnosis (the server logs one line per request: only the tail).
    [[ -f $TMP/crm.stderr ]] && tail -n 200 "$TMP/crm.stderr" >"$OUT/crm-server.log"
    [[ -f $TMP/nginx/error.log ]] && cp "$TMP/nginx/error.log" "$OUT/nginx-error.log"
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nginx exactly as the config's header says: one worker, pinned to core 0, prefix in a temp dir.
mkdir -p "$TMP/nginx"
taskset -c 0 nginx -c "$NGINX_CONF" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -g 'worker_processes 1;' \
    >"$TMP/nginx/stdout" 2>&1 &
NGINX_PID=$!

# The data set: SEED_CUSTOMERS customers with their activity, written before the server starts.
log "seeding $SEED_CUSTOMERS customers (with orders, interactions, opportunities, tickets, feedback)"
SEED_STARTED=$(date +%s.%N)
"$BINARY" seed --customers "$SEED_CUSTOMERS" --db "$TMP/bench.sqlite" >"$TMP/seed.out" 2>&1 || die "seed failed: $(tail -n 5 "$TMP/seed.out")"
SEED_SECONDS=$(awk -v a="$SEED_STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
SEED_ROWS=$(sqlite3 "$TMP/bench.sqlite" "SELECT (SELECT count(*) FROM customers) || ' customers, ' || (SELECT count(*) FROM orders) || ' orders, '
    || (SELECT count(*) FROM interactions) || ' interactions, ' || (SELECT count(*) FROM opportunities) || ' opportunities, '
    || (SELECT count(*) FROM tickets) || ' tickets, ' || (SELECT count(*) FROM feedback) || ' feedback'" 2>/dev/null || echo '?')
DB_SIZE=$(du -h "$TMP/bench.sqlite" | cut -f1)

# crm-server pinned to core 0, one event loop, no rate limit, on the seeded database. stdout holds
# the bootstrap admin key; stderr (one JSON line per request) goes to a file in the temp dir.
taskset -c 0 "$BINARY" serve --db "$TMP/bench.sqlite" --port "$CRM_PORT" --event-loops 1 --rate-limit off \
    >"$TMP/crm.stdout" 2>"$TMP/crm.stderr" &
CRM_PID=$!

wait_ready() { # NAME URL PID
    local i
    for i in $(seq 300); do
        curl -fsS -o /dev/null --max-time 1 "$2" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    [[ -f $TMP/crm.stderr ]] && tail -n 20 "$TMP/crm.stderr" >&2
    [[ -f $TMP/nginx/error.log ]] && tail -n 20 "$TMP/nginx/error.log" >&2
    die "$1 did not become ready at $2"
}
wait_ready nginx "$NGINX/healthz" "$NGINX_PID"
wait_ready crm-server "$CRM/readyz" "$CRM_PID"

# The admin key is the last line of stdout that begins with crm_ (printed before it listens).
KEY=$(grep '^crm_' "$TMP/crm.stdout" | tail -n 1 || true)
[[ -n $KEY ]] || die "crm-server printed no admin key on first start (stdout: $(cat "$TMP/crm.stdout"))"
[[ $(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$CRM/v1/api-keys") == 200 ]] ||
    die "GET /v1/api-keys with the bootstrap key did not answer 200"

# Stop the run with the server's last log lines and exit status if it is gone.
check_server() {
    kill -0 "$CRM_PID" 2>/dev/null && return 0
    local status=0
    wait "$CRM_PID" || status=$?
    CRM_PID=
    tail -n 20 "$TMP/crm.stderr" >&2
    die "crm-server exited (status $status${1:+, $1}); its last log lines are above"
}

proc_field() { # PID FIELD -> value of FIELD in /proc/PID/status (e.g. Threads, VmHWM)
    awk -v f="$2:" '$1 == f { print $2 ($3 ? " " $3 : "") }' "/proc/$1/status"
}
open_connections_gauge() {
    curl -fsS --max-time 5 "$CRM/metrics" | awk '$1 == "http_open_connections" { print $2 }'
}

# --- wrk runs and their results ----------------------------------------------------------------

declare -a ROWS=()     # "name|conns|rps|p50|p99|baseline|errors"
declare -A RPS=()      # "name@conns" -> requests/s, for ratios

to_us() { # wrk duration (123.45us, 1.23ms, 1.01s, 2.00m) -> microseconds
    awk -v d="$1" 'BEGIN {
        if (d == "") { print ""; exit }
        n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
        if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000
        else if (u == "m") f = 60000000; else if (u == "h") f = 3600000000; else f = 1
        printf "%.1f", n * f }'
}

# run_wrk NAME BASELINE CONNS URL [wrk args...]: one wrk run pinned to core 1, parsed into ROWS.
run_wrk() {
    local name=$1 baseline=$2 conns=$3 url=$4
    shift 4
    local raw="$OUT/raw/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')-c$conns.txt"
    log "wrk -c$conns -d${DURATION}s  $name  ($url)"
    if ! taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$raw" 2>&1; then
        log "wrk failed: $(tail -n 3 "$raw")"
    fi
    local rps p50 p99 non2xx sockerr errors=""
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$raw")
    p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$raw")")
    p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$raw")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$raw")
    sockerr=$(awk '/Socket errors:/ { sub(/.*Socket errors: */, ""); print }' "$raw")
    [[ -n $non2xx ]] && errors+="non-2xx/3xx: $non2xx; "
    [[ -n $sockerr ]] && errors+="socket errors: $sockerr; "
    [[ -z $rps ]] && errors+="wrk produced no result (see ${raw#"$ROOT"/}); "
    errors=${errors%; }
    RPS["$name@$conns"]=${rps:-0}
    ROWS+=("$name|$conns|${rps:-0}|$p50|$p99|$baseline|${errors:-none}")
    [[ $url != "$CRM"* ]] || check_server "during $name at $conns connections"
}

# scenario NAME BASELINE URL [extra wrk args...]: run_wrk at each count in CONNECTIONS.
# BASELINE is the scenario whose requests/s at the same connection count is the ratio's
# denominator ("-" for none).
scenario() {
    local name=$1 baseline=$2 url=$3 conns
    shift 3
    for conns in $CONNECTIONS; do
        run_wrk "$name" "$baseline" "$conns" "$url" "$@"
    done
}

# --- scenarios ---------------------------------------------------------------------------------

# Other work on the machine skews every number (ratios less, as nginx suffers too): note it.
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

# A short warm-up of each server, not recorded.
taskset -c 1 wrk -t1 -c64 -d1s "$NGINX/healthz" >/dev/null 2>&1 || true
taskset -c 1 wrk -t1 -c64 -d1s "$CRM/healthz" >/dev/null 2>&1 || true
check_server "during the warm-up"

NGINX_HEALTHZ="nginx /healthz (ceiling)"
scenario "$NGINX_HEALTHZ" - "$NGINX/healthz"
scenario "crm /healthz" "$NGINX_HEALTHZ" "$CRM/healthz"
scenario "crm GET /v1/api-keys" "$NGINX_HEALTHZ" "$CRM/v1/api-keys" -H "Authorization: Bearer $KEY"

# Reads on the seeded database. Customer by id over random ids, against nginx serving a fixed
# customer of the same shape (bar: >= 50 % of it at 64 connections, p99 <= 2 ms).
export KEY CUSTOMERS=$SEED_CUSTOMERS
NGINX_CUSTOMER="nginx customer 415 B (ceiling)"
scenario "$NGINX_CUSTOMER" - "$NGINX/v1/customers/1"
# The same fixed body, asked for by the very requests crm-server gets (random ids, made by the
# Lua script, with the key): wrk spends more of its core making those than repeating one URL, so
# this is the ceiling the by-id bar is measured against; the plain row is shown beside it.
NGINX_CUSTOMER_SAME="nginx customer, same requests"
scenario "$NGINX_CUSTOMER_SAME" - "$NGINX" -s "$ROOT/bench/lua/customer_by_id.lua"
scenario "crm GET /v1/customers/{id}" "$NGINX_CUSTOMER_SAME" "$CRM" -s "$ROOT/bench/lua/customer_by_id.lua"
AUTH=(-H "Authorization: Bearer $KEY")
run_wrk "crm list industry+country" "$NGINX_CUSTOMER" 64 "$CRM/v1/customers?industry=technology&country=CN&limit=20" "${AUTH[@]}"
run_wrk "crm list tag, newest first" "$NGINX_CUSTOMER" 64 "$CRM/v1/customers?tag=vip&sort=-created_at&limit=20" "${AUTH[@]}"
run_wrk "crm list top spenders" "$NGINX_CUSTOMER" 64 "$CRM/v1/customers?sort=-metrics.total_spent&lifecycle_stage=loyal&limit=20" "${AUTH[@]}"
run_wrk "crm search q=张伟" "$NGINX_CUSTOMER" 64 "$CRM/v1/customers?q=%E5%BC%A0%E4%BC%9F&limit=20" "${AUTH[@]}"
run_wrk "crm search q=acme" "$NGINX_CUSTOMER" 64 "$CRM/v1/customers?q=acme&limit=20" "${AUTH[@]}"
run_wrk "crm customer timeline" "$NGINX_CUSTOMER" 64 "$CRM" -s "$ROOT/bench/lua/timeline.lua"
run_wrk "crm tickets sla_breached" "$NGINX_CUSTOMER" 64 "$CRM/v1/tickets?sla_breached=true&status=open&limit=20" "${AUTH[@]}"
# The seeded database's latency targets, at TARGET_CONNECTIONS (16) connections: filtered lists and
# q search (Latin and Chinese) p99 < 20 ms, POST /v1/customers/search with a 3-leaf rule p99 < 50 ms.
TARGET_ROWS=("crm list industry+country|/v1/customers?industry=technology&country=CN&limit=20"
    "crm list tag, newest first|/v1/customers?tag=vip&sort=-created_at&limit=20"
    "crm list top spenders|/v1/customers?sort=-metrics.total_spent&lifecycle_stage=loyal&limit=20"
    "crm search q=张伟|/v1/customers?q=%E5%BC%A0%E4%BC%9F&limit=20"
    "crm search q=acme|/v1/customers?q=acme&limit=20"
    "crm search q=smith|/v1/customers?q=smith&limit=20")
for target in "${TARGET_ROWS[@]}"; do
    run_wrk "${target%%|*}" "$NGINX_CUSTOMER" "$TARGET_CONNECTIONS" "$CRM${target#*|}" "${AUTH[@]}"
done
SEARCH_RULES='{"all":[{"field":"lifecycle_stage","op":"eq","value":"loyal"},{"field":"metrics.total_spent","op":"gte","value":300000},{"field":"tags","op":"contains","value":"vip"}]}'
SEARCH_3_LEAVES="crm POST search (3 leaves)"
BODY='{"rules":'$SEARCH_RULES',"limit":20}' run_wrk "$SEARCH_3_LEAVES" "$NGINX_CUSTOMER" "$TARGET_CONNECTIONS" \
    "$CRM/v1/customers/search" -s "$ROOT/bench/lua/post_json.lua"

# Export of every customer (target: < 10 s, private memory flat): each format once, streamed to
# /dev/null by curl on core 1, the server's RssAnon sampled every 100 ms meanwhile.
EXPORTS=()
for format in ndjson csv; do
    check_server
    log "export of every customer as $format"
    ( while kill -0 "$CRM_PID" 2>/dev/null; do proc_field "$CRM_PID" RssAnon | cut -d' ' -f1; sleep 0.1; done ) >"$TMP/export-rss.txt" &
    sampler=$!
    result=$(taskset -c 1 curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}' -H "Authorization: Bearer $KEY" \
        "$CRM/v1/customers/export?format=$format" 2>&1 || true)
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    EXPORTS+=("$format $result $(sort -n "$TMP/export-rss.txt" | sed -n '1p;$p' | tr '\n' ' ')")
done

# Durable writes (synchronous=FULL) on the seeded database, 64 connections.
RUN=main run_wrk "crm POST /v1/customers" - 64 "$CRM" -s "$ROOT/bench/lua/create_customer.lua"
run_wrk "crm POST /v1/orders" - 64 "$CRM" -s "$ROOT/bench/lua/create_order.lua"
run_wrk "crm POST /v1/tickets" - 64 "$CRM" -s "$ROOT/bench/lua/create_ticket.lua"
sqlite3 "$TMP/bench.sqlite" "SELECT id FROM opportunities WHERE is_closed = 0 AND deleted_at IS NULL LIMIT 20000" >"$TMP/opportunities.txt"
OPPORTUNITIES=$TMP/opportunities.txt run_wrk "crm PATCH opportunity stage" - 64 "$CRM" -s "$ROOT/bench/lua/stage_change.lua"

# Group commit against a writer that commits every request alone (CRM_WRITER_MAX_BATCH=1), each on a
# fresh database of its own, same load (bar: >= 10x). As the bar states it, every create also
# writes its feed and audit rows, an outbox row for a webhook subscribed to `customer.created` (its
# receiver is a closed local port: deliveries fail and back off, as to a receiver that is down)
# and a run of an enabled automation on `customer.created` (its condition does not hold: the run
# is recorded as skipped).
write_comparison() { # NAME PORT BATCH
    local port=$2 db="$TMP/writes-$2.sqlite" pid key
    CRM_WRITER_MAX_BATCH=$3 taskset -c 0 "$BINARY" serve --db "$db" --port "$port" --event-loops 1 --rate-limit off \
        --allow-private-webhooks >"$TMP/writes-$port.stdout" 2>"$TMP/writes-$port.stderr" &
    pid=$!
    EXTRA_PIDS+=("$pid")
    wait_ready "$1" "http://127.0.0.1:$port/readyz" "$pid"
    key=$(grep '^crm_' "$TMP/writes-$port.stdout" | tail -n 1)
    for setup in 'webhooks|{"url":"http://127.0.0.1:9/bench","events":["customer.created"]}' \
        'automations|{"name":"bench","trigger":"customer.created","conditions":{"all":[{"field":"country","op":"eq","value":"ZZ"}]},"actions":[{"type":"add_tag","tag":"never"}]}'; do
        curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/v1/${setup%%|*}" -H "Authorization: Bearer $key" \
            -H 'Content-Type: application/json' -d "${setup#*|}" || die "could not create the bench's ${setup%%|*} entry"
    done
    KEY=$key RUN=$port run_wrk "$1" - 64 "http://127.0.0.1:$port" -s "$ROOT/bench/lua/create_customer.lua"
    stop_process "$pid"
}
WRITES_GROUP="creates, group commit"
WRITES_SINGLE="creates, 1 commit per request"
write_comparison "$WRITES_GROUP" $((CRM_PORT + 1)) 256
write_comparison "$WRITES_SINGLE" $((CRM_PORT + 2)) 1

# Bulk writes on the seeded database: 1,000-record batches (one client, then two at once) and CSV
# imports of 1,000 rows, every record a new customer; rows stored per second (bench/batch.py, core 1).
check_server
BULK=()
for args in "batch $BULK_REQUESTS 1" "batch $BULK_REQUESTS 2" "import $BULK_REQUESTS 1"; do
    # shellcheck disable=SC2086
    BULK+=("$(taskset -c 1 python3 "$ROOT/bench/batch.py" "$CRM_PORT" "$KEY" $args 2>&1 | tail -n 1)")
done

# Idle connections: hold IDLE_CONNECTIONS idle keep-alive connections open to crm-server and run
# /healthz again meanwhile. With an event loop they cost memory, not threads.
check_server
THREADS_BEFORE=$(proc_field "$CRM_PID" Threads)
RSS_BEFORE=$(proc_field "$CRM_PID" VmRSS)
ANON_BEFORE=$(proc_field "$CRM_PID" RssAnon)
# The bar's baseline is measured right before and right after the held connections, not taken
# from the /healthz row at the start: the writes in between change the machine's state, and one
# 5 s run against another taken minutes apart moved the ratio between 82 % and 151 %.
IDLE_BASELINE="crm /healthz around the idle run"
run_wrk "$IDLE_BASELINE" "$NGINX_HEALTHZ" "$IDLE_WRK_CONNECTIONS" "$CRM/healthz"
IDLE_BASELINE_BEFORE=${RPS["$IDLE_BASELINE@$IDLE_WRK_CONNECTIONS"]:-0}
log "opening $IDLE_CONNECTIONS idle connections"
python3 "$ROOT/bench/idle_connections.py" --host 127.0.0.1 --port "$CRM_PORT" --count "$IDLE_CONNECTIONS" \
    --hold 300 >"$TMP/holder.out" 2>&1 &
HOLDER_PID=$!
for _ in $(seq 1200); do
    grep -q '^READY' "$TMP/holder.out" && break
    kill -0 "$HOLDER_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q '^READY' "$TMP/holder.out" || die "idle_connections.py did not get ready: $(cat "$TMP/holder.out")"
HOLDER_READY=$(grep '^READY' "$TMP/holder.out")
HOLDER_OPENED=$(sed -n 's/.*opened=\([0-9]*\).*/\1/p' <<<"$HOLDER_READY")
# Give the server a moment to accept the last of them (the gauge counts accepted connections).
GAUGE_IDLE=
for _ in $(seq 50); do
    GAUGE_IDLE=$(open_connections_gauge || true)
    [[ -n $GAUGE_IDLE ]] && ((GAUGE_IDLE >= HOLDER_OPENED)) && break
    sleep 0.2
done
THREADS_IDLE=$(proc_field "$CRM_PID" Threads)
RSS_IDLE=$(proc_field "$CRM_PID" VmRSS)
ANON_IDLE=$(proc_field "$CRM_PID" RssAnon)
run_wrk "crm /healthz + $IDLE_CONNECTIONS idle" "$NGINX_HEALTHZ" "$IDLE_WRK_CONNECTIONS" "$CRM/healthz"
THREADS_IDLE_LOAD=$(proc_field "$CRM_PID" Threads)
GAUGE_AFTER=$(open_connections_gauge || true)
kill -USR1 "$HOLDER_PID" 2>/dev/null || true
wait "$HOLDER_PID" 2>/dev/null || true
HOLDER_PID=
HOLDER_RESULT=$(grep '^RESULT' "$TMP/holder.out" || echo "RESULT missing: $(tail -n 3 "$TMP/holder.out")")
check_server "during the idle-connections scenario"
run_wrk "$IDLE_BASELINE" "$NGINX_HEALTHZ" "$IDLE_WRK_CONNECTIONS" "$CRM/healthz"
IDLE_BASELINE_AFTER=${RPS["$IDLE_BASELINE@$IDLE_WRK_CONNECTIONS"]:-0}
PEAK_RSS=$(proc_field "$CRM_PID" VmHWM)
SERVER_5XX=$(grep -c '"status":5' "$TMP/crm.stderr" || true)

# --- report ------------------------------------------------------------------------------------

report() {
    local row name conns rps p50 p99 baseline errors ratio base
    printf 'crm-server benchmark  %s  (%s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    printf 'server and nginx pinned to core 0, wrk -t1 on core 1; %ss per run; crm: --event-loops 1 --rate-limit off\n' "$DURATION"
    printf 'load average before the runs: %s (%s at the end); anything else running skews the numbers\n\n' \
        "$LOAD_AT_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-30s %6s %10s %10s %10s %9s  %s\n' scenario conns 'req/s' p50 p99 'vs nginx' errors
    printf '%-30s %6s %10s %10s %10s %9s  %s\n' ------------------------------ ------ ---------- ---------- ---------- --------- ------
    for row in "${ROWS[@]}"; do
        IFS='|' read -r name conns rps p50 p99 baseline errors <<<"$row"
        ratio=-
        if [[ $baseline != - ]]; then
            base=${RPS["$baseline@$conns"]:-0}
            ((base > 0)) && ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.1f%%", 100 * a / b }')
        fi
        printf '%-30s %6s %10s %10s %10s %9s  %s\n' "$name" "$conns" "$rps" "$(fmt_us "$p50")" "$(fmt_us "$p99")" "$ratio" "$errors"
    done
    printf '\n'
    printf 'idle connections:   holder %s\n' "${HOLDER_READY#READY }"
    printf '                    holder %s\n' "${HOLDER_RESULT#RESULT }"
    printf '                    /metrics http_open_connections: %s while held (before load), %s after the %s-connection run\n' \
        "${GAUGE_IDLE:-?}" "${GAUGE_AFTER:-?}" "$IDLE_WRK_CONNECTIONS"
    printf 'server threads:     %s without idle connections, %s with %s idle, %s with them after the load run\n' \
        "$THREADS_BEFORE" "$THREADS_IDLE" "$IDLE_CONNECTIONS" "$THREADS_IDLE_LOAD"
    printf 'server memory:      VmRSS %s before the idle test, %s with the idle connections; peak (VmHWM) %s\n' \
        "$RSS_BEFORE" "$RSS_IDLE" "$PEAK_RSS"
    # VmRSS counts the mapped database pages (the kernel's page cache); RssAnon is our own memory.
    printf '                    RssAnon (private) %s before the idle test, %s with the idle connections\n' \
        "$ANON_BEFORE" "$ANON_IDLE"
    printf 'bulk writes:        %s\n' "${BULK[0]:-not measured}"
    local line
    for line in "${BULK[@]:1}"; do printf '                    %s\n' "$line"; done
    for line in "${EXPORTS[@]}"; do
        # shellcheck disable=SC2086
        set -- $line
        printf 'export %-6s       status %s, %.1f s, %s bytes; RssAnon %s-%s kB while it ran\n' "$1" "$2" "$3" "$4" "${5:-?}" "${6:-?}"
    done
    printf 'server 5xx logged:  %s\n' "$SERVER_5XX"
    printf 'seeded data:        %s (%s on disk), seeded in %s s\n' "$SEED_ROWS" "$DB_SIZE" "$SEED_SECONDS"
    printf '\nbars (bench/README.md):\n'
    bar_line "/healthz at 64 connections" "crm /healthz" "$NGINX_HEALTHZ" 64 80
    bar_line "customer by id at 64" "crm GET /v1/customers/{id}" "$NGINX_CUSTOMER_SAME" 64 50
    bar_line "  (against one fixed URL)" "crm GET /v1/customers/{id}" "$NGINX_CUSTOMER" 64 50
    local p99 
    p99=$(for row in "${ROWS[@]}"; do IFS='|' read -r n c _ _ q _ _ <<<"$row"; if [[ $n == "crm GET /v1/customers/{id}" && $c == 64 ]]; then echo "$q"; fi; done)
    [[ -n $p99 ]] && awk -v q="$p99" 'BEGIN { printf "  %-28s %.2f ms (bar <= 2 ms): %s\n", "customer by id p99 at 64", q / 1000, (q <= 2000 ? "met" : "NOT met") }'
    # The idle bar is against crm's own /healthz without the idle connections, not nginx: the
    # mean of the runs just before and just after them.
    local idle=${RPS["crm /healthz + $IDLE_CONNECTIONS idle@$IDLE_WRK_CONNECTIONS"]:-0}
    local alone=$(((IDLE_BASELINE_BEFORE + IDLE_BASELINE_AFTER) / 2))
    ((alone > 0)) && awk -v l="/healthz + $IDLE_CONNECTIONS idle" -v a="$idle" -v b="$alone" -v x="$IDLE_BASELINE_BEFORE" -v y="$IDLE_BASELINE_AFTER" 'BEGIN {
        r = 100 * a / b
        printf "  %-28s %.1f%% of /healthz without them, %d and %d req/s just before and after (bar >= 90%%): %s\n", l, r, x, y, (r >= 90 ? "met" : "NOT met") }'
    local target
    for target in "${TARGET_ROWS[@]}"; do p99_bar "${target%%|*}" "$TARGET_CONNECTIONS" 20; done
    p99_bar "$SEARCH_3_LEAVES" "$TARGET_CONNECTIONS" 50
    for line in "${EXPORTS[@]}"; do
        # shellcheck disable=SC2086
        set -- $line
        awk -v f="$1" -v s="$3" -v st="$2" 'BEGIN { printf "  %-28s %.1f s (bar < 10 s): %s\n", "export " f, s, (st == 200 && s < 10 ? "met" : "NOT met") }'
    done
    local group=${RPS["$WRITES_GROUP@64"]:-0} single=${RPS["$WRITES_SINGLE@64"]:-0}
    ((single > 0)) || return 0
    awk -v g="$group" -v s="$single" 'BEGIN { printf "  %-28s %.1fx one commit per request (bar >= 10x): %s\n", "durable creates at 64", g / s, (g >= 10 * s ? "met" : "NOT met") }'
}
p99_bar() { # SCENARIO CONNS MAX_MS: the scenario's p99 at CONNS against a bound
    local row n c q
    for row in "${ROWS[@]}"; do
        IFS='|' read -r n c _ _ q _ _ <<<"$row"
        [[ $n == "$1" && $c == "$2" && -n $q ]] || continue
        awk -v l="$1 p99 at $2" -v q="$q" -v m="$3" 'BEGIN { printf "  %-28s %.2f ms (bar < %d ms): %s\n", l, q / 1000, m, (q < m * 1000 ? "met" : "NOT met") }'
    done
}
bar_line() { # LABEL SCENARIO BASELINE CONNS MIN_PERCENT
    local rps=${RPS["$2@$4"]:-} base=${RPS["$3@$4"]:-}
    if [[ -z $rps || -z $base || $base == 0 ]]; then
        printf '  %-28s not measured (needs %s connections in CONNECTIONS)\n' "$1" "$4"
        return
    fi
    awk -v l="$1" -v a="$rps" -v b="$base" -v m="$5" 'BEGIN {
        r = 100 * a / b
        printf "  %-28s %.1f%% of nginx (bar >= %d%%): %s\n", l, r, m, (r >= m ? "met" : "NOT met") }'
}
fmt_us() { # microseconds -> 45us / 1.23ms / 1.50s
    awk -v u="$1" 'BEGIN {
        if (u == "") { print "-"; exit }
        if (u < 1000) printf "%dus", u + 0.5
        else if (u < 1000000) printf "%.2fms", u / 1000
        else printf "%.2fs", u / 1000000 }'
}

report | tee "$OUT/latest.txt"
