//! `Heap`: the binary min-heap under [`Priority`](crate::Priority), on a `Vec`, built to
//! survive a panicking `Ord`.
//!
//! # Why not std's `BinaryHeap`
//!
//! It is memory-safe when `Ord` panics, but not *item*-safe for a queue: its `pop` takes the
//! item out first and sifts afterwards, so when a comparison of that sift panics, the popped
//! item is dropped inside the unwinding call — while the queue holds its locks, and lost.
//!
//! # The two invariants
//!
//! - **The `Vec` is always a permutation of the items.** Every move is a `swap`, so a panic
//!   between two comparisons leaves each item in the `Vec` exactly once. `pop` swaps the root
//!   to the end and sifts the rest *before* it removes the item: if a comparison panics, the
//!   item is still stored, not in a local that the unwinding would drop.
//! - **`ordered` is true only while the heap property holds.** It is cleared before any sift
//!   and set again when the sift finished, so a panicking comparison leaves it false. While it
//!   is false, `push` only appends (comparing would be pointless), and the next `pop` first
//!   rebuilds the heap (Floyd's bottom-up heapify, O(n)). If that panics too, the pop panics,
//!   the items stay, and the next pop tries again: priority order is back as soon as `Ord`
//!   stops panicking.
//!
//! Sifting by swaps makes more writes than std's "hole" technique, which needs `unsafe` to
//! hold an item outside the `Vec`; a priority queue's cost is its comparisons, which are the
//! same (two per level down, one per level up).

/// A min-heap (`<` from `T: Ord`, smallest first) that loses no item to a panicking `Ord`.
#[derive(Debug)]
pub(crate) struct Heap<T> {
    items: Vec<T>,
    /// Whether `items` is a heap; false after a panicking comparison (see the module docs).
    ordered: bool,
}

impl<T> Heap<T> {
    pub(crate) fn new() -> Self {
        Heap {
            items: Vec::new(),
            ordered: true,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The items in no particular order (no comparison runs).
    pub(crate) fn into_unordered(self) -> Vec<T> {
        self.items
    }
}

impl<T: Ord> Heap<T> {
    pub(crate) fn push(&mut self, item: T) {
        self.items.push(item);
        if self.ordered {
            self.ordered = false;
            self.sift_up(self.items.len() - 1);
            self.ordered = true;
        }
    }

    /// Removes the smallest item. On a panic in `Ord`, every item is still stored.
    pub(crate) fn pop(&mut self) -> Option<T> {
        self.restore_order();
        let last = self.items.len().checked_sub(1)?;
        self.items.swap(0, last);
        self.ordered = false;
        self.sift_down(0, last);
        self.ordered = true;
        self.items.pop()
    }

    /// Rebuilds the heap if a panicking comparison left it unordered.
    fn restore_order(&mut self) {
        if !self.ordered {
            let len = self.items.len();
            (0..len / 2).rev().for_each(|i| self.sift_down(i, len));
            self.ordered = true;
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.items[i] < self.items[parent] {
                self.items.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    }

    /// Sifts `items[i]` down within `items[..end]`.
    fn sift_down(&mut self, mut i: usize, end: usize) {
        loop {
            let left = 2 * i + 1;
            if left >= end {
                break;
            }
            let right = left + 1;
            let child = if right < end && self.items[right] < self.items[left] {
                right
            } else {
                left
            };
            if self.items[child] < self.items[i] {
                self.items.swap(i, child);
                i = child;
            } else {
                break;
            }
        }
    }
}
