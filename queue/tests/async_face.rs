//! The awaitable face: tasks and threads on the same queue, cancellation, shutdown, orders.
//! Futures are polled by hand with wakers that count their wakeups, so each test states which
//! waiter was woken, and when.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use queue::{BlockingQueue, Design, GetError, LifoQueue, Order, PriorityQueue, PutError, Queue};

/// A waker that counts its wakeups and reports each on a channel.
struct Flag {
    woken: AtomicUsize,
    tx: Mutex<mpsc::Sender<()>>,
}

fn flag() -> (Arc<Flag>, Waker, mpsc::Receiver<()>) {
    let (tx, rx) = mpsc::channel();
    let f = Arc::new(Flag {
        woken: AtomicUsize::new(0),
        tx: Mutex::new(tx),
    });
    (f.clone(), Waker::from(f), rx)
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
        let _ = self.tx.lock().unwrap().send(());
    }
}

fn woken(f: &Flag) -> usize {
    f.woken.load(Ordering::SeqCst)
}

fn poll<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(waker))
}

/// Polls until the future waits: a future that would block first re-polls itself a few
/// times (a `Pending` poll that woke its own waker), then registers (a `Pending` poll that
/// woke nobody). Then zeroes the count, so that a test counts only the wakeups given after.
fn poll_until_waiting<F: Future + Unpin>(fut: &mut F, f: &Flag, waker: &Waker) {
    for _ in 0..1_000 {
        let before = woken(f);
        assert!(poll(fut, waker).is_pending(), "expected the future to wait");
        if woken(f) == before {
            f.woken.store(0, Ordering::SeqCst);
            return;
        }
    }
    panic!("the future kept re-polling itself and never registered");
}

/// Polls until ready, blocking on the waker's channel between polls (never a sleep).
fn block_on<F: Future + Unpin>(mut fut: F) -> F::Output {
    let (_f, waker, rx) = flag();
    loop {
        if let Poll::Ready(v) = poll(&mut fut, &waker) {
            return v;
        }
        rx.recv().unwrap();
    }
}

/// Runs `$body` on every kind of queue: each core, all three orders.
macro_rules! on_every_queue {
    ($cap:expr, $body:expr) => {{
        $body(Queue::<u32>::bounded($cap));
        $body(Queue::<u32>::with_design(Some($cap), Design::OneLock));
        $body(Queue::<u32>::with_design(Some($cap), Design::TwoSides));
        $body(LifoQueue::<u32>::bounded($cap));
        $body(PriorityQueue::<u32>::bounded($cap));
    }};
}

fn get_async_waits_then_takes_a_put<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    let (f, waker, _rx) = flag();
    let mut get = Box::pin(q.get_async());
    poll_until_waiting(&mut get, &f, &waker);
    q.put(7).unwrap();
    assert_eq!(woken(&f), 1, "one put wakes the waiting task");
    assert_eq!(poll(&mut get, &waker), Poll::Ready(Ok(7)));
}

#[test]
fn a_put_wakes_a_task_waiting_in_get_async() {
    on_every_queue!(1, get_async_waits_then_takes_a_put);
}

fn put_async_waits_for_room<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    q.put(1).unwrap();
    let (f, waker, _rx) = flag();
    let mut put = q.put_async(2);
    poll_until_waiting(&mut put, &f, &waker);
    assert_eq!(q.get(), Ok(1));
    assert_eq!(woken(&f), 1, "a get wakes the task waiting for room");
    assert_eq!(poll(&mut put, &waker), Poll::Ready(Ok(())));
    assert_eq!(q.try_get(), Ok(2));
}

#[test]
fn a_get_wakes_a_task_waiting_in_put_async() {
    on_every_queue!(1, put_async_waits_for_room);
}

fn a_first_poll_re_polls_instead_of_registering<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    let (f, waker, _rx) = flag();
    let mut get = Box::pin(q.get_async());
    assert!(poll(&mut get, &waker).is_pending());
    assert_eq!(
        woken(&f),
        1,
        "an empty queue: the getter asks to be polled again"
    );
    q.put(7).unwrap();
    assert_eq!(woken(&f), 1, "not registered yet: the put wakes nobody");
    assert_eq!(poll(&mut get, &waker), Poll::Ready(Ok(7)));

    q.put(1).unwrap();
    let (f, waker, _rx) = flag();
    let mut put = q.put_async(8);
    assert!(poll(&mut put, &waker).is_pending());
    assert_eq!(
        woken(&f),
        1,
        "a full queue: the putter asks to be polled again"
    );
    assert_eq!(q.get(), Ok(1));
    assert_eq!(woken(&f), 1, "not registered yet: the get wakes nobody");
    assert_eq!(poll(&mut put, &waker), Poll::Ready(Ok(())));
    assert_eq!(q.try_get(), Ok(8));
}

#[test]
fn a_task_re_polls_itself_before_it_registers() {
    on_every_queue!(1, a_first_poll_re_polls_instead_of_registering);
}

fn re_polling_getter_takes_no_wakeup<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    let (fa, wa, _ra) = flag();
    let (fb, wb, _rb) = flag();
    let mut a = Box::pin(q.get_async());
    assert!(poll(&mut a, &wa).is_pending()); // re-polling, not registered
    let mut b = Box::pin(q.get_async());
    poll_until_waiting(&mut b, &fb, &wb);
    q.put(5).unwrap();
    assert_eq!(woken(&fb), 1, "the put wakes the registered getter");
    drop(a); // it was given no wakeup: it passes none on
    assert_eq!((woken(&fa), woken(&fb)), (1, 1));
    assert_eq!(poll(&mut b, &wb), Poll::Ready(Ok(5)));
}

#[test]
fn a_re_polling_get_async_takes_no_wakeup_from_a_waiting_one() {
    on_every_queue!(1, re_polling_getter_takes_no_wakeup);
}

fn cancelled_getter_passes_the_wakeup_on<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    let (fa, wa, _ra) = flag();
    let (fb, wb, _rb) = flag();
    let mut a = Box::pin(q.get_async());
    let mut b = Box::pin(q.get_async());
    poll_until_waiting(&mut a, &fa, &wa);
    poll_until_waiting(&mut b, &fb, &wb);
    q.put(5).unwrap();
    assert_eq!(
        (woken(&fa), woken(&fb)),
        (1, 0),
        "the oldest task waiter is woken"
    );
    drop(a); // cancelled after its wakeup: it must pass it on
    assert_eq!(
        woken(&fb),
        1,
        "the dropped getter's wakeup went to the next one"
    );
    assert_eq!(poll(&mut b, &wb), Poll::Ready(Ok(5)));
}

#[test]
fn a_cancelled_get_async_passes_its_wakeup_on() {
    on_every_queue!(1, cancelled_getter_passes_the_wakeup_on);
}

fn cancelled_putter_passes_the_slot_on<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    q.put(1).unwrap();
    let (fa, wa, _ra) = flag();
    let (fb, wb, _rb) = flag();
    let mut a = q.put_async(2);
    let mut b = q.put_async(3);
    poll_until_waiting(&mut a, &fa, &wa);
    poll_until_waiting(&mut b, &fb, &wb);
    assert_eq!(q.get(), Ok(1));
    assert_eq!((woken(&fa), woken(&fb)), (1, 0));
    drop(a); // drops item 2 (documented) and passes the slot on
    assert_eq!(woken(&fb), 1);
    assert_eq!(poll(&mut b, &wb), Poll::Ready(Ok(())));
    assert_eq!(q.try_get(), Ok(3));
}

#[test]
fn a_cancelled_put_async_passes_the_slot_on() {
    on_every_queue!(1, cancelled_putter_passes_the_slot_on);
}

/// A timer the test fires by hand.
struct Timer(Arc<AtomicUsize>);
impl Future for Timer {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) > 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

fn put_async_until_gives_the_item_back<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    q.put(1).unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let (f, waker, _rx) = flag();
    let mut put = q.put_async_until(2, Timer(fired.clone()));
    poll_until_waiting(&mut put, &f, &waker);
    fired.store(1, Ordering::SeqCst);
    assert_eq!(
        poll(&mut put, &waker),
        Poll::Ready(Err(PutError::Timeout(2)))
    );
    // A put that can go in wins over a timer that already fired.
    assert_eq!(q.get(), Ok(1));
    let mut put = q.put_async_until(3, Timer(fired));
    assert_eq!(poll(&mut put, &waker), Poll::Ready(Ok(())));
}

#[test]
fn put_async_until_times_out_with_the_item() {
    on_every_queue!(1, put_async_until_gives_the_item_back);
}

fn shutdown_now_fails_putters<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    q.put(1).unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let (fa, wa, _ra) = flag();
    let (fb, wb, _rb) = flag();
    let mut a = q.put_async_until(2, Timer(fired.clone()));
    let mut b = q.put_async(3);
    poll_until_waiting(&mut a, &fa, &wa);
    poll_until_waiting(&mut b, &fb, &wb);
    assert_eq!(q.shutdown_now(), [1]);
    assert_eq!(
        (woken(&fa), woken(&fb)),
        (1, 1),
        "shutdown wakes every task"
    );
    assert_eq!(poll(&mut a, &wa), Poll::Ready(Err(PutError::ShutDown(2))));
    assert_eq!(poll(&mut b, &wb), Poll::Ready(Err(PutError::ShutDown(3))));
}

#[test]
fn shutdown_now_fails_pending_put_async_with_the_item() {
    on_every_queue!(1, shutdown_now_fails_putters);
}

fn timed_out_putter_passes_slot<O: Order<u32>>(q: BlockingQueue<u32, O>) {
    q.put(1).unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let (fa, wa, _ra) = flag();
    let (fb, wb, _rb) = flag();
    let mut a = q.put_async_until(2, Timer(fired.clone()));
    let mut b = q.put_async(3);
    poll_until_waiting(&mut a, &fa, &wa);
    poll_until_waiting(&mut b, &fb, &wb);
    assert_eq!(q.get(), Ok(1));
    assert_eq!((woken(&fa), woken(&fb)), (1, 0));
    // `a` is woken for the slot, but the queue fills again before it polls; its timer fires.
    q.put(9).unwrap();
    fired.store(1, Ordering::SeqCst);
    assert_eq!(poll(&mut a, &wa), Poll::Ready(Err(PutError::Timeout(2))));
    assert_eq!(q.get(), Ok(9));
    assert!(
        woken(&fb) >= 1,
        "the slot freed now reaches the other putter"
    );
    assert_eq!(poll(&mut b, &wb), Poll::Ready(Ok(())));
}

#[test]
fn a_timed_out_put_async_leaves_no_putter_asleep() {
    on_every_queue!(1, timed_out_putter_passes_slot);
}

fn shutdown_wakes_threads_and_tasks<O: Order<u32> + Send + Sync>(q: BlockingQueue<u32, O>) {
    let (fg, wg, _rg) = flag();
    let (fj, wj, _rj) = flag();
    let mut get = Box::pin(q.get_async());
    poll_until_waiting(&mut get, &fg, &wg);
    q.put(1).unwrap(); // taken by `get` below, so a joiner has something to wait for
    assert_eq!(poll(&mut get, &wg), Poll::Ready(Ok(1)));
    let mut get = Box::pin(q.get_async());
    poll_until_waiting(&mut get, &fg, &wg);
    let mut join = Box::pin(q.join_async());
    poll_until_waiting(&mut join, &fj, &wj);
    std::thread::scope(|s| {
        let thread = s.spawn(|| q.get());
        q.shutdown();
        assert_eq!(thread.join().unwrap(), Err(GetError::ShutDown));
    });
    assert!(woken(&fg) >= 1, "shutdown wakes the waiting task");
    assert_eq!(poll(&mut get, &wg), Poll::Ready(Err(GetError::ShutDown)));
    // Shutdown does not finish tasks: the joiner still waits, until the task is done.
    poll_until_waiting(&mut join, &fj, &wj);
    let before = woken(&fj);
    q.task_done().unwrap();
    assert!(woken(&fj) > before);
    assert_eq!(poll(&mut join, &wj), Poll::Ready(()));
}

#[test]
fn shutdown_wakes_a_thread_and_a_task_both() {
    on_every_queue!(1, shutdown_wakes_threads_and_tasks);
}

#[test]
fn a_thread_and_a_task_wait_on_one_queue_at_once() {
    let q = Queue::bounded(1);
    let (f, waker, rx) = flag();
    let mut get = Box::pin(q.get_async());
    poll_until_waiting(&mut get, &f, &waker);
    std::thread::scope(|s| {
        let thread = s.spawn(|| q.get().unwrap());
        q.put(1).unwrap();
        q.put(2).unwrap(); // waits for room if the first is still there
        let mut got = vec![thread.join().unwrap()];
        loop {
            if let Poll::Ready(v) = poll(&mut get, &waker) {
                got.push(v.unwrap());
                break;
            }
            rx.recv().unwrap();
        }
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn orders_are_kept_and_join_async_waits_for_threads() {
    let lifo = LifoQueue::unbounded();
    lifo.put_batch([1, 2, 3]).unwrap();
    let got: Vec<u32> = (0..3)
        .map(|_| block_on(lifo.get_async()).unwrap())
        .collect();
    assert_eq!(got, [3, 2, 1]);
    let prio = PriorityQueue::unbounded();
    prio.put_batch([2, 3, 1]).unwrap();
    let got: Vec<u32> = (0..3)
        .map(|_| block_on(prio.get_async()).unwrap())
        .collect();
    assert_eq!(got, [1, 2, 3]);

    let q = Queue::bounded(2);
    std::thread::scope(|s| {
        s.spawn(|| while let Ok(_task) = q.get_task() {});
        for i in 0..100 {
            block_on(q.put_async(i)).unwrap();
        }
        block_on(q.join_async());
        assert_eq!(q.unfinished_tasks(), 0);
        q.shutdown();
    });
    assert_eq!(block_on(q.put_async(1)), Err(PutError::ShutDown(1)));
    assert_eq!(block_on(q.get_async()), Err(GetError::ShutDown));
}

#[test]
fn get_task_async_marks_the_task_done_on_drop() {
    let q = Queue::unbounded();
    q.put(1).unwrap();
    let task = block_on(q.get_task_async()).unwrap();
    assert_eq!((*task, q.unfinished_tasks()), (1, 1));
    drop(task);
    assert_eq!(q.unfinished_tasks(), 0);
}

#[test]
fn a_get_async_polled_once_sees_a_shutdown_on_an_empty_queue() {
    // A future made anew in a loop (a `timeout` or a `race` around `get_async`) may be polled
    // only once: that poll must look at the queue itself, not only at its lock-free hints,
    // which say "empty" for ever once a shut-down queue has drained.
    for design in [Design::OneLock, Design::TwoSides, Design::TwoSidesSpinning] {
        let q: Queue<u8> = Queue::with_design(None, design);
        q.shutdown();
        let mut cx = Context::from_waker(Waker::noop());
        for round in 0..100 {
            let mut get = std::pin::pin!(q.get_async());
            assert_eq!(
                get.as_mut().poll(&mut cx),
                Poll::Ready(Err(GetError::ShutDown)),
                "{design:?}, round {round}: the first poll of a fresh get_async"
            );
        }
    }
}

/// Waits until the thread named `name` sleeps (state `S` in `/proc`: for a thread in `get`,
/// asleep on the queue's condvar, counted in as a waiter). Bounded: 10 s, then a panic.
#[cfg(target_os = "linux")]
fn wait_until_asleep(name: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        for task in std::fs::read_dir("/proc/thread-self/..").unwrap().flatten() {
            let dir = task.path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if comm.trim_end() != name {
                continue;
            }
            let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
            // `pid (comm) state ...`: the state follows the last ')'.
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            if state.starts_with('S') {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "thread {name} never went to sleep"
        );
        std::thread::yield_now();
    }
}

/// One put wakes one waiter, thread or task: with a thread asleep in `get` and a task waiting
/// in `get_async`, a put wakes the thread and leaves the task asleep; the next put, with the
/// thread already woken (and not yet running, or gone), goes to the task. A batch of two
/// wakes one of each.
#[cfg(target_os = "linux")]
fn one_put_wakes_one_waiter<O: Order<u32> + Send + Sync>(q: BlockingQueue<u32, O>) {
    let (f, waker, _rx) = flag();
    for batch in [false, true] {
        let mut get = Box::pin(q.get_async());
        poll_until_waiting(&mut get, &f, &waker);
        std::thread::scope(|s| {
            let thread = std::thread::Builder::new()
                .name("asleep-in-get".into())
                .spawn_scoped(s, || q.get().unwrap())
                .unwrap();
            wait_until_asleep("asleep-in-get");
            if batch {
                q.put_batch([1, 2]).unwrap();
                assert_eq!(woken(&f), 1, "a batch of two wakes the thread and the task");
            } else {
                q.put(1).unwrap();
                assert_eq!(
                    woken(&f),
                    0,
                    "the put woke the sleeping thread, not the task too"
                );
                q.put(2).unwrap();
                assert_eq!(woken(&f), 1, "the second put goes to the task");
            }
            let mut got = [thread.join().unwrap(), 0];
            got[1] = match poll(&mut get, &waker) {
                Poll::Ready(v) => v.unwrap(),
                Poll::Pending => panic!("the woken task found no item"),
            };
            got.sort();
            assert_eq!(got, [1, 2]);
        });
        f.woken.store(0, Ordering::SeqCst);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn one_put_wakes_one_waiter_a_sleeping_thread_before_a_task() {
    on_every_queue!(2, one_put_wakes_one_waiter);
}
