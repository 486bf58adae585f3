//! A quick echo throughput check over loopback: 1 000 connections × 100 round trips of 64
//! bytes; the server on one executor (this thread), the clients on a second executor in a
//! second thread. Prints round trips/s and the process's CPU time — a starting point, not a
//! benchmark (`bench/` compares against peers).
//!
//! `cargo run --release -p executor --example echo_check`

// Under `cfg(loom)` the io layer is compiled out (loom models the condvar parker).
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    check::main();
}

#[cfg(not(loom))]
mod check {
    use std::time::{Duration, Instant};

    use executor::net::{TcpListener, TcpStream};
    use executor::{run, spawn};
    use futures::io::{AsyncReadExt, AsyncWriteExt};

    const CONNECTIONS: usize = 1_000;
    const ROUND_TRIPS: usize = 100;
    const MESSAGE: usize = 64;

    /// User + system CPU time of the whole process (Linux: `/proc/self/stat`, in clock ticks of
    /// 10 ms).
    fn process_cpu() -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_millis(ticks * 10))
    }

    pub fn main() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cpu0 = process_cpu();
        let start = Instant::now();
        let clients = std::thread::spawn(move || {
            run(async move {
                let tasks: Vec<_> = (0..CONNECTIONS)
                    .map(|_| {
                        spawn(async move {
                            let mut s = TcpStream::connect(addr).await.unwrap();
                            s.set_nodelay(true).unwrap();
                            let out = [7u8; MESSAGE];
                            let mut back = [0u8; MESSAGE];
                            for _ in 0..ROUND_TRIPS {
                                s.write_all(&out).await.unwrap();
                                s.read_exact(&mut back).await.unwrap();
                            }
                            assert_eq!(back, out);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        });
        run(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            let mut conns = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let (mut conn, _) = listener.accept().await.unwrap();
                conn.set_nodelay(true).unwrap();
                conns.push(spawn(async move {
                    let mut buf = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        conn.read_exact(&mut buf).await.unwrap();
                        conn.write_all(&buf).await.unwrap();
                    }
                }));
            }
            for c in conns {
                c.await.unwrap();
            }
        });
        clients.join().unwrap();
        let wall = start.elapsed();
        let trips = (CONNECTIONS * ROUND_TRIPS) as f64;
        let cpu = process_cpu().zip(cpu0).map(|(b, a)| b - a);
        println!(
            "{CONNECTIONS} connections x {ROUND_TRIPS} round trips of {MESSAGE} B: {:.0} round trips/s, \
             wall {wall:.2?}, CPU {cpu:.2?} (both threads)",
            trips / wall.as_secs_f64()
        );
    }
}
