//! The two-sided core: `one_lock.rs` with the lock split in two, written as a diff from it.
//! `Queue` runs on it ([`Design::TwoSides`](crate::Design), spinning or not).
//!
//! # What changes, and why
//!
//! The one-lock core is the simplest correct design — but when a producer and a consumer run
//! on two cores, every item makes the one lock word travel between them twice, and that
//! traffic, not the work, becomes the cost of an item. So, like Java's `LinkedBlockingQueue`,
//! this queue has two sides with a lock each:
//!
//! - the **put side**, `state`: the storage (`O`, where puts go) and every counter;
//! - the **get side**, `head`: the oldest items, already moved out of the storage, in the order
//!   they will be served. A getter takes from `head` holding only `head`'s lock.
//!
//! Only when `head` runs dry does a getter take the put side's lock as well, and move items
//! over with [`Order::move_to_head`]: a FIFO moves *all* of them at once, so a consumer that
//! keeps up with a producer meets it on a lock once per batch rather than once per item. A
//! LIFO or priority order must move only what is served right away (an item put later may have
//! to come out first), so for them `head` is empty whenever its lock is free and they work as
//! CPython's one-lock design does — except after a `get_batch` whose `Ord` panicked midway:
//! what it had moved stays in `head` and is served first (see [`Priority`]).
//!
//! What it costs: a getter that finds the head empty takes both locks; a putter that must
//! sleep takes the head's lock too (below); the putters must estimate the head's length
//! (`head_estimate`); and the counting rule for a panicking `Ord` (`store_call.rs`) must
//! see both sides. Only a FIFO gains ([`Order::MOVES_ALL`]): a LIFO or priority order moves
//! one item per refill, so `bounded` gives those the one-lock core. What it buys is measured
//! in the README's "Ablation" section.
//!
//! Lock order: `head` before `state`, always — a getter holds `head` while it refills it; no
//! code takes `head` while it holds `state`, so the two locks cannot deadlock.
//!
//! # The lock design: the one-lock core's, with one change
//!
//! The three `Condvar`s, who waits on each, who notifies it and why `notify_one` vs
//! `notify_all`: all as in `one_lock.rs`, all three on `state`'s mutex, the deadline and the
//! sleep from `wait.rs`. The `while` loop is one function here, `wait_until`, because the
//! putters count themselves differently (below). What changes is who can free a slot: a
//! getter holding only `head`'s lock — the next section.
//!
//! Each condition has a count of the threads waiting on it, so that a put with no getter
//! asleep skips the `notify` (a system call on most platforms). A waiter counts itself before
//! it sleeps and uncounts itself after it wakes: a notify may be wasted, never missing.
//!
//! ## The one wakeup that crosses sides
//!
//! Getters and joiners sleep until something happens on the put side, under its lock — the
//! classic pattern. A *putter* sleeps until a getter frees a slot, and getters free slots
//! holding only `head`'s lock. So that is the lock a putter announces itself under: before it
//! sleeps, it counts itself in `waiting_putters` *holding `head`'s lock* (it lets go of
//! `state`'s first, keeping the lock order), then takes `state`'s lock again and re-checks for
//! room; a getter reads `waiting_putters` before it lets go of `head`'s lock. The head lock
//! orders the two: either the getter's critical section came first, and the putter's re-check
//! sees the room it made (`head_len`, also written under that lock), or the putter's came
//! first, and the getter sees it counted and takes `state`'s lock to notify. If the getter
//! gets that lock before the putter's re-check, the re-check sees the room; if after, the
//! putter held the lock until it was asleep on the condvar, and the notify wakes it. The
//! detour costs a putter two extra lock operations, only on its way to sleep; a getter pays
//! nothing extra per item.
//!
//! The put side does not read `head_len` on every put: it keeps `head_estimate`, the head's
//! length at the last refill, which can only be too high (getters shrink the head; only a
//! refill, under both locks, grows it). Only when the queue *looks* full is `head_len` read.
//!
//! # Counters follow the storage
//!
//! As in `one_lock.rs`, a put adds one unfinished task and wakes one getter; a refill only
//! moves items (the queue's length does not change), so it counts nothing and records the
//! head's new length (`record_refill`). For `Fifo` and `Lifo` that is all, written out in
//! `put` and `take_from_head`: their storage calls are a `VecDeque`'s or a `Vec`'s and run no
//! user code. An order that does (a user's `Ord`, [`Order::CALLS_USER_CODE`]) goes through
//! `store_call` (`store_call.rs`) instead, which catches a panic under the locks, makes the
//! counters follow the queue's length before and after, and hands the panic back to be
//! resumed only after the locks are released: no item's `Drop` runs while the queue holds a
//! lock, on any path (see [`Priority`](crate::Priority)).
//!
//! # Spinning, one layer in one place
//!
//! With [`Design::TwoSidesSpinning`](crate::Design), a thread about to sleep for the first
//! time in a wait spins briefly on lock-free hints instead (`spin.rs`); to the `while` loop of
//! `wait_until`, the only place it is applied, a spin is a spurious wakeup. A speed-up only,
//! and loom builds leave it out. Its one other seam: a getter whose hints say nothing is
//! queued takes neither lock before it enters that loop (`take_from_head`), the loop checking
//! under the lock as ever.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::panic::resume_unwind;
use std::sync::PoisonError;

use crossbeam_utils::CachePadded;

use crate::order::Order;
use crate::reentry;
use crate::spin::StoreHint;
use crate::sync::{AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};
use crate::wait::{notify, sleep_on, Cond, Sleepers, Wait};
use crate::{GetError, PutError};

/// The two-sided core: the `LinkedBlockingQueue` shape (see the module docs).
pub(crate) struct TwoSides<T, O: Order<T>> {
    /// The get side: the oldest items, in the order they are served ("The two sides").
    ///
    /// Each side's lock sits on cache lines of its own (`CachePadded`), like the counters
    /// below: if `head`'s lock shared a line with `state`'s, the two sides would fight over
    /// the line even though they never wait for each other's lock.
    pub(crate) head: CachePadded<Mutex<VecDeque<T>>>,
    /// `head.len()`, stored by getters under `head`'s lock, read by putters without it.
    /// On its own cache line, apart from `waiting_putters`, which the other side writes.
    pub(crate) head_len: CachePadded<AtomicUsize>,
    /// The put side: the storage and every counter.
    pub(crate) state: CachePadded<Mutex<State<O>>>,
    pub(crate) not_empty: Condvar,
    pub(crate) not_full: Condvar,
    pub(crate) all_tasks_done: Condvar,
    /// Putters asleep on `not_full`: counted in under `head`'s lock (see "The one wakeup that
    /// crosses sides"), counted out after waking; read by getters under `head`'s lock.
    pub(crate) waiting_putters: CachePadded<AtomicUsize>,
    /// Fixed at construction, so it lives outside the locks. `None` = unbounded.
    pub(crate) capacity: Option<usize>,
    /// Whether the storage holds items, readable without the lock, for spinning (`spin.rs`).
    pub(crate) store_hint: StoreHint,
    /// Whether to spin before sleeping (`spin.rs`): the ablation's switch; on for `Queue`.
    pub(crate) spins: bool,
    // `fn() -> T`, not `T`: the queue owns its items through `O` and `head`; this only names
    // `T`, and it must not make the queue `!Sync` for a `T` that is `Send` but not `Sync`.
    _item: PhantomData<fn() -> T>,
}

/// Everything the put side's lock guards.
pub(crate) struct State<O> {
    pub(crate) store: O,
    /// At least the head's length (see "The one wakeup that crosses sides").
    pub(crate) head_estimate: usize,
    /// Items put and not yet marked done (CPython's `unfinished_tasks`).
    pub(crate) unfinished: usize,
    /// Tasks that ended in a panic (a `TaskGuard` dropped while unwinding, an item a user's
    /// `Order` dropped in a panicking storage call).
    pub(crate) failed: usize,
    pub(crate) shutdown: bool,
    /// Threads asleep on `not_empty` (and how many a put already woke: a put wakes one waiter,
    /// thread or task — `wait.rs::Sleepers`) and on `all_tasks_done` (see "The lock design").
    pub(crate) waiting_getters: Sleepers,
    pub(crate) waiting_joiners: usize,
}

pub(crate) type Guard<'a, O> = MutexGuard<'a, State<O>>;

impl<T, O: Order<T>> TwoSides<T, O> {
    pub(crate) fn new(capacity: Option<usize>, spins: bool) -> Self {
        TwoSides {
            head: CachePadded::new(Mutex::new(VecDeque::new())),
            head_len: CachePadded::new(AtomicUsize::new(0)),
            state: CachePadded::new(Mutex::new(State {
                store: O::default(),
                head_estimate: 0,
                unfinished: 0,
                failed: 0,
                shutdown: false,
                waiting_getters: Sleepers::default(),
                waiting_joiners: 0,
            })),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
            waiting_putters: CachePadded::new(AtomicUsize::new(0)),
            capacity,
            store_hint: StoreHint::new(),
            spins,
            _item: PhantomData,
        }
    }

    /// Locks the put side, recovering from poisoning.
    ///
    /// Why recovering is sound: the only code that can panic while this lock is held is a
    /// storage call of an order that runs user code, and `store_call` catches that panic and
    /// restores every invariant before the lock is released — so the lock is not even poisoned
    /// by it. A poisoned lock could only come from a bug of ours; refusing it would turn one
    /// panic into a panic on every later call.
    pub(crate) fn lock(&self) -> Guard<'_, O> {
        self.lock_side(&self.state)
    }

    /// Locks the get side, recovering from poisoning: a `VecDeque` that only our own code
    /// changes cannot be left half-changed — the one panic possible while it is held is
    /// a refill's storage call, which `store_call` catches and accounts for. (A `cmp` calling
    /// back into the queue panics holding it, inside that call, and poisons it; that is
    /// exactly such a caught panic.)
    pub(crate) fn lock_head(&self) -> MutexGuard<'_, VecDeque<T>> {
        self.lock_side(&self.head)
    }

    /// Either side's lock. For an order that runs user code, a contended lock first checks
    /// that this thread is not inside one of this queue's storage calls, which would wait for
    /// itself (`reentry.rs`); `Fifo` and `Lifo` just lock.
    fn lock_side<'a, X>(&self, mutex: &'a Mutex<X>) -> MutexGuard<'a, X> {
        if O::CALLS_USER_CODE {
            reentry::lock(mutex, self.id())
        } else {
            mutex.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    /// This queue's identity for `reentry.rs`: its address, stable while it is borrowed.
    pub(crate) fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Whether a put fits now — and, when the estimate says the queue is full, first
    /// refreshes `head_estimate` from the head's real length (the one state change here).
    /// The estimate can only be too high, so its yes is trusted without reading `head_len`.
    pub(crate) fn has_room_after_refresh(&self, st: &mut State<O>) -> bool {
        let Some(cap) = self.capacity else {
            return true;
        };
        if st.store.len() + st.head_estimate < cap {
            return true;
        }
        st.head_estimate = self.head_len.load(Ordering::Relaxed);
        st.store.len() + st.head_estimate < cap
    }

    /// `one_lock.rs::put`, its `while` loop in `wait_until` and its room counted on both sides;
    /// `Ok` says how many sleeping getters it woke (0 or 1), as there.
    pub(crate) fn put(&self, item: T, wait: Wait) -> Result<usize, PutError<T>> {
        let st = self.lock();
        // Shut down wins over full: CPython 3.13 checks `is_shutdown` first, and so do we.
        let (mut st, ready) = self.wait_until(Some(st), Cond::NotFull, wait, |st| {
            st.shutdown || self.has_room_after_refresh(st)
        });
        if st.shutdown {
            return Err(PutError::ShutDown(item));
        }
        if !ready {
            return Err(wait.put_error(item));
        }
        if O::CALLS_USER_CODE {
            let woken_before = st.waiting_getters.woken();
            let pushed = self.store_call(&mut st, None, |store, _| store.push(item));
            let woke = st.waiting_getters.woken() - woken_before; // `store_call`'s notify
            drop(st);
            // A panicking `Ord` reaches the caller only now, with the lock released.
            pushed.unwrap_or_else(|panic| resume_unwind(panic));
            Ok(woke)
        } else {
            st.store.push(item); // `Fifo`: `VecDeque::push_back`
            st.unfinished += 1;
            self.store_hint.set(true);
            Ok(self.notify(&mut st, Cond::NotEmpty, 1))
        }
    }

    pub(crate) fn get(&self, wait: Wait) -> Result<T, GetError> {
        self.take_from_head(1, wait, |head| {
            head.pop_front()
                .expect("take_from_head serves at least one item")
        })
    }

    /// The get side of every get: serves `take` from `head` once it holds at least
    /// `min(max, queued)` items (and at least one), blocking per `wait` while nothing is queued.
    /// `take` removes at most `max` items and cannot panic (it only pops and collects).
    /// `#[inline]`: out of line, every get returned its `Result` through memory, and each
    /// layer above copied it again.
    #[inline]
    pub(crate) fn take_from_head<R>(
        &self,
        max: usize,
        wait: Wait,
        take: impl FnOnce(&mut VecDeque<T>) -> R,
    ) -> Result<R, GetError> {
        loop {
            // Where the spin layer runs and its hints say nothing is queued, the getter takes
            // neither lock only to find that out: `wait_until` takes the putters' after its
            // spin. (A stale hint costs a spin, never an item: the loop checks under the lock.)
            if self.hints_say_empty() {
                self.wait_for_items(None, wait)?;
                continue;
            }
            let mut head = self.lock_head();
            if head.len() < max {
                let st = (!head.is_empty() || !self.hints_say_empty()).then(|| self.lock());
                let mut st = match st {
                    Some(st) if !head.is_empty() || !st.store.is_empty() => st,
                    st => {
                        // Nothing queued anywhere. Sleep on the put side only: holding `head`
                        // would make every other getter wait for this one, past their own
                        // deadlines.
                        drop(head);
                        self.wait_for_items(st, wait)?;
                        continue;
                    }
                };
                let want = max - head.len();
                if O::CALLS_USER_CODE {
                    let refilled = self.store_call(&mut st, Some(&mut *head), |store, head| {
                        store.move_to_head(head.expect("a refill has a head"), want)
                    });
                    if let Err(panic) = refilled {
                        // A panicking `Ord`: what the refill moved stays in `head`, served next.
                        drop((st, head));
                        resume_unwind(panic);
                    }
                } else {
                    // `Fifo` moves the whole storage over (one swap): the items stay queued,
                    // so no counter changes.
                    st.store.move_to_head(&mut head, want);
                    self.record_refill(&mut st, &head);
                }
            }
            let len_before = head.len();
            let out = take(&mut head);
            let freed = len_before - head.len();
            self.head_len.store(head.len(), Ordering::Relaxed);
            // Read under `head`'s lock: see "The one wakeup that crosses sides".
            let putters_asleep = self.waiting_putters.load(Ordering::Relaxed) > 0;
            drop(head);
            if freed > 0 && putters_asleep {
                let mut st = self.lock();
                self.notify(&mut st, Cond::NotFull, freed);
            }
            return Ok(out);
        }
    }

    /// A getter that found nothing queued: waits on the put side per `wait` until items
    /// arrive somewhere (`Ok`: the caller takes them the way every getter does, `head` first —
    /// a getter that went straight to the storage could overtake older items another getter
    /// moved to `head` meanwhile), or the wait is over, or the queue is shut down and drained.
    /// After a shutdown, what was put is still delivered.
    fn wait_for_items(&self, st: Option<Guard<'_, O>>, wait: Wait) -> Result<(), GetError> {
        let (st, ready) = self.wait_until(st, Cond::NotEmpty, wait, |st| {
            st.shutdown || !st.store.is_empty() || self.head_has_items()
        });
        if !ready {
            return Err(wait.get_error());
        }
        if st.shutdown && st.store.is_empty() && !self.head_has_items() {
            return Err(GetError::ShutDown);
        }
        Ok(())
    }

    /// Whether the head holds items, asked by a getter about to sleep, under `state`'s lock.
    ///
    /// Items reach the head only in a refill, under that lock, which stores `head_len` before
    /// releasing it: so a `0` read here is the truth (no refill can run meanwhile), while a
    /// positive value may be stale and only costs a look. Why a sleeping getter must ask at
    /// all: the put that woke it may have been moved to the head by another getter's refill —
    /// together with a second item that no one else will take (loom found this).
    fn head_has_items(&self) -> bool {
        self.head_len.load(Ordering::Relaxed) > 0
    }

    /// After a refill, under both locks, where the head's length is exact: from now on
    /// getters can only shrink the head, so the estimate stays at least the real length (see
    /// `has_room_after_refresh`).
    pub(crate) fn record_refill(&self, st: &mut State<O>, head: &VecDeque<T>) {
        st.head_estimate = head.len();
        self.head_len.store(head.len(), Ordering::Relaxed);
        self.store_hint.set(!st.store.is_empty());
    }

    /// The `while` loop of every blocking call: sleeps on `cond` until `ready` holds (returns
    /// true) or the wait is over (returns false). `one_lock.rs`'s loop, but for two things: a
    /// putter counts itself in under the other side's lock (`count_in`), and the spin layer is
    /// applied here, and only here.
    ///
    /// `ready` is checked first and again after every wakeup — including the last one before
    /// the deadline, so a thread woken just as its time runs out still takes what it was woken
    /// for (CPython's `while` loop). A spurious wakeup recomputes the remaining time.
    ///
    /// Before it sleeps, the thread counts itself as waiting and checks `ready` once more: for
    /// a putter, which lets go of the lock to count itself (`announce_putter`), that second look
    /// is half of "The one wakeup that crosses sides"; for the others it is merely redundant.
    pub(crate) fn wait_until<'a>(
        &'a self,
        held: Option<Guard<'a, O>>,
        cond: Cond,
        wait: Wait,
        mut ready: impl FnMut(&mut State<O>) -> bool,
    ) -> (Guard<'a, O>, bool) {
        let mut spun = false;
        // `None`: not locked. Either a getter whose hints said "nothing queued" came in without
        // the lock (`take_from_head`), or the loop let go of it to spin.
        let mut held = held;
        loop {
            let mut st = match held.take() {
                Some(st) => st,
                None => {
                    if !spun && self.spins_before_sleeping(cond) && wait.time_left().is_some() {
                        // The spin layer (`spin.rs`), before the first sleep: unlocked, watch
                        // the lock-free hints for a moment; whatever they show, lock and
                        // re-check. To this loop a spin is a spurious wakeup.
                        spun = true;
                        self.spin(cond);
                    }
                    self.lock()
                }
            };
            if ready(&mut st) {
                return (st, true);
            }
            let Some(left) = wait.time_left() else {
                return (st, false);
            };
            if !spun && self.spins_before_sleeping(cond) {
                drop(st); // `held` is `None`: spin, then lock again
                continue;
            }
            st = self.count_in(st, cond);
            if !ready(&mut st) {
                st = sleep_on(self.condvar(cond), st, left);
            }
            self.count_out(&mut st, cond);
            held = Some(st);
        }
    }

    /// Wakes up to `n` of the threads waiting on `cond`, and no one if none waits; returns how
    /// many it woke for `not_empty` (a getter already woken and not yet running is not woken
    /// twice: `Sleepers`), else `n`. Called with `state`'s lock held (`st`), under which every
    /// waiter counts and uncounts itself.
    pub(crate) fn notify(&self, st: &mut State<O>, cond: Cond, n: usize) -> usize {
        match cond {
            Cond::NotEmpty => return st.waiting_getters.notify(&self.not_empty, n),
            // Relaxed suffices: a sleeping putter counted itself in before it took this lock
            // to sleep, so the lock orders that increment before this read.
            Cond::NotFull => notify(
                &self.not_full,
                self.waiting_putters.load(Ordering::Relaxed),
                n,
            ),
            Cond::AllTasksDone => notify(&self.all_tasks_done, st.waiting_joiners, n),
        }
        n
    }

    fn condvar(&self, cond: Cond) -> &Condvar {
        match cond {
            Cond::NotEmpty => &self.not_empty,
            Cond::NotFull => &self.not_full,
            Cond::AllTasksDone => &self.all_tasks_done,
        }
    }

    /// Counts this thread in as a waiter on `cond`, just before it sleeps: one counter under
    /// `state`'s lock for getters and joiners; a putter announces itself instead.
    fn count_in<'a>(&'a self, mut st: Guard<'a, O>, cond: Cond) -> Guard<'a, O> {
        match cond {
            Cond::NotEmpty => st.waiting_getters.count_in(),
            Cond::AllTasksDone => st.waiting_joiners += 1,
            Cond::NotFull => return self.announce_putter(st),
        }
        st
    }

    /// Counts this thread out as a waiter on `cond`, after it woke. A putter may do it without
    /// `head`'s lock: it is awake, so a getter that still counts it only wastes a notify.
    fn count_out(&self, st: &mut State<O>, cond: Cond) {
        match cond {
            Cond::NotEmpty => st.waiting_getters.count_out(),
            Cond::AllTasksDone => st.waiting_joiners -= 1,
            Cond::NotFull => {
                self.waiting_putters.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// The putter's half of "The one wakeup that crosses sides": lets go of `state`'s lock,
    /// counts itself in `waiting_putters` under `head`'s lock (the lock getters free slots
    /// under), and takes `state`'s lock again; the caller then re-checks for room.
    fn announce_putter<'a>(&'a self, st: Guard<'a, O>) -> Guard<'a, O> {
        drop(st);
        let head = self.lock_head();
        self.waiting_putters.fetch_add(1, Ordering::Relaxed);
        drop(head);
        self.lock()
    }
}
