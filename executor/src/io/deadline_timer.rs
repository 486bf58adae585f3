//! An optimization of the reactor's timed park (Linux): a `timerfd` in the poll, so a park can
//! end at a deadline to the nanosecond instead of at mio's whole milliseconds.
//!
//! **What it changes.** Without it, the reactor cuts a park to whole milliseconds and the run
//! loop spins (zero-timeout polls) through the last stretch before each deadline: as precise,
//! but a program whose timers are less than a millisecond apart spins all the time. With it, a
//! timed park arms this timer to the exact remaining time and polls with no timeout: the
//! deadline, a socket or another thread's wake — whichever comes first — ends one
//! `epoll_wait`. The condvar parker's oversleep estimate (`idle.rs`) then works as it does
//! without `io`. Measured in `docs/decisions.md`.
//!
//! **Re-armed only when the wake moved.** A park that ended early (a socket, a wake) leaves the
//! timer armed; the next park usually wants the same wake (the same earliest deadline), so the
//! timer remembers the instant it is armed to and keeps it while that instant is still ahead
//! and within [`KEEP_WITHIN`] of the one asked for. It re-arms when the asked-for wake moved
//! (earlier: a new earliest deadline; later: the armed one was cancelled) or the armed one
//! passed (it fired). A program waiting on sockets under one long `timeout` then pays one
//! `timerfd_settime` per deadline, not one per park; a timer firing costs what it did.
//!
//! rustix makes the timerfd calls safe (an `OwnedFd`, no `unsafe` here); mio's `SourceFd`
//! registers it. If it cannot be created, the reactor falls back to whole milliseconds.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
    Timespec,
};

use crate::sync::{lock, Mutex};

/// How far the armed wake may be from the asked-for one and still be kept. The run loop and
/// this timer read the clock at slightly different moments, so one deadline asked for twice
/// arrives here as two instants a fraction of a microsecond apart; a kept arming wakes at most
/// this much late (or early: the run loop then spins the rest), far below a timer's promised
/// lateness.
const KEEP_WITHIN: Duration = Duration::from_micros(2);

/// A one-shot monotonic timer whose expiry makes the poll return (edge-triggered: every
/// expiry is an event; the count is never read, re-arming replaces it).
#[derive(Debug)]
pub(crate) struct DeadlineTimer {
    fd: OwnedFd,
    /// The instant the timer is armed to, `None` if never (or the arming failed). Only the
    /// executor's thread parks: the lock is never contended (it keeps the reactor `Sync`).
    armed: Mutex<Option<Instant>>,
}

impl DeadlineTimer {
    /// Creates the timer and registers it in `registry` under `token`.
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<Self> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
        Ok(DeadlineTimer {
            fd,
            armed: Mutex::new(None),
        })
    }

    /// Makes the timer expire `after` from now: keeps the current arming if it is still ahead
    /// and within [`KEEP_WITHIN`] of that (module docs), re-arms otherwise. `after` must not be
    /// zero: a zero `it_value` disarms.
    pub(crate) fn arm(&self, after: Duration) -> io::Result<()> {
        let now = Instant::now();
        let want = now.checked_add(after); // `None`: beyond the clock, arm without remembering
        let mut armed = lock(&self.armed);
        if keeps(*armed, now, want) {
            return Ok(());
        }
        *armed = None; // until the new arming succeeded
        self.set(after)?;
        *armed = want;
        Ok(())
    }

    /// Arms the timer to expire `after` from now (replacing any earlier arming).
    fn set(&self, after: Duration) -> io::Result<()> {
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

/// True if a timer armed to `armed` may stay armed for a wake asked for at `want` (`now` is
/// the clock read that `want` was computed from): it is still ahead, and within
/// [`KEEP_WITHIN`] of `want`. Plain arithmetic, so the rule is tested without waiting.
fn keeps(armed: Option<Instant>, now: Instant, want: Option<Instant>) -> bool {
    let (Some(at), Some(want)) = (armed, want) else {
        return false; // never armed, the arming failed, or a wake beyond the clock
    };
    let apart = at.checked_duration_since(want).unwrap_or_else(|| want - at);
    at > now && apart <= KEEP_WITHIN
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn the_same_wake_asked_again_keeps_the_arming() {
        let now = Instant::now();
        let at = now + 1000 * US;
        // The run loop asks for the same deadline again, read a fraction of a microsecond apart.
        assert!(keeps(Some(at), now + US / 2, Some(at + US / 2)));
        assert!(keeps(Some(at), now, Some(at - KEEP_WITHIN)));
        assert!(keeps(Some(at), now, Some(at + KEEP_WITHIN)));
    }

    #[test]
    fn a_moved_passed_or_unknown_wake_re_arms() {
        let now = Instant::now();
        let at = now + 1000 * US;
        let earlier = at - KEEP_WITHIN - US; // a new earliest deadline: the armed one is too late
        let later = at + KEEP_WITHIN + US; // the armed deadline was cancelled
        assert!(!keeps(Some(at), now, Some(earlier)));
        assert!(!keeps(Some(at), now, Some(later)));
        assert!(
            !keeps(Some(at), at, Some(at)),
            "the armed expiry has passed: it fired"
        );
        assert!(!keeps(None, now, Some(at)), "never armed");
        assert!(
            !keeps(Some(at), now, None),
            "a wake beyond the clock's range"
        );
    }

    #[test]
    fn an_armed_timer_ends_the_poll_at_its_deadline_and_is_re_armed_after() {
        let mut poll = mio::Poll::new().unwrap();
        let timer = DeadlineTimer::new(poll.registry(), Token(7)).unwrap();
        let mut events = mio::Events::with_capacity(4);
        for _ in 0..2 {
            let start = Instant::now();
            timer.arm(2000 * US).unwrap();
            timer.arm(2000 * US).unwrap(); // kept (or, preempted in between, re-armed): same wake
                                           // Bounded: a poll that returns without the timer's event is retried a few times.
            let mut fired = false;
            for _ in 0..100 {
                poll.poll(&mut events, Some(Duration::from_secs(5)))
                    .unwrap();
                if events.iter().any(|e| e.token() == Token(7)) {
                    fired = true;
                    break;
                }
            }
            assert!(fired, "the timer's expiry ends a poll");
            assert!(start.elapsed() >= 2000 * US, "not before its deadline");
        }
    }
}
