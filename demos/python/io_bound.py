"""The I/O-bound experiment in Python: an echo server under the tour's load generator.

    python3 io_bound.py asyncio <busy|idle> N ROUNDS LOADGEN...   # asyncio.start_server
    python3 io_bound.py threads <busy|idle> N ROUNDS LOADGEN...   # socketserver.ThreadingTCPServer

The server serves exactly N connections, echoing each until its client closes. LOADGEN... is
the command of the load generator (the tour's own binary); it is run here as a child process
with `127.0.0.1:<port> <busy|idle> N ROUNDS` appended, so its sockets are not ours, and prints
`ok <wall ns>`. CPU time is this process's alone (time.process_time: the load generator is not
counted), RSS its peak minus its RSS before. Prints {"wall_ns", "cpu_ns", "rss_delta"}.
"""
import asyncio
import socket
import socketserver
import subprocess
import threading
import time

import common

MESSAGE = 64
IDLE_LIMIT = 30.0  # seconds a connection may stay silent: a vanished client is no hang
LOAD_LIMIT = 60.0  # seconds the load generator may take
BACKLOG = 128  # as the Rust servers' (std's); the load generator keeps fewer opening at once


def run_load(command):
    """Run the load generator to the end; its wall time in ns, or an exception."""
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=LOAD_LIMIT, check=False)
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    line = lines[-1] if lines else ""
    if line.startswith("ok "):
        return int(line[3:])
    raise RuntimeError("load generator: %s" % (line or "exit %d" % done.returncode))


async def asyncio_server(n, load_args):
    served = 0
    all_served = asyncio.Event()

    async def echo(reader, writer):
        nonlocal served
        try:
            while True:
                data = await asyncio.wait_for(reader.read(MESSAGE), IDLE_LIMIT)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            served += 1
            if served == n:
                all_served.set()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=BACKLOG)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    wall = await loop.run_in_executor(None, run_load, load_args(port))
    await asyncio.wait_for(all_served.wait(), IDLE_LIMIT)
    server.close()
    await server.wait_closed()
    return wall


def threads_server(n, load_args):
    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            conn = self.request
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(IDLE_LIMIT)
            while True:
                data = conn.recv(MESSAGE)
                if not data:
                    return
                conn.sendall(data)

    class Server(socketserver.ThreadingTCPServer):
        request_queue_size = BACKLOG
        daemon_threads = False  # server_close() joins every connection's thread

    with Server(("127.0.0.1", 0), Echo) as server:
        port = server.server_address[1]
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        serving.start()
        try:
            wall = run_load(load_args(port))
        finally:
            server.shutdown()
            serving.join()
    return wall


def run(args):
    contender, mode, n, rounds, loadgen = args[0], args[1], int(args[2]), int(args[3]), args[4:]
    if n < 1 or rounds < 1 or mode not in ("busy", "idle") or not loadgen:
        raise ValueError("usage: io_bound.py <asyncio|threads> <busy|idle> N ROUNDS LOADGEN...")

    def load_args(port):
        return loadgen + ["127.0.0.1:%d" % port, mode, str(n), str(rounds)]

    common.reset_peak_rss()
    rss_before = common.rss_bytes()
    cpu_before = time.process_time_ns()
    if contender == "asyncio":
        wall = asyncio.run(asyncio_server(n, load_args))
    elif contender == "threads":
        wall = threads_server(n, load_args)
    else:
        raise ValueError("unknown contender %r" % contender)
    return {
        "wall_ns": wall,
        "cpu_ns": time.process_time_ns() - cpu_before,
        "rss_delta": max(0, common.peak_rss_bytes() - rss_before),
    }


if __name__ == "__main__":
    common.main(run)
