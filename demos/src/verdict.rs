//! One line of verdict per claim, computed from the measured numbers.
//!
//! Each experiment judges the claim once per language — `Some((holds, evidence))`, or `None`
//! where that language was not measured (no Python, too few rows) — and this module turns the
//! two judgements into the line the tour prints under the table. The words "true", "false" and
//! "true only in …" are chosen here from the booleans, never written by an experiment.

/// The article's claim judged in one language: whether it held, and the numbers that say so.
pub type Judged = Option<(bool, String)>;

/// `verdict: "<claim>" — <true | false | true only in Rust | …> (<Rust evidence>; <Python
/// evidence>)`.
///
/// ```text
/// verdict: "queues enable more parallelism" — true only in Rust (Rust: …; Python: …)
/// ```
pub fn line(claim: &str, rust: &Judged, python: &Judged) -> String {
    let word = match (rust, python) {
        (Some((true, _)), Some((true, _))) => "true in both languages",
        (Some((false, _)), Some((false, _))) => "false in both languages",
        (Some((true, _)), Some((false, _))) => "true only in Rust",
        (Some((false, _)), Some((true, _))) => "true only in Python",
        (Some((true, _)), None) => "true in Rust (Python not measured)",
        (Some((false, _)), None) => "false in Rust (Python not measured)",
        (None, Some((true, _))) => "true in Python (Rust not measured)",
        (None, Some((false, _))) => "false in Python (Rust not measured)",
        (None, None) => "not measured",
    };
    let evidence: Vec<String> = [("Rust", rust), ("Python", python)]
        .into_iter()
        .filter_map(|(language, judged)| {
            judged.as_ref().map(|(_, why)| format!("{language}: {why}"))
        })
        .collect();
    if evidence.is_empty() {
        format!("verdict: \"{claim}\" — {word}")
    } else {
        format!("verdict: \"{claim}\" — {word} ({})", evidence.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(holds: bool) -> Judged {
        Some((holds, if holds { "yes" } else { "no" }.into()))
    }

    #[test]
    fn the_word_follows_the_booleans() {
        assert_eq!(
            line("c", &judged(true), &judged(false)),
            "verdict: \"c\" — true only in Rust (Rust: yes; Python: no)"
        );
        assert!(line("c", &judged(false), &judged(true)).contains("true only in Python"));
        assert!(line("c", &judged(true), &judged(true)).contains("— true in both"));
        assert!(line("c", &judged(false), &judged(false)).contains("— false in both"));
        assert!(line("c", &judged(true), &None).contains("(Python not measured) (Rust: yes)"));
        assert_eq!(line("c", &None, &None), "verdict: \"c\" — not measured");
    }
}
