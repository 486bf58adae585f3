//! `Spawner`: futures handed over from other threads. A parked executor is woken by the
//! hand-over; the handle's `wait()` and `.await` get the output, a panic, or "cancelled"; a
//! spawn after (or racing) teardown is refused or cancelled, never hung; `wait()` on the
//! executor's own thread panics. Cross-thread tests order events with channels and barriers and
//! run under a real-time watchdog (`common::on_own_thread`).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier};
use std::thread::{self, ThreadId};
use std::time::Duration;

use common::{message, on_own_thread, REAL_LIMIT};
use executor::{now, sleep, Executor, SpawnHandle, Spawner};

fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
fn assert_send<T: Send>() {}

#[test]
fn a_spawner_is_send_sync_and_clone_and_its_handle_is_send() {
    assert_send_sync_clone::<Spawner>();
    assert_send::<SpawnHandle<String>>();
}

/// Records the thread its value is dropped on.
struct DropsOn(Arc<std::sync::Mutex<Option<ThreadId>>>);
impl Drop for DropsOn {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(thread::current().id());
    }
}

#[test]
fn a_spawn_from_another_thread_wakes_the_parked_executor_and_wait_gets_the_output() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let spawner = ex.spawner();
        let (tx, rx) = futures::channel::oneshot::channel();
        let worker = thread::spawn(move || {
            let handle = spawner.spawn(async { 6 * 7 }).unwrap();
            tx.send(handle.wait().unwrap()).unwrap();
        });
        // Parks (nothing ready, no timer) until the hand-over arrives; the task runs, the
        // worker's `wait` returns and its send wakes main.
        assert_eq!(ex.block_on(rx).unwrap(), 42);
        worker.join().unwrap();
    });
}

#[test]
fn a_task_awaits_a_handle_and_a_panic_reaches_it_as_a_join_error() {
    let ex = Executor::new();
    let spawner = ex.spawner();
    let fine = spawner.spawn(async { "fine" }).unwrap();
    let boom = spawner.spawn(async { panic!("boom") }).unwrap();
    let (fine, boom) = ex.block_on(async { (fine.await, boom.await) });
    assert_eq!(fine.unwrap(), "fine");
    let err: executor::JoinError = boom.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(message(&*err.into_panic()), "boom");
}

#[test]
fn a_panic_reaches_a_waiting_thread() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let spawner = ex.spawner();
        let (spawned, arrived) = mpsc::channel();
        let worker = thread::spawn(move || {
            let handle = spawner.spawn(async { panic!("far away") }).unwrap();
            spawned.send(()).unwrap();
            handle.wait().unwrap_err()
        });
        arrived.recv().unwrap();
        ex.run_until_done();
        let err = worker.join().unwrap();
        assert_eq!(err.to_string(), "task panicked: far away");
    });
}

#[test]
fn wait_on_the_executors_own_thread_panics_instead_of_deadlocking() {
    let ex = Executor::new();
    let handle = ex.spawner().spawn(async { 1 }).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| handle.wait())).unwrap_err();
    assert!(
        message(&*err).contains("executor's own thread"),
        "{}",
        message(&*err)
    );
    // Also once the task has finished: refused every time, not only when it would hang.
    let done = ex.spawner().spawn(async { 2 }).unwrap();
    ex.run_until_done();
    assert!(done.is_finished());
    assert!(catch_unwind(AssertUnwindSafe(|| done.wait())).is_err());
}

#[test]
fn a_spawn_after_the_executor_is_gone_is_refused_and_gives_the_future_back() {
    let ex = Executor::new();
    let spawner = ex.spawner();
    drop(ex);
    let dropped_on = Arc::default();
    let guard = DropsOn(Arc::clone(&dropped_on));
    let err = spawner
        .spawn(async move {
            let _guard = guard;
            7
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "spawning on an executor that is gone");
    assert_eq!(format!("{err:?}"), "SpawnError { .. }");
    assert!(dropped_on.lock().unwrap().is_none(), "not dropped yet");
    assert_eq!(executor::run(err.into_inner()), 7);
    assert_eq!(*dropped_on.lock().unwrap(), Some(thread::current().id()));
}

#[test]
fn a_spawn_still_in_the_inbox_at_teardown_is_dropped_on_the_executors_thread_and_cancelled() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let spawner = ex.spawner();
        let dropped_on = Arc::default();
        let (spawned, arrived) = mpsc::channel();
        let worker = thread::spawn({
            let guard = DropsOn(Arc::clone(&dropped_on));
            move || {
                let handle = spawner.spawn(async move { drop(guard) }).unwrap();
                spawned.send(()).unwrap();
                handle.wait()
            }
        });
        arrived.recv().unwrap();
        drop(ex); // never ran: the hand-over is still in the inbox
        assert!(worker.join().unwrap().unwrap_err().is_cancelled());
        assert_eq!(*dropped_on.lock().unwrap(), Some(thread::current().id()));
    });
}

#[test]
fn a_started_task_torn_down_with_its_executor_cancels_an_awaiting_thread() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::with_virtual_clock();
        let handle = ex
            .spawner()
            .spawn_with(|| sleep(Duration::from_secs(3600)))
            .unwrap();
        ex.run_until_stalled(); // started: it waits for its timer
        assert!(!handle.is_finished());
        let waiter = thread::spawn(move || handle.wait());
        drop(ex);
        assert!(waiter.join().unwrap().unwrap_err().is_cancelled());
    });
}

#[test]
fn spawns_racing_teardown_are_each_refused_or_told_never_hung() {
    on_own_thread(REAL_LIMIT, || {
        for _ in 0..200 {
            let ex = Executor::new();
            let spawner = ex.spawner();
            let start = Arc::new(Barrier::new(2));
            let worker = thread::spawn({
                let start = start.clone();
                move || {
                    start.wait();
                    let (mut refused, mut told) = (0, 0);
                    for i in 0..20 {
                        match spawner.spawn(async move { i }) {
                            Err(err) => {
                                assert_eq!(executor::run(err.into_inner()), i);
                                refused += 1;
                            }
                            Ok(handle) => {
                                match handle.wait() {
                                    Ok(out) => assert_eq!(out, i),
                                    Err(err) => assert!(err.is_cancelled()),
                                }
                                told += 1;
                            }
                        }
                    }
                    assert_eq!(refused + told, 20);
                }
            });
            start.wait();
            ex.run_until_stalled();
            drop(ex);
            worker.join().unwrap();
        }
    });
}

#[test]
fn a_detached_task_still_runs() {
    let ex = Executor::new();
    let ran = Arc::new(AtomicBool::new(false));
    drop(ex.spawner().spawn({
        let ran = ran.clone();
        async move { ran.store(true, SeqCst) }
    }));
    ex.run_until_done();
    assert!(ran.load(SeqCst));
}

#[test]
fn a_spawned_future_sleeps_in_virtual_time_from_its_first_poll() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::with_virtual_clock();
        let spawner = ex.spawner();
        let worker = thread::spawn(move || {
            spawner
                .spawn_with(|| async {
                    let t0 = now();
                    sleep(Duration::from_secs(3 * 3600)).await;
                    now() - t0
                })
                .unwrap()
        });
        // Joined: the hand-over has arrived. (Not `off_thread(handle)`: the task is this
        // executor's own, and holding time would stop its sleep for good.)
        let handle = worker.join().unwrap();
        let slept = ex.block_on(handle).unwrap();
        assert_eq!(slept, Duration::from_secs(3 * 3600));
    });
}

#[test]
fn a_handle_awaited_on_another_executor_is_woken_from_the_first_ones_thread() {
    on_own_thread(REAL_LIMIT, || {
        let far = Executor::new();
        let spawner = far.spawner();
        let polls = Arc::new(AtomicUsize::new(0));
        let (go, went) = mpsc::channel::<()>();
        let awaiter = thread::spawn({
            let polls = polls.clone();
            move || {
                executor::run(async move {
                    let handle = spawner
                        .spawn(async move {
                            polls.fetch_add(1, SeqCst);
                            executor::yield_now().await; // suspends over there
                            5
                        })
                        .unwrap();
                    go.send(()).unwrap();
                    handle.await.unwrap()
                })
            }
        });
        went.recv().unwrap();
        far.run_until_done();
        assert_eq!(awaiter.join().unwrap(), 5);
        assert_eq!(polls.load(SeqCst), 1);
    });
}
