//! `tokio::sync::mpsc::channel`: `blocking_send`/`blocking_recv` on threads, `send`/`recv`
//! awaited in tasks. Its futures need no tokio runtime: they run on our executor.

use tokio::sync::mpsc;

pub(super) struct TokioMpsc;

impl super::Bridge for TokioMpsc {
    type Tx = mpsc::Sender<u64>;
    type Rx = mpsc::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        mpsc::channel(capacity)
    }
    fn put(tx: &Self::Tx, item: u64) {
        tx.blocking_send(item).expect("receiver alive");
    }
    async fn put_async(tx: &Self::Tx, item: u64) {
        tx.send(item).await.expect("receiver alive");
    }
    fn get(rx: &mut Self::Rx) -> u64 {
        rx.blocking_recv().expect("sender alive or items left")
    }
    async fn get_async(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("sender alive or items left")
    }
}
