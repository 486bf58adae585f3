//! A generic `yield_now` for the peers that ship none (async-executor, futures): wake yourself,
//! return `Pending` once. It is what `futures_lite::future::yield_now` does.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

pub(crate) struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
