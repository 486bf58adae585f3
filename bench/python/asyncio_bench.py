"""asyncio on the executor benchmarks' workloads, at a smaller scale than the Rust side.

Run by `cargo bench -p bench --bench targets`, which parses the lines starting with RESULT:
    RESULT workload=<name> value=<number> unit=<unit> n=<size>
Same workloads as bench/src/exec: spawn+await trivial tasks in batches of 1024, one task
yielding n times, timers spread over 100 ms after a 50 ms lead (lateness = wake - deadline),
and resident memory per pending task.
"""

import asyncio
import gc
import sys
import time

SPAWN_BATCH = 1024


def result(workload, value, unit, n):
    print(f"RESULT workload={workload} value={value:.1f} unit={unit} n={n}", flush=True)


def rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


async def trivial(i):
    return i


async def spawn_await(n):
    done = 0
    while done < n:
        batch = min(SPAWN_BATCH, n - done)
        tasks = [asyncio.create_task(trivial(i)) for i in range(done, done + batch)]
        for task in tasks:
            await task
        done += batch


async def yield_many(n):
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)  # asyncio's yield_now

    await asyncio.create_task(yielder())


async def timers(n, spread, lead):
    start = time.monotonic()

    async def timer(deadline):
        # asyncio has no sleep_until: the delay is computed when the task first runs.
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        return time.monotonic() - deadline

    tasks = [
        asyncio.create_task(timer(start + lead + spread * (i + 1) / n)) for i in range(n)
    ]
    return [await task for task in tasks]


async def pending_memory(n):
    never = asyncio.get_running_loop().create_future()
    polled = 0

    async def pending():
        nonlocal polled
        polled += 1
        await never

    gc.collect()
    before = rss_bytes()
    tasks = [asyncio.create_task(pending()) for _ in range(n)]
    while polled < n:
        await asyncio.sleep(0)
    after = rss_bytes()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return (after - before) / n


def percentile(sorted_xs, p):
    # Nearest rank, as bench/src/stats.rs does.
    rank = max(1, -(-len(sorted_xs) * p // 100))
    return sorted_xs[int(rank) - 1]


def timed(coro_fn, *args):
    start = time.perf_counter()
    asyncio.run(coro_fn(*args))
    return time.perf_counter() - start


def main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    # Memory first, while the heap holds nothing freed that new tasks could reuse.
    n = 100_000 // scale
    result("pending_task_memory", asyncio.run(pending_memory(n)), "bytes/task", n)

    n = 100_000 // scale
    result("spawn_await", timed(spawn_await, n) * 1e9 / n, "ns/task", n)
    n = 200_000 // scale
    result("yield", timed(yield_many, n) * 1e9 / n, "ns/yield", n)

    for n in (1_000, 10_000 // scale):
        cpu_start = time.thread_time()
        lateness = sorted(asyncio.run(timers(n, 0.100, 0.050)))
        cpu = time.thread_time() - cpu_start
        label = f"timers_{n // 1000}k"
        result(f"{label}_cpu", cpu * 1e3, "ms", n)
        result(f"{label}_lateness_p50", percentile(lateness, 50) * 1e6, "us", n)
        result(f"{label}_lateness_p99", percentile(lateness, 99) * 1e6, "us", n)


if __name__ == "__main__":
    main()
