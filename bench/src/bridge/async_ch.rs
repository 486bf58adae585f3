//! `async_channel::bounded`: `send_blocking`/`recv_blocking` on threads, `send`/`recv` awaited
//! in tasks.

pub(super) struct AsyncChannel;

impl super::Bridge for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    fn put(tx: &Self::Tx, item: u64) {
        tx.send_blocking(item).expect("receiver alive");
    }
    async fn put_async(tx: &Self::Tx, item: u64) {
        tx.send(item).await.expect("receiver alive");
    }
    fn get(rx: &mut Self::Rx) -> u64 {
        rx.recv_blocking().expect("sender alive or items left")
    }
    async fn get_async(rx: &mut Self::Rx) -> u64 {
        rx.recv().await.expect("sender alive or items left")
    }
}
