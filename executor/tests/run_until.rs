//! `run_until_stalled` (run what is ready, return when nothing can run now — a timer due later
//! is not ready, on the virtual clock too) and `run_until_done` (run until no task is left,
//! waiting for timers and for other threads' wakes).

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{on_own_thread, REAL_LIMIT};
use executor::{now, off_thread, sleep, spawn, yield_now, Executor};

fn step(steps: &Rc<Cell<u32>>, to: u32) {
    assert_eq!(steps.get() + 1, to, "steps run in order");
    steps.set(to);
}

#[test]
fn run_until_stalled_runs_ready_tasks_and_the_ones_they_wake_then_returns_before_a_timer() {
    let ex = Executor::with_virtual_clock();
    let t0 = ex.block_on(async { now() });
    let steps = Rc::new(Cell::new(0));
    let task = ex.spawn({
        let steps = steps.clone();
        async move {
            step(&steps, 1);
            yield_now().await;
            let child = spawn({
                let steps = steps.clone();
                async move { step(&steps, 2) }
            });
            child.await.unwrap();
            step(&steps, 3);
            sleep(Duration::ZERO).await; // due now: ready
            step(&steps, 4);
            sleep(Duration::from_secs(1)).await; // due later: not ready
            step(&steps, 5);
        }
    });
    ex.run_until_stalled();
    assert_eq!(steps.get(), 4);
    assert!(!task.is_finished());
    assert_eq!(
        ex.block_on(async { now() }),
        t0,
        "virtual time did not move"
    );
    ex.run_until_stalled();
    assert_eq!(steps.get(), 4, "still stalled: nothing came due");
    ex.run_until_done();
    assert_eq!(steps.get(), 5);
    assert_eq!(ex.block_on(async { now() }) - t0, Duration::from_secs(1));
}

#[test]
fn run_until_stalled_on_the_real_clock_does_not_wait_for_a_later_timer() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let task = ex.spawn(sleep(Duration::from_secs(3600)));
        ex.run_until_stalled(); // would take an hour if it waited
        assert!(!task.is_finished());
    });
}

#[test]
fn run_until_stalled_and_done_return_at_once_with_nothing_to_do() {
    let ex = Executor::new();
    ex.run_until_stalled();
    ex.run_until_done();
    let _spawner = ex.spawner(); // its receiving task is not a task to wait for
    ex.run_until_stalled();
    ex.run_until_done();
}

#[test]
fn run_until_done_waits_for_a_task_woken_from_another_thread() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let (tx, rx) = futures::channel::oneshot::channel();
        let (ready, go) = mpsc::channel::<()>();
        let task = ex.spawn(async move { rx.await.unwrap() + 1 });
        ex.run_until_stalled(); // the task waits for the thread
        assert!(!task.is_finished());
        let sender = thread::spawn(move || {
            go.recv().unwrap();
            tx.send(41).unwrap();
        });
        ready.send(()).unwrap();
        ex.run_until_done(); // parks until the thread's wake
        sender.join().unwrap();
        assert_eq!(ex.block_on(task).unwrap(), 42);
    });
}

#[test]
fn run_until_done_on_the_virtual_clock_waits_for_off_thread_work_before_jumping() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::with_virtual_clock();
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let (ready, go) = mpsc::channel::<()>();
        let task = ex.spawn(async move {
            let t0 = now();
            let out = executor::timeout(Duration::from_secs(3600), off_thread(rx)).await;
            (out.map(Result::unwrap), now() - t0)
        });
        let sender = thread::spawn(move || {
            go.recv().unwrap();
            tx.send(7).unwrap();
        });
        ex.run_until_stalled();
        ready.send(()).unwrap();
        ex.run_until_done();
        sender.join().unwrap();
        assert_eq!(ex.block_on(task).unwrap(), (Ok(7), Duration::ZERO));
    });
}

#[test]
fn run_until_done_runs_a_spawn_that_has_arrived_and_what_it_spawns() {
    let ex = Executor::with_virtual_clock();
    let spawner = ex.spawner();
    let handle = thread::spawn(move || {
        spawner
            .spawn_with(|| async {
                let inner = spawn(sleep(Duration::from_secs(5)));
                inner.await.unwrap();
                "slept"
            })
            .unwrap()
    })
    .join()
    .unwrap();
    ex.run_until_done();
    assert!(handle.is_finished());
    assert_eq!(ex.block_on(handle).unwrap(), "slept");
}

#[test]
fn run_until_stalled_inside_a_task_panics_like_block_on() {
    let ex = Rc::new(Executor::new());
    let inner = ex.clone();
    let err = ex
        .block_on(ex.spawn(async move { inner.run_until_stalled() }))
        .unwrap_err();
    assert!(err.is_panic());
    let text = err.to_string();
    assert!(
        text.contains(
            "Executor::run_until_stalled was called while an executor is already running"
        ),
        "{text}"
    );
}
