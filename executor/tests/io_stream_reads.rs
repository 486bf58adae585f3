//! A stream's reads against the readiness flags (edge-triggered: a read that drained its socket
//! waits for the next event): end-of-file after the last data even when the FIN came in the same
//! event, the bytes in order whatever the buffer, the wake of a reader whose socket was drained,
//! a full buffer when the socket holds more. Unix stream pairs: a write and a shutdown reach the
//! peer inside the system call, so every order below is the one written, with no sleep.
#![cfg(all(feature = "io", unix, not(loom)))]

mod common;

use std::net::Shutdown;
use std::time::Duration;

use common::{let_the_reactor_collect_events, ms, on_own_thread};
use executor::net::UnixStream;
use executor::{run, timeout, yield_now};
use futures::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_fin_collected_with_the_last_data_ends_the_next_read_with_eof() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, mut reader) = UnixStream::pair().unwrap();
            writer.write_all(b"abc").await.unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
            // The data and the FIN are now one event, collected before the first read: no
            // later event will come for this socket.
            let_the_reactor_collect_events().await;
            let mut buf = [0; 16];
            assert_eq!(
                reader.read(&mut buf).await.unwrap(),
                3,
                "a short read: drained"
            );
            assert_eq!(&buf[..3], b"abc");
            let eof = timeout(ms(2_000), reader.read(&mut buf)).await;
            assert_eq!(
                eof.expect("the read after the last data waited for an event that never comes")
                    .unwrap(),
                0,
                "end of file"
            );
        })
    });
}

#[test]
fn bytes_beyond_the_buffer_come_next_in_order() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, mut reader) = UnixStream::pair().unwrap();
            let sent: Vec<u8> = (0..=255).cycle().take(1_000).collect();
            writer.write_all(&sent).await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0; 7]; // not a divisor of 1 000: reads end at every offset
            for _ in 0..2_000 {
                if got.len() == sent.len() {
                    break;
                }
                let n = reader.read(&mut buf).await.unwrap();
                assert!(n > 0 && n <= buf.len(), "read {n} bytes");
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got, sent, "every byte once, in order");
            writer.shutdown(Shutdown::Write).unwrap();
            assert_eq!(reader.read(&mut buf).await.unwrap(), 0, "then end of file");
        })
    });
}

#[test]
fn a_reader_that_drained_its_socket_is_woken_by_the_next_data() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, mut reader) = UnixStream::pair().unwrap();
            let mut buf = [0; 64];
            for round in 0..100u8 {
                // Exactly the buffer's size: the read cannot tell it drained the socket, so the
                // next one tries, meets `WouldBlock` and must then wait for the write below.
                let message = [round; 64];
                writer.write_all(&message).await.unwrap();
                reader.read_exact(&mut buf).await.unwrap();
                assert_eq!(buf, message);
                // Drained: the next read waits; the write after it must wake it.
                let (read, ()) = futures::future::join(reader.read(&mut buf), async {
                    yield_now().await;
                    writer.write_all(&[round; 3]).await.unwrap();
                })
                .await;
                assert_eq!(read.unwrap(), 3);
                assert_eq!(&buf[..3], &[round; 3]);
            }
        })
    });
}

#[test]
fn a_read_fills_its_buffer_when_the_socket_has_more() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, mut reader) = UnixStream::pair().unwrap();
            // One write, so all 3 072 bytes are in the reader's queue before the first read.
            let sent: Vec<u8> = (0..=255).cycle().take(3 * 1024).collect();
            writer.write_all(&sent).await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0; 1024];
            for read in 0..3 {
                let n = reader.read(&mut buf).await.unwrap();
                assert_eq!(
                    n, 1024,
                    "read {read} of a socket holding more than its buffer"
                );
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got, sent, "every byte once, in order");
        })
    });
}
