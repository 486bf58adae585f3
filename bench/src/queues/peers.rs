//! The peer channels on the queue workloads, each written the way its users would.

use crate::threads::{run_transfer, Shape};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;
use std::time::Duration;

pub(super) fn std_transfer(shape: Shape, items: u64) -> Duration {
    let (tx, rx) = sync_channel(shape.capacity);
    let rx = Mutex::new(rx);
    run_transfer(
        shape,
        items,
        |range| {
            let tx = tx.clone();
            range.for_each(|v| tx.send(v).unwrap());
        },
        |count| {
            if shape.consumers == 1 {
                // A lone consumer owns the receiver for the whole run, as it would in real code:
                // std's SPSC numbers carry no lock.
                let rx = rx.lock().unwrap();
                (0..count).map(|_| rx.recv().unwrap()).sum()
            } else {
                (0..count).map(|_| rx.lock().unwrap().recv().unwrap()).sum()
            }
        },
    )
}

pub(super) fn crossbeam_transfer(shape: Shape, items: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded(shape.capacity);
    run_transfer(
        shape,
        items,
        |range| range.for_each(|v| tx.send(v).unwrap()),
        |count| (0..count).map(|_| rx.recv().unwrap()).sum(),
    )
}

pub(super) fn flume_transfer(shape: Shape, items: u64) -> Duration {
    let (tx, rx) = flume::bounded(shape.capacity);
    run_transfer(
        shape,
        items,
        |range| range.for_each(|v| tx.send(v).unwrap()),
        |count| (0..count).map(|_| rx.recv().unwrap()).sum(),
    )
}
