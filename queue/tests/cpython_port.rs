//! Behaviours of CPython's `Lib/test/test_queue.py` (3.13) for `Queue`, `LifoQueue` and
//! `PriorityQueue`, ported.
//!
//! CPython's tests order events with `time.sleep` (`do_blocking_test` sleeps before the
//! trigger). These never sleep: a blocking call runs in a thread whose outcome is asserted
//! after joining it. Whether that thread was already asleep when the trigger came does not
//! change what it must return, so the assertions hold in every interleaving; the loom models
//! (`tests/loom_queue.rs`) check the asleep-first interleavings exhaustively.

use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

use queue::{
    BlockingQueue, GetError, LifoQueue, Order, PriorityQueue, PutError, Queue, TaskDoneError,
};

const QUEUE_SIZE: usize = 5;
const SHORT: Duration = Duration::from_millis(10);

/// CPython's `simple_queue_test`, for any order: puts 111, 333, 222 and expects `order`.
fn simple_queue_test<O: Order<i32> + Send>(q: BlockingQueue<i32, O>, order: [i32; 3]) {
    assert!(q.is_empty() && !q.is_full());
    for x in [111, 333, 222] {
        q.put(x).unwrap();
    }
    assert_eq!([q.get(), q.get(), q.get()], order.map(Ok));
    for i in 0..QUEUE_SIZE as i32 - 1 {
        q.put(i).unwrap();
        assert!(!q.is_empty());
    }
    assert!(!q.is_full());
    let (last, full) = (2 * QUEUE_SIZE as i32, 3 * 2 * QUEUE_SIZE as i32);
    q.put(last).unwrap();
    assert!(q.is_full() && !q.is_empty());
    assert_eq!(q.try_put(full), Err(PutError::Full(full)));
    assert_eq!(q.put_timeout(full, SHORT), Err(PutError::Timeout(full)));

    // A blocking put, released by a get in another thread; then the same with a timeout.
    for timed in [false, true] {
        thread::scope(|s| {
            let getter = s.spawn(|| q.get().unwrap());
            let put = if timed {
                q.put_timeout(full, Duration::from_secs(10))
            } else {
                q.put(full)
            };
            assert_eq!(put, Ok(()));
            assert!((0..=full).contains(&getter.join().unwrap()));
        });
        assert!(q.is_full());
    }
    for _ in 0..QUEUE_SIZE {
        q.get().unwrap();
    }
    assert!(q.is_empty());
    assert_eq!(q.try_get(), Err(GetError::Empty));
    assert_eq!(q.get_timeout(SHORT), Err(GetError::Timeout));

    // A blocking get, released by a put in another thread.
    for timed in [false, true] {
        thread::scope(|s| {
            s.spawn(|| q.put(-1).unwrap());
            let got = if timed {
                q.get_timeout(Duration::from_secs(10))
            } else {
                q.get()
            };
            assert_eq!(got, Ok(-1));
        });
    }
}

#[test]
fn basic_fifo_lifo_priority() {
    simple_queue_test(Queue::bounded(QUEUE_SIZE), [111, 333, 222]);
    simple_queue_test(LifoQueue::bounded(QUEUE_SIZE), [222, 333, 111]);
    simple_queue_test(PriorityQueue::bounded(QUEUE_SIZE), [111, 222, 333]);
}

#[test]
fn nowait_and_shrinking_queue() {
    let q = Queue::bounded(3);
    for i in 0..3 {
        q.try_put(i).unwrap();
    }
    assert_eq!(q.try_put(3), Err(PutError::Full(3)));
    assert_eq!(q.try_get(), Ok(0));
    assert_eq!(q.try_put(3), Ok(())); // room again after a get
    assert_eq!(q.len(), 3);
}

#[test]
fn too_many_task_done_is_an_error_and_changes_nothing() {
    let q = Queue::unbounded();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    q.put(1).unwrap();
    q.get().unwrap();
    q.task_done().unwrap();
    assert_eq!(q.task_done(), Err(TaskDoneError));
    assert_eq!(q.unfinished_tasks(), 0);
}

/// CPython's `queue_join_test`: two workers sum the items; `join` returns only when all are
/// processed, and a second round of puts and `join` works the same.
fn queue_join_test<O: Order<i32> + Send>(q: BlockingQueue<i32, O>) {
    let cum = Mutex::new(0);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Ok(x) = q.get() {
                    *cum.lock().unwrap() += x;
                    q.task_done().unwrap();
                }
            });
        }
        for round in 1..=2 {
            for i in 0..100 {
                q.put(i).unwrap();
            }
            q.join();
            assert_eq!(*cum.lock().unwrap(), round * 4950);
        }
        q.shutdown();
    });
    assert_eq!(q.unfinished_tasks(), 0);
}

#[test]
fn task_done_and_join() {
    queue_join_test(Queue::bounded(QUEUE_SIZE));
    queue_join_test(LifoQueue::bounded(QUEUE_SIZE));
    queue_join_test(PriorityQueue::unbounded());
}

#[test]
fn shutdown_empty_and_nonempty() {
    let q = Queue::unbounded();
    q.shutdown();
    assert_eq!(q.put("data"), Err(PutError::ShutDown("data")));
    assert_eq!(q.get(), Err(GetError::ShutDown));

    let q = Queue::unbounded();
    q.put("data").unwrap();
    q.shutdown();
    assert_eq!(q.get(), Ok("data"));
    assert_eq!(q.get(), Err(GetError::ShutDown));

    let q = Queue::unbounded();
    q.put("data").unwrap();
    assert_eq!(q.shutdown_now(), ["data"]);
    assert_eq!(q.try_get(), Err(GetError::ShutDown));
}

#[test]
fn shutdown_allowed_transitions() {
    let q: Queue<u8> = Queue::unbounded();
    assert!(!q.is_shutdown());
    q.shutdown();
    assert!(q.is_shutdown());
    q.shutdown_now();
    q.shutdown();
    assert!(q.is_shutdown());
}

/// CPython's `_shutdown_all_methods_in_one_thread`.
#[test]
fn shutdown_all_methods_in_one_thread() {
    for immediate in [false, true] {
        let q = Queue::bounded(2);
        q.put('L').unwrap();
        q.try_put('O').unwrap();
        let drained = if immediate {
            q.shutdown_now()
        } else {
            (q.shutdown(), vec![]).1
        };
        assert_eq!(q.put('E'), Err(PutError::ShutDown('E')));
        assert_eq!(q.try_put('W'), Err(PutError::ShutDown('W')));
        if immediate {
            assert_eq!(drained, ['L', 'O']);
            assert_eq!(q.get(), Err(GetError::ShutDown));
            assert_eq!(q.try_get(), Err(GetError::ShutDown));
            assert_eq!(q.task_done(), Err(TaskDoneError));
        } else {
            for expected in ['L', 'O'] {
                assert_eq!(q.get(), Ok(expected));
                q.task_done().unwrap();
            }
            assert_eq!(q.get(), Err(GetError::ShutDown));
            assert_eq!(q.try_get(), Err(GetError::ShutDown));
            assert_eq!(
                q.get_timeout(Duration::from_secs(1)),
                Err(GetError::ShutDown)
            );
        }
        q.join();
    }
}

/// CPython's `_shutdown_all_methods_in_many_threads`: putters, getters and joiners run while
/// the queue is shut down; everyone ends, and every item is accounted for exactly once.
#[test]
fn shutdown_all_methods_in_many_threads() {
    for immediate in [false, true] {
        let q = Queue::bounded(2);
        let start = Barrier::new(7);
        let (put, got) = (Mutex::new(vec![]), Mutex::new(vec![]));
        let drained = thread::scope(|s| {
            for p in 0..3 {
                let (q, start, put) = (&q, &start, &put);
                s.spawn(move || {
                    start.wait();
                    // Ends with ShutDown: these puts never stop otherwise.
                    for i in (p * 1_000_000).. {
                        match q.put(i) {
                            Ok(()) => put.lock().unwrap().push(i),
                            Err(e) => return assert_eq!(e, PutError::ShutDown(i)),
                        }
                    }
                });
            }
            for _ in 0..2 {
                s.spawn(|| {
                    start.wait();
                    while let Ok(task) = q.get_task() {
                        got.lock().unwrap().push(*task);
                    }
                });
            }
            s.spawn(|| {
                start.wait();
                q.join_timeout(SHORT) // may or may not see zero; it must not hang
            });
            start.wait();
            while got.lock().unwrap().len() < 100 {
                thread::yield_now();
            }
            if immediate {
                q.shutdown_now()
            } else {
                (q.shutdown(), vec![]).1
            }
        });
        q.join(); // every item left was drained by the getters or by shutdown_now
        let (mut put, mut got) = (put.into_inner().unwrap(), got.into_inner().unwrap());
        got.extend(drained);
        put.sort_unstable();
        got.sort_unstable();
        assert_eq!(put, got);
    }
}

/// CPython's `_shutdown_put_join` / `_shutdown_get_join`: a put after shutdown fails; a
/// joiner is released once the remaining item is got and done (or dropped by shutdown_now).
#[test]
fn shutdown_put_join_and_get_join() {
    for immediate in [false, true] {
        let q = Queue::bounded(2);
        q.put("Y").unwrap();
        let go = Barrier::new(2);
        thread::scope(|s| {
            let putter = s.spawn(|| {
                go.wait();
                q.put("E")
            });
            let joiner = s.spawn(|| q.join());
            assert_eq!(q.unfinished_tasks(), 1);
            if immediate {
                assert_eq!(q.shutdown_now(), ["Y"]);
                assert_eq!(q.try_get(), Err(GetError::ShutDown));
            } else {
                q.shutdown();
                assert_eq!(q.get(), Ok("Y"));
                q.task_done().unwrap();
            }
            go.wait();
            assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown("E")));
            joiner.join().unwrap();
        });
    }
}

/// CPython's `test_shutdown_pending_get` (gh-117531): a getter blocked on an empty queue
/// wakes up with `ShutDown`; likewise putters blocked on a full one.
#[test]
fn shutdown_wakes_pending_get_and_put() {
    let q = Queue::bounded(1);
    thread::scope(|s| {
        let getters: Vec<_> = (0..4).map(|_| s.spawn(|| q.get())).collect();
        q.shutdown();
        for g in getters {
            assert_eq!(g.join().unwrap(), Err::<u8, _>(GetError::ShutDown));
        }
    });
    let q = Queue::bounded(1);
    q.put(0).unwrap();
    thread::scope(|s| {
        let q = &q;
        let putters: Vec<_> = (1..5).map(|i| s.spawn(move || q.put(i))).collect();
        q.shutdown();
        for (i, p) in (1..5).zip(putters) {
            assert_eq!(p.join().unwrap(), Err(PutError::ShutDown(i)));
        }
    });
}

/// CPython's `test_many_threads` (+ `_nonblock`, `_timeout`): 20 feeders and 20 consumers
/// over a small queue; everything sent is received exactly once.
#[test]
fn many_threads_blocking_nonblocking_timeout() {
    for mode in 0..3 {
        let q = Queue::bounded(10);
        let received = Mutex::new(Vec::new());
        thread::scope(|s| {
            let feeders: Vec<_> = (0..20)
                .map(|f| {
                    let q = &q;
                    s.spawn(move || {
                        for i in f * 500..(f + 1) * 500 {
                            let mut item = i;
                            loop {
                                let res = match mode {
                                    0 => q.put(item),
                                    1 => q.try_put(item),
                                    _ => q.put_timeout(item, Duration::from_micros(50)),
                                };
                                match res {
                                    Ok(()) => break,
                                    Err(e) => item = e.into_inner(),
                                }
                                thread::yield_now();
                            }
                        }
                    })
                })
                .collect();
            for _ in 0..20 {
                s.spawn(|| loop {
                    let res = match mode {
                        0 => q.get(),
                        1 => q.try_get(),
                        _ => q.get_timeout(Duration::from_micros(50)),
                    };
                    match res {
                        Ok(x) => received.lock().unwrap().push(x),
                        Err(GetError::ShutDown) => break,
                        Err(_) => thread::yield_now(),
                    }
                });
            }
            feeders.into_iter().for_each(|f| f.join().unwrap());
            q.shutdown();
        });
        let mut received = received.into_inner().unwrap();
        received.sort_unstable();
        assert_eq!(received, (0..10_000).collect::<Vec<_>>(), "mode {mode}");
    }
}
