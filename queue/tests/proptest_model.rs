//! Model-based tests: random operation sequences against a plain model, for all three orders
//! on every design; a differential test (the same sequence gives the same observable results
//! on every design); and a concurrent property over random producer/consumer setups, run on
//! every design.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use proptest::prelude::*;
use queue::{
    BlockingQueue, Design, Fifo, GetError, Lifo, Order, Priority, PutError, TaskDoneError,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

/// Every operation that cannot block (blocking ones are only issued when the model says they
/// return at once).
#[derive(Debug, Clone)]
enum Op {
    TryPut(i32),
    PutZeroTimeout(i32),
    TryGet,
    GetZeroTimeout,
    GetTask { keep: bool },
    TaskDone,
    GetBatch(usize),
    PutBatch(Vec<i32>),
    Shutdown,
    ShutdownNow,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<i8>().prop_map(|x| Op::TryPut(x.into())),
        1 => any::<i8>().prop_map(|x| Op::PutZeroTimeout(x.into())),
        3 => Just(Op::TryGet),
        1 => Just(Op::GetZeroTimeout),
        1 => any::<bool>().prop_map(|keep| Op::GetTask { keep }),
        2 => Just(Op::TaskDone),
        1 => (1usize..5).prop_map(Op::GetBatch),
        1 => prop::collection::vec(any::<i8>().prop_map(i32::from), 0..4).prop_map(Op::PutBatch),
        1 => Just(Op::Shutdown),
        1 => Just(Op::ShutdownNow),
    ]
}

/// The reference: a `VecDeque` served from the front (FIFO), the back (LIFO) or at its
/// minimum (priority: a sorted model would do the same), plus the counters.
struct Model {
    kind: Kind,
    items: VecDeque<i32>,
    cap: Option<usize>,
    unfinished: usize,
    shutdown: bool,
}

impl Model {
    fn has_room(&self) -> bool {
        self.cap.map_or(true, |c| self.items.len() < c)
    }
    fn put(&mut self, x: i32) {
        self.items.push_back(x);
        self.unfinished += 1;
    }
    fn pop(&mut self) -> Option<i32> {
        match self.kind {
            Kind::Fifo => self.items.pop_front(),
            Kind::Lifo => self.items.pop_back(),
            Kind::Priority => {
                let min = self.items.iter().enumerate().min_by_key(|&(_, x)| *x)?.0;
                self.items.remove(min)
            }
        }
    }
    fn get(&self, nonblocking_err: GetError) -> Result<(), GetError> {
        match (self.items.is_empty(), self.shutdown) {
            (false, _) => Ok(()),
            (true, true) => Err(GetError::ShutDown),
            (true, false) => Err(nonblocking_err),
        }
    }
}

fn run<O: Order<i32>>(q: BlockingQueue<i32, O>, kind: Kind, ops: Vec<Op>) {
    let mut m = Model {
        kind,
        items: VecDeque::new(),
        cap: q.capacity(),
        unfinished: 0,
        shutdown: false,
    };
    for op in ops {
        match op {
            Op::TryPut(x) | Op::PutZeroTimeout(x) => {
                let zero = matches!(op, Op::PutZeroTimeout(_));
                let got = if zero {
                    q.put_timeout(x, Duration::ZERO)
                } else {
                    q.try_put(x)
                };
                let want = match (m.shutdown, m.has_room()) {
                    (true, _) => Err(PutError::ShutDown(x)),
                    (false, true) => {
                        m.put(x);
                        Ok(())
                    }
                    (false, false) if zero => Err(PutError::Timeout(x)),
                    (false, false) => Err(PutError::Full(x)),
                };
                assert_eq!(got, want);
            }
            Op::TryGet | Op::GetZeroTimeout => {
                let zero = matches!(op, Op::GetZeroTimeout);
                let got = if zero {
                    q.get_timeout(Duration::ZERO)
                } else {
                    q.try_get()
                };
                let err = if zero {
                    GetError::Timeout
                } else {
                    GetError::Empty
                };
                assert_eq!(got, m.get(err).map(|()| m.pop().unwrap()));
            }
            Op::GetTask { keep } => {
                if m.get(GetError::Empty).is_ok() || m.shutdown {
                    let task = q.get_task();
                    assert_eq!(
                        task.as_ref().map(|t| **t).map_err(|e| *e),
                        m.get(GetError::Empty).map(|()| m.pop().unwrap())
                    );
                    if task.is_ok() {
                        // The guard's task_done; a no-op if `TaskDone` already ran too often.
                        m.unfinished = m.unfinished.saturating_sub(1);
                    }
                    if keep {
                        let _item: Option<i32> = task.ok().map(|t| t.into_inner());
                    }
                }
            }
            Op::TaskDone => {
                let want = if m.unfinished > 0 {
                    m.unfinished -= 1;
                    Ok(())
                } else {
                    Err(TaskDoneError)
                };
                assert_eq!(q.task_done(), want);
            }
            Op::GetBatch(max) => {
                if m.get(GetError::Empty).is_ok() || m.shutdown {
                    let want = m
                        .get(GetError::Empty)
                        .map(|()| (0..max).map_while(|_| m.pop()).collect::<Vec<_>>());
                    assert_eq!(q.get_batch(max), want);
                }
            }
            Op::PutBatch(xs) => {
                let room = m.cap.map_or(usize::MAX, |c| c - m.items.len());
                if m.shutdown {
                    assert_eq!(q.put_batch(xs.clone()), Err(PutError::ShutDown(xs)));
                } else if xs.len() <= room {
                    assert_eq!(q.put_batch(xs.clone()), Ok(()));
                    xs.into_iter().for_each(|x| m.put(x));
                }
            }
            Op::Shutdown => {
                q.shutdown();
                m.shutdown = true;
            }
            Op::ShutdownNow => {
                let want: Vec<i32> = std::iter::from_fn(|| m.pop()).collect();
                m.unfinished = m.unfinished.saturating_sub(want.len());
                m.shutdown = true;
                assert_eq!(q.shutdown_now(), want);
            }
        }
        assert_eq!(q.len(), m.items.len());
        assert_eq!(q.is_empty(), m.items.is_empty());
        assert_eq!(q.is_full(), !m.has_room());
        assert_eq!(q.unfinished_tasks(), m.unfinished);
        assert_eq!(q.is_shutdown(), m.shutdown);
        assert_eq!(q.join_timeout(Duration::ZERO), m.unfinished == 0);
        assert_eq!(q.failed_tasks(), 0);
    }
}

fn capacity() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.8, 1usize..6)
}

fn make<T, O: Order<T>>(cap: Option<usize>) -> BlockingQueue<T, O> {
    cap.map_or_else(BlockingQueue::unbounded, BlockingQueue::bounded)
}

const DESIGNS: [Design; 3] = [Design::OneLock, Design::TwoSides, Design::TwoSidesSpinning];

/// Every observable result of `ops` on `q`, one line per operation (its result and the
/// counters after it), for comparing two designs line by line.
fn trace<O: Order<i32>>(q: BlockingQueue<i32, O>, ops: &[Op]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut lines = Vec::new();
    for op in ops {
        let result = match op.clone() {
            Op::TryPut(x) => format!("{:?}", q.try_put(x)),
            Op::PutZeroTimeout(x) => format!("{:?}", q.put_timeout(x, Duration::ZERO)),
            Op::TryGet => format!("{:?}", q.try_get()),
            Op::GetZeroTimeout => format!("{:?}", q.get_timeout(Duration::ZERO)),
            Op::GetTask { keep } if q.is_empty() && !q.is_shutdown() => format!("skip {keep}"),
            Op::GetTask { keep } => match q.get_task() {
                Ok(task) if keep => {
                    let shown = format!("Ok({})", *task);
                    kept.push(task);
                    shown
                }
                other => format!("{:?}", other.map(|t| *t)),
            },
            Op::TaskDone => format!("{:?}", q.task_done()),
            Op::GetBatch(_) if q.is_empty() && !q.is_shutdown() => "skip".to_string(),
            Op::GetBatch(n) => format!("{:?}", q.get_batch(n)),
            Op::PutBatch(items) if q.capacity().is_some_and(|c| q.len() + items.len() > c) => {
                "skip".to_string()
            }
            Op::PutBatch(items) => format!("{:?}", q.put_batch(items)),
            Op::Shutdown => format!("{:?}", q.shutdown()),
            Op::ShutdownNow => format!("{:?}", q.shutdown_now()),
        };
        lines.push(format!("{op:?} -> {result} | {q:?}"));
    }
    lines
}

fn with<T, O: Order<T>>(cap: Option<usize>, design: Design) -> BlockingQueue<T, O> {
    BlockingQueue::with_design(cap, design)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn fifo_matches_the_model(cap in capacity(), ops in prop::collection::vec(op(), 0..60)) {
        run(make::<_, Fifo<_>>(cap), Kind::Fifo, ops.clone());
        for design in DESIGNS {
            run(with::<_, Fifo<_>>(cap, design), Kind::Fifo, ops.clone());
        }
    }

    #[test]
    fn lifo_matches_the_model(cap in capacity(), ops in prop::collection::vec(op(), 0..60)) {
        run(make::<_, Lifo<_>>(cap), Kind::Lifo, ops.clone());
        run(with::<_, Lifo<_>>(cap, Design::TwoSides), Kind::Lifo, ops);
    }

    #[test]
    fn priority_matches_the_model(cap in capacity(), ops in prop::collection::vec(op(), 0..60)) {
        run(make::<_, Priority<_>>(cap), Kind::Priority, ops.clone());
        run(with::<_, Priority<_>>(cap, Design::TwoSides), Kind::Priority, ops);
    }

    /// The differential test: every design gives the same results, line by line.
    #[test]
    fn every_design_gives_the_same_results(
        cap in capacity(),
        ops in prop::collection::vec(op(), 0..60),
    ) {
        let one_lock = trace(with::<_, Fifo<_>>(cap, Design::OneLock), &ops);
        for design in [Design::TwoSides, Design::TwoSidesSpinning] {
            prop_assert_eq!(&trace(with::<_, Fifo<_>>(cap, design), &ops), &one_lock);
        }
        let one_lock = trace(with::<_, Priority<_>>(cap, Design::OneLock), &ops);
        prop_assert_eq!(&trace(with::<_, Priority<_>>(cap, Design::TwoSides), &ops), &one_lock);
    }
}

/// One random producer/consumer run: producers put `(producer, seq)` pairs (odd producers in
/// runs of three with `put_batch`), consumers take with `get_task` or `get_batch` and record
/// what they saw, in the order they saw it.
fn concurrent<O: Order<(usize, usize)> + Send>(
    q: BlockingQueue<(usize, usize), O>,
    check_order: bool,
    (producers, consumers, per_producer): (usize, usize, usize),
) {
    let seen = Mutex::new(Vec::new());
    thread::scope(|s| {
        let senders: Vec<_> = (0..producers)
            .map(|p| {
                let q = &q;
                s.spawn(move || {
                    let mut i = 0;
                    while i < per_producer {
                        let n = if p % 2 == 1 {
                            3.min(per_producer - i)
                        } else {
                            1
                        };
                        q.put_batch((i..i + n).map(|i| (p, i))).unwrap();
                        i += n;
                    }
                })
            })
            .collect();
        for c in 0..consumers {
            let (q, seen) = (&q, &seen);
            s.spawn(move || {
                let mut mine = Vec::new();
                if c % 2 == 0 {
                    while let Ok(task) = q.get_task() {
                        mine.push(*task);
                    }
                } else {
                    while let Ok(batch) = q.get_batch(1 + c) {
                        mine.extend(&batch);
                        batch.iter().for_each(|_| q.task_done().unwrap());
                    }
                }
                seen.lock().unwrap().push(mine);
            });
        }
        senders.into_iter().for_each(|h| h.join().unwrap());
        q.join(); // every accepted item was taken and marked done
        assert_eq!(
            (q.len(), q.unfinished_tasks()),
            (0, 0),
            "nothing left behind"
        );
        q.shutdown(); // ends the consumers' loops
    });
    let streams = seen.into_inner().unwrap();
    if check_order {
        for stream in &streams {
            for p in 0..producers {
                let mine: Vec<usize> = stream.iter().filter(|x| x.0 == p).map(|x| x.1).collect();
                assert!(
                    mine.windows(2).all(|w| w[0] < w[1]),
                    "producer {p} reordered: {mine:?}"
                );
            }
        }
    }
    let mut all: Vec<_> = streams.into_iter().flatten().collect();
    all.sort_unstable();
    let sent: Vec<_> = (0..producers)
        .flat_map(|p| (0..per_producer).map(move |i| (p, i)))
        .collect();
    assert_eq!(all, sent, "received multiset == sent multiset");
}

fn setup() -> impl Strategy<Value = (usize, usize, usize)> {
    (1usize..4, 1usize..4, 0usize..150)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn concurrent_fifo_delivers_everything_in_producer_order(cap in capacity(), setup in setup()) {
        for design in DESIGNS {
            concurrent(with::<_, Fifo<_>>(cap, design), true, setup);
        }
    }

    #[test]
    fn concurrent_lifo_and_priority_deliver_everything(cap in capacity(), setup in setup()) {
        concurrent(make::<_, Lifo<_>>(cap), false, setup);
        concurrent(make::<_, Priority<_>>(cap), false, setup);
    }
}
