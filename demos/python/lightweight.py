"""The lightweight experiment in Python: N concurrent 50 ms waits.

    python3 lightweight.py asyncio N   # N asyncio tasks, each `await asyncio.sleep(0.05)`
    python3 lightweight.py threads N   # N threading.Thread, each `time.sleep(0.05)`

Run once per (contender, N) in a fresh process: the peak RSS of a process only grows.
Prints {"wall_ns", "cpu_ns", "rss_delta"} as one JSON line.
"""
import asyncio
import threading
import time

import common

WAIT = 0.05


async def asyncio_waits(n):
    await asyncio.gather(*(asyncio.sleep(WAIT) for _ in range(n)))


def thread_waits(n):
    threads = []
    try:
        for _ in range(n):
            t = threading.Thread(target=time.sleep, args=(WAIT,))
            t.start()
            threads.append(t)
    finally:
        for t in threads:
            t.join()


def run(args):
    contender, n = args[0], int(args[1])
    if n < 1:
        raise ValueError("N must be at least 1")
    common.reset_peak_rss()
    rss_before = common.rss_bytes()
    cpu_before = common.cpu_ns()
    start = time.perf_counter_ns()
    if contender == "asyncio":
        asyncio.run(asyncio_waits(n))
    elif contender == "threads":
        thread_waits(n)
    else:
        raise ValueError("unknown contender %r" % contender)
    wall = time.perf_counter_ns() - start
    return {
        "wall_ns": wall,
        "cpu_ns": common.cpu_ns() - cpu_before,
        "rss_delta": max(0, common.peak_rss_bytes() - rss_before),
    }


if __name__ == "__main__":
    common.main(run)
