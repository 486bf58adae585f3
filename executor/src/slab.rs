//! The task slab: where spawned tasks live, addressed by generation-checked ids.
//!
//! Wakers carry a [`TaskId`], not a pointer to the task: a waker may outlive its task (it can be
//! stored anywhere, on any thread), and the task itself is not `Send`. When a task finishes its
//! slot is reused and the slot's generation is bumped, so an old id — from a stale waker, a
//! stale run-queue entry or a timer — no longer matches and is ignored.
//!
//! **Decision (memory per task):** a slot *is* the task (`task.rs`): its boxed future, its
//! waker (if it keeps one) and three flags, by value — no `Rc` around it, so a task costs one allocation (the
//! future's box). The generations sit in a parallel `Vec<u32>`: in the slot they would round it
//! up by a word (alignment). The price is a second bounds-checked lookup per poll: noise next
//! to a poll.

use crate::task::Task;
pub(crate) use crate::task_packing::Flags;

/// Identifies a task: its slot and the slot's generation when the task was spawned.
/// (A slot is retired before its generation would wrap, so an id is never given twice.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId {
    // Crate-visible for the helpers elsewhere: `task_packing.rs` (one word), `shutdown.rs`.
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl TaskId {
    /// Stands for the `block_on` future in the run queue (see `executor.rs`). Never a slab
    /// index: `insert` stops below `u32::MAX`.
    pub(crate) const MAIN: TaskId = TaskId {
        index: u32::MAX,
        generation: 0,
    };
}

/// What a slot holds while its task is alive.
pub(crate) enum Stage {
    /// Waiting to be polled (in the run queue, or for a wake).
    Idle(Task),
    /// The run loop has the task out and is polling it; its flags stay here meanwhile
    /// (`abort_requested`: `abort` was called — the future cannot be dropped mid-poll, the run
    /// loop cancels it after).
    Polling(Flags),
}

/// One place in the slab: a task, or a link in the list of free places.
enum Slot {
    Occupied(Stage),
    /// Free; holds the index of the next free slot (`NO_SLOT` ends the list).
    Vacant(u32),
}

/// Ends the free list. Never a slab index: `insert` stops below it (it is also `MAIN`'s index).
const NO_SLOT: u32 = u32::MAX;

pub(crate) struct TaskSlab {
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

    /// Stores `task` under [`next_id`](Self::next_id); returns that id.
    /// The task counts as scheduled: the caller puts the id on the run queue.
    pub(crate) fn insert(&mut self, task: Task) -> TaskId {
        let id = self.next_id();
        let entry = Slot::Occupied(Stage::Idle(task));
        if id.index == self.free_head {
            let Slot::Vacant(next) = self.slots[id.index as usize] else {
                unreachable!("the free list links only vacant slots");
            };
            self.free_head = next;
            self.slots[id.index as usize] = entry;
        } else {
            self.slots.push(entry);
            self.generations.push(0);
        }
        self.live += 1;
        id
    }

    /// The live task `id`, if it is still in the slab (`None` for a stale id).
    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut Stage> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        match &mut self.slots[id.index as usize] {
            Slot::Occupied(entry) => Some(entry),
            Slot::Vacant(_) => None,
        }
    }

    /// True while task `id` has not finished.
    pub(crate) fn contains(&self, id: TaskId) -> bool {
        self.generations.get(id.index as usize) == Some(&id.generation)
            && matches!(self.slots[id.index as usize], Slot::Occupied(_))
    }

    /// Frees the slot of task `id`; returns what it held, to be dropped outside the borrow.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<Stage> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        self.vacate(id.index).map(|(_, entry)| entry)
    }

    /// Number of slots, free or not (shutdown's bound).
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Takes the task out of its slot, if any; makes every id of it stale and the slot free.
    pub(crate) fn vacate(&mut self, index: u32) -> Option<(TaskId, Stage)> {
        let slot = &mut self.slots[index as usize];
        if let Slot::Vacant(_) = slot {
            return None;
        }
        let generation = &mut self.generations[index as usize];
        let id = TaskId {
            index,
            generation: *generation,
        };
        // A slot whose generation would wrap is retired, never reused: a new task under an old
        // id would receive the outcome or the wakes meant for the old one (the join table keeps
        // an unread outcome as long as its handle lives). It costs one slot per 2³² tasks.
        let next_free = match generation.checked_add(1) {
            Some(next) => {
                *generation = next;
                std::mem::replace(&mut self.free_head, index) // freed last, reused first
            }
            None => NO_SLOT, // retired: left out of the free list
        };
        let Slot::Occupied(entry) = std::mem::replace(slot, Slot::Vacant(next_free)) else {
            unreachable!("checked just above");
        };
        self.live -= 1;
        Some((id, entry))
    }

    /// Ages every free slot to its last generation, so the next task there is its last
    /// (tests of the retirement at the wrap).
    #[cfg(test)]
    pub(crate) fn age_free_slots(&mut self) {
        for (slot, generation) in self.slots.iter().zip(&mut self.generations) {
            if let Slot::Vacant(_) = slot {
                *generation = u32::MAX;
            }
        }
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
