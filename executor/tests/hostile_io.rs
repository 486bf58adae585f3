//! Hostile uses of sockets: zero-length reads and writes on a stream complete at once with
//! `Ok(0)` (std's `Read`/`Write` contract: 0 for an empty buffer), even with nothing to read —
//! the kernel answers `WouldBlock` to an empty read until data arrives, and waiting for data
//! an empty read will not take is a hang. Used outside its executor, the empty operation fails
//! like any other.
//!
//! On the virtual clock, I/O that is ready already is seen before time jumps: a read whose
//! data waits in the kernel completes, rather than its timeout firing at once.
#![cfg(all(feature = "io", not(loom)))]

mod common;

use common::{ms, on_own_thread, REAL_LIMIT};
use executor::net::{TcpListener, TcpStream, UnixStream};
use std::time::Duration;

use executor::{spawn, timeout, yield_now, Executor};
use futures::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn zero_length_reads_and_writes_on_idle_streams_complete_at_once() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::new();
        let (mut tcp, _tcp_peer, mut unix, _unix_peer) = ex.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let tcp = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (tcp_peer, _) = listener.accept().await.unwrap();
            let (unix, unix_peer) = UnixStream::pair().unwrap();
            (tcp, tcp_peer, unix, unix_peer)
        });
        ex.block_on(async {
            // The peers send nothing: a read that waited for data would time out.
            let quick = |what| {
                move |r: Result<std::io::Result<usize>, _>| {
                    r.unwrap_or_else(|_| panic!("{what} waited")).unwrap()
                }
            };
            assert_eq!(
                quick("tcp read")(timeout(ms(2_000), tcp.read(&mut [])).await),
                0
            );
            assert_eq!(
                quick("tcp write")(timeout(ms(2_000), tcp.write(&[])).await),
                0
            );
            assert_eq!(
                quick("unix read")(timeout(ms(2_000), unix.read(&mut [])).await),
                0
            );
            assert_eq!(
                quick("unix write")(timeout(ms(2_000), unix.write(&[])).await),
                0
            );
        });
        let other = Executor::new();
        let misuse = other.block_on(async { tcp.read(&mut []).await.unwrap_err() });
        assert!(
            misuse.to_string().contains("outside the executor"),
            "{misuse}"
        );
    });
}

#[test]
fn the_virtual_clock_sees_ready_io_before_it_jumps() {
    on_own_thread(REAL_LIMIT, || {
        let ex = Executor::with_virtual_clock();
        let read = ex.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            let reader = spawn(async move {
                let mut buf = [0; 5];
                let read = timeout(Duration::from_secs(3600), a.read_exact(&mut buf)).await;
                read.map(|r| r.map(|()| buf))
            });
            yield_now().await; // the reader found nothing and waits for readiness
            b.write_all(b"hello").await.unwrap(); // in the kernel now: nothing to wait for
            reader.await.unwrap()
        });
        let read = read.expect("the timeout fired although the data was there");
        assert_eq!(&read.unwrap(), b"hello");
    });
}
