//! TimerQueue under the virtual and the real clock.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use super::{CountingWaker, DropCount};
use crate::{now, run, sleep, sleep_until, spawn, timeout, Elapsed, Executor};

#[test]
fn virtual_time_jumps_exactly_and_equal_deadlines_fire_in_order_set() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let ex = Executor::with_virtual_clock();
    let real_start = Instant::now();
    ex.block_on({
        let log = log.clone();
        async move {
            let t0 = now();
            let tasks: Vec<_> = [(3, 'a'), (1, 'b'), (3, 'c'), (1, 'd'), (3600, 'e')]
                .into_iter()
                .map(|(secs, name)| {
                    let log = log.clone();
                    spawn(async move {
                        sleep(Duration::from_secs(secs)).await;
                        log.borrow_mut().push((name, now() - t0));
                    })
                })
                .collect();
            crate::gather(tasks).await;
        }
    });
    let s = Duration::from_secs;
    assert_eq!(
        *log.borrow(),
        [
            ('b', s(1)),
            ('d', s(1)),
            ('a', s(3)),
            ('c', s(3)),
            ('e', s(3600))
        ]
    );
    assert!(
        real_start.elapsed() < Duration::from_secs(60),
        "an hour took no real time"
    );
}

#[test]
fn never_deadlines_do_not_panic_and_never_fire() {
    let ex = Executor::with_virtual_clock();
    ex.block_on(async {
        let t0 = now();
        let max = timeout(Duration::from_secs(1), sleep(Duration::MAX)).await;
        assert_eq!(max, Err(Elapsed));
        assert_eq!(now() - t0, Duration::from_secs(1));
        // A timeout that overflows the clock never expires: the inner future decides.
        let inner = timeout(Duration::MAX, sleep(Duration::from_secs(2))).await;
        assert_eq!(inner, Ok(()));
        assert_eq!(now() - t0, Duration::from_secs(3));
    });
    assert_eq!(ex.pending_timers(), 0);
}

#[test]
fn sleep_starts_at_its_first_poll() {
    let ex = Executor::with_virtual_clock();
    ex.block_on(async {
        let t0 = now();
        let later = sleep(Duration::from_secs(2)); // created at t0, not yet started
        sleep(Duration::from_secs(5)).await;
        later.await;
        assert_eq!(now() - t0, Duration::from_secs(7));
        sleep_until(t0).await; // in the past: ready at once
        assert_eq!(now() - t0, Duration::from_secs(7));
    });
}

#[test]
fn timeout_drops_the_inner_future_when_time_runs_out() {
    let drops = Rc::new(Cell::new(0));
    let ex = Executor::with_virtual_clock();
    ex.block_on({
        let drops = drops.clone();
        async move {
            let guard = DropCount(drops.clone());
            let slow = async move {
                let _guard = guard;
                sleep(Duration::from_secs(10)).await;
            };
            assert_eq!(timeout(Duration::from_secs(1), slow).await, Err(Elapsed));
            assert_eq!(drops.get(), 1, "dropped on expiry, before timeout returned");
        }
    });
    assert_eq!(
        ex.pending_timers(),
        0,
        "the inner sleep's timer went with it"
    );
}

#[test]
fn dropped_sleeps_leave_no_timers_behind() {
    let ex = Executor::with_virtual_clock();
    ex.block_on(async {
        for i in 0..10_000u64 {
            let quick = timeout(Duration::from_secs(i + 1), async { i }).await;
            assert_eq!(quick, Ok(i));
        }
    });
    assert_eq!(ex.pending_timers(), 0);
}

#[test]
fn a_sleep_polled_with_a_new_waker_wakes_only_the_new_one() {
    let old = Arc::new(CountingWaker::default());
    let old_waker = Waker::from(old.clone());
    let ex = Executor::with_virtual_clock();
    let mut first = true;
    let mut sleep = Box::pin(sleep(Duration::from_secs(1)));
    ex.block_on(std::future::poll_fn(|cx| {
        if first {
            first = false;
            let mut old_cx = std::task::Context::from_waker(&old_waker);
            assert!(sleep.as_mut().poll(&mut old_cx).is_pending());
        }
        sleep.as_mut().poll(cx) // same Sleep, now with main's waker
    }));
    assert_eq!(old.count(), 0, "the replaced waker was never woken");
}

use std::future::Future;

#[test]
fn real_timers_never_fire_early_and_are_not_rounded_to_milliseconds() {
    // 20 sleeps of 300 µs. Rounding to milliseconds (a 1 ms timer wheel, mio's whole-
    // millisecond poll timeout) would make every one ≥ 700 µs late. A loaded machine makes them
    // late too, but by the time this thread waited for a CPU (`run_delay`, which the kernel
    // counts from the wakeup on): only the rest is the executor's own lateness, and that is
    // what is bounded. Firing early fails at once.
    let mut late = Vec::new();
    run(async {
        for _ in 0..20 {
            let (start, waited) = (Instant::now(), run_delay());
            sleep(Duration::from_micros(300)).await;
            let (elapsed, waited) = (start.elapsed(), run_delay() - waited);
            assert!(
                elapsed >= Duration::from_micros(300),
                "fired early: {elapsed:?}"
            );
            late.push((elapsed - Duration::from_micros(300)).saturating_sub(waited));
        }
    });
    late.sort();
    // The median is a few µs (the kernel's timer slack is 50 µs); generous bound.
    let median = late[late.len() / 2];
    assert!(
        median < Duration::from_micros(500),
        "median lateness, the waits for a CPU taken out: {median:?} ({late:?})"
    );
}

/// How long this thread has waited on a run queue, runnable but not running (Linux:
/// `/proc/thread-self/schedstat`, its second field); zero where that is not known.
fn run_delay() -> Duration {
    let nanos = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|stat| stat.split_whitespace().nth(1)?.parse().ok());
    Duration::from_nanos(nanos.unwrap_or(0))
}

#[test]
fn an_idle_executor_parks_instead_of_spinning() {
    // CPU time of this thread while it waits 50 ms for a timer: a busy loop would burn ~50 ms.
    let cpu = thread_cpu_time();
    run(sleep(Duration::from_millis(50)));
    let used = thread_cpu_time().map(|after| after - cpu.unwrap());
    if let Some(used) = used {
        assert!(
            used < Duration::from_millis(25),
            "used {used:?} of CPU while idle"
        );
    }
}

/// This thread's CPU time, from /proc (Linux); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10)) // USER_HZ = 100 on Linux
}

#[test]
fn timers_wake_polled_tasks_directly_at_their_deadline() {
    let ex = Executor::with_virtual_clock();
    let polls = Rc::new(Cell::new(0));
    let t = ex.block_on({
        let polls = polls.clone();
        async move {
            let t0 = now();
            let mut sleep = Box::pin(sleep(Duration::from_millis(1500)));
            std::future::poll_fn(|cx| {
                polls.set(polls.get() + 1);
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(now() - t0),
                    Poll::Pending => Poll::Pending,
                }
            })
            .await
        }
    });
    assert_eq!(t, Duration::from_millis(1500));
    assert_eq!(
        polls.get(),
        2,
        "one poll to set the timer, one when it fired"
    );
}
