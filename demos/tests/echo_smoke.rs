//! The `echo` demo end to end: a server and its load generator (a child process) with tiny
//! flags, each server and both loads, under a time limit; and its refusals, which are errors,
//! never hangs.

mod common;

use std::time::Duration;

/// Far above what a few dozen connections take, even in a debug build on a busy machine.
const LIMIT: Duration = Duration::from_secs(60);

fn echo(args: &[&str]) -> std::process::Output {
    common::run(common::command(env!("CARGO_BIN_EXE_echo"), args), LIMIT).0
}

#[test]
fn every_server_serves_both_loads_and_checks_every_echo() {
    for server in ["executor", "threads", "pool"] {
        // Busy: more connections than the pool has threads, so the pool must see its first
        // clients close before it can serve the rest. Idle: few enough for the pool to hold.
        for (idle, connections, trips) in [(false, "12", 36), (true, "6", 12)] {
            let mut args = vec!["--server", server, "--connections", connections];
            args.extend(["--rounds", "3", "--limit", "20"]);
            if idle {
                args.push("--idle");
            }
            let output = echo(&args);
            assert!(output.status.success(), "{args:?}: {output:?}");
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                text.contains(&format!(
                    "{connections} connections, {trips} round trips of 64 B"
                )) && text.contains("every echo checked"),
                "{args:?}: {text}"
            );
        }
    }
}

#[test]
fn what_cannot_work_is_refused_with_a_reason() {
    // A pool of 8 threads cannot hold 9 idle connections open at once: an error, at once.
    let output = echo(&["--server", "pool", "--idle", "--connections", "9"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("the other 1 would wait forever"), "{err}");
    for bad in [
        &["--connections", "0"][..],
        &["--server", "fibers"],
        &["--rounds", "many"],
    ] {
        let output = echo(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {output:?}");
    }
}

#[test]
fn a_load_generator_with_no_server_fails_instead_of_hanging() {
    // Nothing listens on this port (bound, then closed): every connect is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let output = echo(&["--load", &addr, "busy", "3", "2"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("error connect") || text.contains("error client 0"),
        "{text}"
    );
}
