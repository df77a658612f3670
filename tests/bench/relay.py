#!/usr/bin/python3
"""relay.py - a round-trip-faithful delay relay on loopback (stdlib asyncio).

    python3 relay.py --target HOST:PORT --rtt SECONDS [--listen 127.0.0.1:0]

prints the port it listens on (line 1), then relays every accepted TCP
connection to the target, holding every byte for half the round trip in
each direction.  The TCP handshake, instant on loopback, is charged as well:
a new connection's first bytes towards the server are held one more round
trip (the client could only have sent them once the SYN-ACK was back), so
connecting costs 1 round trip, TLS 1.3 another, each request one more:
what a network at that distance costs, and nothing the server does.

Bytes are forwarded in order as they come (no batching beyond what read()
returns), TCP_NODELAY on both sides; an end of stream is passed on after
the same delay.  Runs until killed.
"""

import argparse
import asyncio
import socket
import sys


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def pipe(reader, writer, half, floor):
    """Copy reader to writer, each chunk delivered `half` seconds after it
    came, and never before the loop time `floor`."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            try:
                await writer.drain()
            except OSError:
                return

    task = asyncio.ensure_future(deliver())
    try:
        while True:
            try:
                data = await reader.read(65536)
            except OSError:
                data = b""
            due = max(loop.time() + half, floor)
            queue.put_nowait((due, data or None))
            if not data:
                break
        await task
    finally:
        task.cancel()


async def handle(client_r, client_w, target, rtt):
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        server_r, server_w = await asyncio.open_connection(*target)
    except OSError:
        client_w.close()
        return
    nodelay(client_w)
    nodelay(server_w)
    half = rtt / 2
    up = pipe(client_r, server_w, half, start + rtt + half)  # + the TCP handshake
    down = pipe(server_r, client_w, half, 0.0)
    try:
        await asyncio.gather(up, down)
    finally:
        for w in (client_w, server_w):
            w.close()


async def main_async(a):
    host, _, port = a.listen.rpartition(":")
    thost, _, tport = a.target.rpartition(":")
    target = (thost, int(tport))
    server = await asyncio.start_server(lambda r, w: handle(r, w, target, a.rtt), host, int(port),
                                        backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv=None):
    ap = argparse.ArgumentParser(description="A loopback delay relay (see the module docstring).")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--target", required=True, help="HOST:PORT")
    ap.add_argument("--rtt", type=float, required=True, help="round-trip time in seconds")
    a = ap.parse_args(argv)
    try:
        asyncio.run(main_async(a))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
