//! Hostile wakers: a waker the executor calls on a task's behalf may be anyone's — a future
//! polls a `JoinHandle` or a socket by hand with a waker of its own — and that waker may panic.
//!
//! - The awaiter's waker of a finished task (woken when the task returns, is aborted or is torn
//!   down): its panic is caught and dropped, as tokio does. It must not unwind out of the run
//!   loop (leaking the task's slot), out of `abort`, or out of the executor's `Drop` (which
//!   would then leave the other tasks alive, and abort the process if already unwinding).
//! - A socket's waker that panics when readiness arrives propagates out of `block_on`, as a
//!   timer's does — but only after every other task made ready by the same poll was woken:
//!   none of their wakes is lost.

mod common;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use common::{message, probe, Act};
use executor::{spawn, yield_now, Executor, JoinHandle};

struct PanickingWaker;
impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("this foreign waker panics");
    }
}

/// Polls `handle` once by hand with a [`PanickingWaker`], so that waker is the one the task
/// wakes when it ends.
fn register_panicking_waker<T: 'static>(handle: &mut JoinHandle<T>) {
    let waker = Waker::from(Arc::new(PanickingWaker));
    let polled = Pin::new(handle).poll(&mut Context::from_waker(&waker));
    assert!(polled.is_pending());
}

/// A task that holds `handle`, registers a panicking waker on it, then waits forever.
fn hold_with_panicking_waker<T: 'static>(mut handle: JoinHandle<T>) -> impl Future<Output = ()> {
    let mut registered = false;
    poll_fn(move |_| {
        if !registered {
            register_panicking_waker(&mut handle);
            registered = true;
        }
        Poll::<()>::Pending
    })
}

#[test]
fn a_panicking_join_waker_does_not_escape_teardown_and_every_task_is_dropped() {
    let (other, counts) = probe(Act::Pending);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let ex = Executor::new();
        ex.block_on(async {
            let target = spawn(std::future::pending::<()>());
            drop(spawn(hold_with_panicking_waker(target)));
            drop(spawn(other));
            yield_now().await;
        });
        drop(ex); // tears `target` down, which wakes the panicking waker
    }));
    assert!(
        outcome.is_ok(),
        "the executor's Drop panicked: {}",
        message(&*outcome.unwrap_err())
    );
    assert_eq!(counts.drops(), 1, "every task was dropped");
}

#[test]
fn a_panicking_join_waker_does_not_escape_abort_or_the_run_loop() {
    let ex = Executor::new();
    let aborted = ex.spawn(std::future::pending::<()>());
    let finishing = ex.spawn(async {
        yield_now().await;
        7
    });
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        ex.block_on(async {
            let mut aborted = aborted;
            register_panicking_waker(&mut aborted);
            aborted.abort(); // wakes it right here
            assert!(aborted.await.unwrap_err().is_cancelled());
            let finished = Rc::new(Cell::new(false));
            let seen = finished.clone();
            let mut finishing = finishing;
            register_panicking_waker(&mut finishing);
            // `finishing` returns in the next tick and wakes the panicking waker there.
            while !finishing.is_finished() {
                yield_now().await;
            }
            seen.set(true);
            assert_eq!(finishing.await.unwrap(), 7);
            finished.get()
        })
    }));
    match outcome {
        Ok(finished) => assert!(finished),
        Err(panic) => panic!("a join waker's panic escaped: {}", message(&*panic)),
    }
    assert!(
        format!("{ex:?}").contains("tasks: 0"),
        "slots leaked: {ex:?}"
    );
}

#[cfg(all(feature = "io", not(loom)))]
#[test]
fn a_socket_waker_that_panics_loses_no_other_tasks_wake() {
    use executor::net::UnixStream;
    use executor::timeout;
    use futures::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

    common::on_own_thread(common::REAL_LIMIT, || {
        let ex = Executor::new();
        let ((a, mut a_peer), (mut b, mut b_peer)) =
            ex.block_on(async { (UnixStream::pair().unwrap(), UnixStream::pair().unwrap()) });
        let reader_b = ex.spawn(async move {
            let mut buf = [0; 1];
            b.read(&mut buf).await.unwrap()
        });
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            ex.block_on(async {
                // `a` waits for reading with the panicking waker, `reader_b` with its own.
                let waker = Waker::from(Arc::new(PanickingWaker));
                let polled =
                    Pin::new(&mut &a).poll_read(&mut Context::from_waker(&waker), &mut [0; 1]);
                assert!(polled.is_pending());
                yield_now().await;
                // Both become readable before the executor next polls for readiness, `a`
                // first: its waker is woken first, and panics.
                a_peer.write_all(b"a").await.unwrap();
                b_peer.write_all(b"b").await.unwrap();
                std::future::pending::<()>().await
            })
        }));
        assert_eq!(message(&*outcome.unwrap_err()), "this foreign waker panics");
        let read = ex.block_on(timeout(common::ms(5_000), reader_b));
        assert_eq!(read.expect("reader_b's wake was lost").unwrap(), 1);
    });
}
