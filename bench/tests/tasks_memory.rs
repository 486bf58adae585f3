//! The memory-per-task child end to end, for every contender and both task kinds: this test
//! binary re-executes itself as the child (`harness = false`, so that its own `main` sees the
//! child flag first).

use bench::exec::memory::{bytes_per_task, child_main, CHILD_FLAG};
use bench::exec::{ExecContender, TaskKind};

fn main() {
    if child_main() {
        return;
    }
    // Enough tasks for the RSS growth to exceed page granularity, few enough to be quick.
    let n = 10_000;
    let all = [ExecContender::Ours]
        .into_iter()
        .chain(ExecContender::PEERS);
    for c in all {
        for kind in [TaskKind::Pending, TaskKind::Sleeping] {
            let bytes = bytes_per_task(c, kind, n).unwrap_or_else(|e| panic!("{e}"));
            // A task costs something, and far less than 64 KiB.
            assert!(
                bytes.is_finite() && bytes > 0.0 && bytes < 65_536.0,
                "{} {}: {bytes} bytes per task",
                c.name(),
                kind.name()
            );
            println!("{} {}: {bytes:.0} bytes per task", c.name(), kind.name());
        }
    }
    // A child that cannot do its job ends with an error, not a hang.
    let exe = std::env::current_exe().unwrap();
    for args in [
        [CHILD_FLAG, "napping", "ours", "1"],
        [CHILD_FLAG, "sleeping", "no such contender", "1"],
    ] {
        let out = std::process::Command::new(&exe)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} is a usage error");
    }
    println!("tasks_memory: ok");
}
