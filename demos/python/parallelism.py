"""The parallelism experiment in Python: one CPU-bound job set, three ways.

    python3 parallelism.py LIMIT REPS MAX_WORKERS

Counts the primes below LIMIT by trial division (the Rust side's `count_primes`), cut into 32
ranges, run by:
- "one thread": the jobs one after another, in the main thread (the baseline);
- "threads": k threads fed by a queue.Queue (the article's second example) for k = 1..MAX;
- "processes": a multiprocessing.Pool of k processes for k = 1..MAX.
Each configuration runs REPS times in rounds and keeps its fastest run. Prints
{"primes", "rows": [{"contender", "workers", "wall_ns", "cpu_ns"}]} as one JSON line.
"""
import multiprocessing
import queue
import threading
import time

import common

JOBS = 32


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(bounds):
    start, end = bounds
    return sum(1 for n in range(start, end) if is_prime(n))


def jobs(limit):
    step = -(-limit // JOBS)
    return [(i * step, min((i + 1) * step, limit)) for i in range(JOBS)]


def one_thread(limit, _workers):
    return sum(count_primes(job) for job in jobs(limit))


def threads(limit, workers):
    """k worker threads draining a queue.Queue of jobs, results through another queue."""
    todo, done = queue.Queue(), queue.Queue()

    def worker():
        while True:
            job = todo.get()
            if job is None:
                return
            done.put(count_primes(job))

    pool = [threading.Thread(target=worker) for _ in range(workers)]
    for t in pool:
        t.start()
    all_jobs = jobs(limit)
    for job in all_jobs:
        todo.put(job)
    for _ in pool:
        todo.put(None)  # one stop sign per worker
    total = sum(done.get() for _ in all_jobs)
    for t in pool:
        t.join()
    return total


def processes(limit, workers):
    with multiprocessing.Pool(workers) as pool:
        total = sum(pool.map(count_primes, jobs(limit), chunksize=1))
        pool.close()
        pool.join()
    return total


def run(args):
    limit, reps, max_workers = int(args[0]), int(args[1]), int(args[2])
    if limit < 1 or reps < 1 or max_workers < 1:
        raise ValueError("LIMIT, REPS and MAX_WORKERS must be positive")
    # The first run, one thread, gives the count every other run must match (and the tour
    # checks it against Rust's): no separate run to compute it.
    primes = None
    configs = [("one thread", 1, one_thread)]
    configs += [("threads", k, threads) for k in range(1, max_workers + 1)]
    configs += [("processes", k, processes) for k in range(1, max_workers + 1)]
    best = {}
    for _ in range(reps):
        for name, k, fn in configs:
            cpu_before, start = common.cpu_ns(), time.perf_counter_ns()
            answer = fn(limit, k)
            wall = time.perf_counter_ns() - start
            cpu = common.cpu_ns() - cpu_before
            if primes is None:
                primes = answer
            elif answer != primes:
                raise AssertionError("%s found %d primes, not %d" % (name, answer, primes))
            if (name, k) not in best or wall < best[(name, k)][0]:
                best[(name, k)] = (wall, cpu)
    rows = [
        {"contender": name, "workers": k, "wall_ns": best[(name, k)][0], "cpu_ns": best[(name, k)][1]}
        for name, k, _ in configs
    ]
    return {"primes": primes, "rows": rows}


if __name__ == "__main__":
    common.main(run)
