//! The tour's Python path: with python3 (on every machine this project runs on) the Python
//! rows, the verdicts and the article's originals; without it (`--no-python`, no python3 on
//! PATH, an interpreter too old or failing) one skip line or note, never a failed tour; and the
//! measuring scripts end when the tour that started them is gone.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tour::{csv_rows, demos, fake_python, number, stdout, tour, TempDir, LIMIT};

#[test]
fn examples_run_in_short_form_beside_the_python_originals() {
    let output = demos(&["--only", "examples"]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains("2.00 done fetching\n2.00 {'data': 1}\n2.00 8\n2.25 9\n"),
        "{text}"
    );
    assert!(text.contains("1 failed task"), "{text}");
    // The originals from the repository's copy, and the tour's comparison of their lines.
    assert!(
        text.contains("ran reference/asyncio_example.py on the real clock")
            && text.contains("the same 13 lines, in the same order"),
        "{text}"
    );
    assert!(
        text.contains("ran reference/queue_example.py: the same 40 lines as ours"),
        "{text}"
    );
    assert!(
        text.contains("came out glued")
            && text.contains("Python's print writes the text and the newline as two writes"),
        "the glued line is explained: {text}"
    );
}

#[test]
fn the_whole_tour_with_python_has_python_rows_and_verdicts() {
    let dir = TempDir::new("python");
    let output = demos(&["--sizes", "small", "--out", dir.0.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Python: python3 3."), "{text}");
    let python_rows = |name, header| -> Vec<Vec<String>> {
        csv_rows(&dir.0, name, header)
            .into_iter()
            .filter(|r| r[0] == "Python")
            .collect()
    };
    let light = python_rows(
        "lightweight",
        "language,contender,N,wall ms,CPU ms,CPU µs/wait,peak RSS KiB,RSS B/wait,note",
    );
    let names: Vec<(&str, &str)> = light.iter().map(|r| (&*r[1], &*r[2])).collect();
    assert_eq!(
        names,
        [
            ("asyncio", "10"),
            ("threads", "10"),
            ("asyncio", "100"),
            ("threads", "100")
        ]
    );
    assert!(light.iter().all(|r| number(&r[3]) >= 50.0), "{light:?}");
    let par = python_rows(
        "parallelism",
        "language,contender,workers,wall ms,speed-up,ideal,cores busy",
    );
    let contenders: Vec<&str> = par.iter().map(|r| &*r[1]).collect();
    assert_eq!(contenders[0], "one thread");
    assert_eq!(contenders.iter().filter(|c| **c == "threads").count(), 4);
    assert_eq!(contenders.iter().filter(|c| **c == "processes").count(), 4);
    assert!(par.iter().all(|r| number(&r[3]) > 0.0), "{par:?}");
    let gran = python_rows(
        "granularity",
        "language,contender,operation,ops timed,ns/op",
    );
    assert_eq!(gran.len(), 3, "{gran:?}");
    assert!(gran.iter().all(|r| number(&r[4]) > 0.0), "{gran:?}");
    let io = python_rows(
        "io_bound",
        "language,contender,load,N,wall ms,CPU ms,CPU µs/conn,peak RSS KiB,RSS B/conn,note",
    );
    let names: Vec<(&str, &str, &str)> = io.iter().map(|r| (&*r[1], &*r[2], &*r[3])).collect();
    let mut expected = Vec::new();
    for server in ["asyncio", "threads"] {
        for n in ["10", "100"] {
            expected.extend([(server, "busy", n), (server, "idle", n)]);
        }
    }
    assert_eq!(names, expected, "{io:?}");
    assert!(io.iter().all(|r| number(&r[4]) > 0.0), "{io:?}");
    assert!(
        text.contains("note: crossover, Python: asyncio beats threads"),
        "{text}"
    );
    // One verdict per claim, judged in both languages, in the output and in each JSON file.
    let verdicts: Vec<&str> = text.lines().filter(|l| l.contains("verdict: ")).collect();
    assert_eq!(verdicts.len(), 4, "{text}");
    // On one core (the tour inherits this process's CPU affinity) parallelism cannot be shown,
    // and that claim is documented to come out "not measured" in both languages.
    let one_core = std::thread::available_parallelism().map_or(true, |n| n.get() < 2);
    for verdict in &verdicts {
        if one_core && verdict.contains("more parallelism") {
            assert!(verdict.ends_with("— not measured"), "{verdict}");
            continue;
        }
        assert!(
            verdict.contains("Rust: ") && verdict.contains("Python: "),
            "{verdict}"
        );
        assert!(
            [
                "true in both",
                "false in both",
                "true only in Rust",
                "true only in Python"
            ]
            .iter()
            .any(|word| verdict.contains(word)),
            "{verdict}"
        );
    }
    for name in ["lightweight", "parallelism", "granularity", "io_bound"] {
        let json = std::fs::read_to_string(dir.0.join(format!("{name}.json"))).unwrap();
        assert!(json.contains("\"verdict\": \"verdict: "), "{json}");
    }
}

#[test]
fn without_python_one_line_says_so_and_only_rust_rows_run() {
    let dir = TempDir::new("nopython");
    let empty = dir.0.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let old = fake_python(&dir.0.join("old"), "3.7.9", "exit 1");
    let old = old.to_str().unwrap();
    let skips = [
        (tour(&["--no-python"]), "Python: skipped (--no-python)"),
        (
            tour(&["--python", "/nonexistent/python3"]),
            "cannot run /nonexistent/python3",
        ),
        (
            tour(&["--python", old]),
            "is Python 3.7.9; the scripts need 3.8 or later",
        ),
        // No python3 on PATH at all (the tour itself needs nothing from PATH without Python).
        (
            {
                let mut c = tour(&[]);
                c.env("PATH", &empty);
                c
            },
            "Python: skipped (cannot run python3",
        ),
    ];
    for (mut command, why) in skips {
        command.args(["--only", "granularity", "--sizes", "small"]);
        let (output, _) = common::run(command, LIMIT);
        assert!(output.status.success(), "{output:?}");
        let text = stdout(&output);
        let python_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Python")).collect();
        assert_eq!(
            python_lines.len(),
            1,
            "one skip line, no Python rows: {text}"
        );
        assert!(python_lines[0].contains(why), "{why:?} in {text}");
        assert!(text.contains("(Python not measured)"), "{text}");
    }
}

#[test]
fn a_failing_interpreter_gives_skip_notes_not_a_failed_tour() {
    let dir = TempDir::new("badpython");
    let bad = fake_python(&dir.0, "3.12.0", "echo 'Traceback: boom' >&2; exit 1");
    let output = demos(&[
        "--only",
        "parallelism",
        "--sizes",
        "small",
        "--python",
        bad.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Python: "), "{text}");
    assert!(
        text.contains("note: Python rows skipped:") && text.contains("Traceback: boom"),
        "{text}"
    );
}

#[test]
fn a_script_ends_when_the_tour_that_started_it_is_gone() {
    // A stand-in for a tour stopped by Ctrl-C: the shell names itself as the script's parent,
    // as the tour does, starts a script that would compute for minutes (100 s per case), prints
    // its pid and exits at once. Only the script's own watch on its parent can end it.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/granularity.py");
    let output = Command::new("sh")
        .args([
            "-c",
            "DEMOS_PARENT_PID=$$ python3 \"$0\" 100000 >/dev/null 2>&1 & echo $!",
            script,
        ])
        .output()
        .expect("sh runs");
    let pid = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert!(!pid.is_empty(), "{output:?}");
    let running = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        !matches!(state, None | Some("Z"))
    };
    // Polling for the outcome, with a deadline: the watch wakes every 0.2 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let still_running = running();
    if still_running {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    assert!(
        !still_running,
        "granularity.py (pid {pid}) outlived its parent by 10 s"
    );
}
