//! `gather` and `join`: await several futures at once, results in argument order
//! (asyncio's `gather`).
//!
//! The children run *inside* the gathering future (like asyncio's `gather` of coroutines, which
//! wraps them in tasks but awaits them together). Polling every unfinished child on every wake
//! would cost O(children) per wake — O(n²) in all for n children finishing one by one, seconds for
//! 10 000 of them — so each child of a [`gather`] gets a waker of its own that records *which*
//! child woke, and a wake polls only those children. `join`, with its two children, simply polls
//! both. Each child is boxed because pinning it in place needs unsafe pin projection.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::{lock, AtomicBool, Mutex, MutexGuard, Ordering};

/// Awaits every future in `futures` concurrently and returns their outputs in argument order
/// (asyncio's `gather`). Pass `JoinHandle`s to gather spawned tasks.
///
/// ```
/// use std::time::Duration;
/// let ex = executor::Executor::with_virtual_clock();
/// let (out, took) = ex.block_on(async {
///     let t0 = executor::now();
///     let out = executor::gather([3u64, 1, 2].map(|s| async move {
///         executor::sleep(Duration::from_secs(s)).await;
///         s * 10
///     }))
///     .await;
///     (out, executor::now() - t0)
/// });
/// assert_eq!(out, [30, 10, 20]); // argument order, not completion order
/// assert_eq!(took, Duration::from_secs(3)); // concurrently: the longest, not the sum
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let children: Vec<_> = futures
        .into_iter()
        .map(|future| Child::Running(Box::pin(future)))
        .collect();
    let woken = Arc::new(Woken {
        // Every child must be polled once before any can have been woken: all start queued.
        list: Mutex::new(WokenList {
            indices: (0..children.len()).collect(),
            parent: None,
        }),
        queued: (0..children.len()).map(|_| AtomicBool::new(true)).collect(),
    });
    let wakers = (0..children.len())
        .map(|index| {
            let woken = woken.clone();
            Waker::from(Arc::new(ChildWaker { index, woken }))
        })
        .collect();
    Gather {
        remaining: children.len(),
        children,
        wakers,
        woken,
        completed: false,
    }
}

/// The future returned by [`gather`].
///
/// # Panics
/// When polled again after it returned the outputs (as an `async fn` resumed after completion).
///
/// ```
/// let g: executor::Gather<std::future::Ready<i32>> =
///     executor::gather(vec![std::future::ready(1), std::future::ready(2)]);
/// assert_eq!(executor::run(g), [1, 2]);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    children: Vec<Child<F>>,
    /// `wakers[i]` is the waker child `i` is polled with: it records `i` in `woken`.
    wakers: Vec<Waker>,
    woken: Arc<Woken>,
    remaining: usize,
    /// Set when it returned the outputs: polling it again panics, as an `async fn` resumed
    /// after completion does (with no children there would be nothing else to notice it by).
    completed: bool,
}

/// The children woken since the gather last ran, and the waker of the task awaiting it. Wakers
/// are `Send + Sync`, so this is behind a `Mutex` even though the gather itself stays on one
/// thread: a child may be woken from anywhere.
struct Woken {
    list: Mutex<WokenList>,
    /// `queued[i]` is set while `i` sits in `list.indices`, so many wakes of a child take the
    /// lock once.
    queued: Box<[AtomicBool]>,
}

/// One lock for both: a wake that records its index also sees the current parent waker, and a
/// poll that registers the parent also takes the list, so no wake can fall between the two.
struct WokenList {
    indices: Vec<usize>,
    parent: Option<Waker>,
}

impl Woken {
    fn lock(&self) -> MutexGuard<'_, WokenList> {
        // Poisoning: the list is a plain `Vec` and `Option` that no code here can leave
        // half-updated, so a panic elsewhere while holding the lock harmed nothing.
        lock(&self.list)
    }
}

struct ChildWaker {
    index: usize,
    woken: Arc<Woken>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let woken = &self.woken;
        if woken.queued[self.index].swap(true, Ordering::AcqRel) {
            return; // already queued: the gather will poll this child anyway
        }
        let parent = {
            let mut list = woken.lock();
            list.indices.push(self.index);
            list.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake(); // outside the lock: waking may run arbitrary code
        }
    }
}

enum Child<F: Future> {
    Running(Pin<Box<F>>),
    Done(F::Output),
    Taken,
}

impl<F: Future> Child<F> {
    /// Polls a running child; true once it holds an output.
    fn poll_child(&mut self, cx: &mut Context<'_>) -> bool {
        if let Child::Running(future) = self {
            match future.as_mut().poll(cx) {
                Poll::Ready(output) => *self = Child::Done(output),
                Poll::Pending => return false,
            }
            return true;
        }
        false
    }

    /// The output of a child that is done (the caller checked).
    fn take(&mut self) -> F::Output {
        match std::mem::replace(self, Child::Taken) {
            Child::Done(output) => output,
            _ => unreachable!("only a finished child's output is taken"),
        }
    }
}

// Never pinned: the children are pinned in their own boxes, and outputs are plain values that
// we never hand out as `Pin<&mut _>`. So moving a `Gather` is fine whatever `F::Output` is.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(
            !this.completed,
            "`Gather` polled after it completed: await a `gather` once"
        );
        let (woken, _replaced) = {
            let mut list = this.woken.lock();
            let mut replaced = None;
            if !list
                .parent
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                replaced = list.parent.replace(cx.waker().clone());
            }
            (std::mem::take(&mut list.indices), replaced)
        };
        // `_replaced`, the old parent waker, drops at the end of this poll, after the lock: its
        // `Drop` is user code and may wake one of our children (which takes the lock).
        for index in woken {
            // Cleared before the poll, so a wake during the poll queues the child again.
            this.woken.queued[index].store(false, Ordering::Release);
            let mut child_cx = Context::from_waker(&this.wakers[index]);
            if this.children[index].poll_child(&mut child_cx) {
                this.remaining -= 1;
            }
        }
        if this.remaining > 0 {
            return Poll::Pending;
        }
        this.completed = true;
        Poll::Ready(this.children.iter_mut().map(Child::take).collect())
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("children", &self.children.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// Awaits two futures of different types concurrently: `gather` for a pair.
///
/// ```
/// let (a, b) = executor::run(executor::join(async { 1 }, async { "two" }));
/// assert_eq!((a, b), (1, "two"));
/// ```
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: Child::Running(Box::pin(a)),
        b: Child::Running(Box::pin(b)),
    }
}

/// The future returned by [`join`].
///
/// # Panics
/// When polled again after it returned the outputs (as an `async fn` resumed after completion).
///
/// ```
/// let j: executor::Join<std::future::Ready<u8>, std::future::Ready<char>> =
///     executor::join(std::future::ready(1), std::future::ready('x'));
/// assert_eq!(executor::run(j), (1, 'x'));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<A: Future, B: Future> {
    a: Child<A>,
    b: Child<B>,
}

// Same argument as for `Gather`.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(
            !matches!(this.a, Child::Taken),
            "`Join` polled after it completed: await a `join` once"
        );
        this.a.poll_child(cx);
        this.b.poll_child(cx);
        match (&this.a, &this.b) {
            (Child::Done(_), Child::Done(_)) => Poll::Ready((this.a.take(), this.b.take())),
            _ => Poll::Pending,
        }
    }
}

impl<A: Future, B: Future> fmt::Debug for Join<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = |done: bool| if done { "done" } else { "pending" };
        f.debug_struct("Join")
            .field("a", &done(matches!(self.a, Child::Done(_))))
            .field("b", &done(matches!(self.b, Child::Done(_))))
            .finish()
    }
}
