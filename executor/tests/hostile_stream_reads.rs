//! Hostile reads on streams against edge-triggered readiness: every way a reader could end up
//! waiting for an event that will not come. End-of-file and errors are read again and again
//! without waiting; a FIN or a reset collected with the last data ends the next read; a read
//! cancelled in one task and retried in another is woken; `read_exact` across many events,
//! `BufReader` over data and FIN in one event, `futures::io::split` halves blocked both ways at
//! once; and our own read shutdown ends a waiting read.
//!
//! Unix pairs where order must be exact (a write and a shutdown reach the peer inside the
//! system call); TCP over loopback waits, bounded and on the socket itself, until what it
//! sent has arrived. Every body runs on a thread of its own under a watchdog, every read that
//! could hang under a `timeout`, and no sleep orders anything.
#![cfg(all(feature = "io", unix, not(loom)))]

mod common;

use std::future::Future;
use std::io::ErrorKind;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::time::Duration;

use common::{let_the_reactor_collect_events, ms, on_own_thread};
use executor::net::{TcpListener, TcpStream, UnixStream};
use executor::{run, spawn, timeout, yield_now};
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;

const LIMIT: Duration = Duration::from_secs(20);

/// How long a read that should complete at once may take before it counts as waiting for an
/// event that never comes (real time: generous, it is only reached when broken).
const AT_ONCE: Duration = Duration::from_millis(2_000);

/// `read`, failing the test if it waits for an event that does not come.
async fn at_once<T>(what: &str, read: impl Future<Output = T>) -> T {
    timeout(AT_ONCE, read)
        .await
        .unwrap_or_else(|_| panic!("{what}: waited for an event that never comes"))
}

/// A connected loopback pair: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server_side, _) = listener.accept().await.unwrap();
    (client, server_side)
}

/// Waits (bounded, yielding) until `n` bytes sit in `stream`'s receive queue, peeking through
/// a duplicate of its descriptor (behind the reactor's back, but a peek takes nothing).
async fn until_queued(stream: &TcpStream, n: usize) {
    let peek = std::net::TcpStream::from(stream.as_fd().try_clone_to_owned().unwrap());
    peek.set_nonblocking(true).unwrap();
    let mut probe = vec![0; n];
    for _ in 0..100_000 {
        if matches!(peek.peek(&mut probe), Ok(got) if got >= n) {
            return;
        }
        yield_now().await;
    }
    panic!("{n} bytes never arrived");
}

#[test]
fn end_of_file_is_read_again_and_again_without_waiting() {
    on_own_thread(LIMIT, || {
        run(async {
            let (writer, mut reader) = UnixStream::pair().unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            let (client, mut server_side) = tcp_pair().await;
            client.shutdown(Shutdown::Write).unwrap();
            let mut buf = [0; 8];
            for round in 0..4 {
                let_the_reactor_collect_events().await;
                let n = at_once("unix eof", reader.read(&mut buf)).await.unwrap();
                assert_eq!(n, 0, "unix: end of file, round {round}");
                let n = at_once("tcp eof", server_side.read(&mut buf)).await;
                assert_eq!(n.unwrap(), 0, "tcp: end of file, round {round}");
            }
        })
    });
}

#[test]
fn a_fin_collected_with_the_last_data_ends_the_next_tcp_read() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut client, mut server_side) = tcp_pair().await;
            client.write_all(b"abc").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            until_queued(&server_side, 3).await;
            let_the_reactor_collect_events().await;
            let mut buf = [0; 16];
            let n = at_once("data", server_side.read(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"abc", "a short read: the data");
            let n = at_once("eof after data", server_side.read(&mut buf)).await;
            assert_eq!(n.unwrap(), 0, "then end of file");
        })
    });
}

#[test]
fn a_reset_after_data_gives_the_data_then_the_error_then_eof_without_waiting() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut client, mut server_side) = tcp_pair().await;
            server_side.write_all(b"abc").await.unwrap();
            client.write_all(b"never read").await.unwrap();
            until_queued(&client, 3).await;
            until_queued(&server_side, 10).await;
            // Closing a socket with unread data sends a reset instead of a FIN.
            drop(server_side);
            // The reset has arrived once the socket is closed (no peer any more); then its
            // event, the last this socket will have, is collected before the first read.
            for _ in 0..100_000 {
                if client.peer_addr().is_err() {
                    break;
                }
                yield_now().await;
            }
            let err = client.peer_addr().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotConnected, "reset: {err}");
            let_the_reactor_collect_events().await;
            let mut buf = [0; 16];
            // Linux keeps the data for the reads before the error; whatever a kernel keeps,
            // no read may wait: no event will come.
            let mut got = Vec::new();
            let mut reset = false;
            for _ in 0..100_000 {
                match at_once("after a reset", client.read(&mut buf)).await {
                    Ok(0) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) => {
                        assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}");
                        reset = true;
                    }
                }
                let_the_reactor_collect_events().await;
            }
            assert!(reset, "the reset was reported");
            assert!(b"abc".starts_with(&got), "data in order, if kept: {got:?}");
            let n = at_once("after the reset's eof", client.read(&mut buf)).await;
            assert_eq!(n.unwrap(), 0, "end of file stays");
        })
    });
}

#[test]
fn a_read_cancelled_in_one_task_is_woken_when_retried_in_another() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, reader) = UnixStream::pair().unwrap();
            let reader = Rc::new(reader);
            // The first task's read meets `WouldBlock`, stores its waker, and is cancelled.
            let first = Rc::clone(&reader);
            let cancelled = spawn(async move {
                let mut buf = [0; 4];
                timeout(ms(1), (&*first).read(&mut buf)).await.is_err()
            });
            assert!(
                cancelled.await.unwrap(),
                "nothing to read: the read timed out"
            );
            // A second task (another waker) reads through `&UnixStream`: its waker must
            // replace the stale one, or the data below wakes a finished task.
            let second = Rc::clone(&reader);
            let retried = spawn(async move {
                let mut buf = [0; 4];
                (&*second).read_exact(&mut buf).await.unwrap();
                buf
            });
            let_the_reactor_collect_events().await; // the second read is waiting now
            writer.write_all(b"wake").await.unwrap();
            assert_eq!(&at_once("retried read", retried).await.unwrap(), b"wake");
        })
    });
}

#[test]
fn read_exact_across_many_events_completes() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut client, mut server_side) = tcp_pair().await;
            let sent: Vec<u8> = (0..64).collect();
            // A task of its own: only its socket's events wake it.
            let reader = spawn(async move {
                let mut buf = [0; 64];
                server_side.read_exact(&mut buf).await.unwrap();
                buf
            });
            // One byte per event: the reader waits between them.
            for byte in &sent {
                let_the_reactor_collect_events().await;
                client.write_all(std::slice::from_ref(byte)).await.unwrap();
            }
            let got = at_once("read_exact", reader).await.unwrap();
            assert_eq!(&got[..], &sent[..]);
        })
    });
}

#[test]
fn buf_reader_lines_end_at_a_fin_collected_with_the_last_line() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, reader) = UnixStream::pair().unwrap();
            writer.write_all(b"a\nbb\nccc\ndddd\n").await.unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            let_the_reactor_collect_events().await;
            // A buffer smaller than the data: short reads and full ones both.
            let lines = BufReader::with_capacity(4, reader).lines();
            let lines: Vec<String> = at_once("lines", lines.map(Result::unwrap).collect()).await;
            assert_eq!(lines, ["a", "bb", "ccc", "dddd"]);
        })
    });
}

#[test]
fn split_halves_blocked_both_ways_at_once_all_complete() {
    // More than a Unix socket's buffer each way: both writers block while both readers wait,
    // so each direction's waiter must be woken by its own direction's events.
    const LEN: usize = 1 << 20;
    on_own_thread(LIMIT, || {
        run(async {
            let (a, b) = UnixStream::pair().unwrap();
            let sent: Rc<Vec<u8>> = Rc::new((0..LEN).map(|i| (i % 251) as u8).collect());
            let mut tasks = Vec::new();
            for stream in [a, b] {
                let (mut read_half, mut write_half) = stream.split();
                let data = Rc::clone(&sent);
                tasks.push(spawn(async move {
                    write_half.write_all(&data).await.unwrap();
                    write_half.close().await.unwrap();
                    Vec::new()
                }));
                tasks.push(spawn(async move {
                    let mut got = Vec::new();
                    read_half.read_to_end(&mut got).await.unwrap();
                    got
                }));
            }
            for task in tasks {
                let got = at_once("a split half", task).await.unwrap();
                assert!(got.is_empty() || got == *sent, "every byte once, in order");
            }
        })
    });
}

#[test]
fn our_own_read_shutdown_ends_a_waiting_read() {
    on_own_thread(LIMIT, || {
        run(async {
            let (_writer, reader) = UnixStream::pair().unwrap();
            let (_client, server_side) = tcp_pair().await;
            let mut buf = [0; 8];
            // Nothing to read: each read waits (its `WouldBlock` cleared the readable flag)
            // until the shutdown, from the same executor, must wake it with end-of-file.
            let mut reading = &reader;
            let unix = futures::future::join(reading.read(&mut buf), async {
                let_the_reactor_collect_events().await;
                reader.shutdown(Shutdown::Read).unwrap();
            });
            let (unix, ()) = at_once("unix read after shutdown", unix).await;
            let mut buf = [0; 8];
            assert_eq!(unix.unwrap(), 0, "unix: end of file");
            let mut reading = &server_side;
            let tcp = futures::future::join(reading.read(&mut buf), async {
                let_the_reactor_collect_events().await;
                server_side.shutdown(Shutdown::Read).unwrap();
            });
            let (tcp, ()) = at_once("tcp read after shutdown", tcp).await;
            assert_eq!(tcp.unwrap(), 0, "tcp: end of file");
        })
    });
}
