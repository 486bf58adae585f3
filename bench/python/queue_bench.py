"""queue.Queue on the queue benchmarks' workloads, at a smaller scale than the Rust side.

Run by `cargo bench -p bench --bench targets`, which parses the lines starting with RESULT:
    RESULT workload=<name> value=<number> unit=<unit> n=<size>
Same shapes as bench/src/threads.rs: SPSC capacity 1024, MPMC 4 producers x 4 consumers
capacity 64, SPSC capacity 1 (every item a hand-off). Time runs from a barrier that releases
every thread until the last consumer has its share; ns/item = time / items.
"""

import queue
import sys
import threading
import time


def result(workload, value, unit, n):
    print(f"RESULT workload={workload} value={value:.1f} unit={unit} n={n}", flush=True)


def share(total, parts, index):
    return total // parts + (1 if index < total % parts else 0)


def transfer(producers, consumers, capacity, items):
    q = queue.Queue(maxsize=capacity)
    barrier = threading.Barrier(producers + consumers + 1)
    sums = [0] * consumers

    def produce(lo, hi):
        barrier.wait()
        for v in range(lo, hi):
            q.put(v)

    def consume(index, count):
        barrier.wait()
        total = 0
        for _ in range(count):
            total += q.get()
        sums[index] = total

    threads, lo = [], 0
    for p in range(producers):
        hi = lo + share(items, producers, p)
        threads.append(threading.Thread(target=produce, args=(lo, hi)))
        lo = hi
    for c in range(consumers):
        threads.append(threading.Thread(target=consume, args=(c, share(items, consumers, c))))
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert sum(sums) == items * (items - 1) // 2, "items were lost or duplicated"
    return elapsed


def main():
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for name, (producers, consumers, capacity), items in [
        ("spsc_cap1024", (1, 1, 1024), 200_000 // scale),
        ("mpmc_4x4_cap64", (4, 4, 64), 100_000 // scale),
        ("spsc_cap1", (1, 1, 1), 20_000 // scale),
    ]:
        elapsed = transfer(producers, consumers, capacity, items)
        result(name, elapsed * 1e9 / items, "ns/item", items)


if __name__ == "__main__":
    main()
