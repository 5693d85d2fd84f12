#!/usr/bin/env python3
"""Sends exactly N identical GET requests, one after another, on one keep-alive connection.

    bench/keepalive_client.py PORT PATH N [AUTHORIZATION]

Each response is read whole (status line, headers, Content-Length body) before the next
request goes out, so the server does exactly N exchanges and the request count is exact
(bench/callgrind.sh divides instruction counts by it). Exits 1 on a status other than 200 or a
response without Content-Length. Prints the last response body's length on stdout.
"""

import socket
import sys


def read_response(sock, buffer):
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed before a response head")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise SystemExit("response without Content-Length: %r" % lines[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("connection closed inside a body")
        rest += chunk
    return status, rest[:length], rest[length:]


def main():
    port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    authorization = sys.argv[4] if len(sys.argv) > 4 else None
    request = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: crm-bench\r\nAccept: */*\r\n" % (path, port)
    if authorization:
        request += "Authorization: %s\r\n" % authorization
    request = (request + "\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    body = b""
    for _ in range(count):
        sock.sendall(request)
        status, body, buffer = read_response(sock, buffer)
        if status != 200:
            raise SystemExit("status %d for %s: %s" % (status, path, body[:200]))
    sock.close()
    print(len(body))


if __name__ == "__main__":
    main()
