#!/usr/bin/env python3
"""Open many idle keep-alive connections to a server and hold them.

Used by bench/run.sh to show that idle connections cost the server memory, not threads.
Each connection is a non-blocking TCP socket that connects and then sends nothing. They are
opened in batches, then held until SIGUSR1 or SIGTERM arrives (or --hold seconds pass), while
watching for any the server closes. On exit it prints how many stayed open.

Output, one line each (stdout, flushed):
    READY opened=N failed=F            once every connection attempt has finished
    RESULT opened=N open=S closed=C sent_data=D failed=F held_s=T
Only loopback is allowed as a target: this is a benchmark helper, not a load tool.
"""

import argparse
import errno
import ipaddress
import os
import resource
import selectors
import signal
import socket
import sys
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to connect to (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10_000, help="connections to open (default 10000)")
    parser.add_argument("--batch", type=int, default=500, help="connections started at once (default 500)")
    parser.add_argument("--connect-timeout", type=float, default=15.0, help="seconds a batch may take to connect")
    parser.add_argument("--hold", type=float, default=120.0, help="longest hold in seconds; SIGUSR1/SIGTERM end it sooner")
    arguments = parser.parse_args()
    if not ipaddress.ip_address(arguments.host).is_loopback:
        parser.error(f"--host must be a loopback address, not {arguments.host}")
    return arguments


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft < needed:
        print(f"warning: open-file limit {soft} is below the {needed} needed", file=sys.stderr, flush=True)


def count_failure(failures, code):
    name = errno.errorcode.get(code, str(code))
    failures[name] = failures.get(name, 0) + 1


def open_batch(host, port, size, timeout, failures):
    """Start `size` non-blocking connects and wait for them; return the established sockets."""
    pending = {}
    selector = selectors.DefaultSelector()
    for _ in range(size):
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as error:
            count_failure(failures, error.errno)
            continue
        sock.setblocking(False)
        code = sock.connect_ex((host, port))
        if code not in (0, errno.EINPROGRESS):
            count_failure(failures, code)
            sock.close()
            continue
        pending[sock.fileno()] = sock
        selector.register(sock, selectors.EVENT_WRITE)

    established = []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            sock = key.fileobj
            selector.unregister(sock)
            del pending[sock.fileno()]
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code == 0:
                established.append(sock)
            else:
                count_failure(failures, code)
                sock.close()
    for sock in pending.values():
        failures["timeout"] = failures.get("timeout", 0) + 1
        selector.unregister(sock)
        sock.close()
    selector.close()
    return established


def main():
    arguments = parse_arguments()
    raise_file_limit(arguments.count + 64)

    stop = {"now": False}

    def request_stop(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGUSR1, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    failures = {}
    sockets = []
    while len(sockets) + sum(failures.values()) < arguments.count and not stop["now"]:
        size = min(arguments.batch, arguments.count - len(sockets) - sum(failures.values()))
        sockets.extend(open_batch(arguments.host, arguments.port, size, arguments.connect_timeout, failures))
    failed = sum(failures.values())
    detail = " ".join(f"{name}={count}" for name, count in sorted(failures.items()))
    print(f"READY opened={len(sockets)} failed={failed}" + (f" ({detail})" if detail else ""), flush=True)

    # Hold: watch every socket for readability. An idle connection the server keeps open never
    # becomes readable; one it closes reads as EOF (or an error); one it writes to has sent data.
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    open_sockets = set(sockets)
    closed = 0
    sent_data = set()  # sockets the server wrote to (it should write nothing to an idle one)
    started = time.monotonic()
    while not stop["now"] and time.monotonic() - started < arguments.hold:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                sent_data.add(sock)
                continue
            closed += 1
            sent_data.discard(sock)
            selector.unregister(sock)
            open_sockets.discard(sock)
            sock.close()
    held = time.monotonic() - started
    print(
        f"RESULT opened={len(sockets)} open={len(open_sockets)} closed={closed} "
        f"sent_data={len(sent_data)} failed={failed} held_s={held:.1f}",
        flush=True,
    )
    selector.close()
    for sock in open_sockets:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
