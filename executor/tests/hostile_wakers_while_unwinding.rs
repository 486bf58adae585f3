//! A guard of ours that wakes someone's waker from its `Drop` may run while a task's panic
//! unwinds — and a second panic there aborts the process. So the waker of whoever polled a
//! `JoinHandle` or a `TaskGroup` by hand, if it panics, is caught and dropped: a task's panic
//! still reaches its handle, or the group, and nothing else happens.
//!
//! A failure here is a process abort (a panic while panicking), which takes this whole test
//! binary down: that is why these tests have a file of their own.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use executor::{spawn, yield_now, Executor, TaskGroup};

struct PanickingWaker;
impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this foreign waker panics");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanickingWaker))
}

#[test]
fn a_group_polled_with_a_panicking_waker_gets_its_tasks_panic() {
    let ex = Executor::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        ex.block_on(async {
            let mut group = TaskGroup::new();
            group.spawn(async {
                yield_now().await;
                panic!("the task panics")
            });
            {
                // The group's stored waker is now the panicking one.
                let mut next = Box::pin(group.join_next());
                let polled = next
                    .as_mut()
                    .poll(&mut Context::from_waker(&panicking_waker()));
                assert!(polled.is_pending());
            }
            // The task panics in the next tick (before this poll replaces the group's waker);
            // its end guard drops while that panic unwinds, and wakes the stored waker.
            yield_now().await;
            yield_now().await;
            let result = group.join_next().await.expect("one task");
            result.unwrap_err().is_panic()
        })
    }));
    assert!(
        matches!(outcome, Ok(true)),
        "the group did not get the task's panic"
    );
}

#[test]
fn an_abort_on_drop_guard_in_a_panicking_task_aborts_quietly() {
    let ex = Executor::new();
    let guarded_was_cancelled = ex.block_on(async {
        let mut guarded = spawn(std::future::pending::<()>());
        // The guarded task's awaiter waker is now the panicking one.
        let polled = Pin::new(&mut guarded).poll(&mut Context::from_waker(&panicking_waker()));
        assert!(polled.is_pending());
        let guard = guarded.abort_on_drop();
        let holder = spawn(async move {
            let _guard = guard; // dropped while the panic below unwinds: aborts `guarded`
            yield_now().await;
            panic!("the holder panics")
        });
        holder.await.unwrap_err().is_panic()
    });
    assert!(guarded_was_cancelled);
}
