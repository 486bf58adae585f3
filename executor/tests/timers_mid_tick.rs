//! On the real clock, a timer that comes due while a long tick is running fires within that
//! tick, and its task runs before the rest of the tick (`mid_tick_timers.rs`).

#![cfg(not(executor_timers_at_tick_start))] // the layer this checks is switched off there

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use std::cell::Cell;

use executor::{sleep, sleep_until, spawn, yield_now, Executor};

const SLEEPER: usize = usize::MAX;

#[test]
fn a_timer_due_during_a_long_tick_runs_its_task_before_the_rest_of_the_tick() {
    let order = Rc::new(RefCell::new(Vec::new()));
    Executor::new().block_on({
        let order = order.clone();
        async move {
            let deadline = Instant::now() + Duration::from_millis(20);
            let sleeper = spawn({
                let order = order.clone();
                async move {
                    sleep_until(deadline).await;
                    order.borrow_mut().push(SLEEPER);
                }
            });
            // All spawned in main's one poll, so one tick polls them all: the sleeper first
            // (its timer registers), then task 0, which holds the thread until the deadline
            // has passed, then the 999 others.
            let rest: Vec<_> = (0..1000)
                .map(|i| {
                    let order = order.clone();
                    spawn(async move {
                        while i == 0 && Instant::now() < deadline {
                            std::hint::spin_loop();
                        }
                        order.borrow_mut().push(i);
                    })
                })
                .collect();
            sleeper.await.unwrap();
            for task in rest {
                task.await.unwrap();
            }
        }
    });
    let order = order.borrow();
    let at = order.iter().position(|&i| i == SLEEPER).unwrap();
    assert!(
        at < 200,
        "the sleeper ran {at}th: after the tick during which its timer came due"
    );
}

/// Timers that keep coming due (tasks sleeping a microsecond in a loop) must not keep one tick
/// running forever: a task woken meanwhile in another way, and everything a tick does at its
/// start (other threads' wakes, I/O), would starve. A tick moves at most as many tasks ahead as
/// it started with.
#[test]
fn timers_that_keep_coming_due_do_not_keep_a_tick_running() {
    let yielded_at = Rc::new(Cell::new(None::<Instant>));
    let t0 = Instant::now();
    // Without the bound the sleepers would run until here, then stop, and the yielder after.
    let give_up = t0 + Duration::from_secs(5);
    Executor::new().block_on({
        let yielded_at = yielded_at.clone();
        async move {
            let yielder = spawn({
                let yielded_at = yielded_at.clone();
                async move {
                    yield_now().await; // queued behind this tick's tasks, for the next tick
                    yielded_at.set(Some(Instant::now()));
                }
            });
            let sleepers: Vec<_> = (0..300)
                .map(|_| {
                    let yielded_at = yielded_at.clone();
                    spawn(async move {
                        while yielded_at.get().is_none() && Instant::now() < give_up {
                            sleep(Duration::from_micros(1)).await;
                        }
                    })
                })
                .collect();
            yielder.await.unwrap();
            for sleeper in sleepers {
                sleeper.await.unwrap();
            }
        }
    });
    let waited = yielded_at.get().unwrap() - t0;
    assert!(
        waited < Duration::from_secs(2),
        "the yielding task waited {waited:?} for its next tick"
    );
}
