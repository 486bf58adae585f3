//! UDP, Unix-domain streams, `AsyncFd`, and the reactor's wake paths (a timer and a socket
//! ready together, a wake from another thread while parked in the poll). Loopback only, each
//! body under a watchdog.
#![cfg(all(feature = "io", unix, not(loom)))]

mod common;

use std::cell::RefCell;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{ms, on_own_thread};
use executor::net::{UdpSocket, UnixStream};
use executor::{join, run, sleep, spawn, AsyncFd};
use futures::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn udp_datagrams_arrive_whole_and_a_cancelled_recv_loses_none() {
    on_own_thread(LIMIT, || {
        run(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let mut buf = [0; 64];
            assert!(executor::timeout(ms(5), b.recv_from(&mut buf))
                .await
                .is_err());
            for i in 0..10u8 {
                a.send_to(&[i; 10], b.local_addr().unwrap()).await.unwrap();
            }
            for i in 0..10u8 {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!((&buf[..n], from), (&[i; 10][..], a.local_addr().unwrap()));
            }
        })
    });
}

#[test]
fn unix_stream_pair_and_from_std() {
    on_own_thread(LIMIT, || {
        let (ours, mut theirs) = StdUnixStream::pair().unwrap();
        theirs.write_all(b"from a thread").unwrap();
        theirs.shutdown(std::net::Shutdown::Write).unwrap();
        let got = run(async move {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            let mut s = UnixStream::from_std(ours).unwrap();
            let mut all = Vec::new();
            s.read_to_end(&mut all).await.unwrap();
            all
        });
        assert_eq!(got, b"from a thread");
        drop(theirs);
    });
}

#[test]
fn async_fd_is_woken_by_readiness_from_another_thread() {
    on_own_thread(LIMIT, || {
        let (ours, mut theirs) = StdUnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let (go, wait) = mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            wait.recv().unwrap();
            theirs.write_all(b"late").unwrap();
        });
        let got = run(async move {
            let fd = AsyncFd::new(ours).unwrap();
            let mut buf = [0; 8];
            // Drain what is there (nothing): the guard must be cleared before the write.
            let guard = fd.readable().await.unwrap();
            let first = guard.get_ref().read(&mut buf);
            assert_eq!(first.unwrap_err().kind(), ErrorKind::WouldBlock);
            guard.clear_ready();
            go.send(()).unwrap(); // the executor parks in the poll; the write wakes it
            loop {
                let guard = fd.readable().await.unwrap();
                match guard.get_ref().read(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => guard.clear_ready(),
                    result => break buf[..result.unwrap()].to_vec(),
                }
            }
        });
        writer.join().unwrap();
        assert_eq!(got, b"late");
    });
}

#[test]
fn dropping_an_async_fd_deregisters_the_descriptor() {
    on_own_thread(LIMIT, || {
        run(async {
            let (a, _b) = StdUnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let first = AsyncFd::new(a.as_fd()).unwrap();
            // The same descriptor twice is refused with the poller's error, not a panic.
            let err = AsyncFd::new(a.as_fd()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
            drop(first);
            // Deregistered: it can be registered again.
            let again = AsyncFd::new(a.as_fd()).unwrap();
            assert_eq!(again.as_raw(), std::os::fd::AsRawFd::as_raw_fd(&a));
        })
    });
}

#[test]
fn a_timer_and_a_socket_ready_together_both_run() {
    // A blocking task holds the thread until the timer is due *and* the socket has data; both
    // wakes must then be delivered (the timer at the tick's start, the socket by the poll).
    on_own_thread(LIMIT, || {
        let (ours, mut theirs) = StdUnixStream::pair().unwrap();
        let order = Rc::new(RefCell::new(Vec::new()));
        let (written, wait_written) = mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            theirs.write_all(b"x").unwrap();
            written.send(()).unwrap();
            theirs // keep the peer open until the test ends
        });
        run({
            let order = order.clone();
            async move {
                let mut stream = UnixStream::from_std(ours).unwrap();
                let deadline = Instant::now() + ms(2);
                let timer = spawn({
                    let order = order.clone();
                    async move {
                        executor::sleep_until(deadline).await;
                        order.borrow_mut().push("timer");
                    }
                });
                let reader = spawn({
                    let order = order.clone();
                    async move {
                        let mut buf = [0; 1];
                        stream.read_exact(&mut buf).await.unwrap();
                        order.borrow_mut().push("socket");
                    }
                });
                let blocker = spawn(async move {
                    sleep(Duration::ZERO).await; // after the others registered
                    wait_written.recv().unwrap();
                    let spin_until = deadline + ms(1);
                    for _ in 0..100_000_000u64 {
                        if Instant::now() >= spin_until {
                            break;
                        }
                        std::hint::spin_loop();
                    }
                });
                let (t, r) = join(timer, reader).await;
                t.unwrap();
                r.unwrap();
                blocker.await.unwrap();
            }
        });
        drop(writer.join().unwrap());
        let mut seen = order.borrow().clone();
        seen.sort();
        assert_eq!(seen, ["socket", "timer"]);
    });
}

#[test]
fn a_busy_executor_still_delivers_readiness() {
    // One task never lets the run queue empty (it yields in a loop, bounded); another waits
    // on a socket. The readiness must reach the reader anyway, as asyncio's `_run_once` selects
    // with a zero timeout even when tasks are ready.
    on_own_thread(LIMIT, || {
        let (ours, mut theirs) = StdUnixStream::pair().unwrap();
        let (write_now, wait_write) = mpsc::channel::<()>();
        let (written, wait_written) = mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            wait_write.recv().unwrap();
            theirs.write_all(b"!").unwrap();
            written.send(()).unwrap();
            theirs
        });
        let got = Rc::new(RefCell::new(None));
        run({
            let got = got.clone();
            async move {
                let mut stream = UnixStream::from_std(ours).unwrap();
                let reader = spawn({
                    let got = got.clone();
                    async move {
                        let mut buf = [0; 1];
                        stream.read_exact(&mut buf).await.unwrap();
                        *got.borrow_mut() = Some(buf[0]);
                    }
                });
                executor::yield_now().await; // the reader now waits for readiness
                write_now.send(()).unwrap();
                wait_written.recv().unwrap();
                for _ in 0..100_000 {
                    if got.borrow().is_some() {
                        break;
                    }
                    executor::yield_now().await;
                }
                assert_eq!(
                    *got.borrow(),
                    Some(b'!'),
                    "the busy loop starved the socket"
                );
                reader.await.unwrap();
            }
        });
        drop(writer.join().unwrap());
    });
}
