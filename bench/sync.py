#!/usr/bin/env python3
"""Sync benchmarks against a running crm-server (bench/sync.sh starts one): long-poll wake-up
latency while many consumers wait, and webhook deliveries per second to a local receiver.

    python3 bench/sync.py --url http://127.0.0.1:18090 --key crm_1_… --waiters 1000 --writes 20

Standard library only. Prints one result line per scenario.
"""
import argparse
import asyncio
import json
import statistics
import time


async def request(reader, writer, method, path, key, body=None):
    """One keep-alive request on an open connection; returns (status, body bytes)."""
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    payload = await reader.readexactly(length) if length else b""
    return int(status_line.split()[1]), payload


async def connect(host, port):
    return await asyncio.open_connection(host, port, limit=1 << 22)


async def long_poll_latency(host, port, key, waiters, writes):
    """`waiters` consumers long-poll the feed; each write's commit-to-answer latency is measured
    for every consumer (from the moment the write's 201 arrived)."""
    conns = [await connect(host, port) for _ in range(waiters)]
    control = await connect(host, port)
    _, body = await request(*control, "GET", "/v1/changes?limit=1&after=0", key)
    status, body = await request(*control, "GET", "/v1/changes?limit=200&after=0", key)
    after = json.loads(body)["next_after"]
    while json.loads(body)["has_more"]:
        status, body = await request(*control, "GET", f"/v1/changes?limit=200&after={after}", key)
        after = json.loads(body)["next_after"]
    latencies = []
    for round_number in range(writes):
        answered = []

        async def wait_one(conn):
            status, payload = await request(*conn, "GET", f"/v1/changes?after={after}&wait=30&types=customer", key)
            answered.append(time.perf_counter())
            return json.loads(payload)["next_after"]

        tasks = [asyncio.create_task(wait_one(conn)) for conn in conns]
        await asyncio.sleep(0.3)  # let every consumer park
        status, _ = await request(*control, "POST", "/v1/customers", key, {"type": "person", "name": f"Bench {round_number}"})
        acknowledged = time.perf_counter()
        results = await asyncio.gather(*tasks)
        latencies += [max(0.0, t - acknowledged) * 1000 for t in answered]
        after = max(results)
    for _, writer in conns + [control]:
        writer.close()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(
        f"long-poll wake-up, {waiters} consumers waiting, {writes} writes: p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, "
        f"max {latencies[-1]:.1f} ms (from the write's 201 to each consumer's answer)"
    )


async def webhook_throughput(host, port, key, receiver_port, customers):
    """Creates a webhook for customer.created to a local receiver, creates `customers` customers
    in batches, and times how fast every delivery arrives."""
    received = 0
    done = asyncio.Event()
    first = None

    async def handle(reader, writer):
        nonlocal received, first
        while True:
            line = await reader.readline()
            if not line:
                break
            length = 0
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b""):
                    break
                name, _, value = header.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            received += 1
            first = first or time.perf_counter()
            if received >= customers:
                done.set()
            break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", receiver_port, backlog=1024)
    control = await connect(host, port)
    status, body = await request(
        *control, "POST", "/v1/webhooks", key, {"url": f"http://127.0.0.1:{receiver_port}/hook", "events": ["customer.created"]}
    )
    assert status == 201, body
    started = time.perf_counter()
    for start in range(0, customers, 500):
        batch = [{"type": "person", "name": f"Hook {i}", "external_id": f"hook-{i}"} for i in range(start, min(customers, start + 500))]
        status, body = await request(*control, "POST", "/v1/customers/batch", key, {"upsert_by": "external_id", "records": batch})
        assert status in (200, 207), (status, body[:200])
    written = time.perf_counter()
    await asyncio.wait_for(done.wait(), timeout=600)
    finished = time.perf_counter()
    server.close()
    print(
        f"webhook deliveries: {customers} in {finished - started:.1f} s from the first write "
        f"({customers / (finished - started):.0f}/s; writes took {written - started:.1f} s)"
    )


async def hold_waiters(host, port, key, waiters, seconds):
    """Keeps `waiters` consumers long-polling an idle type for `seconds` (for measuring what
    parked consumers cost the other requests)."""
    conns = [await connect(host, port) for _ in range(waiters)]

    async def keep(conn):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            await request(*conn, "GET", "/v1/changes?after=999999999&wait=30&types=feedback", key)

    try:
        await asyncio.wait_for(asyncio.gather(*(keep(conn) for conn in conns)), timeout=seconds)
    except asyncio.TimeoutError:
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:18090")
    parser.add_argument("--key", required=True)
    parser.add_argument("--waiters", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--receiver-port", type=int, default=18095)
    parser.add_argument("--hold", type=float, default=0, help="only hold --waiters long-polls for this many seconds")
    args = parser.parse_args()
    host, port = args.url.split("//")[1].split(":")
    if args.hold:
        asyncio.run(hold_waiters(host, int(port), args.key, args.waiters, args.hold))
        return
    asyncio.run(long_poll_latency(host, int(port), args.key, args.waiters, args.writes))
    asyncio.run(webhook_throughput(host, int(port), args.key, args.receiver_port, args.deliveries))


if __name__ == "__main__":
    main()
