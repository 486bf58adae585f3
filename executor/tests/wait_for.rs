//! asyncio's `wait_for` and the virtual clock's view of other threads: a timed-out
//! `abort_on_drop` handle cancels its task (a plain handle would detach it), and an
//! `off_thread` future keeps virtual time from jumping while another thread works for it.

mod common;

use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};

use common::{drive, ms, probe, Act};
use executor::{now, off_thread, sleep, spawn, timeout, yield_now, Elapsed, Executor};

#[test]
fn timeout_of_an_abort_on_drop_handle_cancels_the_task_as_wait_for_does() {
    let ex = Executor::with_virtual_clock();
    let (future, counts) = probe(Act::Pending);
    let task = ex.spawn(future);
    let out = drive(&ex, timeout(ms(1000), task.abort_on_drop()));
    assert_eq!(out.unwrap_err(), Elapsed);
    assert_eq!(
        counts.drops(),
        1,
        "cancelled: its future was dropped at once"
    );

    // A plain handle is only detached: the task runs on.
    let (future, counts) = probe(Act::Pending);
    let task = ex.spawn(future);
    assert!(drive(&ex, timeout(ms(1000), task)).is_err());
    assert_eq!(counts.drops(), 0, "detached, still pending");
}

#[test]
fn an_abort_on_drop_handle_yields_the_result_and_can_be_detached() {
    let ex = Executor::with_virtual_clock();
    let out = drive(&ex, async {
        let quick = spawn(async {
            sleep(ms(10)).await;
            7
        })
        .abort_on_drop();
        assert!(!quick.is_finished());
        let in_time = timeout(ms(1000), quick).await;
        let guarded = spawn(std::future::pending::<()>()).abort_on_drop();
        guarded.abort();
        let aborted = guarded.await;
        let detached = spawn(async { 8 }).abort_on_drop().detach();
        yield_now().await; // dropping the wrapper in `detach` did not abort it
        (in_time, aborted.unwrap_err().is_cancelled(), detached.await)
    });
    assert_eq!(out.0.unwrap().unwrap(), 7);
    assert!(out.1);
    assert_eq!(out.2.unwrap(), 8);
}

/// A future completed by another thread: the value it sends, and then a wake.
fn from_thread<T: Send + 'static>(rx: mpsc::Receiver<T>) -> impl std::future::Future<Output = T> {
    type Slot<T> = Arc<Mutex<(Option<T>, Option<Waker>)>>;
    let slot: Slot<T> = Arc::new(Mutex::new((None, None)));
    let filler = slot.clone();
    std::thread::spawn(move || {
        let Ok(value) = rx.recv() else {
            return; // never released
        };
        let waker = {
            let mut slot = filler.lock().unwrap();
            slot.0 = Some(value);
            slot.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    std::future::poll_fn(move |cx| {
        let mut slot = slot.lock().unwrap();
        match slot.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
}

#[test]
fn the_virtual_clock_waits_for_an_off_thread_future() {
    let ex = Executor::with_virtual_clock();
    let (release, gate) = mpsc::channel();
    let (out, took) = ex.block_on(async {
        let t0 = now();
        // Another timer is pending too: the clock could jump to either.
        let _other = spawn(sleep(ms(60_000)));
        let job = off_thread(from_thread(gate));
        // Released by a thread once the job is in flight; time must not pass meanwhile.
        let opener = std::thread::spawn(move || release.send(5).unwrap());
        let out = timeout(ms(3_600_000), job).await;
        opener.join().unwrap();
        (out, now() - t0)
    });
    assert_eq!(out, Ok(5));
    assert_eq!(took, ms(0), "virtual time did not jump while the job ran");
    // Once it completed, the clock jumps again.
    let (slept, _) = ex.block_on(async {
        let t0 = now();
        sleep(ms(10)).await;
        (now() - t0, ())
    });
    assert_eq!(slept, ms(10));
}

#[test]
fn a_dropped_off_thread_future_releases_virtual_time() {
    let ex = Executor::with_virtual_clock();
    let (_keep_open, gate) = mpsc::channel::<u8>();
    let took = drive(&ex, async {
        let t0 = now();
        // Never released: the timeout drops it after its poll, which must release the hold.
        let expired = timeout(ms(0), off_thread(from_thread(gate))).await;
        assert_eq!(expired, Err(Elapsed));
        sleep(ms(1000)).await; // would park forever if the hold outlived the future
        now() - t0
    });
    assert_eq!(took, ms(1000));
}
