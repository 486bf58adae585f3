//! The task slab: where spawned tasks live, addressed by generation-checked ids.
//!
//! Wakers carry a [`TaskId`], not a pointer to the task: a waker may outlive its task (it can be
//! stored anywhere, on any thread), and the task itself is not `Send`. When a task finishes its
//! slot is reused and the slot's generation is bumped, so an old id — from a stale waker or a
//! stale run-queue entry — no longer matches and is ignored.
//!
//! Each slot also keeps the `Arc<TaskWaker>` of its last task. If nobody else holds it any more
//! (`Arc::get_mut` succeeds), the next task in that slot reuses it: one allocation fewer per
//! spawn in the usual "spawn, await, spawn again" pattern.

use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;

use crate::waker::{Shared, TaskWaker};

/// Identifies a task: its slot and the slot's generation when the task was spawned.
/// (Generations wrap after 2³² reuses of one slot; an id that old cannot still be queued.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// What the run loop needs from a task, whatever its future's type.
pub(crate) trait RawTask {
    /// Polls the task's future once; true when the task is finished and its slot can be freed.
    fn poll(&self) -> bool;
    /// Drops the future now (executor shutdown); the join handle will yield "cancelled".
    fn shutdown(&self);
}

#[derive(Debug, Default)]
pub(crate) struct TaskSlab {
    slots: Vec<Slot>,
    /// Indices of empty slots, reused last-in first-out (the most recently freed slot is the
    /// most likely to be in cache, and its waker the most likely to be reusable).
    free: Vec<u32>,
    live: usize,
}

struct Slot {
    generation: u32,
    task: Option<Rc<dyn RawTask>>,
    waker: Arc<TaskWaker>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("generation", &self.generation)
            .field("occupied", &self.task.is_some())
            .finish()
    }
}

impl TaskSlab {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Stores a new task built by `make` from its waker; returns the task's id. The task counts
    /// as scheduled: the caller puts the id on the run queue.
    pub(crate) fn insert(
        &mut self,
        shared: &Arc<Shared>,
        make: impl FnOnce(Waker) -> Rc<dyn RawTask>,
    ) -> TaskId {
        let id = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                let id = TaskId {
                    index,
                    generation: slot.generation,
                };
                match Arc::get_mut(&mut slot.waker) {
                    Some(waker) => waker.reset(id),
                    None => slot.waker = Arc::new(TaskWaker::new(id, shared.clone())),
                }
                id
            }
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&index| index < TaskId::MAIN.index)
                    .expect("more than 2^32 - 1 live tasks");
                let id = TaskId {
                    index,
                    generation: 0,
                };
                self.slots.push(Slot {
                    generation: 0,
                    task: None,
                    waker: Arc::new(TaskWaker::new(id, shared.clone())),
                });
                id
            }
        };
        let slot = &mut self.slots[id.index as usize];
        slot.task = Some(make(Waker::from(slot.waker.clone())));
        self.live += 1;
        id
    }

    /// The task `id` ready to be polled: clears its `scheduled` flag (so a wake during the poll
    /// queues it again) and hands out a clone of its `Rc`, so the poll runs without a borrow of
    /// the slab (the task may spawn). `None` for a stale id.
    pub(crate) fn prepare_poll(&self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        let task = slot.task.as_ref()?;
        slot.waker.clear_scheduled();
        Some(task.clone())
    }

    /// Frees the slot of a finished task; returns the task to be dropped outside the borrow.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        let task = slot.task.take()?;
        Self::retire(slot);
        self.free.push(id.index);
        self.live -= 1;
        Some(task)
    }

    /// Empties the slab (executor shutdown); the tasks are dropped by the caller, outside the
    /// borrow, because their futures' `Drop` may spawn, wake or abort.
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn RawTask>> {
        let mut tasks = Vec::with_capacity(self.live);
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Some(task) = slot.task.take() {
                Self::retire(slot);
                self.free.push(index as u32);
                tasks.push(task);
            }
        }
        self.live = 0;
        tasks
    }

    fn retire(slot: &mut Slot) {
        slot.generation = slot.generation.wrapping_add(1);
        slot.waker.retire();
    }

    /// Number of tasks spawned and not yet finished.
    pub(crate) fn len(&self) -> usize {
        self.live
    }
}

// Its only user, `waker.rs`'s unit tests, does not exist under loom.
#[cfg(all(test, not(loom)))]
pub(crate) mod tests_support {
    /// A task id for unit tests of other modules.
    pub(crate) fn id(index: u32) -> super::TaskId {
        super::TaskId {
            index,
            generation: 0,
        }
    }
}
