//! asyncio's other tools, from crates that run on any executor — run on ours, so the asyncio
//! ↔ executor table's claims stay true: `Event` (event-listener), `Lock` and `Semaphore`
//! (async-lock), `Queue` (async-channel, also fed from another OS thread), and
//! `wait(FIRST_COMPLETED)` / `as_completed` (futures' `select!` and `FuturesUnordered`).
//!
//! Each scenario runs on the virtual clock, so every time is exact, under the watchdog (a lost
//! wake fails the test instead of hanging it). These crates are dev-dependencies of this crate
//! only: the runtime crates stay std + crossbeam-utils.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{no_state, watchdog};
use executor::{gather, now, sleep, spawn, Executor};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Runs `scenario` (given the start time) on a fresh virtual-clock executor, under the
/// watchdog.
fn on_virtual_clock<F, R>(name: &str, scenario: impl FnOnce(Instant) -> F + Send + 'static) -> R
where
    F: Future<Output = R>,
    R: Send + 'static,
{
    watchdog(name, no_state, move || {
        Executor::with_virtual_clock().block_on(async move { scenario(now()).await })
    })
}

/// asyncio's `Event` (`set`, `is_set`, `wait`): a flag plus an `event_listener::Event` to wake
/// the waiters. `wait` checks the flag, starts listening, and checks again, so a `set` between
/// the first check and the listening is never missed.
#[derive(Default)]
struct AsyncioEvent {
    flag: AtomicBool,
    changed: event_listener::Event,
}

impl AsyncioEvent {
    fn set(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.changed.notify(usize::MAX);
    }

    fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    async fn wait(&self) {
        while !self.is_set() {
            let listener = self.changed.listen();
            if self.is_set() {
                return;
            }
            listener.await;
        }
    }
}

#[test]
fn event_listener_gives_asyncio_event() {
    let woke_at = on_virtual_clock("event", |t0| async move {
        let event = Rc::new(AsyncioEvent::default());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let event = event.clone();
                spawn(async move {
                    event.wait().await;
                    now() - t0
                })
            })
            .collect();
        sleep(secs(2)).await;
        assert!(!event.is_set());
        event.set();
        event.wait().await; // set already: returns at once
        let mut woke_at = Vec::new();
        for waiter in waiters {
            woke_at.push(waiter.await.unwrap());
        }
        woke_at
    });
    assert_eq!(woke_at, [secs(2); 3]);
}

#[test]
fn async_lock_mutex_gives_asyncio_lock() {
    // Three tasks each hold the lock across a 1 s sleep: they take turns, in arrival order.
    let (held, took) = on_virtual_clock("lock", |t0| async move {
        let lock = Rc::new(async_lock::Mutex::new(Vec::new()));
        let tasks = (0..3).map(|n| {
            let lock = lock.clone();
            spawn(async move {
                let mut held = lock.lock().await;
                let entered = now() - t0;
                sleep(secs(1)).await;
                held.push((n, entered.as_secs(), (now() - t0).as_secs()));
            })
        });
        for result in gather(tasks).await {
            result.unwrap();
        }
        let held = lock.lock().await.clone();
        (held, now() - t0)
    });
    assert_eq!(held, [(0, 0, 1), (1, 1, 2), (2, 2, 3)]); // never two at once
    assert_eq!(took, secs(3));
}

#[test]
fn async_lock_semaphore_gives_asyncio_semaphore() {
    // Five 1 s jobs, at most two at a time: 3 s in all, and never a third holder.
    let (most, took) = on_virtual_clock("semaphore", |t0| async move {
        let permits = Rc::new(async_lock::Semaphore::new(2));
        let (inside, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let jobs = (0..5).map(|_| {
            let (permits, inside, most) = (permits.clone(), inside.clone(), most.clone());
            spawn(async move {
                let _permit = permits.acquire().await;
                inside.set(inside.get() + 1);
                most.set(most.get().max(inside.get()));
                sleep(secs(1)).await;
                inside.set(inside.get() - 1);
            })
        });
        for result in gather(jobs).await {
            result.unwrap();
        }
        (most.get(), now() - t0)
    });
    assert_eq!((most, took), (2, secs(3)));
}

#[test]
fn async_channel_gives_asyncio_queue_with_backpressure() {
    // asyncio.Queue(maxsize=2): the producer waits while the queue is full, so it finishes
    // only when the slow consumer has made room for the last item.
    let (got, producer_done, took) = on_virtual_clock("channel", |t0| async move {
        let (tx, rx) = async_channel::bounded(2);
        let producer = spawn(async move {
            for item in 0..10 {
                tx.send(item).await.unwrap();
            }
            now() - t0 // `tx` drops here: the consumer's loop ends after the last item
        });
        let mut got = Vec::new();
        while let Ok(item) = rx.recv().await {
            got.push(item);
            sleep(secs(1)).await;
        }
        (got, producer.await.unwrap(), now() - t0)
    });
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert_eq!(producer_done, secs(7)); // blocked until item 7 was taken, room for 8 and 9
    assert_eq!(took, secs(10));
}

#[test]
fn async_channel_wakes_our_task_from_another_thread() {
    // A producer thread blocks on a one-slot channel; our task, on the real clock, receives:
    // every item crosses threads through our executor's waker.
    let got = watchdog("channel across threads", no_state, || {
        let (tx, rx) = async_channel::bounded(1);
        let producer = thread::spawn(move || {
            for item in 0..1_000_u32 {
                tx.send_blocking(item).unwrap();
            }
        });
        let got = executor::run(async move {
            let mut got = Vec::new();
            while let Ok(item) = rx.recv().await {
                got.push(item);
            }
            got
        });
        producer.join().unwrap();
        got
    });
    assert_eq!(got, (0..1_000).collect::<Vec<_>>());
}

#[test]
fn futures_select_gives_wait_first_completed() {
    use futures::FutureExt;
    // `done, pending = await asyncio.wait({slow, fast}, return_when=FIRST_COMPLETED)`: the
    // loser stays pending and can be awaited afterwards.
    let (first, second) = on_virtual_clock("select", |t0| async move {
        let mut slow = Box::pin(
            async {
                sleep(secs(3)).await;
                "slow"
            }
            .fuse(),
        );
        let mut fast = Box::pin(
            async {
                sleep(secs(1)).await;
                "fast"
            }
            .fuse(),
        );
        let first = futures::select! {
            name = slow => (name, now() - t0),
            name = fast => (name, now() - t0),
        };
        let second = futures::select! {
            name = slow => (name, now() - t0),
            name = fast => (name, now() - t0),
        };
        (first, second)
    });
    assert_eq!(first, ("fast", secs(1)));
    assert_eq!(second, ("slow", secs(3)));
}

#[test]
fn futures_unordered_gives_as_completed() {
    use futures::StreamExt;
    let order = on_virtual_clock("as_completed", |t0| async move {
        let mut pending: futures::stream::FuturesUnordered<_> = [3, 1, 2]
            .into_iter()
            .map(|n| async move {
                sleep(secs(n)).await;
                n
            })
            .collect();
        let mut order = Vec::new();
        while let Some(n) = pending.next().await {
            order.push((n, (now() - t0).as_secs()));
        }
        order
    });
    assert_eq!(order, [(1, 1), (2, 2), (3, 3)]);
}
