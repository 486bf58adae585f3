"""The granularity experiment in Python: what one switch costs.

    python3 granularity.py TARGET_MS

- asyncio, sleep(0): one task awaiting asyncio.sleep(0) over and over (one trip through the
  event loop);
- asyncio, Event ping-pong: two tasks passing a baton through two asyncio.Event;
- queue.Queue, ping-pong: two threads passing an item back and forth through two
  queue.Queue(maxsize=1) — every hand-off wakes the other thread (and hands it the GIL).
Each case is calibrated to take about TARGET_MS, then timed three times; the fastest counts.
Prints {"rows": [{"what", "ops", "ns_per_op"}]} as one JSON line.
"""
import asyncio
import queue
import threading
import time

import common


def asyncio_sleep0(n):
    async def one_task():
        for _ in range(n):
            await asyncio.sleep(0)

    asyncio.run(one_task())


def asyncio_ping_pong(n):
    async def game():
        turns = [asyncio.Event(), asyncio.Event()]

        async def player(me, passes):
            for _ in range(passes):
                await turns[me].wait()
                turns[me].clear()
                turns[1 - me].set()

        turns[0].set()
        await asyncio.gather(player(0, -(-n // 2)), player(1, n // 2))

    asyncio.run(game())


def queue_ping_pong(n):
    ping, pong = queue.Queue(maxsize=1), queue.Queue(maxsize=1)

    def echo():
        while True:
            item = ping.get()
            if item is None:
                return
            pong.put(item)

    t = threading.Thread(target=echo)
    t.start()
    for i in range(-(-n // 2)):
        ping.put(i)
        if pong.get() != i:
            raise AssertionError("the item did not come back")
    ping.put(None)
    t.join()


CASES = [
    ("asyncio", "sleep(0), one task", asyncio_sleep0),
    ("asyncio", "Event ping-pong, two tasks", asyncio_ping_pong),
    ("queue.Queue", "ping-pong, two threads, maxsize 1", queue_ping_pong),
]


def timed(fn, n):
    start = time.perf_counter_ns()
    fn(n)
    return time.perf_counter_ns() - start


def calibrated(fn, target_ns):
    n = 100
    elapsed = timed(fn, n)
    while elapsed < target_ns / 5 and n < 10_000_000:
        n *= 5
        elapsed = timed(fn, n)
    n = max(100, int(n * target_ns / max(elapsed, 1)))
    return n, min(timed(fn, n) for _ in range(3))


def run(args):
    target_ns = int(float(args[0]) * 1e6)
    if target_ns <= 0:
        raise ValueError("TARGET_MS must be positive")
    rows = []
    for contender, what, fn in CASES:
        ops, elapsed = calibrated(fn, target_ns)
        rows.append({"contender": contender, "what": what, "ops": ops, "ns_per_op": elapsed / ops})
    return {"rows": rows}


if __name__ == "__main__":
    common.main(run)
