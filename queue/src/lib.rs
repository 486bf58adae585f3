//! Python's `queue` module in Rust: blocking FIFO, LIFO and priority queues with task tracking
//! (`task_done`/`join`) and shutdown, on `Mutex`es and `Condvar`s only.
//!
//! # The article's worker example, in Rust
//!
//! The Python program starts 10 daemon threads that each loop over `q.get()` … `q.task_done()`,
//! puts 20 items, and waits with `q.join()`. Its flaw: a worker that raises before
//! `task_done()` leaves `join()` waiting forever. Here a worker takes each item as a
//! [`TaskGuard`] — dropping it marks the task done, even during a panic — and instead of
//! daemon threads the workers are scoped threads that end when the queue is shut down.
//!
//! ```
//! use std::sync::Mutex;
//! use queue::Queue;
//!
//! let q = Queue::unbounded();
//! let lines = Mutex::new(Vec::new()); // stands in for stdout, so we can check it
//! std::thread::scope(|s| {
//!     for _ in 0..10 {
//!         s.spawn(|| {
//!             // `get_task` fails only once the queue is shut down and drained.
//!             while let Ok(item) = q.get_task() {
//!                 lines.lock().unwrap().push(format!("Working on {}", *item));
//!                 lines.lock().unwrap().push(format!("Finished {}", *item));
//!             } // `item` dropped here: task_done
//!         });
//!     }
//!     for item in 0..20 {
//!         q.put(item).unwrap();
//!     }
//!     q.join(); // all 20 tasks done
//!     assert_eq!(lines.lock().unwrap().len(), 40);
//!     q.shutdown(); // the workers' loops end; the scope joins the threads
//! });
//! let lines = lines.into_inner().unwrap();
//! for item in 0..20 {
//!     // Threads interleave, but each item is worked on, then finished, exactly once.
//!     let working = lines.iter().position(|l| *l == format!("Working on {item}")).unwrap();
//!     let finished = lines.iter().position(|l| *l == format!("Finished {item}")).unwrap();
//!     assert!(working < finished);
//! }
//! ```
//!
//! # Storage and locking are separate
//!
//! As in CPython, where `LifoQueue` and `PriorityQueue` only override the `_put`/`_get` hooks
//! of `Queue`, the order is a small storage type ([`Fifo`], [`Lifo`], [`Priority`], all
//! implementing [`Order`]) and all the blocking, counting and waking is one generic type,
//! [`BlockingQueue`]. The names you use are aliases: [`Queue`], [`LifoQueue`],
//! [`PriorityQueue`]. Every method exists on all three.
//!
//! Under `BlockingQueue` runs one of two cores, chosen at construction ([`Design`]):
//! - `src/one_lock.rs`, **CPython's design** — one mutex, three condition variables, each
//!   operation one function. `LifoQueue` and `PriorityQueue` run on it. Read it first.
//! - `src/two_sides.rs`, the same queue with a lock for putters and one for getters (Java's
//!   `LinkedBlockingQueue`), so a producer and a consumer on two cores do not pass one lock
//!   back and forth on every item; optionally (`src/spin.rs`) spinning on lock-free hints for
//!   a moment before sleeping. `Queue` runs on it, spinning. Its module docs are written as a
//!   diff from the one-lock design.
//!
//! Every design gives the same observable results (a differential proptest checks it); the
//! README's "Ablation" section measures what each idea buys.
//!
//! # Threads and tasks on one queue
//!
//! Every queue is also awaitable, from a task on any executor (the crate uses only
//! `std::task::Waker`): [`put_async`](BlockingQueue::put_async),
//! [`put_async_until`](BlockingQueue::put_async_until) (a put given up when a timer future of
//! your runtime completes, the item back), [`get_async`](BlockingQueue::get_async),
//! [`get_task_async`](BlockingQueue::get_task_async), [`join_async`](BlockingQueue::join_async)
//! — Python's janus, with no second queue. A thread and a task may wait on the same queue at
//! once; the tasks' waiters sit beside the core's (`src/async_wait.rs`), the futures are in
//! `src/async_face.rs`, and a future that would block first re-polls itself a few times
//! (`src/async_spin.rs`, the tasks' analogue of `src/spin.rs`). On the executor's virtual clock, a task awaiting something that only a
//! thread will do goes through `executor::off_thread`.
//!
//! # Differences from CPython, on purpose
//!
//! - `bounded(0)` panics instead of meaning "unbounded": say [`Queue::unbounded`].
//! - [`shutdown_now`](BlockingQueue::shutdown_now) returns the removed items.
//! - [`get_task`](BlockingQueue::get_task) calls `task_done` on every way out of scope (only a
//!   leaked guard, e.g. `mem::forget`, skips it), and a panicking worker is
//!   counted in [`failed_tasks`](BlockingQueue::failed_tasks).
//! - A panic in a [`PriorityQueue`]'s `Ord` loses no item and leaves the queue consistent,
//!   and an `Ord` that calls back into its queue gets a clear panic (see [`Priority`]).
//! - Batch operations: [`get_batch`](BlockingQueue::get_batch),
//!   [`put_batch`](BlockingQueue::put_batch).
//!
//! # Reading map: one item from put to get
//!
//! A FIFO [`Queue`], bounded, where the put finds the queue full and the get finds it empty,
//! so that both sides block once. Each step names `file::function`, in the order the code
//! runs; "(back)" marks a step into a file the reader has already left.
//!
//! 1. `api.rs::put` → `async_wait.rs::put_then_wake` (the core first, then a look for waiting
//!    tasks) → `queue.rs::on_core` (picks the core) → `two_sides.rs::put`: lock the put side,
//!    `two_sides.rs::lock` (through `reentry.rs::lock`).
//! 2. `wait.rs::wait_until` (the `while` loop with its deadline); its condition is
//!    `two_sides.rs::has_room_after_refresh` (back): full.
//! 3. `wait.rs::may_spin` and `wait.rs::spin` (back): unlock, `spin.rs::spin_until` watches
//!    the lock-free lengths for a moment, lock again, re-check — still full.
//! 4. `wait.rs::count_in` → `wait.rs::announce_putter` (back): count in under
//!    `two_sides.rs::lock_head` (back); `wait.rs::sleep_on` (back) on `not_full`;
//!    `wait.rs::count_out`, re-check: room.
//! 5. `two_sides.rs::put` (back) → `store_call.rs::store_call`: `order.rs::Fifo::push`, then
//!    `spin.rs::StoreHint::set` (back) and `wait.rs::notify` (back) for `not_empty` — here the
//!    put wakes the getter.
//! 6. `api.rs::get` (back) → `async_wait.rs::get_then_wake` (back) → `two_sides.rs::get` →
//!    `two_sides.rs::take_from_head` (back): `wait.rs::spin` (back), then both locks: nothing
//!    queued.
//! 7. `wait.rs::wait_until`: sleep on `not_empty` until the put of step 5 notifies.
//! 8. `two_sides.rs::take_from_head` (back): refill the empty head,
//!    `store_call.rs::store_call` (back) → `order.rs::Fifo::move_to_head` (back) moves every
//!    queued item over; `two_sides.rs::take_from_head` (back) pops the oldest.
//! 9. A putter counted asleep gets `wait.rs::notify` (back) for `not_full`; unlocked,
//!    `async_wait.rs::AsyncWaiters::wake` (back) finds no task waiting; return the item.
//!
//! Nine files (`api`, `async_wait`, `queue`, `two_sides`, `reentry`, `wait`, `spin`,
//! `store_call`, `order`) and 18 steps back, counted at this map's granularity. The same item
//! on the one-lock core ([`Design::OneLock`], or any [`LifoQueue`]) reads `api.rs::put` →
//! `one_lock.rs::put` (lock, `while` loop, `hook` → `order.rs::push`, counters, notify; the
//! deadline and the sleep from `wait.rs`) → `api.rs::get` → `one_lock.rs::get_with`, each
//! through `async_wait.rs`: seven files (`api`, `async_wait`, `queue`, `one_lock`, `reentry`,
//! `wait`, `order`) and about twelve steps back. The target, three files and five steps back,
//! is not reached yet (`docs/decisions.md`).
#![forbid(unsafe_code)]

mod api;
mod async_face;
mod async_spin;
mod async_wait;
mod batch;
mod error;
mod guard;
mod heap;
mod iter;
mod job_error;
mod one_lock;
mod order;
mod pending;
mod pool;
mod pool_builder;
mod queue;
mod reentry;
mod spin;
mod store_call;
mod sync;
mod tasks;
mod two_sides;
mod two_sides_ops;
mod wait;
mod worker;

pub use crate::async_face::{GetAsync, GetTaskAsync, JoinAsync, PutAsync, PutAsyncUntil};
pub use crate::error::{GetError, PutError, TaskDoneError};
pub use crate::guard::TaskGuard;
pub use crate::iter::Iter;
pub use crate::job_error::JobError;
pub use crate::order::{Fifo, Lifo, Order, Priority};
pub use crate::pending::Pending;
pub use crate::pool::WorkerPool;
pub use crate::pool_builder::WorkerPoolBuilder;
pub use crate::queue::{BlockingQueue, Design, LifoQueue, PriorityQueue, Queue};
