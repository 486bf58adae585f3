//! No file descriptor stays open after the executor is dropped: its poller, its wake eventfd,
//! and every socket its tasks held. A binary of its own, so that no other test's sockets open
//! or close while it counts `/proc/self/fd`.
#![cfg(all(feature = "io", target_os = "linux", not(loom)))]

mod common;

use std::time::Duration;

use common::{ms, on_own_thread};
use executor::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use executor::{spawn, timeout, Executor};
use futures::io::AsyncReadExt;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn dropping_the_executor_closes_every_descriptor() {
    on_own_thread(Duration::from_secs(20), || {
        let before = open_fds();
        let ex = Executor::new();
        ex.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server_side, _) = listener.accept().await.unwrap();
            // Tasks left pending in reads and an accept, holding their sockets (and so their
            // wakers in the reactor) when the executor is dropped.
            spawn(async move { listener.accept().await.map(drop) });
            spawn(async move {
                let mut s = server_side;
                s.read(&mut [0; 1]).await.map(drop)
            });
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            spawn(async move { udp.recv_from(&mut [0; 1]).await.map(drop) });
            let (a, b) = UnixStream::pair().unwrap();
            spawn(async move {
                let mut a = a;
                let _b = b;
                a.read(&mut [0; 1]).await.map(drop)
            });
            // A cancelled read, too.
            assert!(timeout(ms(2), client.read(&mut [0; 1])).await.is_err());
            assert!(open_fds() > before + 6);
        });
        drop(ex);
        assert_eq!(
            open_fds(),
            before,
            "descriptors left open after the executor"
        );
    });
}
