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
//! once, and one put wakes one of them (a sleeping thread first); the tasks' waiters sit
//! beside the core's (`src/async_wait.rs`), the futures are in `src/async_face.rs`, and a
//! future that would block first re-polls itself a few times (`src/async_spin.rs`, the tasks'
//! analogue of `src/spin.rs`). On the executor's virtual clock, a task awaiting something that
//! only a thread will do goes through `executor::off_thread`.
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
//! A FIFO [`Queue`], bounded, each side followed through its blocking branch: the put finds
//! the queue full and waits for room, the get finds it empty and waits for an item. Each step
//! names `file::function` in the order a reader meets them; "(back)" marks a step into a file
//! the reader has already left — coming back to the function they were reading counts too. A
//! helper file is read once, where it is first met.
//!
//! 1. `api.rs::put` → `api.rs::put_on_core`: no unwind guard for a `Fifo`, and `on_core!` is a
//!    `match` on the two cores, in place → `two_sides.rs::put`: `lock` (for a `Fifo` a plain
//!    lock, `lock_side`), then `wait_until`, the `while` loop, whose condition
//!    `has_room_after_refresh` says: full.
//! 2. `wait.rs::Wait::time_left`, read with `sleep_on`, `notify` and `Sleepers` beside it:
//!    the deadline-and-sleep primitive both cores share.
//! 3. `two_sides.rs::wait_until` (back): before the first sleep, the spin layer →
//!    `spin.rs::spins_before_sleeping`, `spin.rs::spin`: unlocked, watch the lock-free hints
//!    for a moment (`spin_until`; `StoreHint` beside it).
//! 4. `two_sides.rs::wait_until` (back): lock again, still full (to the loop the spin was a
//!    spurious wakeup); `count_in` → `announce_putter` counts the putter under `lock_head`;
//!    re-check; `sleep_on` `not_full` until a get frees a slot; `count_out`; room.
//!    `two_sides.rs::put`: `Order::push` (for a `Fifo` `VecDeque::push_back`, said in place),
//!    one more unfinished task, the storage hint, `notify` on `not_empty`
//!    (`Sleepers::notify`, met in step 2): no getter sleeps yet, so it wakes no thread.
//! 5. `api.rs::put_on_core` (back): no thread woken, so the item's wakeup goes to a task —
//!    `waiters.wake` finds none waiting (its inlined `any`, one load).
//!    `api.rs::get` → `api.rs::get_on_core`, as for the put.
//! 6. `two_sides.rs::get` (back) → `take_from_head`: the spin layer's hints
//!    (`hints_say_empty`, beside `spins_before_sleeping` and `StoreHint`, met in step 3) say
//!    nothing is queued, head or storage, so neither lock yet; `wait_for_items` → `wait_until`
//!    on `not_empty`, entered unlocked (the loop of step 4: it spins, locks, sleeps, and a
//!    put's `notify` wakes it); `continue`: both locks, `Order::move_to_head` moves every
//!    queued item to the head (for a `Fifo` one swap, said in place), `record_refill`; pop the
//!    oldest, our item; a putter counted asleep would get `notify` on `not_full`.
//! 7. `api.rs::get_on_core` (back): no task waits for room; the item is returned.
//!
//! **Four files (`api`, `two_sides`, `wait`, `spin`) and five steps back.** The target, three
//! files and five steps back, holds for the locking path without the spin layer, which only
//! changes speed (`spin.rs`, a file of its own as every speed-up is: without it, three files
//! and four steps back). Opening `order.rs` for `Fifo`'s two one-line hooks instead of taking
//! them from their comments adds a file and a step back. The same item on the one-lock core
//! ([`Design::OneLock`], or any [`LifoQueue`]): `api.rs::put` → `one_lock.rs::put` (lock,
//! `while` loop with `wait.rs`'s deadline and sleep, `hook` → `Order::push`, counters,
//! notify) → `api.rs` (back) `::get` → `one_lock.rs::get_with` (back) → `api.rs` (back):
//! three files and four steps back (`docs/decisions.md`, "the reading map, counted again").
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
