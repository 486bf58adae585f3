//! Run-queue behaviour: scheduled-once, wake during poll, fairness, main's priority, stale ids,
//! stable wakers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use super::Probe;
use crate::{gather, join, run, sleep, spawn, yield_now, Executor};

#[test]
fn many_wakes_before_a_poll_schedule_the_task_once() {
    let probe = Probe::default();
    let ex = Executor::new();
    drop(ex.spawn(probe.future()));
    ex.block_on(async {
        yield_now().await; // the task runs once
        for _ in 0..100 {
            probe.wake();
        }
        yield_now().await; // one tick: the task runs once more
        yield_now().await;
    });
    assert_eq!(probe.polls.get(), 2);
}

#[test]
fn a_wake_during_its_own_poll_schedules_the_task_again() {
    let polls = Rc::new(RefCell::new(0));
    run({
        let polls = polls.clone();
        async move {
            let task = spawn(std::future::poll_fn(move |cx| {
                *polls.borrow_mut() += 1;
                if *polls.borrow() == 3 {
                    return std::task::Poll::Ready(());
                }
                cx.waker().wake_by_ref(); // while being polled
                std::task::Poll::Pending
            }));
            task.await.unwrap();
        }
    });
    assert_eq!(*polls.borrow(), 3);
}

#[test]
fn yielding_tasks_take_turns() {
    let log = Rc::new(RefCell::new(String::new()));
    run({
        let log = log.clone();
        async move {
            let tasks: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    spawn(async move {
                        for _ in 0..3 {
                            log.borrow_mut().push_str(name);
                            yield_now().await;
                        }
                    })
                })
                .collect();
            gather(tasks).await;
        }
    });
    assert_eq!(*log.borrow(), "abcabcabc");
}

#[test]
fn a_yielding_task_does_not_starve_a_timer() {
    // Real clock: the busy task yields until the timer's task has run; it would spin forever if
    // the run loop only ran ready tasks and never fired timers while something is ready.
    let fired = Rc::new(RefCell::new(false));
    let spins = run({
        let fired = fired.clone();
        async move {
            let busy = spawn({
                let fired = fired.clone();
                async move {
                    let mut spins = 0u64;
                    while !*fired.borrow() {
                        spins += 1;
                        yield_now().await;
                    }
                    spins
                }
            });
            let timer = spawn(async move {
                sleep(Duration::from_millis(2)).await;
                *fired.borrow_mut() = true;
            });
            timer.await.unwrap();
            busy.await.unwrap()
        }
    });
    assert!(spins > 0);
    assert!(*fired.borrow());
}

#[test]
fn main_runs_as_soon_as_it_is_woken() {
    // Two tasks ready in the same tick; the first one finishing wakes main, which must run
    // before the second task.
    let log = Rc::new(RefCell::new(Vec::new()));
    run({
        let log = log.clone();
        async move {
            let first = spawn({
                let log = log.clone();
                async move { log.borrow_mut().push("first") }
            });
            let _second = spawn({
                let log = log.clone();
                async move { log.borrow_mut().push("second") }
            });
            first.await.unwrap();
            log.borrow_mut().push("main");
            yield_now().await;
        }
    });
    assert_eq!(*log.borrow(), ["first", "main", "second"]);
}

#[test]
fn a_stale_waker_never_polls_the_next_task_in_its_slot() {
    let old = Probe::default();
    let new = Probe::default();
    let ex = Executor::new();
    let first = ex.spawn(old.future());
    ex.block_on(yield_now());
    first.abort(); // frees the slot; `old.waker` still holds the old task's waker
    ex.block_on(yield_now());
    drop(ex.spawn(new.future())); // reuses the slot
    ex.block_on(async {
        yield_now().await;
        old.wake(); // stale: must not reach the new task
        yield_now().await;
        yield_now().await;
    });
    assert_eq!(new.polls.get(), 1);
    assert_eq!(old.polls.get(), 1);
}

#[test]
fn gather_and_join_return_results_in_argument_order() {
    let ex = Executor::with_virtual_clock();
    let (gathered, joined) = ex.block_on(async {
        let handles: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|ms| {
                spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    ms
                })
            })
            .collect();
        let gathered: Vec<u64> = gather(handles)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let joined = join(sleep(Duration::from_millis(5)), async { "b" }).await;
        (gathered, joined)
    });
    assert_eq!(gathered, [30, 10, 20]);
    assert_eq!(joined, ((), "b"));
    assert!(run(gather(Vec::<std::future::Ready<()>>::new())).is_empty());
}

#[test]
fn the_articles_example_prints_in_pythons_order_at_exact_times() {
    // asyncio_example.py under the virtual clock. At t = 2.0 s fetch_data's timer (set at 0)
    // and print_numbers' timer (set at 1.75) fire together; fetch's was set first, so fetch
    // finishes first and wakes main, and main prints before print_numbers prints 8.
    let lines: Rc<RefCell<Vec<(Duration, String)>>> = Rc::default();
    let ex = Executor::with_virtual_clock();
    ex.block_on({
        let lines = lines.clone();
        async move {
            let t0 = crate::now();
            let say = move |line: String| lines.borrow_mut().push((crate::now() - t0, line));
            let fetch_data = spawn({
                let say = say.clone();
                async move {
                    say("start fetching".into());
                    sleep(Duration::from_secs(2)).await;
                    say("done fetching".into());
                    1
                }
            });
            let print_numbers = spawn({
                let say = say.clone();
                async move {
                    for i in 0..10 {
                        say(i.to_string());
                        sleep(Duration::from_millis(250)).await;
                    }
                }
            });
            let value = fetch_data.await.unwrap();
            say(format!("{{'data': {value}}}"));
            print_numbers.await.unwrap();
        }
    });
    let ms = Duration::from_millis;
    let mut expected = vec![(ms(0), "start fetching".to_string())];
    expected.extend((0..8).map(|i| (ms(250 * i), i.to_string())));
    expected.push((ms(2000), "done fetching".into()));
    expected.push((ms(2000), "{'data': 1}".into()));
    expected.push((ms(2000), "8".into()));
    expected.push((ms(2250), "9".into()));
    assert_eq!(*lines.borrow(), expected);
}

#[test]
fn a_waker_the_task_kept_is_its_waker_at_every_later_poll() {
    // A task owns its waker: one the future kept a clone of stays the task's waker at every
    // later poll (`will_wake`: futures skip re-registering then, and wake through the old
    // clone), while other tasks are polled in between.
    let stable_polls = Rc::new(Cell::new(0));
    run({
        let stable_polls = stable_polls.clone();
        async move {
            let mut kept: Option<std::task::Waker> = None;
            let keeper = spawn(std::future::poll_fn(move |cx| {
                match &kept {
                    None => kept = Some(cx.waker().clone()),
                    Some(old) => {
                        assert!(old.will_wake(cx.waker()), "the kept waker was replaced");
                        stable_polls.set(stable_polls.get() + 1);
                    }
                }
                if stable_polls.get() == 3 {
                    return std::task::Poll::Ready(());
                }
                kept.as_ref().expect("kept above").wake_by_ref(); // through the old clone
                std::task::Poll::Pending
            }));
            let others: Vec<_> = (0..3)
                .map(|_| spawn(async { (yield_now().await, yield_now().await) }))
                .collect();
            keeper.await.unwrap();
            for other in others {
                other.await.unwrap();
            }
        }
    });
    assert_eq!(stable_polls.get(), 3);
}
