//! An executor torn down inside another drop: when the last reference to an executor goes
//! while something else is being dropped (a finished task's output holds it, an aborted task's
//! future holds it), its tasks' `Drop`s still run during its teardown, with it current — they
//! may `spawn` (cancelled at once) and read `now` — not later, under whatever executor (or
//! none) happens to be current then.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use executor::{now, spawn, yield_now, Executor};

/// Runs `f` when dropped.
struct OnDrop<F: FnMut()>(F);
impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// An executor with one pending task whose future's `Drop` reads `now`, spawns a task, and
/// logs what happened.
fn executor_with_a_cleanup(log: Rc<RefCell<Vec<String>>>) -> Executor {
    let ex = Executor::new();
    let spawned_ran = Rc::new(Cell::new(false));
    drop(ex.spawn(async move {
        let _cleanup = OnDrop(move || {
            let now_ok = catch_unwind(|| {
                let _ = now();
            })
            .is_ok();
            let ran = spawned_ran.clone();
            let spawn_ok = catch_unwind(AssertUnwindSafe(|| {
                let handle = spawn(async move { ran.set(true) });
                handle.is_finished() // cancelled at once: the executor is tearing down
            }));
            log.borrow_mut().push(format!(
                "now: {now_ok}, spawn cancelled at once: {:?}, ran: {}",
                spawn_ok.ok(),
                spawned_ran.get()
            ));
        });
        std::future::pending::<()>().await
    }));
    ex.block_on(yield_now());
    ex
}

const EXPECTED: &str = "now: true, spawn cancelled at once: Some(true), ran: false";

#[test]
fn an_executor_in_a_finished_tasks_output_tears_down_with_itself_current() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let inner = executor_with_a_cleanup(log.clone());
    let outer = Executor::new();
    let handle = outer.spawn(async move { inner });
    outer.block_on(yield_now());
    drop(handle); // drops the output, `inner`, outside any executor
    assert_eq!(*log.borrow(), [EXPECTED]);
}

#[test]
fn an_executor_in_an_aborted_tasks_future_tears_down_with_itself_current() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let inner = executor_with_a_cleanup(log.clone());
    let outer = Executor::new();
    outer.block_on(async move {
        let holder = spawn(async move {
            let _inner = inner;
            std::future::pending::<()>().await
        });
        yield_now().await;
        holder.abort(); // drops `inner` while `outer` is current and running
        for _ in 0..3 {
            yield_now().await; // a task spawned on `outer` by mistake would run here
        }
    });
    assert_eq!(*log.borrow(), [EXPECTED]);
}
