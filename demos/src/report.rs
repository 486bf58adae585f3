//! Results as a table: printed aligned for people, written as CSV and JSON for tools.
//!
//! Every experiment turns its typed results into one `Table`; the three output formats are
//! written from that single source so they can never disagree.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Which language a row was measured in: every table puts it first, so Rust and Python rows
/// of the same workload sit side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Rust,
    Python,
}

impl Language {
    /// `Rust` or `Python`, as the tables print it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "Rust",
            Language::Python => "Python",
        }
    }
}

/// One cell. Numbers keep their value (CSV/JSON get it at full precision) and the number of
/// decimals to show people.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Num(f64, usize),
    /// Not measured, with the reason (printed as `-`, empty in CSV, `null` in JSON).
    Missing,
}

/// A titled table with notes printed under it.
#[derive(Debug)]
pub struct Table {
    /// The line above the table.
    pub title: String,
    /// Column headers, also the CSV header and the JSON keys.
    pub columns: Vec<&'static str>,
    /// One `Vec` per row, a cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// `note:` lines under the table (and in the JSON file).
    pub notes: Vec<String>,
    /// The claim's verdict, computed from the rows, printed last.
    pub verdict: Option<String>,
}

impl Cell {
    fn show(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Num(value, decimals) => format!("{value:.decimals$}"),
            Cell::Missing => "-".to_string(),
        }
    }
}

impl Table {
    /// The table aligned in columns: text to the left, numbers to the right.
    pub fn render(&self) -> String {
        let shown: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(Cell::show).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                let cells = shown.iter().map(|row| row[c].chars().count());
                cells
                    .chain([self.columns[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!("{}\n", self.title);
        let header: Vec<String> = self
            .columns
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h:>w$}"))
            .collect();
        let _ = writeln!(out, "  {}", header.join("  "));
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        let _ = writeln!(out, "  {}", rule.join("  "));
        for (row, cells) in self.rows.iter().zip(&shown) {
            let line: Vec<String> = row
                .iter()
                .zip(cells)
                .zip(&widths)
                .map(|((cell, text), w)| match cell {
                    Cell::Text(_) => format!("{text:<w$}"),
                    _ => format!("{text:>w$}"),
                })
                .collect();
            let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if let Some(verdict) = &self.verdict {
            let _ = writeln!(out, "  {verdict}");
        }
        out
    }

    /// RFC 4180 CSV: a header line, then one line per row.
    pub fn to_csv(&self) -> String {
        let mut out = self
            .columns
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => csv_field(text),
                    Cell::Num(value, _) => value.to_string(),
                    Cell::Missing => String::new(),
                })
                .collect();
            out += &(fields.join(",") + "\n");
        }
        out
    }

    /// `{"title", "machine", "notes", "rows": [{column: value, …}, …]}`.
    pub fn to_json(&self, machine: &[(&str, String)]) -> String {
        let object = |pairs: Vec<(String, String)>| {
            let body: Vec<String> = pairs
                .into_iter()
                .map(|(k, v)| format!("{}: {v}", json_string(&k)))
                .collect();
            format!("{{{}}}", body.join(", "))
        };
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                let pairs = self.columns.iter().zip(row).map(|(column, cell)| {
                    let value = match cell {
                        Cell::Text(text) => json_string(text),
                        Cell::Num(value, _) if value.is_finite() => value.to_string(),
                        _ => "null".to_string(),
                    };
                    (column.to_string(), value)
                });
                format!("    {}", object(pairs.collect()))
            })
            .collect();
        let machine = object(
            machine
                .iter()
                .map(|(k, v)| (k.to_string(), json_string(v)))
                .collect(),
        );
        let notes: Vec<String> = self.notes.iter().map(|n| json_string(n)).collect();
        let verdict = self.verdict.as_deref().map_or("null".into(), json_string);
        format!(
            "{{\n  \"title\": {},\n  \"machine\": {machine},\n  \"notes\": [{}],\n  \"verdict\": {verdict},\n  \"rows\": [\n{}\n  ]\n}}\n",
            json_string(&self.title),
            notes.join(", "),
            rows.join(",\n")
        )
    }

    /// Writes `dir/<name>.csv` and `dir/<name>.json`.
    pub fn write_files(
        &self,
        dir: &Path,
        name: &str,
        machine: &[(&str, String)],
    ) -> io::Result<()> {
        // io::Error names no path: the message does, or "Permission denied" leaves the reader
        // guessing which file.
        let write = |path: std::path::PathBuf, text: String| {
            std::fs::write(&path, text)
                .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))
        };
        write(dir.join(format!("{name}.csv")), self.to_csv())?;
        write(dir.join(format!("{name}.json")), self.to_json(machine))
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            title: "t".into(),
            columns: vec!["name", "ns"],
            rows: vec![
                vec![Cell::Text("a, \"b\"".into()), Cell::Num(1.5, 1)],
                vec![Cell::Text("c".into()), Cell::Missing],
            ],
            notes: vec!["n".into()],
            verdict: Some("verdict: v".into()),
        }
    }

    #[test]
    fn csv_quotes_and_leaves_missing_empty() {
        assert_eq!(sample().to_csv(), "name,ns\n\"a, \"\"b\"\"\",1.5\nc,\n");
    }

    #[test]
    fn json_escapes_and_uses_null() {
        let json = sample().to_json(&[("cores", "2".into())]);
        assert!(
            json.contains(r#"{"name": "a, \"b\"", "ns": 1.5}"#),
            "{json}"
        );
        assert!(json.contains(r#"{"name": "c", "ns": null}"#), "{json}");
        assert!(json.contains(r#""machine": {"cores": "2"}"#), "{json}");
        assert!(json.contains(r#""verdict": "verdict: v""#), "{json}");
    }

    #[test]
    fn render_aligns_numbers_right() {
        let text = sample().render();
        assert!(text.contains("  a, \"b\"  1.5\n"), "{text}");
        assert!(text.contains("  note: n\n  verdict: v\n"), "{text}");
    }
}
