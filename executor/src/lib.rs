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
//!  spawn(fut) ─► slab[id] = task { Box<future>, kept waker?, flags } JoinHandle { id }
//!      │          outcome ─► join table, id → awaiter's waker / outcome ◄─ (.await / abort
//!      │          (only while the handle lives; a detached task: dropped)    / is_finished)
//!      └─► run queue (ids) ◄───────────────────────────────────┐
//!               ▲                                              │ wake(): scheduled false → true?
//!  run loop, one tick:                                         │   this thread:  push, no lock
//!   1. fire due timers: (deadline, seq) → task id | Waker ─────┤   other thread: injector
//!   2. drain the injector (Mutex<Vec<id>>) into the run queue  │                 + unpark ───┐
//!   3. poll main (the block_on future) if woken; pop the ids   │                             │
//!      ready now, poll each with a lent (or kept) Waker ──► Waker = Arc{ id, scheduled,      │
//!      (and main again whenever something woke it)                        CrossThread }      │
//!   4. nothing ready? virtual clock: jump to the next deadline (unless off_thread holds it;  │
//!                     ready I/O first)                                                       │
//!                     real clock:    IdleSleep::park(until the next deadline) ◄── unpark() ──┘
//!                       without `io`: the condvar Parker
//!                       with `io`:    the Reactor — one epoll_wait for the deadline, unpark()
//!                                     (mio::Waker) and socket readiness, which wakes the tasks
//!                                     waiting on those sockets ◄── net::TcpStream, AsyncFd…
//! ```
//!
//! - A **task** is a spawned future in its one allocation (the box) and a few flags; it
//!   lives by value in a slab slot and is named by an id (slot index + generation). Its output
//!   goes to the executor's join table if its handle is alive. See `task.rs`, `slab.rs`.
//! - A **waker** carries the id, never the task (tasks are not `Send`, wakers are), and a
//!   reference to the executor's cross-thread half. Many wakes before a poll queue it once; a
//!   wake during its own poll queues it again. See `waker.rs`. Each poll is lent one; the task
//!   keeps it only if its future cloned it (a layer: `lent_waker.rs`; `--cfg
//!   executor_owned_waker`, the textbook task owning its waker for life).
//! - The **run queue** holds the ids of tasks that can make progress; the **run loop** pops
//!   them, one tick at a time. See `run_loop.rs`.
//! - The **timer queue** holds (deadline, target) pairs — the target is the sleeping task's id
//!   when its own waker polled the `Sleep`, a waker otherwise (a memory layer: `task_timers.rs`) —
//!   fired in deadline order and, for equal
//!   deadlines, in the order they were set. See `timer_queue.rs` (and `timer_run.rs`, a layer:
//!   timers set in deadline order go to a sorted run, the others to a B-tree); the `sleep` and `timeout`
//!   futures that fill it are in `sleep.rs` and `timeout.rs`; the **clock** (real or virtual) in `clock.rs`.
//! - The **parker** puts the thread to sleep when nothing is ready, until the next deadline or a
//!   wake from another thread; a wake that races the executor going to sleep is never lost.
//!   See `parker.rs`, and `idle.rs` for how long it parks before a deadline.
//! - With the **`io`** feature (on by default) the parker's place is taken by the **reactor**:
//!   the idle executor sleeps in the readiness poll, so sockets (`net`) and any descriptor
//!   (`AsyncFd`) wake their tasks from the executor's own thread. A layer behind that one seam,
//!   in `io/` (the seam: `IdleSleep`, `idle_sleep.rs`); `default-features = false` leaves the
//!   std-only core. See `io/mod.rs`.
//!
//! Layers a reader of the core can skip: `JoinHandle` and its side of a task
//! (`join_handle.rs`; who awaits a task and the outcome not read yet, in a table:
//! `join_table.rs`), `gather`/`join` (`gather.rs`), what the executor drops for a task
//! (`drop_queue.rs`: a panic in a `Drop` stays inside, a chain of drops runs in a loop, not by
//! recursion), teardown (`shutdown.rs`), `off_thread`, `abort_on_drop`, `yield_now`, the waker
//! lent to each poll and kept only if the future cloned it (`lent_waker.rs`; the textbook task
//! owning its waker: `owned_waker.rs`, `--cfg executor_owned_waker`), timers filed by task id
//! and the run loop noting which waker is a task's own (`task_timers.rs`), a task's id packed in
//! one word and its flags in its slot's padding (`task_packing.rs`), on the real clock the
//! timers that come due during a long tick firing within it, their tasks first (`mid_tick_timers.rs`, which
//! also hands the tick its next task), a long tick looking for I/O every few dozen polls
//! (`mid_tick_io.rs`; compiled away without `io`), the [`Spawner`] that hands futures
//! over from other threads through an inbox and one receiving task (`spawner.rs`,
//! `spawn_handle.rs`), and `run_until_stalled`/`run_until_done`, `block_on` of a main that
//! re-queues itself (`run_until.rs`). None of them changes the run loop's steps.
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
//! | `asyncio.TaskGroup`, `tg.create_task`| [`TaskGroup`], `group.spawn(fut)`; leaving the `async with`: `group.join_all().await` (`try_join_all` for `Result`s) |
//! | `asyncio.as_completed(tasks)`        | `group.join_next().await` ([`TaskGroup::join_next`]); futures' `FuturesUnordered` |
//! | `asyncio.wait({a, b}, return_when=FIRST_COMPLETED)` | [`race`]`(a, b).await` → [`Either`]; more than two: futures' `select!` |
//! | `while True: …; await asyncio.sleep(p)` | [`interval`]`(p)`, `ticks.tick().await` (no drift; [`MissedTickBehavior`]) |
//! | `asyncio.Timeout.reschedule(when)`   | [`Sleep::reset`]`(deadline)`                   |
//! | `asyncio.Event`                      | `event_listener::Event` plus a flag (crate event-listener) |
//! | `asyncio.Lock`, `asyncio.Semaphore`  | `async_lock::Mutex`, `async_lock::Semaphore` (crate async-lock) |
//! | `asyncio.Queue`                      | `queue::Queue`'s `put_async`/`get_async`/`join_async`, or `async_channel::bounded(n)` (crate async-channel) |
//! | `asyncio.start_server(cb, h, p)`     | `net::TcpListener::bind(a)?`, `.accept().await`|
//! | `asyncio.open_connection(h, p)`      | `net::TcpStream::connect(a).await` (2)         |
//! | `loop.sock_recv`/`sock_sendall`/…    | the `net` types' methods (2)                   |
//! | `loop.sock_recvfrom`/`sock_sendto`   | `net::UdpSocket::recv_from`/`send_to`          |
//! | `loop.add_reader`/`add_writer`       | `AsyncFd::readable`/`writable` (2)             |
//! | `asyncio.run_coroutine_threadsafe(coro, loop)`, `loop.call_soon_threadsafe(cb)` | [`Executor::spawner`] → [`Spawner`]; `spawner.spawn(fut)` from any thread → [`SpawnHandle`] (`.wait()` on a thread, `.await` in a task); [`Spawner::spawn_with`] for a future that is not `Send` |
//! | `loop.run_until_complete(fut)`       | [`Executor::block_on`]`(fut)`                  |
//! | (futures' `LocalPool::run_until_stalled`) | [`Executor::run_until_stalled`]           |
//! | (futures' `LocalPool::run`)          | [`Executor::run_until_done`]                   |
//! | (none built in)                      | [`Executor::with_virtual_clock`]               |
//! | `await asyncio.to_thread(f)`         | [`off_thread`]`(pool.submit(f)).await` (1)     |
//!
//! (1) `queue::WorkerPool::submit`; `off_thread` matters only on the virtual clock, which
//! otherwise ignores work in flight on other threads (see [`Executor::with_virtual_clock`]).
//!
//! (2) Feature `io` (on by default). `TcpStream` and `UnixStream` implement `futures-io`'s
//! `AsyncRead`/`AsyncWrite`, so `futures::io`'s helpers (`read_exact`, `lines`, `copy`) work.
//!
//! The rows that name other crates are checked, on this executor, by
//! `tests/tests/ecosystem.rs`: those crates run on any executor, so they are not rebuilt here.
//!
//! # Layers on the public API
//!
//! `task_group.rs` ([`TaskGroup`]), `interval.rs` ([`interval`]) and `race.rs` ([`race`]) use
//! only what a user of the crate could: `spawn`, `JoinHandle`, `Sleep`, `now`, `Waker`.
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
//!
//! # Reading map: one task from spawn to its result
//!
//! Follow `spawn(async { sleep(d).await; 7 })` awaited through its `JoinHandle`. Eight files:
//! `run_loop.rs`, `task.rs`, `lent_waker.rs`, `task_timers.rs`, `sleep.rs`, `timer_queue.rs`,
//! `join_table.rs`, `join_handle.rs` (and `waker.rs` for a waker clone woken elsewhere); the
//! helpers named in passing (`executor.rs`, `slab.rs`, `context.rs`) do what their names say
//! and need not be opened.
//!
//! 1. **spawn** — `spawn` (`executor.rs`, a forward to the running executor) calls
//!    `run_loop.rs::Core::spawn`: the task is built by `task.rs::Task::new` — the future boxed
//!    (its one allocation), no waker yet, flags `joined` (a handle is alive) and `scheduled` —
//!    stored by value in the slab (`slab.rs::TaskSlab::insert`), and its id goes on the run
//!    queue; the handle holds the id, a `Weak` of the executor and the join table.
//! 2. **first poll** — `run_loop.rs::Core::block_on` runs ticks; the tick pops the id (through
//!    `Core::next_in_tick`, a layer's, which a first read can take for `pop_front`) and calls
//!    `run_loop.rs::Core::run_task`: the task is moved out of its slot (which says `Polling`)
//!    and `task.rs::Task::poll` polls the future with a waker lent for this poll (a layer's:
//!    `lent_waker.rs::PollWaker::poll_with`, the executor's spare waker re-addressed to this
//!    task; `task_timers.rs::Core::poll_as` notes it as this task's own).
//! 3. **sleep registers** — the future polls `sleep.rs::Sleep::poll`: the deadline is "now +
//!    d"; the waker in its `Context` is its task's own (`task_timers.rs::Core::own_task`), so
//!    `timer_queue.rs::TimerQueue::insert` stores (deadline, `Target::Task(id)`) — no waker
//!    clone. `Pending` returns; nobody cloned the lent waker, so it goes back to the spare and
//!    the task holds none; `Core::run_task` puts the task back (`Stage::Idle`).
//! 4. **timer fires** — nothing is ready, so `run_loop.rs::Core::idle` parks until the deadline
//!    (or, on the virtual clock, jumps to it); the next tick's
//!    `run_loop.rs::Core::fire_due_timers` takes the entry (`timer_queue.rs::TimerQueue::pop_due`)
//!    and wakes its target (`task_timers.rs::Target::wake`): a task id, through its slot
//!    (`Core::wake_task`, same file).
//! 5. **wake** — `lent_waker.rs::PollWaker::wake` flips the slot's `scheduled` flag from false to true and
//!    puts the id on the run queue, so many wakes before a poll queue it once; the next poll
//!    clears the flag first, so a wake during that poll queues the task again. (A waker clone
//!    woken anywhere does the same with the waker's own atomic flag:
//!    `waker.rs::TaskWaker::wake_by_ref`, on this thread without a lock through
//!    `context.rs::push_local`, from another thread through the injector.)
//! 6. **re-poll** — the tick after, `Core::run_task` → `Task::poll` again → `Sleep::poll`
//!    finds the deadline passed: `Ready`; the future returns 7.
//! 7. **completion** — back in `Core::run_task` the slot is freed (`slab.rs::TaskSlab::remove`)
//!    and `task.rs::Core::finish` stores `Ok(7)` in the join table (a layer's:
//!    `join_table.rs::JoinTable::finish`, since the slot said `joined`), then drops the future
//!    (and retires a waker the task kept, if any); `run_task` wakes whoever awaits the handle.
//! 8. **JoinHandle** — the awaiting future is polled again: `join_handle.rs::JoinHandle::poll`
//!    takes `Ok(7)` out of the table (`JoinTable::take`) and downcasts it. (Had it been polled
//!    before the task finished, it would have left its waker in the table,
//!    `JoinTable::register`.)
//!
//! Jumps back to a file already open: 15 (2 → `run_loop`, `task`; 3 → `task_timers`,
//! `lent_waker`, `run_loop`; 4 → `run_loop`, `timer_queue`, `task_timers`; 5 → `lent_waker`;
//! 6 → `run_loop`, `task`, `sleep`; 7 → `run_loop`, `task`; 8 → `join_table`).
#![forbid(unsafe_code)]

mod abort_on_drop;
mod clock;
mod context;
mod drop_queue;
mod executor;
mod gather;
mod idle;
mod idle_sleep;
mod interval;
#[cfg(all(feature = "io", not(loom)))]
mod io;
mod join_handle;
mod join_table;
#[cfg(not(executor_owned_waker))]
mod lent_waker;
mod mid_tick_io;
mod mid_tick_timers;
mod off_thread;
#[cfg(executor_owned_waker)]
mod owned_waker;
mod parker;
mod race;
mod run_loop;
mod run_until;
mod shutdown;
mod slab;
mod sleep;
mod spawn_handle;
mod spawner;
mod sync;
mod task;
mod task_group;
mod task_packing;
mod task_timers;
mod timeout;
mod timer_queue;
mod timer_run;
mod waker;
mod yield_now;

#[cfg(test)]
mod tests;

pub use crate::abort_on_drop::AbortOnDrop;
pub use crate::executor::{run, spawn, Executor};
pub use crate::gather::{gather, join, Gather, Join};
pub use crate::interval::{interval, interval_at, Interval, MissedTickBehavior};
#[cfg(all(feature = "io", not(loom)))]
pub use crate::io::net;
#[cfg(all(feature = "io", unix, not(loom)))]
pub use crate::io::{AsyncFd, ReadyGuard};
pub use crate::join_handle::{JoinError, JoinHandle};
pub use crate::off_thread::{off_thread, OffThread};
pub use crate::race::{race, Either, Race};
pub use crate::sleep::{now, sleep, sleep_until, Sleep};
pub use crate::spawn_handle::SpawnHandle;
pub use crate::spawner::{SpawnError, Spawner};
pub use crate::task_group::TaskGroup;
pub use crate::timeout::{timeout, Elapsed, Timeout};
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
