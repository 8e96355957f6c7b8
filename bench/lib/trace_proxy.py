#!/usr/bin/env python3
"""Logs every HTTP request a client sends to the Docker engine, with timings.

    python3 bench/lib/trace_proxy.py /tmp/trace.sock /tmp/trace.log [ENGINE_SOCKET] &
    DOCKER_HOST=unix:///tmp/trace.sock berth up -d

Listens on a Unix socket, forwards bytes both ways to the engine's socket (default
/var/run/docker.sock) and writes one line per request: the wall-clock time (Unix seconds, to
compare with `docker events --format '{{.TimeNano}}'`) when the request was sent and when its
response status line came back, the connection number, the
method and path, and the status code. Requests on a kept-alive connection are paired with
responses in order (HTTP/1.1 has no pipelining in practice). Streamed responses (events,
logs) show when their headers came back. It counts and times; it does not parse bodies, so a
request whose body happens to start with a method name would be logged twice (no client
here sends such bodies).
"""

import asyncio
import re
import sys
import time

REQUEST = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")
STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3})")


def now():
    return time.time()


async def pipe(reader, writer, on_chunk):
    try:
        while chunk := await reader.read(65536):
            on_chunk(chunk)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def main():
    listen, log_path = sys.argv[1], sys.argv[2]
    engine = sys.argv[3] if len(sys.argv) > 3 else "/var/run/docker.sock"
    log = open(log_path, "a", buffering=1, encoding="utf-8")
    counter = [0]

    async def handle(client_r, client_w):
        counter[0] += 1
        conn = counter[0]
        pending = []
        engine_r, engine_w = await asyncio.open_unix_connection(engine)

        def request(chunk):
            m = REQUEST.match(chunk)
            if m:
                pending.append((now(), m.group(1).decode(), m.group(2).decode()))

        def response(chunk):
            m = STATUS.match(chunk)
            if m and pending:
                sent, method, path = pending.pop(0)
                log.write(f"{sent:.3f} {now():.3f} c{conn} {method} {path} {m.group(1).decode()}\n")

        await asyncio.gather(pipe(client_r, engine_w, request), pipe(engine_r, client_w, response))
        for sent, method, path in pending:
            log.write(f"{sent:.3f} {'-':>14} c{conn} {method} {path} (no response)\n")

    async def serve():
        server = await asyncio.start_unix_server(handle, path=listen)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
