//! An optimization of the reactor's timed park (Linux): a `timerfd` in the poll, so a park can
//! end at a deadline to the nanosecond instead of at mio's whole milliseconds.
//!
//! **What it changes.** Without it, the reactor cuts a park to whole milliseconds and the run
//! loop spins (zero-timeout polls) through the last stretch before each deadline: as precise,
//! but a program whose timers are less than a millisecond apart spins all the time. With it, a
//! timed park arms this timer to the exact remaining time and polls with no timeout: the
//! deadline, a socket or another thread's wake — whichever comes first — ends one
//! `epoll_wait`. The condvar parker's oversleep estimate (`idle.rs`) then works as it does
//! without `io`. Costs one `timerfd_settime` per timed park. Measured in `docs/decisions.md`.
//!
//! rustix makes the timerfd calls safe (an `OwnedFd`, no `unsafe` here); mio's `SourceFd`
//! registers it. If it cannot be created, the reactor falls back to whole milliseconds.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
    Timespec,
};

/// A one-shot monotonic timer whose expiry makes the poll return (edge-triggered: every
/// expiry is an event; the count is never read, re-arming replaces it).
#[derive(Debug)]
pub(crate) struct DeadlineTimer {
    fd: OwnedFd,
}

impl DeadlineTimer {
    /// Creates the timer and registers it in `registry` under `token`.
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<Self> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
        Ok(DeadlineTimer { fd })
    }

    /// Arms the timer to expire `after` from now (replacing any earlier arming). `after` must
    /// not be zero: a zero `it_value` disarms.
    pub(crate) fn arm(&self, after: Duration) -> io::Result<()> {
        let value = Timespec {
            tv_sec: after.as_secs().try_into().unwrap_or(i64::MAX),
            tv_nsec: after.subsec_nanos().into(),
        };
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &spec)
            .map(drop)
            .map_err(io::Error::from)
    }
}
