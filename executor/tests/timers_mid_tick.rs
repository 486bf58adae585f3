//! On the real clock, a timer that comes due while a long tick is running fires within that
//! tick, and its task runs before the rest of the tick (`mid_tick_timers.rs`).

#![cfg(not(executor_timers_at_tick_start))] // the layer this checks is switched off there

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use executor::{sleep_until, spawn, Executor};

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
