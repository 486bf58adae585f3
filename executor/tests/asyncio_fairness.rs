//! asyncio's `gather` and `sleep(0)`-style yielding, on the virtual clock so every time is
//! exact: `gather` runs its futures concurrently and returns results in argument order, and a
//! task that yields without pause starves neither other tasks, nor a due timer, nor a wake from
//! another thread (those two on the real clock, where the point is real time).

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use common::{ms, virtual_run, within, REAL_LIMIT};
use executor::{gather, now, sleep, sleep_until, spawn, yield_now, Executor};

// ---------------------------------------------------------------------------------------------
// gather.

async fn after(delay: u64, value: u64) -> u64 {
    sleep(ms(delay)).await;
    value
}

#[test]
fn gather_returns_results_in_argument_order_concurrently() {
    let (out, total) = virtual_run(|_| gather([after(30, 1), after(10, 2), after(20, 3)]));
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(total, ms(30), "concurrent: the longest, not the sum");
}

#[test]
fn gather_of_join_handles_and_of_nothing() {
    let (out, total) = virtual_run(|_| async {
        let handles: Vec<_> = [5, 0, 15].map(|d| spawn(after(d, d))).into_iter().collect();
        let results: Vec<u64> = gather(handles)
            .await
            .into_iter()
            .map(|r| r.expect("no task fails"))
            .collect();
        let empty: Vec<u64> = gather(Vec::<Pin<Box<dyn Future<Output = u64>>>>::new()).await;
        (results, empty.len())
    });
    assert_eq!(out, (vec![5, 0, 15], 0));
    assert_eq!(total, ms(15));
}

// ---------------------------------------------------------------------------------------------
// yield_now and fairness.

#[test]
fn two_yielding_tasks_alternate() {
    let log: Rc<RefCell<Vec<(char, u32)>>> = Rc::default();
    virtual_run(|_| {
        let log = Rc::clone(&log);
        async move {
            let handles: Vec<_> = ['a', 'b']
                .into_iter()
                .map(|name| {
                    let log = Rc::clone(&log);
                    spawn(async move {
                        for i in 0..4 {
                            log.borrow_mut().push((name, i));
                            yield_now().await;
                        }
                    })
                })
                .collect();
            gather(handles).await
        }
    });
    let expected: Vec<(char, u32)> = (0..4).flat_map(|i| [('a', i), ('b', i)]).collect();
    assert_eq!(*log.borrow(), expected);
}

/// Spawns a task that starts yielding at virtual time `at` and keeps yielding until `stop` is
/// set (at most 10 000 times, so a starving executor fails the test instead of hanging it).
fn spawn_yielder(at: Duration, yields: Rc<Cell<u32>>, stop: Rc<Cell<bool>>) {
    drop(spawn(async move {
        sleep(at).await;
        while !stop.get() && yields.get() < 10_000 {
            yields.set(yields.get() + 1);
            yield_now().await;
        }
    }));
}

#[test]
fn a_yielding_task_does_not_delay_a_due_timer() {
    let ((elapsed, yields_seen), _) = virtual_run(|start| async move {
        let (yields, stop) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
        // Its timer is set first, so it runs first in the 10 ms tick and starts yielding.
        spawn_yielder(ms(10), Rc::clone(&yields), Rc::clone(&stop));
        let timer = spawn(async move {
            sleep(ms(10)).await;
            let seen = (now() - start, yields.get());
            stop.set(true);
            seen
        });
        timer.await.expect("the timer task completes")
    });
    assert_eq!(elapsed, ms(10), "the timer fired at its exact deadline");
    assert!(
        yields_seen <= 2,
        "the due timer waited for {yields_seen} yields (at most one tick allowed)"
    );
}

/// On the real clock the yields *before* the deadline depend on the machine's speed (and the
/// schedule); only those the yielder makes after it saw the deadline pass measure starvation,
/// and a due timer fires at the next tick's start, so at most one tick's worth may come.
#[test]
fn a_yielding_task_does_not_starve_a_real_timer() {
    let (slept, late_yields) = Executor::new().block_on(async {
        let wall = Instant::now();
        let deadline = wall + ms(2);
        let (late_yields, stop) = (Rc::new(Cell::new(0u32)), Rc::new(Cell::new(false)));
        drop(spawn({
            let (late_yields, stop) = (Rc::clone(&late_yields), Rc::clone(&stop));
            async move {
                // Bounded, so a starving executor fails the test instead of hanging it.
                while !stop.get() && late_yields.get() < 10_000 {
                    if Instant::now() >= deadline {
                        late_yields.set(late_yields.get() + 1);
                    }
                    yield_now().await;
                }
            }
        }));
        sleep_until(deadline).await;
        stop.set(true);
        (wall.elapsed(), late_yields.get())
    });
    assert!(slept >= ms(2), "never early: {slept:?}");
    assert!(
        late_yields <= 2,
        "the yielder ran {late_yields} times after the timer came due (at most one tick allowed)"
    );
}

#[test]
fn a_yielding_block_on_future_does_not_starve_tasks() {
    let (yields, _) = virtual_run(|_| async {
        let done = Rc::new(Cell::new(false));
        drop(spawn({
            let done = Rc::clone(&done);
            async move { done.set(true) }
        }));
        let mut yields = 0;
        while !done.get() && yields < 10_000 {
            yields += 1;
            yield_now().await;
        }
        yields
    });
    assert_eq!(yields, 1, "one yield of main lets the ready task run");
}

#[test]
fn a_yielding_task_does_not_starve_a_cross_thread_wake() {
    // The other thread's wake lands in the executor's cross-thread queue while a task yields
    // without pause; the woken task must still get its turn (here: within 5 s of real time,
    // normally microseconds).
    let (ran, yields) = Executor::new().block_on(async {
        let (yields, stop) = (Rc::new(Cell::new(0u64)), Rc::new(Cell::new(false)));
        let yielder = spawn({
            let (yields, stop) = (Rc::clone(&yields), Rc::clone(&stop));
            async move {
                let give_up = Instant::now() + Duration::from_secs(5);
                while !stop.get() && Instant::now() < give_up {
                    yields.set(yields.get() + 1);
                    yield_now().await;
                }
            }
        });
        let (send_waker, waker_rx) = std::sync::mpsc::channel::<Waker>();
        let remote = std::thread::spawn(move || {
            waker_rx.recv().expect("the task sends its waker").wake();
        });
        let mut send_waker = Some(send_waker);
        let woken = spawn(std::future::poll_fn(move |cx| match send_waker.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).expect("the thread waits");
                Poll::Pending
            }
            None => Poll::Ready(()),
        }));
        within(REAL_LIMIT, woken)
            .await
            .expect("the woken task completes");
        let ran = !yielder.is_finished(); // the yielder had not given up yet
        stop.set(true);
        within(REAL_LIMIT, yielder)
            .await
            .expect("the yielder stops");
        remote.join().expect("the remote thread finished");
        (ran, yields.get())
    });
    assert!(
        ran,
        "the cross-thread wake waited until the yielder gave up ({yields} yields)"
    );
}
