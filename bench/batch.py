#!/usr/bin/env python3
"""Rows per second through `POST /v1/customers/batch` and `POST /v1/customers/import`.

    bench/batch.py PORT KEY MODE BATCHES [CLIENTS] [RECORDS]

MODE is `batch` (JSON, `upsert_by: external_id`, RECORDS records per request, 1,000 by default)
or `import` (CSV of RECORDS rows per request). CLIENTS threads (1 by default) each send BATCHES
requests one after another on a keep-alive connection; every record is a new customer with a
unique external id and email. The bodies are built before the clock starts. Prints one line:
rows stored per second over the whole run, the median and worst request time, and the count of
rows the server did not answer 201 for (any is an error: the run exits 1).
"""

import http.client
import json
import statistics
import sys
import threading
import time
import uuid


def records(prefix, count):
    for i in range(count):
        yield {
            "type": "person",
            "name": f"批量用户 {prefix} {i}",
            "email": f"batch.{prefix}.{i}@example.cn",
            "external_id": f"ext-{prefix}-{i}",
            "phone": f"+86 139 {i % 10000:04d} {i // 10000 % 10000:04d}",
            "country": "CN",
            "city": "Hangzhou",
            "tags": ["bench", "import"],
            "attributes": {"n": i},
        }


def body(mode, prefix, count):
    rows = list(records(prefix, count))
    if mode == "batch":
        return "application/json", json.dumps({"upsert_by": "external_id", "records": rows}).encode()
    lines = ["type,name,email,external_id,phone,country,city,tags"]
    for row in rows:
        lines.append(",".join([row["type"], row["name"], row["email"], row["external_id"], row["phone"], row["country"],
                               row["city"], '"' + ",".join(row["tags"]) + '"']))
    return "text/csv", ("\n".join(lines) + "\n").encode()


def client(port, key, mode, bodies, times, failures):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for content_type, payload in bodies:
        start = time.perf_counter()
        connection.request("POST", f"/v1/customers/{mode}", payload,
                           {"Authorization": f"Bearer {key}", "Content-Type": content_type})
        response = connection.getresponse()
        data = response.read()
        times.append(time.perf_counter() - start)
        if response.status != 200:
            failures.append(f"{response.status} {data[:200]!r}")
            continue
        failures.extend(str(result) for result in json.loads(data)["results"] if result["status"] != 201)


def main():
    port, key, mode, batches = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    clients = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    per_request = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
    run = uuid.uuid4().hex[:8]
    bodies = [[body(mode, f"{run}-{c}-{b}", per_request) for b in range(batches)] for c in range(clients)]
    times, failures = [], []
    threads = [threading.Thread(target=client, args=(port, key, mode, bodies[c], times, failures)) for c in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    rows = clients * batches * per_request - len(failures)
    print(f"{mode} x{per_request}, {clients} client(s): {rows / elapsed:,.0f} rows/s, "
          f"request median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, failed rows {len(failures)}")
    if failures:
        print("first failure:", failures[0], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
