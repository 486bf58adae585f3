//! During a long tick the executor looks for I/O every few dozen task polls
//! (`mid_tick_io.rs`): a socket that becomes ready while hundreds of other tasks are ready is
//! served in the next tick, not after dozens of ticks. Unix stream pairs: a write reaches the
//! peer inside the system call, so the data is in the kernel when the write returns, with no
//! sleep; the ticks are counted by one of the ready tasks, which runs once per tick.
#![cfg(all(feature = "io", unix, not(loom), not(executor_io_at_tick_end)))]

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::on_own_thread;
use executor::net::UnixStream;
use executor::{run, spawn, yield_now};
use futures::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(20);

/// More ready tasks than a tick polls between two looks for I/O, so every tick has a look.
const READY_TASKS: usize = 200;

#[test]
fn a_socket_made_ready_during_long_ticks_is_served_in_the_next_tick() {
    on_own_thread(LIMIT, || {
        run(async {
            let (mut writer, mut reader) = UnixStream::pair().unwrap();
            let ticks = Rc::new(Cell::new(0u64));
            let served_at = Rc::new(Cell::new(None::<u64>));
            let read = spawn({
                let (ticks, served_at) = (ticks.clone(), served_at.clone());
                async move {
                    let mut byte = [0u8; 1];
                    assert_eq!(reader.read(&mut byte).await.unwrap(), 1);
                    served_at.set(Some(ticks.get()));
                }
            });
            // Tasks that stay ready until the read is served: every tick polls all of them.
            let busy: Vec<_> = (0..READY_TASKS)
                .map(|i| {
                    let (ticks, served_at) = (ticks.clone(), served_at.clone());
                    spawn(async move {
                        while served_at.get().is_none() {
                            if i == 0 {
                                ticks.set(ticks.get() + 1); // the first busy task: once per tick
                            }
                            yield_now().await;
                        }
                    })
                })
                .collect();
            // One tick: the reader finds nothing and waits for readiness; every busy task runs.
            yield_now().await;
            let written_at = ticks.get();
            writer.write_all(b"x").await.unwrap();
            read.await.unwrap();
            let waited = served_at.get().unwrap() - written_at;
            // The next tick's look collects the event; the tick after runs the reader.
            assert!(
                waited <= 2,
                "the ready socket waited {waited} ticks of {READY_TASKS} ready tasks"
            );
            for task in busy {
                task.await.unwrap();
            }
        })
    });
}
