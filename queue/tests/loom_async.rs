//! loom models of the task waiters beside the threads (`src/async_wait.rs`,
//! `src/async_face.rs`), on each core: a `Condvar` waiter (a thread in `get`) and a `Waker`
//! waiter (a task in `get_async`, driven by loom's `block_on`, whose waker is a loom notify) on
//! the same queue. A lost wakeup is a deadlock, which fails the model.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom \
//!       cargo nextest run --release -p queue -E 'binary(/^loom/)'`
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use queue::{Design, GetError, Queue};

fn on_each_design(model: fn(Design)) {
    for design in [Design::OneLock, Design::TwoSides] {
        loom::model(move || model(design));
    }
}

/// Two puts, a thread and a task waiting: each gets one item, whichever is woken first.
#[test]
fn a_put_wakes_a_task_while_a_thread_also_waits() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let thread_get = {
            let q = q.clone();
            thread::spawn(move || q.get().unwrap())
        };
        let task_get = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get_async()).unwrap())
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        let mut got = [thread_get.join().unwrap(), task_get.join().unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// Three puts, two threads and a task waiting: each gets one item. A put wakes one waiter, so
/// a later put must find a waiter the earlier ones did not wake — a thread already woken but
/// not yet running is not woken twice (`src/wait.rs::Sleepers`), and once every thread is
/// woken the put goes to the task.
#[test]
fn each_put_wakes_a_waiter_no_put_woke_before() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(3), design));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn(move || q.get().unwrap())
            })
            .collect();
        let task_get = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get_async()).unwrap())
        };
        for item in 1..=3 {
            q.put(item).unwrap();
        }
        let mut got: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        got.push(task_get.join().unwrap());
        got.sort();
        assert_eq!(got, [1, 2, 3]);
    });
}

/// A task waiter that is dropped after it registered (perhaps after it was woken for the
/// item) passes the wakeup on: the other task still gets the item. Under loom a future
/// re-polls itself once before it registers (`src/async_spin.rs`), so it is polled twice.
#[test]
fn a_cancelled_task_waiter_passes_the_wakeup_on() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        let cancelled = {
            let q = q.clone();
            thread::spawn(move || {
                let mut get = pin!(q.get_async());
                let mut cx = Context::from_waker(Waker::noop());
                get.as_mut().poll(&mut cx).is_ready() || get.as_mut().poll(&mut cx).is_ready()
            }) // dropped here
        };
        let task_get = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get_async()))
        };
        q.put(1).unwrap();
        let cancelled_took_it = cancelled.join().unwrap();
        if cancelled_took_it {
            q.put(2).unwrap(); // the two-poll getter took the item itself; feed the other
        }
        assert!(task_get.join().unwrap().is_ok());
        assert!(q.is_empty());
    });
}

/// A task waiting for room is woken by a thread's get (on the two-sided core, across sides).
#[test]
fn a_get_wakes_a_task_waiting_for_room() {
    on_each_design(|design| {
        let q = Arc::new(Queue::with_design(Some(1), design));
        q.put(1).unwrap();
        let task_put = {
            let q = q.clone();
            thread::spawn(move || block_on(q.put_async(2)).unwrap())
        };
        assert_eq!(q.get(), Ok(1));
        task_put.join().unwrap();
        assert_eq!(q.try_get(), Ok(2));
    });
}

/// Shutdown wakes a thread in `get` and a task in `get_async` alike.
#[test]
fn shutdown_wakes_a_thread_and_a_task() {
    on_each_design(|design| {
        let q = Arc::new(Queue::<u8>::with_design(Some(1), design));
        let thread_get = {
            let q = q.clone();
            thread::spawn(move || q.get())
        };
        let task_get = {
            let q = q.clone();
            thread::spawn(move || block_on(q.get_async()))
        };
        q.shutdown();
        assert_eq!(thread_get.join().unwrap(), Err(GetError::ShutDown));
        assert_eq!(task_get.join().unwrap(), Err(GetError::ShutDown));
    });
}
