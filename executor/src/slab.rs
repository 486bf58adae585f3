//! The task slab: where spawned tasks live, addressed by generation-checked ids.
//!
//! Wakers carry a [`TaskId`], not a pointer to the task: a waker may outlive its task (it can be
//! stored anywhere, on any thread), and the task itself is not `Send`. When a task finishes its
//! slot is reused and the slot's generation is bumped, so an old id — from a stale waker or a
//! stale run-queue entry — no longer matches and is ignored.
//!
//! **Decision (memory per task):** a slot is only the task's `Rc` (one `dyn` pointer); the
//! generations sit in a parallel `Vec<u32>`. Keeping the generation in the slot would round the
//! slot up by a word (alignment), and keeping it in the task would push a small task past its
//! malloc chunk (see `task.rs`). The price is a second bounds-checked lookup per poll: noise
//! next to a poll.

use std::rc::Rc;

use crate::task::RawTask;

/// Identifies a task: its slot and the slot's generation when the task was spawned.
/// (Generations wrap after 2³² reuses of one slot; an id that old cannot still be queued.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    index: u32,
    generation: u32,
}

impl TaskId {
    /// Stands for the `block_on` future in the run queue (see `executor.rs`). Never a slab
    /// index: `insert` stops below `u32::MAX`.
    pub(crate) const MAIN: TaskId = TaskId {
        index: u32::MAX,
        generation: 0,
    };
}

/// One place in the slab: a task, or a link in the list of free places.
enum Slot {
    Occupied(Rc<dyn RawTask>),
    /// Free; holds the index of the next free slot (`NO_SLOT` ends the list).
    Vacant(u32),
}

/// Ends the free list. Never a slab index: `insert` stops below it (it is also `MAIN`'s index).
const NO_SLOT: u32 = u32::MAX;

pub(crate) struct TaskSlab {
    /// `Vacant`'s `u32` fits beside the `Rc`'s non-null pointer: no slot grows for the list.
    slots: Vec<Slot>,
    /// `generations[i]` is the generation of `slots[i]` (same length, always).
    generations: Vec<u32>,
    /// The most recently freed slot, reused first (the most likely to be in cache); each
    /// vacant slot links to the one freed before it.
    ///
    /// Why the free list lives in the slots and not in a `Vec<u32>` of its own: such a `Vec`
    /// grows while tasks *finish*, and each time it doubled past a few kilobytes, glibc's
    /// `malloc`, asked for a large block, first merged every small chunk freed since the last
    /// time — tens of thousands of finished tasks' allocations — and stalled the run loop (timers
    /// fired late; `docs/decisions.md` has the measurement). Slots are allocated only while tasks
    /// are spawned.
    free_head: u32,
    live: usize,
}

impl TaskSlab {
    pub(crate) fn new() -> Self {
        TaskSlab {
            slots: Vec::new(),
            generations: Vec::new(),
            free_head: NO_SLOT,
            live: 0,
        }
    }

    /// The id the next `insert` will return: the task's waker is made with it before the task
    /// goes in.
    pub(crate) fn next_id(&self) -> TaskId {
        let index = match self.free_head {
            NO_SLOT => u32::try_from(self.slots.len())
                .ok()
                .filter(|&index| index < NO_SLOT)
                .expect(
                    "executor::spawn: more than 2^32 - 1 tasks alive at once; \
                     let some finish before spawning more",
                ),
            free => free,
        };
        TaskId {
            index,
            generation: self.generations.get(index as usize).copied().unwrap_or(0),
        }
    }

    /// Stores `task` under [`next_id`](Self::next_id); returns that id. The task counts as scheduled: the caller puts the id on
    /// the run queue.
    pub(crate) fn insert(&mut self, task: Rc<dyn RawTask>) -> TaskId {
        let id = self.next_id();
        if id.index == self.free_head {
            let Slot::Vacant(next) = self.slots[id.index as usize] else {
                unreachable!("the free list links only vacant slots");
            };
            self.free_head = next;
            self.slots[id.index as usize] = Slot::Occupied(task);
        } else {
            self.slots.push(Slot::Occupied(task));
            self.generations.push(0);
        }
        self.live += 1;
        id
    }

    /// The task `id`, if it is still in the slab: a clone of its `Rc`, so the poll runs without
    /// a borrow of the slab (the task may spawn). `None` for a stale id.
    pub(crate) fn get(&self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        let Slot::Occupied(task) = &self.slots[id.index as usize] else {
            return None;
        };
        Some(task.clone())
    }

    /// Frees the slot of a finished task; returns the task to be dropped outside the borrow.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        let task = self.vacate(id.index)?;
        self.live -= 1;
        Some(task)
    }

    /// Empties the slab (executor shutdown); the tasks are dropped by the caller, outside the
    /// borrow, because their futures' `Drop` may spawn, wake or abort.
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn RawTask>> {
        let mut tasks = Vec::with_capacity(self.live);
        for index in 0..self.slots.len() {
            tasks.extend(self.vacate(index as u32));
        }
        self.live = 0;
        tasks
    }

    /// Takes the task out of its slot, if any; makes every id of it stale and the slot free.
    fn vacate(&mut self, index: u32) -> Option<Rc<dyn RawTask>> {
        let slot = &mut self.slots[index as usize];
        if let Slot::Vacant(_) = slot {
            return None;
        }
        let Slot::Occupied(task) = std::mem::replace(slot, Slot::Vacant(self.free_head)) else {
            unreachable!("checked just above");
        };
        self.free_head = index;
        let generation = &mut self.generations[index as usize];
        *generation = generation.wrapping_add(1);
        Some(task)
    }

    /// Number of tasks spawned and not yet finished.
    pub(crate) fn len(&self) -> usize {
        self.live
    }
}

// For `waker.rs`'s unit tests, which do not exist under loom.
#[cfg(test)]
#[cfg(not(loom))]
pub(crate) mod tests_support {
    /// A task id for unit tests of other modules.
    pub(crate) fn id(index: u32) -> super::TaskId {
        super::TaskId {
            index,
            generation: 0,
        }
    }
}
