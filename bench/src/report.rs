//! The target table of `benches/targets.rs`: rows, the check of each target, and the text,
//! markdown and CSV renderings of the same rows.

use std::fmt::Write as _;

/// What a row is checked against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Met when ours ÷ best peer (median of per-round ratios) is at most this.
    RatioAtMost(f64),
    /// Met when our own value, in the row's unit, is at most this.
    ValueAtMost(f64),
    /// Met when our own value is at most the first number and ours ÷ best peer at most the
    /// second (e.g. "≤ 128 B and below every peer").
    ValueAndRatioAtMost(f64, f64),
    /// Shown for context, not checked.
    Info,
}

/// One line of the table: one workload, ours against the best peer.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Key shared with the Python scripts' `workload=` names (for the side-by-side table).
    pub key: &'static str,
    /// Human-readable workload name.
    pub workload: String,
    /// Our value (median over rounds), in `unit`; lower is better.
    pub ours: f64,
    /// Unit of `ours` and of the peer's value.
    pub unit: &'static str,
    /// The best peer's name and value, if any peer ran this workload.
    pub peer: Option<(String, f64)>,
    /// Median of per-round ours ÷ peer, if there is a peer.
    pub ratio: Option<f64>,
    /// What the row is checked against.
    pub target: Target,
}

impl Row {
    /// `Some(true)` when the target is met, `Some(false)` when missed, `None` for an
    /// informational row (or a ratio target without a peer to compare with).
    ///
    /// ```
    /// use bench::report::{Row, Target};
    /// let row = Row { key: "k", workload: "w".into(), ours: 40.0, unit: "us",
    ///     peer: Some(("p".into(), 80.0)), ratio: Some(0.5), target: Target::RatioAtMost(0.75) };
    /// assert_eq!(row.met(), Some(true));
    /// assert_eq!(Row { target: Target::ValueAtMost(30.0), ..row.clone() }.met(), Some(false));
    /// assert_eq!(Row { target: Target::ValueAndRatioAtMost(50.0, 0.4), ..row.clone() }.met(), Some(false));
    /// assert_eq!(Row { target: Target::Info, ..row }.met(), None);
    /// ```
    pub fn met(&self) -> Option<bool> {
        match self.target {
            Target::RatioAtMost(max) => self.ratio.map(|r| r <= max),
            Target::ValueAtMost(max) => Some(self.ours <= max),
            Target::ValueAndRatioAtMost(value, ratio) => {
                Some(self.ours <= value && self.ratio.is_some_and(|r| r <= ratio))
            }
            Target::Info => None,
        }
    }

    fn cells(&self) -> [String; 6] {
        let target = match self.target {
            Target::RatioAtMost(max) => format!("≤ {max:.2}×"),
            Target::ValueAtMost(max) => format!("≤ {} {}", num(max), self.unit),
            Target::ValueAndRatioAtMost(value, ratio) => {
                format!("≤ {} {} and ≤ {ratio:.2}×", num(value), self.unit)
            }
            Target::Info => "—".to_string(),
        };
        let result = match self.met() {
            Some(true) => "MET",
            Some(false) => "MISSED",
            None => "info",
        };
        [
            self.workload.clone(),
            format!("{} {}", num(self.ours), self.unit),
            match &self.peer {
                Some((name, v)) => format!("{} {} ({name})", num(*v), self.unit),
                None => "—".to_string(),
            },
            self.ratio
                .map_or("—".to_string(), |r| format!("{}×", num(r))),
            target,
            result.to_string(),
        ]
    }
}

/// A number with as many decimals as its size deserves (3 significant-ish digits).
///
/// ```
/// assert_eq!(bench::report::num(1234.56), "1235");
/// assert_eq!(bench::report::num(12.345), "12.3");
/// assert_eq!(bench::report::num(0.4567), "0.457");
/// ```
pub fn num(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        a if a >= 1.0 => format!("{v:.2}"),
        _ => format!("{v:.3}"),
    }
}

const HEADINGS: [&str; 6] = [
    "workload",
    "ours",
    "best peer (name)",
    "ratio",
    "target",
    "result",
];

/// The rows as an aligned text table for the terminal.
pub fn text_table(rows: &[Row]) -> String {
    let cells: Vec<[String; 6]> = rows.iter().map(Row::cells).collect();
    let heads = HEADINGS.map(String::from);
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            cells
                .iter()
                .chain([&heads])
                .map(|c| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[String; 6]| {
        let padded: Vec<String> = c
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:<w$}", w = *w))
            .collect();
        padded.join(" | ").trim_end().to_string() + "\n"
    };
    let mut out = line(&heads);
    out += &(widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("-+-")
        + "\n");
    cells.iter().for_each(|c| out += &line(c));
    out
}

/// The rows as a markdown table (for `bench/results/targets.md` and the README).
///
/// ```
/// use bench::report::{markdown_table, Row, Target};
/// let row = Row { key: "k", workload: "w".into(), ours: 1.0, unit: "ns", peer: None,
///     ratio: None, target: Target::Info };
/// let md = markdown_table(&[row]);
/// assert!(md.starts_with("| workload | ours |"));
/// assert!(md.contains("| w | 1.00 ns | — | — | — | info |"));
/// ```
pub fn markdown_table(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|{}\n", HEADINGS.join(" | "), "---|".repeat(6));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.cells().join(" | "));
    }
    out
}

/// A CSV field: quoted (with inner quotes doubled, RFC 4180) when it holds a comma or a quote.
fn quoted(field: &str) -> String {
    if field.contains([',', '"']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The rows as CSV with raw numbers (empty fields where a row has no peer).
///
/// ```
/// use bench::report::{csv, Row, Target};
/// let row = Row { key: "spsc", workload: "SPSC".into(), ours: 2.5, unit: "ns/item",
///     peer: Some(("std".into(), 5.0)), ratio: Some(0.5), target: Target::RatioAtMost(1.0) };
/// assert_eq!(csv(&[row.clone()]).lines().nth(1), Some("spsc,SPSC,2.5,ns/item,std,5,0.5,ratio<=1,MET"));
/// let row = Row { workload: "SPSC, batched".into(), ..row };
/// assert!(csv(&[row]).contains(",\"SPSC, batched\","));
/// ```
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("key,workload,ours,unit,peer,peer_value,ratio,target,result\n");
    for r in rows {
        let (peer, peer_value) = r
            .peer
            .as_ref()
            .map_or((String::new(), String::new()), |(n, v)| {
                (n.clone(), v.to_string())
            });
        let target = match r.target {
            Target::RatioAtMost(max) => format!("ratio<={max}"),
            Target::ValueAtMost(max) => format!("value<={max}"),
            Target::ValueAndRatioAtMost(value, ratio) => format!("value<={value};ratio<={ratio}"),
            Target::Info => String::new(),
        };
        let result = match r.met() {
            Some(true) => "MET",
            Some(false) => "MISSED",
            None => "",
        };
        let ratio = r.ratio.map_or(String::new(), |x| x.to_string());
        let (key, workload, peer) = (quoted(r.key), quoted(&r.workload), quoted(&peer));
        let _ = writeln!(
            out,
            "{key},{workload},{},{},{peer},{peer_value},{ratio},{target},{result}",
            r.ours, r.unit
        );
    }
    out
}
