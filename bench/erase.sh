#!/usr/bin/env bash
# Erase benchmark (bench/README.md, "Erase"): POST /v1/customers/{id}/erase of a customer with 1,000
# related records (orders, interactions, tickets with a comment each, feedback, loyalty entries,
# with a webhook subscribed to every event and every create sent with an Idempotency-Key, so the
# erase rewrites feed entries, audit entries, idempotent answers and outbox rows), timed from
# request to answer: the transaction, the search index merge and the truncating checkpoint.
#  1. on a fresh database;
#  2. with SEEDED_DB (a copy of it) or SEED_CUSTOMERS (seeded first), on a large one, where the
#     search index merge is most of the time, with durable creates (wrk, 16 connections) running
#     beside it to show what the erase costs other writers.
# Builds in release mode; the server is pinned to core 0, the load to core 1.
#
#   bench/erase.sh                                 # part 1 only
#   SEEDED_DB=/tmp/m1.sqlite bench/erase.sh        # and part 2 on a copy of a seeded database
#   SEED_CUSTOMERS=1000000 bench/erase.sh          # and part 2 on a database seeded first
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${CRM_BENCH_PORT:-18097}
RELATED=${RELATED:-1000}
CRM=http://127.0.0.1:$PORT

log() { printf '[erase-bench] %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }

log "building (release)"
swift build -c release --scratch-path .build-bench --product crm-server >/dev/null
BINARY=$ROOT/.build-bench/release/crm-server
TMP=$(mktemp -d)
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT

# Creates a customer with $RELATED related records over one keep-alive connection; prints its id.
populate() {
    python3 - "$PORT" "$KEY" "$RELATED" <<'PY'
import http.client, json, sys, uuid
port, key, related = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)
def post(path, body):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 201:
        sys.exit(f"POST {path}: {response.status} {data[:200]!r}")
    return json.loads(data)
hook = post("/v1/webhooks", {"url": "http://127.0.0.1:9/erase-bench", "events": ["*"]})
person = post("/v1/customers", {
    "type": "person", "name": "Erase Bench", "email": f"erase-{uuid.uuid4().hex[:8]}@example.com", "phone": "+86 139 0000 0000",
    "title": "Buyer", "city": "Hangzhou", "birthday": "1990-05-01", "attributes": {"wechat": "erase-bench"},
    "external_id": f"erase-{uuid.uuid4().hex}", "company": "Bench Ltd"})
customer = person["id"]
# 1,000 by default: 25 % orders, 25 % interactions, 10 % tickets and 10 % their comments, 15 %
# feedback, 15 % loyalty entries.
share = lambda percent: related * percent // 100
for i in range(share(25)):
    post("/v1/orders", {"customer_id": customer, "amount": 1000 + i, "currency": "CNY", "ordered_at": "2026-11-01T10:00:00Z"})
for i in range(share(25)):
    post("/v1/interactions", {"customer_id": customer, "channel": "call", "occurred_at": "2026-11-02T10:00:00Z",
                              "subject": f"Call {i}", "body": f"Talked about order {i} with the customer"})
for i in range(share(10)):
    ticket = post("/v1/tickets", {"customer_id": customer, "subject": f"Question {i}"})
    post(f"/v1/tickets/{ticket['id']}/comments", {"author": "Erase Bench", "author_type": "customer", "body": f"My question {i}"})
for i in range(share(15)):
    post("/v1/feedback", {"customer_id": customer, "kind": "nps", "score": i % 11, "comment": f"Comment {i}"})
for i in range(related - share(25) * 2 - share(10) * 2 - share(15)):
    post(f"/v1/customers/{customer}/points", {"delta": 10, "reason": f"Purchase {i}"})
print(customer)
PY
}

# Erases customer $1; prints the seconds from request to answer.
erase() {
    curl -fs -o "$TMP/erased.json" -w '%{time_total}' -X POST "$CRM/v1/customers/$1/erase" -H "Authorization: Bearer $KEY" \
        -H 'Content-Type: application/json' -d '{"reason":"erase benchmark"}'
}

log "part 1: a fresh database"
SERVE_FLAGS=--allow-private-webhooks start_server "$TMP/fresh.sqlite"
customer=$(populate)
seconds=$(erase "$customer")
printf 'erase of a customer with %s related records, fresh database: %.3f s\n' "$RELATED" "$seconds"
stop_server

if [[ -n ${SEEDED_DB:-} || -n ${SEED_CUSTOMERS:-} ]]; then
    DB=$TMP/large.sqlite
    if [[ -n ${SEEDED_DB:-} ]]; then
        log "part 2: copying $SEEDED_DB"
        copy_database "$SEEDED_DB" "$DB"
    else
        log "part 2: seeding $SEED_CUSTOMERS customers"
        "$BINARY" seed --customers "$SEED_CUSTOMERS" --db "$DB" >/dev/null
    fi
    SERVE_FLAGS=--allow-private-webhooks start_server "$DB"
    customers=$(curl -fs "$CRM/v1/analytics/customers" -H "Authorization: Bearer $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    customer=$(populate)
    seconds=$(erase "$customer")
    printf 'erase of a customer with %s related records, %s customers: %.3f s\n' "$RELATED" "$customers" "$seconds"
    # A first create run warms the page cache of a database just opened (its numbers are dropped).
    creates() { # seconds
        KEY=$KEY RUN=$RANDOM taskset -c 1 wrk -t1 -c16 -d"$1s" --latency -s "$ROOT/bench/lua/create_customer.lua" "$CRM"
    }
    customer=$(populate)
    creates 3 >/dev/null
    creates 5 | awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "durable creates, no erase:     %9s/s  p99 %s\n", rps, p99 }'
    creates 12 >"$TMP/during.txt" &
    LOAD=$!
    sleep 1
    seconds=$(erase "$customer")
    wait "$LOAD"
    printf 'the same with durable creates beside it: %.3f s\n' "$seconds"
    awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "durable creates, erase beside: %9s/s  p99 %s\n", rps, p99 }' "$TMP/during.txt"
fi
