//! Unit tests of the executor as a whole (tests of one module sit next to it). Test helpers
//! live here; the tests are grouped by topic.

mod abort;
mod lifecycle;
mod scheduling;
mod timers;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Counts how often it was dropped (shared `Rc<Cell>`), to prove a future was dropped exactly
/// once and when.
struct DropCount(Rc<Cell<usize>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A future that stays pending forever, counts its polls, and hands its latest waker out.
struct Parked {
    polls: Rc<Cell<usize>>,
    waker: Arc<Mutex<Option<Waker>>>,
    _drops: DropCount,
}

/// CrossThread view of a `Parked` future.
#[derive(Clone, Default)]
struct Probe {
    polls: Rc<Cell<usize>>,
    drops: Rc<Cell<usize>>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Probe {
    fn future(&self) -> Parked {
        Parked {
            polls: self.polls.clone(),
            waker: self.waker.clone(),
            _drops: DropCount(self.drops.clone()),
        }
    }
    fn wake(&self) {
        self.waker
            .lock()
            .unwrap()
            .as_ref()
            .expect("polled")
            .wake_by_ref();
    }
}

impl Future for Parked {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl CountingWaker {
    fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The message of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
