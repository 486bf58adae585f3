//! The tour's command line, derived with `clap`: `--help`, error messages and value checks
//! (a part name, a positive N) come from the one struct below, so they cannot disagree.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// One part of the tour, as named by `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The article's two examples (and the Python originals beside them)
    Examples,
    /// N concurrent 50 ms waits: tasks vs threads
    Lightweight,
    /// A CPU-bound job set on 1…4 threads (and processes, in Python)
    Parallelism,
    /// The cost of one switch: task vs thread
    Granularity,
    /// N concurrent connections doing round trips: executor vs threads vs a pool
    Io,
}

/// How big the experiments are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Sizes {
    /// Seconds, even in a debug build: what the smoke tests run
    Small,
    /// The tour: about a minute in release on 2 cores, Python included
    Normal,
    /// The big runs (several minutes): larger N, more repetitions, larger Python sizes
    Full,
}

/// The article's two examples, then four experiments that measure its claims — in Rust, and
/// in Python when `python3` (3.8 or later) is present.
#[derive(Debug, Parser)]
#[command(
    name = "demos",
    after_help = "The examples alone: cargo run -p demos --bin async_fetch [-- --virtual]\n\
                  \x20                   cargo run -p demos --bin queue_workers [-- --crash]"
)]
pub struct Options {
    /// Run one part only
    #[arg(long, value_enum, value_name = "PART")]
    pub only: Option<Part>,
    /// How big the experiments are
    #[arg(long, value_enum, value_name = "SIZE", default_value_t = Sizes::Normal)]
    pub sizes: Sizes,
    /// Largest number of concurrent waits in the lightweight experiment (the Python rows stop
    /// at 10000, or 100 at `--sizes small`, unless `--sizes full`)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_n: Option<u64>,
    /// Also write DIR/<experiment>.csv, .json and .svg (a plot)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Skip the Python counterparts (one line says so)
    #[arg(long)]
    pub no_python: bool,
    /// The Python interpreter to run, looked up on PATH
    #[arg(
        long,
        value_name = "PROGRAM",
        env = "DEMOS_PYTHON",
        default_value = "python3"
    )]
    pub python: PathBuf,
}

impl Options {
    /// Whether the tour runs `part`.
    pub fn wants(&self, part: Part) -> bool {
        self.only.is_none() || self.only == Some(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("demos").chain(args.iter().copied()))
    }

    #[test]
    fn flags_parse_in_both_spellings() {
        let o = parse(&["--only", "granularity", "--sizes=small", "--max-n=100"]).unwrap();
        assert_eq!(o.only, Some(Part::Granularity));
        assert_eq!(o.sizes, Sizes::Small);
        assert_eq!(o.max_n, Some(100));
        assert!(o.wants(Part::Granularity) && !o.wants(Part::Examples));
        let o = parse(&["--no-python", "--python", "/opt/py/bin/python3.12"]).unwrap();
        assert!(o.no_python && o.wants(Part::Examples));
        assert_eq!(o.python, PathBuf::from("/opt/py/bin/python3.12"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let kind = |args: &[&str]| parse(args).map(|_| ()).unwrap_err().kind();
        assert_eq!(kind(&["--only", "nope"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["--max-n", "0"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["--max-n", "many"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["--out"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["--frobnicate"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["-h"]), ErrorKind::DisplayHelp);
    }
}
