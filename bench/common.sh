# Helpers the bench scripts share; sourced, not run. The sourcing script sets BINARY (the release
# crm-server), PORT and CRM (its URL) and TMP (a temp dir it removes), and calls stop_server on exit.
# Everything talks to 127.0.0.1 only.

CRM_PID=${CRM_PID:-}

# start_server DB [KEY]: `crm-server serve` on DB pinned to core 0 (one event loop, no rate limit,
# plus SERVE_FLAGS), waits for /readyz, and sets CRM_PID and KEY: KEY when given, else the
# bootstrap admin key a fresh database prints, else a new admin key (a database that had keys).
start_server() {
    # shellcheck disable=SC2086
    taskset -c 0 "$BINARY" serve --db "$1" --port "$PORT" --event-loops 1 --rate-limit off ${SERVE_FLAGS:-} >"$TMP/out" 2>"$TMP/err" &
    CRM_PID=$!
    for _ in $(seq 600); do
        curl -fs -o /dev/null "$CRM/readyz" && break
        kill -0 "$CRM_PID" 2>/dev/null || break
        sleep 0.1
    done
    curl -fs -o /dev/null "$CRM/readyz" || { printf 'the server did not start: %s\n' "$(tail -n 3 "$TMP/err")" >&2; exit 1; }
    KEY=${2:-$(grep '^crm_' "$TMP/out" | tail -n 1 || true)}
    [[ -n $KEY ]] || KEY=$("$BINARY" keys create --role admin --name "bench" --db "$1")
}

# copy_database FROM TO: a seeded database with its write-ahead log and key file (the database is
# the three together).
copy_database() {
    for suffix in "" -wal .key; do [[ -e $1$suffix ]] && cp "$1$suffix" "$2$suffix"; done
    return 0
}

stop_server() {
    if [[ -n $CRM_PID ]]; then kill "$CRM_PID" 2>/dev/null && wait "$CRM_PID" 2>/dev/null || true; fi
    CRM_PID=
}

# run_wrk NAME CONNS URL [wrk args...]: wrk pinned to core 1 for DURATION seconds; one line with
# requests/s, p50, p99 and wrk's errors, NAME padded to WRK_NAME_WIDTH (40). The raw output stays in
# $TMP/wrk.txt.
run_wrk() {
    local name=$1 conns=$2 url=$3
    shift 3
    taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$TMP/wrk.txt" 2>&1 || true
    awk -v name="$name" -v conns="$conns" -v width="${WRK_NAME_WIDTH:-40}" '
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
        /Non-2xx or 3xx responses:/ { errors = errors " non-2xx: " $NF }
        /Socket errors:/ { sub(/.*Socket errors: */, ""); errors = errors " socket errors: " $0 }
        END { printf "%-*s %5s %10.0f %10s %10s%s\n", width, name, conns, rps, p50, p99, (errors == "" ? "" : " " errors) }' "$TMP/wrk.txt"
}
