#!/usr/bin/env bash
# Instructions per request on the hot paths, counted with callgrind: deterministic where
# wall-clock timing on a shared machine is noise (bench/README.md, "Instructions per request").
#
#   bench/callgrind.sh                          # builds release into $SCRATCH, then measures
#   bench/callgrind.sh path/to/crm-server       # measures that binary (e.g. an older build)
#
# Environment:
#   SCRATCH        scratch path for the build when no binary is given (default .build-bench)
#   REQUESTS       requests per scenario (default 2000)
#   WARMUP         uninstrumented requests per scenario first (default 200)
#   SEED_CUSTOMERS customers seeded into a fresh database (default 20000)
#   CUSTOMER_ID    the customer read by the two customer scenarios (default 4242)
#   CRM_CALLGRIND_PORT  the server's port (default 18480)
#   KEEP           a directory to keep the database and callgrind files in (default: a temp dir,
#                  removed on exit)
#
# The server runs under valgrind with instrumentation off (`--instr-atstart=no`) while it starts
# and is warmed up; then, for each scenario, exactly REQUESTS identical keep-alive requests are
# sent by bench/keepalive_client.py and the counters are dumped (`callgrind_control -d`), so each
# dump holds exactly one scenario (every thread of the server, plus a timer sweep or two).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

REQUESTS=${REQUESTS:-2000}
WARMUP=${WARMUP:-200}
SEED_CUSTOMERS=${SEED_CUSTOMERS:-20000}
CUSTOMER_ID=${CUSTOMER_ID:-4242}
PORT=${CRM_CALLGRIND_PORT:-18480}
SCRATCH=${SCRATCH:-.build-bench}
CLIENT=$ROOT/bench/keepalive_client.py

log() { printf '[callgrind] %s\n' "$*" >&2; }
die() { printf '[callgrind] error: %s\n' "$*" >&2; exit 1; }

for tool in valgrind callgrind_control python3; do
    command -v "$tool" > /dev/null || die "$tool is missing (apt-get install valgrind python3)"
done

if [[ $# -ge 1 ]]; then
    BIN=$(realpath "$1")
else
    log "building release into $SCRATCH"
    swift build -c release --scratch-path "$SCRATCH" --product crm-server >&2
    BIN=$ROOT/$SCRATCH/release/crm-server
fi
[[ -x $BIN ]] || die "no executable at $BIN"

if [[ -n ${KEEP:-} ]]; then
    WORK=$(realpath -m "$KEEP")
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d /tmp/crm-callgrind.XXXXXX)
fi
DB=$WORK/perf.db
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

rm -f "$DB" "$DB-wal" "$DB-shm" "$WORK"/cg.*
log "seeding $SEED_CUSTOMERS customers into $DB"
"$BIN" seed --customers "$SEED_CUSTOMERS" --db "$DB" > /dev/null
KEY=$("$BIN" keys create --role admin --name callgrind --db "$DB" | tail -n 1)
[[ $KEY == crm_* ]] || die "could not create an API key (got '$KEY')"

log "starting $BIN under callgrind on port $PORT"
# Swift seeds its hashing per process, so dictionary probe lengths (and counts) would differ
# from run to run by up to 1 %; a fixed seed makes the counts repeatable.
SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/cg.%p" \
    "$BIN" serve --db "$DB" --port "$PORT" --event-loops 1 --rate-limit off \
    > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER_PID=$!

for _ in $(seq 1 240); do
    if python3 "$CLIENT" "$PORT" /healthz 1 > /dev/null 2>&1; then break; fi
    kill -0 "$SERVER_PID" 2> /dev/null || die "the server exited: $(tail -n 5 "$WORK/server.err")"
    sleep 0.5
done
python3 "$CLIENT" "$PORT" /healthz 1 > /dev/null || die "the server did not answer /healthz"

# A page of 100 customers: the renderer's cost per record, as an export pays it row after row.
NAMES=(healthz customer timeline page)
PATHS=(/healthz "/v1/customers/$CUSTOMER_ID" "/v1/customers/$CUSTOMER_ID/timeline" "/v1/customers?limit=100")
AUTHS=("" "Bearer $KEY" "Bearer $KEY" "Bearer $KEY")

for i in "${!NAMES[@]}"; do
    python3 "$CLIENT" "$PORT" "${PATHS[$i]}" "$WARMUP" ${AUTHS[$i]:+"${AUTHS[$i]}"} > /dev/null
done

callgrind_control -i on "$SERVER_PID" > /dev/null 2>&1
declare -A BYTES
for i in "${!NAMES[@]}"; do
    # Counters start from the previous dump (or from `-i on`), so each dump is one scenario.
    callgrind_control -z "$SERVER_PID" > /dev/null 2>&1
    BYTES[${NAMES[$i]}]=$(python3 "$CLIENT" "$PORT" "${PATHS[$i]}" "$REQUESTS" ${AUTHS[$i]:+"${AUTHS[$i]}"})
    callgrind_control -d "${NAMES[$i]}" "$SERVER_PID" > /dev/null 2>&1
done
callgrind_control -i off "$SERVER_PID" > /dev/null 2>&1

printf '%-42s %9s %12s %16s %14s\n' request requests "body bytes" instructions "per request"
for i in "${!NAMES[@]}"; do
    file=$(grep -l "^desc: Trigger: dump ${NAMES[$i]}\$" "$WORK"/cg.*) || die "no dump for ${NAMES[$i]}"
    total=$(awk '/^summary:/ { print $2; exit }' "$file")
    printf '%-42s %9d %12d %16d %14.1f\n' "GET ${PATHS[$i]}" "$REQUESTS" "${BYTES[${NAMES[$i]}]}" "$total" \
        "$(awk -v t="$total" -v n="$REQUESTS" 'BEGIN { print t / n }')"
done
[[ -n ${KEEP:-} ]] && log "callgrind files in $WORK (callgrind_annotate $WORK/cg.<pid>.<n>)"
exit 0
