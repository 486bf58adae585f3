//! The tour's command line, parsed by hand: a handful of flags do not justify a dependency.

use std::path::PathBuf;

/// One part of the tour, as named by `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Examples,
    Lightweight,
    Parallelism,
    Granularity,
}

impl Part {
    /// Every part, in the order the tour runs them.
    pub const ALL: [Part; 4] = [
        Part::Examples,
        Part::Lightweight,
        Part::Parallelism,
        Part::Granularity,
    ];

    fn parse(name: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|part| part.name() == name)
    }

    /// The name used by `--only` and in the output files (`<name>.csv`, …).
    pub fn name(self) -> &'static str {
        match self {
            Part::Examples => "examples",
            Part::Lightweight => "lightweight",
            Part::Parallelism => "parallelism",
            Part::Granularity => "granularity",
        }
    }
}

/// How big the experiments are. `Small` exists for the smoke tests (fast even in a debug
/// build); `Full` is the tour (about a minute in release on 2 cores).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizes {
    Small,
    Full,
}

/// Everything the tour was asked to do.
#[derive(Debug)]
pub struct Options {
    pub only: Option<Part>,
    pub sizes: Sizes,
    /// Largest N for the lightweight experiment (overrides the size's own maximum).
    pub max_n: Option<usize>,
    /// Where to write `<experiment>.csv`, `.json` and `.svg`.
    pub out: Option<PathBuf>,
}

impl Options {
    /// Whether the tour runs `part`.
    pub fn wants(&self, part: Part) -> bool {
        self.only.is_none() || self.only == Some(part)
    }
}

/// The text of `--help`.
pub const HELP: &str = "\
demos — the article's two examples, then three experiments that measure its claims

usage: demos [--only PART] [--sizes small|full] [--max-n N] [--out DIR]

  --only PART       run one part: examples, lightweight, parallelism or granularity
  --sizes SIZE      small (seconds, for tests) or full (default, about a minute in release)
  --max-n N         largest number of concurrent waits in the lightweight experiment
  --out DIR         also write DIR/<experiment>.csv, .json and .svg (a plot)
  -h, --help        this text

The examples alone: cargo run -p demos --bin async_fetch [-- --virtual]
                    cargo run -p demos --bin queue_workers [-- --crash]";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Tour(Options),
    Help,
}

/// Parses the arguments after the program name; `Err` carries a message for the user.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        only: None,
        sizes: Sizes::Full,
        max_n: None,
        out: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs {what}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--only" => {
                let name = value("a part name")?;
                options.only = Some(Part::parse(&name).ok_or_else(|| {
                    format!("unknown part {name:?}: expected examples, lightweight, parallelism or granularity")
                })?);
            }
            "--sizes" => {
                options.sizes = match value("small or full")?.as_str() {
                    "small" => Sizes::Small,
                    "full" => Sizes::Full,
                    other => return Err(format!("unknown size {other:?}: expected small or full")),
                }
            }
            "--max-n" => {
                let text = value("a number")?;
                let n = text
                    .parse()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| format!("--max-n: {text:?} is not a positive number"))?;
                options.max_n = Some(n);
            }
            "--out" => options.out = Some(PathBuf::from(value("a directory")?)),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(Command::Tour(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse_in_both_spellings() {
        let Ok(Command::Tour(o)) =
            parse_strs(&["--only", "granularity", "--sizes=small", "--max-n=100"])
        else {
            panic!("should parse");
        };
        assert_eq!(o.only, Some(Part::Granularity));
        assert_eq!(o.sizes, Sizes::Small);
        assert_eq!(o.max_n, Some(100));
        assert!(o.wants(Part::Granularity) && !o.wants(Part::Examples));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parse_strs(&["--only", "nope"]).is_err());
        assert!(parse_strs(&["--max-n", "0"]).is_err());
        assert!(parse_strs(&["--out"]).is_err());
        assert!(parse_strs(&["--frobnicate"]).is_err());
        assert!(matches!(parse_strs(&["-h"]), Ok(Command::Help)));
    }
}
