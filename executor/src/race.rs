//! `race`: await two futures, keep the first to finish (asyncio's
//! `wait({a, b}, return_when=FIRST_COMPLETED)` for two, `futures::select!` without a macro).
//!
//! Both futures run inside the racing future, polled `a` first: if both are ready in the same
//! poll, `a` wins (a *biased* race, like `timeout`, where the work wins a tie with the clock).
//! The loser is dropped — cancelled — when the race completes. To keep the loser running, race
//! `JoinHandle`s (dropping a handle detaches its task) or `&mut` references to futures you own.
//! Each future is boxed because pinning it in place needs unsafe pin projection.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Which of the two futures of a [`race`] finished first, with its output.
///
/// ```
/// use executor::Either;
/// let first: Either<u8, &str> = Either::Left(1);
/// assert_ne!(first, Either::Right("one"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Either<A, B> {
    /// The first argument of `race` finished first.
    Left(A),
    /// The second argument of `race` finished first.
    Right(B),
}

/// Runs `a` and `b` concurrently; completes with the output of whichever finishes first and
/// drops the other. `a` wins a tie.
///
/// ```
/// use std::time::Duration;
/// use executor::{race, sleep, Either};
/// executor::Executor::with_virtual_clock().block_on(async {
///     let t0 = executor::now();
///     let slow = async { sleep(Duration::from_secs(5)).await; "slow" };
///     let fast = async { sleep(Duration::from_secs(1)).await; 1 };
///     assert_eq!(race(slow, fast).await, Either::Right(1));
///     assert_eq!(executor::now() - t0, Duration::from_secs(1)); // the loser was dropped
///     assert_eq!(race(async { 'a' }, async { 'b' }).await, Either::Left('a')); // a tie
/// });
/// ```
pub fn race<A: Future, B: Future>(a: A, b: B) -> Race<A, B> {
    Race {
        racers: Some((Box::pin(a), Box::pin(b))),
    }
}

/// The future returned by [`race`].
///
/// # Panics
/// When polled again after it completed.
///
/// ```
/// let r: executor::Race<std::future::Pending<u8>, std::future::Ready<char>> =
///     executor::race(std::future::pending(), std::future::ready('x'));
/// assert_eq!(executor::run(r), executor::Either::Right('x'));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Race<A: Future, B: Future> {
    /// `None` once one finished: both are dropped at that moment.
    racers: Option<Racers<A, B>>,
}

type Racers<A, B> = (Pin<Box<A>>, Pin<Box<B>>);

impl<A: Future, B: Future> Future for Race<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (a, b) = this
            .racers
            .as_mut()
            .expect("Race polled again after it completed");
        let winner = if let Poll::Ready(out) = a.as_mut().poll(cx) {
            Either::Left(out)
        } else if let Poll::Ready(out) = b.as_mut().poll(cx) {
            Either::Right(out)
        } else {
            return Poll::Pending;
        };
        this.racers = None; // cancel the loser now, as `timeout` drops its inner future
        Poll::Ready(winner)
    }
}

impl<A: Future, B: Future> fmt::Debug for Race<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race")
            .field("done", &self.racers.is_none())
            .finish()
    }
}
