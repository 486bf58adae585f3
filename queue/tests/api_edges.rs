//! Edge cases of the API that CPython's tests do not cover: trait bounds, timeouts at the
//! extremes, the capacity-0 panic, and the error and `Debug` formats.

use std::cell::Cell;
use std::thread;
use std::time::{Duration, Instant};

use queue::{GetError, LifoQueue, PriorityQueue, PutError, Queue, TaskGuard};

// `Queue<T>: Send + Sync` needs only `T: Send` (`Cell` is `Send` but not `Sync`); this fails
// to compile if that regresses.
const _: () = {
    fn send_sync<X: Send + Sync>() {}
    fn send<X: Send>() {}
    #[allow(dead_code)]
    fn check() {
        send_sync::<Queue<Cell<u8>>>();
        send_sync::<LifoQueue<Cell<u8>>>();
        send_sync::<PriorityQueue<u8>>();
        send::<TaskGuard<'static, Cell<u8>>>();
    }
};

#[test]
fn huge_timeouts_mean_no_deadline() {
    let q = Queue::bounded(1);
    assert!(q.join_timeout(Duration::MAX));
    q.put_timeout(1, Duration::MAX).unwrap();
    assert_eq!(q.get_timeout(Duration::MAX), Ok(1));
    thread::scope(|s| {
        s.spawn(|| q.put(2).unwrap());
        assert_eq!(q.get_timeout(Duration::MAX), Ok(2));
    });
}

/// A timed wait returns only after its full timeout (a spurious wakeup or the spin before
/// sleeping must not end it early), and re-checks the condition before reporting `Timeout`.
#[test]
fn timed_waits_never_return_early() {
    let q = Queue::bounded(1);
    for timeout in [Duration::from_millis(1), Duration::from_millis(5)] {
        let start = Instant::now();
        assert_eq!(q.get_timeout(timeout), Err(GetError::Timeout));
        assert!(start.elapsed() >= timeout);
    }
    q.put(0).unwrap();
    for timeout in [Duration::from_millis(1), Duration::from_millis(5)] {
        let start = Instant::now();
        assert_eq!(q.put_timeout(1, timeout), Err(PutError::Timeout(1)));
        assert!(start.elapsed() >= timeout);
        let start = Instant::now();
        assert!(!q.join_timeout(timeout));
        assert!(start.elapsed() >= timeout);
        let start = Instant::now();
        assert_eq!(q.get_batch_timeout(1, timeout), Ok(vec![0]));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "an available item is taken at once"
        );
        q.put(0).unwrap();
    }
}

#[test]
#[should_panic(expected = "use unbounded()")]
fn capacity_zero_panics_pointing_to_unbounded() {
    let _ = Queue::<u8>::bounded(0);
}

#[test]
#[should_panic(expected = "max >= 1")]
fn get_batch_of_zero_panics() {
    let q = Queue::unbounded();
    q.put(1).unwrap();
    let _ = q.get_batch(0);
}

/// Errors print without `T: Debug` and in lowercase; a failed put gives its item back.
#[test]
fn error_formats() {
    struct NoDebug;
    let err = PutError::Timeout(NoDebug);
    assert_eq!(format!("{err:?}"), "Timeout(..)");
    assert_eq!(err.to_string(), "timed out waiting for room in the queue");
    assert!(matches!(err.into_inner(), NoDebug));
    assert_eq!(
        GetError::Timeout.to_string(),
        "timed out waiting for an item"
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(PutError::Full(1u8));
    assert_eq!(boxed.to_string(), "queue is full");
}

/// Items a get has moved to the getters' side (the head, `src/two_sides.rs`) are still queued
/// items for everything that counts them, and come out first.
#[test]
fn the_head_counts_as_queued_and_is_served_first() {
    let q = Queue::bounded(4);
    q.put_batch([1, 2, 3]).unwrap();
    assert_eq!(q.get(), Ok(1)); // moved 1, 2, 3 to the head, served 1
    q.put(4).unwrap(); // into the storage, behind the head
    assert_eq!(q.len(), 3);
    q.put(5).unwrap();
    assert!(q.is_full());
    assert_eq!(q.try_put(6), Err(PutError::Full(6)));
    assert_eq!(q.get_batch(3), Ok(vec![2, 3, 4])); // across both sides
    assert_eq!(q.shutdown_now(), vec![5]);
    let q = Queue::unbounded();
    q.put_batch(1..=4).unwrap();
    assert_eq!(q.get(), Ok(1));
    q.put(5).unwrap();
    assert_eq!(q.shutdown_now(), vec![2, 3, 4, 5]); // head first, then the storage
    assert_eq!(q.unfinished_tasks(), 1); // only the item taken out is left to be done
}
