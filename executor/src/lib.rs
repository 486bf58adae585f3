//! A single-threaded, waker-based executor with a sleep timer and a virtual clock: asyncio's
//! model in safe Rust.
//!
//! Many cooperative tasks share one thread. A task runs until it has to wait (`.await` on
//! something not ready), then the executor runs another one. Nothing preempts a task: a task
//! that never awaits keeps the thread.
//!
//! ```
//! use std::time::Duration;
//! use executor::{run, sleep, spawn};
//!
//! let total = run(async {
//!     let slow = spawn(async { sleep(Duration::from_millis(20)).await; 1 });
//!     let fast = spawn(async { sleep(Duration::from_millis(10)).await; 2 });
//!     slow.await.unwrap() + fast.await.unwrap() // ~20 ms in all, not 30
//! });
//! assert_eq!(total, 3);
//! ```
//!
//! # How the pieces fit together
//!
//! ```text
//!  spawn(fut) ─► slab[id] = task { future ─► result, join waker } ◄─── JoinHandle
//!      │                                               (.await / abort / is_finished)
//!      └─► run queue (ids) ◄───────────────────────────────────┐
//!               ▲                                              │ wake(): scheduled false → true?
//!  run loop, one tick:                                         │   this thread:  push, no lock
//!   1. fire due timers: BTreeMap<(deadline, seq), Waker> ──────┤   other thread: injector
//!   2. drain the injector (Mutex<Vec<id>>) into the run queue  │                 + unpark ───┐
//!   3. poll main (the block_on future) if woken; pop the ids   │                             │
//!      ready now, poll each task with a lent Waker ────► Waker = Arc{ id, scheduled, CrossThread }│
//!      (and main again whenever something woke it)                                           │
//!   4. nothing ready? virtual clock: jump to the next deadline (unless off_thread holds it)  │
//!                     real clock:    IdleSleep::park(until the next deadline) ◄── unpark() ──┘
//!                       without `io`: the condvar Parker
//!                       with `io`:    the Reactor — one epoll_wait for the deadline, unpark()
//!                                     (mio::Waker) and socket readiness, which wakes the tasks
//!                                     waiting on those sockets ◄── net::TcpStream, AsyncFd…
//! ```
//!
//! - A **task** is a spawned future plus the slot its result goes to; it lives in a slab and is
//!   named by an id (slot index + generation). See `task.rs`, `cell.rs`.
//! - Its **waker** carries the id, never the task (tasks are not `Send`, wakers are). Many wakes
//!   before a poll queue it once; a wake during its own poll queues it again. A task owns no
//!   waker: each poll is lent one, which goes back to a pool unless the future kept a clone
//!   (then the task keeps it for its next poll). So a pending task that nobody can wake costs
//!   its cell and its future's box (malloc chunks of 64 and 32 bytes for a small future), a
//!   16-byte slot and a 4-byte generation, plus 8 bytes of run-queue buffer if it was queued
//!   with all the others (the buffer keeps its peak size): ~124 bytes in all (issue #6). See
//!   `waker.rs`, `waker_pool.rs`, `cell.rs`, `task.rs`.
//! - The **run queue** holds the ids of tasks that can make progress.
//! - The **timer** queue holds (deadline, waker) pairs, fired in deadline order and, for equal
//!   deadlines, in the order they were set. See `timer.rs`, `time.rs`.
//! - Everything the executor **drops** for a task (its future, an output nobody reads) is
//!   dropped through a thread-local queue: a panic in a `Drop` stays inside, and a chain of
//!   tasks whose drops reach the next one is dropped in a loop, not by recursion. See
//!   `drop_queue.rs`.
//! - The **parker** puts the thread to sleep when nothing is ready, until the next deadline or a
//!   wake from another thread; a wake that races the executor going to sleep is never lost.
//!   See `parker.rs`.
//! - With the **`io`** feature (on by default) the parker's place is taken by the **reactor**:
//!   the idle executor sleeps in the readiness poll, so sockets (`net`) and any descriptor
//!   (`AsyncFd`) wake their tasks from the executor's own thread. A layer behind that one seam,
//!   in `io/`; `default-features = false` leaves the std-only core. See `io/mod.rs`.
//!
//! # asyncio ↔ executor
//!
//! | asyncio                              | executor                                       |
//! |--------------------------------------|------------------------------------------------|
//! | `asyncio.run(main())`                | [`run`]`(main())`                              |
//! | `asyncio.create_task(coro)`          | [`spawn`]`(fut)` → [`JoinHandle`]              |
//! | `await task`                         | `handle.await` → `Result<T, JoinError>`        |
//! | `await asyncio.sleep(secs)`          | [`sleep`]`(duration).await`                    |
//! | `await asyncio.sleep(0)`             | [`yield_now`]`().await`                        |
//! | `await asyncio.wait_for(coro, secs)` | [`timeout`]`(duration, fut).await`             |
//! | `await asyncio.wait_for(task, secs)` | [`timeout`]`(d, handle.abort_on_drop()).await` |
//! | `await asyncio.gather(a, b, c)`      | [`gather`]`([a, b, c]).await`, [`join`]`(a, b)`|
//! | `task.cancel()`                      | [`JoinHandle::abort`]                          |
//! | `task.done()`                        | [`JoinHandle::is_finished`]                    |
//! | `loop.time()`                        | [`now`]`()`                                    |
//! | `asyncio.CancelledError`             | [`JoinError::is_cancelled`]                    |
//! | `asyncio.TimeoutError`               | [`Elapsed`]                                    |
//! | `asyncio.start_server(cb, h, p)`     | `net::TcpListener::bind(a)?`, `.accept().await`|
//! | `asyncio.open_connection(h, p)`      | `net::TcpStream::connect(a).await` (2)         |
//! | `loop.sock_recv`/`sock_sendall`/…    | the `net` types' methods (2)                   |
//! | `loop.sock_recvfrom`/`sock_sendto`   | `net::UdpSocket::recv_from`/`send_to`          |
//! | `loop.add_reader`/`add_writer`       | `AsyncFd::readable`/`writable` (2)             |
//! | (none built in)                      | [`Executor::with_virtual_clock`]               |
//! | `await asyncio.to_thread(f)`         | [`off_thread`]`(pool.submit(f)).await` (1)     |
//!
//! (1) `queue::WorkerPool::submit`; `off_thread` matters only on the virtual clock, which
//! otherwise ignores work in flight on other threads (see [`Executor::with_virtual_clock`]).
//!
//! (2) Feature `io` (on by default). `TcpStream` and `UnixStream` implement `futures-io`'s
//! `AsyncRead`/`AsyncWrite`, so `futures::io`'s helpers (`read_exact`, `lines`, `copy`) work.
//!
//! # The article's example, in asyncio's order
//!
//! At t = 2.0 s two timers fire together: `fetch_data`'s (set at t = 0) and `print_numbers`'
//! (set at t = 1.75). Equal deadlines fire in the order they were set, so `fetch_data` runs
//! first and finishes, which wakes `main`; `main` is polled as soon as it is woken — before
//! `print_numbers` — so `{'data': 1}` is printed before `8`, exactly as Python does.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use executor::{now, sleep, spawn, Executor};
//!
//! let out = Rc::new(RefCell::new(Vec::<String>::new()));
//! let say = { let out = out.clone(); move |s: String| out.borrow_mut().push(s) };
//! let ex = Executor::with_virtual_clock();
//! ex.block_on(async {
//!     let fetch = spawn({ let say = say.clone(); async move {
//!         say("start fetching".into());
//!         sleep(Duration::from_secs(2)).await;
//!         say("done fetching".into());
//!         1
//!     }});
//!     let numbers = spawn({ let say = say.clone(); async move {
//!         for i in 0..10 {
//!             say(i.to_string());
//!             sleep(Duration::from_millis(250)).await;
//!         }
//!     }});
//!     let t0 = now();
//!     let value = fetch.await.unwrap();
//!     assert_eq!(now() - t0, Duration::from_secs(2));
//!     say(format!("{{'data': {value}}}"));
//!     numbers.await.unwrap();
//! });
//! let expected = "start fetching 0 1 2 3 4 5 6 7 done fetching {'data': 1} 8 9";
//! assert_eq!(out.borrow().join(" "), expected);
//! ```
#![forbid(unsafe_code)]

mod abort_on_drop;
mod clock;
mod context;
mod drop_queue;
mod executor;
mod gather;
mod idle;
#[cfg(all(feature = "io", not(loom)))]
mod io;
mod join_handle;
mod off_thread;
mod parker;
mod slab;
mod sleep;
mod sync;
mod task;
mod timer_queue;
mod waker;
mod waker_pool;
mod yield_now;

#[cfg(test)]
mod tests;

pub use crate::abort_on_drop::AbortOnDrop;
pub use crate::executor::{run, spawn, Executor};
pub use crate::gather::{gather, join, Gather, Join};
#[cfg(all(feature = "io", not(loom)))]
pub use crate::io::net;
#[cfg(all(feature = "io", unix, not(loom)))]
pub use crate::io::{AsyncFd, ReadyGuard};
pub use crate::join_handle::{JoinError, JoinHandle};
pub use crate::off_thread::{off_thread, OffThread};
pub use crate::sleep::{now, sleep, sleep_until, timeout, Elapsed, Sleep, Timeout};
pub use crate::yield_now::{yield_now, YieldNow};

/// Internals exposed to the loom models in `tests/loom_executor.rs` only (`--cfg loom`).
///
/// Most models drive the public API (which runs the real parker, injector and `scheduled` flag
/// under loom's types); the parker also gets a model of its own, because its protocol is the one
/// place where a lost wake would hang the executor.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::parker::Parker;
}
