//! Wakes from outside a task's own executor, with instrumented futures: wakers sent to other
//! threads wake a parked `block_on` or a task, a wake from another executor on the same thread
//! reaches the right one, and wakes after the executor is dropped or after the work finished
//! are harmless and poll nothing.
//!
//! Tests that cross threads order events with channels, under `on_own_thread`, which turns a
//! lost wake-up into a failure instead of a hung test run.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use common::{drive, on_own_thread, probe, settle, Act};
use executor::Executor;

#[test]
fn waker_sent_to_another_thread_wakes_a_parked_block_on() {
    on_own_thread(Duration::from_secs(20), || {
        for _ in 0..200 {
            let (send_waker, waker_rx) = mpsc::channel::<Waker>();
            let flag = Arc::new(AtomicBool::new(false));
            let remote_flag = Arc::clone(&flag);
            let remote = thread::spawn(move || {
                let waker = waker_rx.recv().expect("the future sends its waker");
                remote_flag.store(true, Ordering::Release);
                waker.wake();
            });
            let mut polls = 0;
            let mut send_waker = Some(send_waker);
            let polled = Executor::new().block_on(std::future::poll_fn(|cx| {
                polls += 1;
                if flag.load(Ordering::Acquire) {
                    return Poll::Ready(polls);
                }
                if let Some(tx) = send_waker.take() {
                    tx.send(cx.waker().clone()).expect("the thread is waiting");
                }
                Poll::Pending
            }));
            // One poll registers, the one wake causes the second: no spurious polls.
            assert_eq!(polled, 2);
            remote.join().expect("the waking thread finished");
        }
    });
}

#[test]
fn waker_sent_to_another_thread_wakes_a_task() {
    on_own_thread(Duration::from_secs(20), || {
        let ex = Executor::new();
        for round in 0..100 {
            let (send_waker, waker_rx) = mpsc::channel::<Waker>();
            let flag = Arc::new(AtomicBool::new(false));
            let remote_flag = Arc::clone(&flag);
            let remote = thread::spawn(move || {
                let waker = waker_rx.recv().expect("the task sends its waker");
                remote_flag.store(true, Ordering::Release);
                waker.wake();
            });
            let mut send_waker = Some(send_waker);
            let task = ex.spawn(std::future::poll_fn(move |cx| {
                if flag.load(Ordering::Acquire) {
                    return Poll::Ready(round);
                }
                if let Some(tx) = send_waker.take() {
                    tx.send(cx.waker().clone()).expect("the thread is waiting");
                }
                Poll::Pending
            }));
            assert_eq!(ex.block_on(task).expect("the task completes"), round);
            remote.join().expect("the waking thread finished");
        }
    });
}

#[test]
fn wake_after_the_executor_is_dropped_is_harmless() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let _handle = ex.spawn(future);
    let root_waker = drive(
        &ex,
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())),
    );
    drive(&ex, settle());
    let task_waker = counts.waker();
    drop(ex);
    assert_eq!(counts.drops(), 1);
    task_waker.wake_by_ref();
    root_waker.wake_by_ref();
    thread::spawn(move || {
        task_waker.wake();
        root_waker.wake();
    })
    .join()
    .expect("waking a dead executor from another thread is harmless");
    assert_eq!(
        counts.polls(),
        1,
        "nothing was polled after the executor was dropped"
    );
}

#[test]
fn a_wake_from_another_executor_on_the_same_thread_is_delivered() {
    let (a, b) = (
        Executor::with_virtual_clock(),
        Executor::with_virtual_clock(),
    );
    let (future, counts) = probe(Act::ReadyOn(2));
    let handle = b.spawn(future);
    drive(&b, settle());
    assert_eq!(counts.polls(), 1);
    // While `a` runs, `b`'s task is woken: the wake must reach `b`, not `a`'s run queue.
    let waker = counts.waker();
    drive(&a, async move { waker.wake() });
    assert_eq!(
        counts.polls(),
        1,
        "b is not running: nothing polls its task yet"
    );
    assert_eq!(drive(&b, handle).expect("b runs its task"), 2);
}

#[test]
fn stale_wakes_of_finished_work_are_ignored() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::ReadyOn(1));
    let handle = ex.spawn(future);
    let root_waker = drive(
        &ex,
        std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())),
    );
    assert_eq!(drive(&ex, handle).expect("completes"), 1);
    counts.waker().wake();
    root_waker.wake();
    // The next block_on is not confused by the stale wakes and nothing is polled again.
    let mut polls = 0;
    let (future2, counts2) = probe(Act::ReadyOn(2));
    let handle2 = ex.spawn(future2);
    drive(&ex, async {
        settle().await;
        polls += 1;
        counts2.waker().wake();
        handle2.await.expect("completes")
    });
    assert_eq!((counts.polls(), counts.drops()), (1, 1));
    assert_eq!((counts2.polls(), polls), (2, 1));
}
