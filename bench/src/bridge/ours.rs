//! Our `queue::Queue`, shared by both sides behind an `Arc`.

use std::sync::Arc;

use queue::Queue;

pub(super) struct Ours;

impl super::Bridge for Ours {
    type Tx = Arc<Queue<u64>>;
    type Rx = Arc<Queue<u64>>;

    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(Queue::bounded(capacity));
        (q.clone(), q)
    }
    fn put(tx: &Self::Tx, item: u64) {
        tx.put(item).expect("open queue");
    }
    async fn put_async(tx: &Self::Tx, item: u64) {
        tx.put_async(item).await.expect("open queue");
    }
    fn get(rx: &mut Self::Rx) -> u64 {
        rx.get().expect("open queue")
    }
    async fn get_async(rx: &mut Self::Rx) -> u64 {
        rx.get_async().await.expect("open queue")
    }
}
