//! Teardown, `abort` and dropping a handle never recurse once per task: chains of tasks whose
//! drops reach the next task — by spawning it, aborting it, or dropping its handle — are
//! dropped in a loop, however long they are.
//!
//! Each test runs on a thread with a 2 MiB stack (the default for spawned threads), where a
//! recursion per task overflowed at about 1 500 links in a debug build. A failure is a stack
//! overflow, which aborts this whole test binary: that is why these tests have a file of
//! their own.

use std::cell::Cell;
use std::rc::Rc;

use executor::{run, spawn, yield_now, Executor, JoinHandle};

/// Links per chain: a million, in a debug build, on a 2 MiB stack.
const LINKS: usize = 1_000_000;

fn on_a_2_mib_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(test)
        .unwrap()
        .join()
        .unwrap();
}

/// A chain link whose `Drop` spawns a task holding the rest of the chain.
struct Link {
    next: Option<Box<Link>>,
    dropped: Rc<Cell<usize>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.dropped.set(self.dropped.get() + 1);
        if let Some(next) = self.next.take() {
            drop(spawn(async move {
                let _next = next;
                yield_now().await
            }));
        }
    }
}

#[test]
fn teardown_where_each_dropped_future_spawns_the_next() {
    on_a_2_mib_stack(|| {
        let dropped = Rc::new(Cell::new(0));
        let mut chain = None;
        for _ in 0..LINKS {
            chain = Some(Box::new(Link {
                next: chain,
                dropped: dropped.clone(),
            }));
        }
        run(async move {
            drop(spawn(async move {
                let _chain = chain;
                std::future::pending::<()>().await
            }));
            yield_now().await;
        });
        assert_eq!(dropped.get(), LINKS);
    });
}

/// Aborts the task it holds when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Spawns `n` pending tasks, each holding the one spawned before it in an [`AbortOnDrop`];
/// returns the last one's handle: aborting it aborts the whole chain.
fn abort_chain(n: usize) -> JoinHandle<()> {
    let mut head = spawn(std::future::pending::<()>());
    for _ in 1..n {
        let guard = AbortOnDrop(head);
        head = spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
    }
    head
}

#[test]
fn abort_of_the_head_of_a_chain_of_pending_tasks() {
    on_a_2_mib_stack(|| {
        let ex = Executor::new();
        let cancelled = ex.block_on(async {
            let head = abort_chain(LINKS);
            yield_now().await; // every task runs once and waits
            head.abort();
            head.await.unwrap_err().is_cancelled()
        });
        assert!(cancelled);
        ex.block_on(yield_now()); // the run loop visits the aborted tasks
                                  // Every task was aborted, so their slots are free once the run loop visited them.
        assert!(format!("{ex:?}").contains("tasks: 0"), "{ex:?}");
    });
}

#[test]
fn teardown_of_a_tree_of_pending_tasks() {
    on_a_2_mib_stack(|| {
        let dropped = Rc::new(Cell::new(0));
        let inside = dropped.clone();
        run(async move {
            // Teardown drops tasks in slot order; make the root take slot 0 so that it is
            // dropped first: slots freed last are reused first, and these finish in order.
            let fillers: Vec<_> = (0..LINKS).map(|_| spawn(async {})).collect();
            yield_now().await;
            drop(fillers);
            // A deep tree: each spine node holds the guards of the next spine node and of a
            // leaf. Spawned leaves first, root last (it gets slot 0).
            let count = |inside: &Rc<Cell<usize>>| CountOnDrop(inside.clone());
            let mut spine: Option<JoinHandle<()>> = None;
            for _ in 0..LINKS / 2 {
                let leaf = spawn({
                    let count = count(&inside);
                    async move {
                        let _count = count;
                        std::future::pending::<()>().await
                    }
                });
                let children = [Some(leaf), spine.take()].into_iter().flatten();
                let guards: Vec<AbortOnDrop> = children.map(AbortOnDrop).collect();
                let count = count(&inside);
                spine = Some(spawn(async move {
                    let _guards = guards;
                    let _count = count;
                    std::future::pending::<()>().await
                }));
            }
            drop(spine); // the root's handle; the tree is left pending
        });
        assert_eq!(dropped.get(), LINKS);
    });
}

struct CountOnDrop(Rc<Cell<usize>>);
impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A finished task's output: the handle of the task spawned before it.
struct Chain {
    _previous: Option<JoinHandle<Chain>>,
    _count: CountOnDrop,
}

#[test]
fn dropping_the_last_handle_of_a_chain_of_finished_tasks() {
    on_a_2_mib_stack(|| {
        let dropped = Rc::new(Cell::new(0));
        let inside = dropped.clone();
        let last = run(async move {
            let mut last: Option<JoinHandle<Chain>> = None;
            for _ in 0..LINKS {
                let chain = Chain {
                    _previous: last.take(),
                    _count: CountOnDrop(inside.clone()),
                };
                last = Some(spawn(async move { chain }));
            }
            yield_now().await; // every task finishes; only `last` holds the chain now
            last
        });
        assert_eq!(dropped.get(), 0);
        drop(last); // outside any executor, which is gone by now
        assert_eq!(dropped.get(), LINKS);
    });
}
