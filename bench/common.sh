# Shared by the bench scripts that drive one crm-server (sourced, not run): a release build, a
# server pinned to core 0 on a database of the script's choosing, and stopping it on exit.
# The sourcing script sets ROOT (the checkout), PORT and CRM (http://127.0.0.1:$PORT) and defines
# `log`; it gets BINARY, TMP (removed on exit), KEY (after start_server) and CRM_PID.

# Builds crm-server in release mode into .build-bench (never .build, which developers use).
build_release() {
    log "building (release)"
    swift build -c release --scratch-path .build-bench --product crm-server >/dev/null
    BINARY=$ROOT/.build-bench/release/crm-server
}

TMP=$(mktemp -d)
CRM_PID=
stop_server() {
    if [[ -n $CRM_PID ]]; then kill "$CRM_PID" 2>/dev/null && wait "$CRM_PID" 2>/dev/null || true; fi
    CRM_PID=
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT

# start_server DB [serve flags…]: serves DB on core 0 with one event loop and no rate limit, waits
# for /readyz, and sets KEY to the admin key a fresh database prints on its first start, or to a
# new one made with `crm-server keys create` for a database that already had keys.
start_server() {
    local db=$1
    shift
    taskset -c 0 "$BINARY" serve --db "$db" --port "$PORT" --event-loops 1 --rate-limit off "$@" >"$TMP/out" 2>"$TMP/err" &
    CRM_PID=$!
    for _ in $(seq 600); do curl -fs -o /dev/null "$CRM/readyz" && break; sleep 0.1; done
    curl -fs -o /dev/null "$CRM/readyz" || { log "the server did not start: $(tail -n 3 "$TMP/err")"; exit 1; }
    KEY=$(grep '^crm_' "$TMP/out" | tail -n 1 || true)
    [[ -n $KEY ]] || KEY=$("$BINARY" keys create --role admin --name "bench" --db "$db")
}

# copy_database FROM TO: a seeded database with its write-ahead log and key file (the database is
# the three together).
copy_database() {
    for suffix in "" -wal .key; do [[ -e $1$suffix ]] && cp "$1$suffix" "$2$suffix"; done
    return 0
}
