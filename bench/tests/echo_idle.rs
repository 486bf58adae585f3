//! The idle-connections child end to end: this test binary re-executes itself as the child
//! (`harness = false`, so that its own `main` sees the child flag first), for every contender.

use bench::echo::idle::{bytes_per_idle_connection, child_main};
use bench::echo::EchoContender;

fn main() {
    if child_main() {
        return;
    }
    // More than one pacing chunk, far below the open-file limit.
    let n = 250;
    for c in EchoContender::ALL {
        let bytes = bytes_per_idle_connection(c, n).unwrap_or_else(|e| panic!("{e}"));
        // A connection costs the server something, and less than 1 MiB of resident memory.
        assert!(
            bytes.is_finite() && (0.0..1_048_576.0).contains(&bytes),
            "{}: {bytes} bytes per idle connection",
            c.name()
        );
        println!("{}: {bytes:.0} bytes per idle connection", c.name());
    }
    // A child that cannot do its job ends with an error, not a hang.
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([bench::echo::idle::CHILD_FLAG, "no such contender", "1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad child argument is a usage error"
    );
    println!("echo_idle: ok");
}
