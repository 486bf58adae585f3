//! Properties of the virtual clock over random spawn trees of sleeping tasks (durations drawn
//! from a small grid, so equal deadlines and zero sleeps are common): every sleep ends exactly
//! at its deadline (the task's start plus its cumulative sleeps), timers with equal deadlines
//! wake their tasks in the order they were set, and the run ends exactly at the latest
//! deadline. Random aborts are in `proptest_aborts.rs`.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{config, duration, on_own_thread, within, WATCHDOG};
use executor::{now, sleep, spawn, Executor};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// One task of a spawn tree: it sleeps `sleeps` in turn and spawns each child just before the
/// sleep numbered `at` (`at == sleeps.len()`: after its last sleep).
#[derive(Clone, Debug)]
struct Plan {
    sleeps: Vec<u64>,
    children: Vec<(usize, Plan)>,
}

fn plan() -> impl Strategy<Value = Plan> {
    let leaf = prop::collection::vec(duration(), 0..4).prop_map(|sleeps| Plan {
        sleeps,
        children: Vec::new(),
    });
    leaf.prop_recursive(3, 32, 3, |inner| {
        (
            prop::collection::vec(duration(), 0..4),
            prop::collection::vec((any::<Index>(), inner), 0..3),
        )
            .prop_map(|(sleeps, kids)| {
                let slots = sleeps.len() + 1;
                let children = kids.into_iter().map(|(i, p)| (i.index(slots), p)).collect();
                Plan { sleeps, children }
            })
    })
}

/// A task id (pre-order number in the forest) with its plan.
struct Node {
    id: usize,
    sleeps: Vec<u64>,
    children: Vec<(usize, Rc<Node>)>,
}

fn number(plan: &Plan, next: &mut usize) -> Rc<Node> {
    let id = *next;
    *next += 1;
    let children = plan
        .children
        .iter()
        .map(|(at, p)| (*at, number(p, next)))
        .collect();
    Rc::new(Node {
        id,
        sleeps: plan.sleeps.clone(),
        children,
    })
}

/// The model: the deadline (ms after the start) at which sleep `step` of task `id` must end.
fn expected_wakes(node: &Node, start: u64, out: &mut Vec<(usize, usize, u64)>) {
    let mut t = start;
    for step in 0..=node.sleeps.len() {
        for (_, child) in node.children.iter().filter(|(at, _)| *at == step) {
            expected_wakes(child, t, out);
        }
        if let Some(d) = node.sleeps.get(step) {
            t += d;
            out.push((node.id, step, t));
        }
    }
}

/// One wake-up as the task saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Wake {
    id: usize,
    step: usize,
    /// `now() - start` when the task resumed.
    at: Duration,
    /// Global order in which the timers were set (the sleep is created and first polled
    /// right after this number is taken, in the same poll).
    set: usize,
    duration: u64,
}

struct Run {
    start: Instant,
    next_set: Cell<usize>,
    log: RefCell<Vec<Wake>>,
}

fn task(node: Rc<Node>, run: Rc<Run>) -> Pin<Box<dyn Future<Output = ()>>> {
    Box::pin(async move {
        let mut children = Vec::new();
        for step in 0..=node.sleeps.len() {
            for (_, child) in node.children.iter().filter(|(at, _)| *at == step) {
                children.push(spawn(task(Rc::clone(child), Rc::clone(&run))));
            }
            if let Some(&d) = node.sleeps.get(step) {
                let set = run.next_set.replace(run.next_set.get() + 1);
                sleep(Duration::from_millis(d)).await;
                let at = now() - run.start;
                let wake = Wake {
                    id: node.id,
                    step,
                    at,
                    set,
                    duration: d,
                };
                run.log.borrow_mut().push(wake);
            }
        }
        for child in children {
            child.await.expect("no task panics");
        }
    })
}

/// Runs `forest` on a fresh virtual-clock executor; returns the model's wake-ups
/// (task, step, ms), the log, and the run's total virtual time.
fn run_forest(forest: &[Plan]) -> (Vec<(usize, usize, u64)>, Vec<Wake>, Duration) {
    let mut next = 0;
    let roots: Vec<Rc<Node>> = forest.iter().map(|p| number(p, &mut next)).collect();
    let mut model = Vec::new();
    for root in &roots {
        expected_wakes(root, 0, &mut model);
    }
    let ex = Executor::with_virtual_clock();
    let (log, total) = ex.block_on(async {
        let run = Rc::new(Run {
            start: now(),
            next_set: Cell::new(0),
            log: RefCell::default(),
        });
        let handles: Vec<_> = roots
            .iter()
            .map(|r| spawn(task(Rc::clone(r), Rc::clone(&run))))
            .collect();
        for h in handles {
            within(WATCHDOG, h).await.expect("no task panics");
        }
        (run.log.take(), now() - run.start)
    });
    (model, log, total)
}

fn check_forest(forest: Vec<Plan>) -> Result<(), TestCaseError> {
    let (mut model, log, total) =
        on_own_thread(Duration::from_secs(10), move || run_forest(&forest));
    // Every sleep ended exactly at its deadline, once.
    let mut seen: Vec<(usize, usize, u64)> = log
        .iter()
        .map(|w| (w.id, w.step, u64::try_from(w.at.as_millis()).unwrap()))
        .collect();
    seen.sort_unstable();
    model.sort_unstable();
    prop_assert_eq!(&seen, &model);
    for w in &log {
        prop_assert_eq!(w.at.as_nanos() % 1_000_000, 0, "not a whole ms: {:?}", w);
    }
    // The clock never ran backwards.
    prop_assert!(log.windows(2).all(|p| p[0].at <= p[1].at), "log: {:?}", log);
    // Timers pending when the clock reached their deadline woke their tasks in
    // (deadline, set) order. A zero sleep is set and due in the same instant (it completes
    // without yielding), so it may resume before a task woken earlier in that tick runs; it is
    // left out of the ordering check (its exactness is checked above).
    let timed: Vec<Wake> = log.iter().copied().filter(|w| w.duration > 0).collect();
    let mut sorted = timed.clone();
    sorted.sort_by_key(|w| (w.at, w.set));
    prop_assert_eq!(timed, sorted);
    // The run ended at the latest deadline.
    let latest = model.iter().map(|&(_, _, t)| t).max().unwrap_or(0);
    prop_assert_eq!(total, Duration::from_millis(latest));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn spawn_trees_wake_exactly_and_in_deadline_then_set_order(
        forest in prop::collection::vec(plan(), 1..5)
    ) {
        check_forest(forest)?;
    }
}
