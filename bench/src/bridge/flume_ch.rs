//! `flume::bounded`: `send`/`recv` on threads, `send_async`/`recv_async` in tasks.

pub(super) struct Flume;

impl super::Bridge for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }
    fn put(tx: &Self::Tx, item: u64) {
        tx.send(item).expect("receiver alive");
    }
    async fn put_async(tx: &Self::Tx, item: u64) {
        tx.send_async(item).await.expect("receiver alive");
    }
    fn get(rx: &mut Self::Rx) -> u64 {
        rx.recv().expect("sender alive or items left")
    }
    async fn get_async(rx: &mut Self::Rx) -> u64 {
        rx.recv_async().await.expect("sender alive or items left")
    }
}
