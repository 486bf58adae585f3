//! `race` on the virtual clock: the first to finish wins and the loser is dropped at once, `a`
//! wins a tie, racing `&mut` futures or `JoinHandle`s keeps the loser alive, and a race polled
//! after it completed panics.

mod common;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use common::{probe, virtual_run, Act};
use executor::{race, sleep, spawn, Either};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn the_first_to_finish_wins_and_the_loser_is_dropped_at_once() {
    let (loser, counts) = probe(Act::Pending);
    let ((winner, dropped_by_then), took) = virtual_run(|_| async {
        let winner = race(loser, sleep(secs(2))).await;
        (winner, counts.drops())
    });
    assert_eq!(winner, Either::Right(()));
    assert_eq!(dropped_by_then, 1);
    assert_eq!(took, secs(2));
}

#[test]
fn a_wins_a_tie() {
    let (winners, _) = virtual_run(|t0| async move {
        let at = t0 + secs(1);
        let left = race(executor::sleep_until(at), executor::sleep_until(at)).await;
        let ready = race(async { 'a' }, async { 'b' }).await;
        (left, ready)
    });
    assert_eq!(winners, (Either::Left(()), Either::Left('a')));
}

#[test]
fn racing_references_keeps_the_loser_to_await_later() {
    // asyncio's `done, pending = await wait({a, b}, return_when=FIRST_COMPLETED)`.
    let ((first, second), took) = virtual_run(|t0| async move {
        let mut slow = sleep(secs(5));
        let mut fast = sleep(secs(1));
        let first = race(&mut slow, &mut fast).await;
        assert_eq!(executor::now() - t0, secs(1));
        (&mut slow).await; // still pending, still on its own deadline
        (first, executor::now() - t0)
    });
    assert_eq!(first, Either::Right(()));
    assert_eq!((second, took), (secs(5), secs(5)));
}

#[test]
fn racing_join_handles_leaves_the_losing_task_running() {
    let ((winner, loser_finished), _) = virtual_run(|t0| async move {
        let finished = Rc::new(Cell::new(false));
        let slow = spawn({
            let finished = finished.clone();
            async move {
                sleep(secs(3)).await;
                finished.set(true);
                "slow"
            }
        });
        let fast = spawn(async {
            sleep(secs(1)).await;
            "fast"
        });
        // The `slow` handle is dropped when `fast` wins: its task is detached, not cancelled.
        let winner = match race(slow, fast).await {
            Either::Left(slow) => Either::Left(slow.unwrap()),
            Either::Right(fast) => Either::Right(fast.unwrap()),
        };
        executor::sleep_until(t0 + secs(4)).await;
        (winner, finished.get())
    });
    assert_eq!(winner, Either::Right("fast"));
    assert!(loser_finished);
}

#[test]
#[should_panic(expected = "Race polled again after it completed")]
fn polling_a_finished_race_panics() {
    executor::run(async {
        let mut done = pin!(race(async { 1 }, async { 2 }));
        poll_fn(|cx| {
            assert_eq!(done.as_mut().poll(cx), Poll::Ready(Either::Left(1)));
            let _ = done.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
    });
}
