//! `yield_now`: let the other ready tasks run (asyncio's `await asyncio.sleep(0)`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Gives the other ready tasks a turn: the first poll wakes the task and returns `Pending`, so
/// the task goes to the back of the run queue (behind every task that was ready before it) and
/// is resumed in the next scheduler tick; timers due by then fire first.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// let log = Rc::new(RefCell::new(Vec::new()));
/// executor::run({
///     let log = log.clone();
///     async move {
///         let other = executor::spawn({
///             let log = log.clone();
///             async move { log.borrow_mut().push("task") }
///         });
///         log.borrow_mut().push("main before yield");
///         executor::yield_now().await;
///         log.borrow_mut().push("main after yield");
///         other.await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["main before yield", "task", "main after yield"]);
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// let ex = executor::Executor::with_virtual_clock();
/// let took = ex.block_on(async {
///     let t0 = executor::now();
///     let y: executor::YieldNow = executor::yield_now();
///     y.await; // completes on its second poll
///     executor::now() - t0
/// });
/// assert_eq!(took, std::time::Duration::ZERO); // a turn, not a timer
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during our own poll: the run loop cleared our `scheduled` flag before polling,
        // so this re-queues the task behind everything already queued.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
