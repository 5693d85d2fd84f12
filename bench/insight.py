#!/usr/bin/env python3
"""Single-request latency of the insight endpoints (bench/insight.sh, bench/README.md "Insight").

    bench/insight.py --url URL --key KEY reports [--requests 20] PATH...
    bench/insight.py --url URL --key KEY merges [--merges 20] [--groups 100]
    bench/insight.py --url URL --key KEY segment [RULES]

`reports` sends each PATH REQUESTS times, one after another on one keep-alive connection (after
one unmeasured warm-up request), and prints one line per path: status, median, min and max in
milliseconds, and the body size. A 404 (an endpoint this build does not have) is reported as
such, not as a failure.

`merges` reads one page of `GET /v1/customers/duplicates?limit=GROUPS` (timed: it scans every
customer), then merges MERGES of its groups, each `POST /v1/customers/{first}/merge
{"from":[the others]}`, and prints each merge's latency and their median and max.

`reports` takes "POST /path {json}" for a POST with that body (the search).

`segment` creates a segment from the RULES given (JSON; by default a 3-leaf tree) and prints
its id.
"""

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse

SEGMENT_RULES = {
    "all": [
        {"field": "lifecycle_stage", "op": "in", "value": ["repeat", "loyal"]},
        {"field": "metrics.total_spent", "op": "gte", "value": 300000},
        {"field": "tags", "op": "contains", "value": "vip"},
    ]
}


class Client:
    def __init__(self, url, key):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def send(self, method, path, body=None):
        """(status, body bytes, seconds)."""
        data = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=self.headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (http.client.HTTPException, OSError):
            # The server closed the connection (e.g. after an error): once more on a new one.
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
            started = time.perf_counter()
            self.connection.request(method, path, body=data, headers=self.headers)
            response = self.connection.getresponse()
            payload = response.read()
        return response.status, payload, time.perf_counter() - started


def ms(seconds):
    return "%.1f" % (seconds * 1000)


def reports(client, paths, requests):
    for path in paths:
        # "POST /path {json}" posts the body; anything else is a GET.
        method, body = "GET", None
        if path.startswith("POST "):
            method, rest = "POST", path[5:]
            path, _, text = rest.partition(" ")
            body = json.loads(text)
        status, payload, _ = client.send(method, path, body)  # warm-up, not counted
        if status == 404:
            print("%-44s not available (404: this build has no such endpoint)" % path)
            continue
        times = []
        for _ in range(requests):
            status, payload, seconds = client.send(method, path, body)
            if status != 200:
                break
            times.append(seconds)
        label = method + " " + path if method != "GET" else path
        if status != 200:
            print("%-44s status %d: %s" % (label, status, payload[:200].decode(errors="replace")))
            continue
        median = statistics.median(times)
        flag = "  OVER 100 ms" if median > 0.1 else ""
        print("%-44s median %8s ms  min %8s  max %8s  (%d requests, %d B)%s"
              % (label, ms(median), ms(min(times)), ms(max(times)), len(times), len(payload), flag))


def merges(client, count, groups):
    status, body, seconds = client.send("GET", "/v1/customers/duplicates?limit=%d" % groups)
    if status != 200:
        sys.exit("duplicates: status %d %s" % (status, body[:200]))
    page = json.loads(body)["data"]
    reasons = {}
    for group in page:
        reasons[group["reason"]] = reasons.get(group["reason"], 0) + 1
    print("GET /v1/customers/duplicates?limit=%d: %s ms, %d groups (%s)"
          % (groups, ms(seconds), len(page), ", ".join("%s %d" % item for item in sorted(reasons.items()))))
    times = []
    for group in page[:count]:
        ids = [customer["id"] for customer in group["customers"]]
        status, body, seconds = client.send("POST", "/v1/customers/%d/merge" % ids[0], {"from": ids[1:]})
        if status != 200:
            print("merge %s: status %d %s" % (ids, status, body[:200].decode(errors="replace")))
            continue
        times.append(seconds)
        print("  merge %-24s %8s ms  (%s)" % (ids, ms(seconds), group["reason"]))
    if times:
        print("merges: %d, median %s ms, min %s, max %s" % (len(times), ms(statistics.median(times)), ms(min(times)), ms(max(times))))


def segment(client, rules):
    body = {"name": "bench %d" % time.time_ns(), "rules": rules}
    status, payload, _ = client.send("POST", "/v1/segments", body)
    if status != 201:
        sys.exit("segment create: status %d %s" % (status, payload[:300]))
    print(json.loads(payload)["id"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--merges", type=int, default=20)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("command", choices=["reports", "merges", "segment"])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    client = Client(args.url, args.key)
    if args.command == "reports":
        reports(client, args.paths, args.requests)
    elif args.command == "merges":
        merges(client, args.merges, args.groups)
    else:
        segment(client, json.loads(args.paths[0]) if args.paths else SEGMENT_RULES)


if __name__ == "__main__":
    main()
