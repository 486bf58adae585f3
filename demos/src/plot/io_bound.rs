//! The I/O-bound plot: busy wall time, busy CPU per connection and idle memory per connection,
//! each vs N on log-log axes, one line per contender (Python's dashed), like the lightweight
//! plot.

use std::path::Path;

use plotters::prelude::*;

use super::{log_log_panel, Line, PlotResult};
use crate::io_bound::{Contender, Measured, Sample};

/// Three log-log charts side by side: busy wall time, busy CPU per connection and idle peak
/// RSS per connection, each vs N.
pub fn io_bound(samples: &[Sample], path: &Path) -> PlotResult {
    let root = SVGBackend::new(path, (1500, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, 3));
    let n_max = samples
        .iter()
        .map(|s| s.load.connections)
        .max()
        .unwrap_or(10) as f64;
    type Metric = fn(&Measured, f64) -> f64;
    // Each legend goes where its chart has no data: time rises to the right, memory per
    // connection falls to the right, CPU per connection stays above a floor.
    let panels: [(bool, &str, &str, Metric, SeriesLabelPosition); 3] = [
        (
            false,
            "busy: wall time for N connections",
            "wall time (ms)",
            |m, _| m.wall.as_secs_f64() * 1e3,
            SeriesLabelPosition::UpperLeft,
        ),
        (
            false,
            "busy: server CPU per connection",
            "µs per connection",
            |m, n| m.cpu.as_secs_f64() * 1e6 / n,
            SeriesLabelPosition::LowerRight,
        ),
        (
            true,
            "idle: server peak RSS per open connection",
            "bytes per connection",
            |m, n| m.rss_delta as f64 / n,
            SeriesLabelPosition::UpperRight,
        ),
    ];
    for (area, (idle, title, y_desc, metric, legend)) in areas.iter().zip(panels) {
        let points = |c: Contender| -> Vec<(f64, f64)> {
            samples
                .iter()
                .filter(|s| s.contender == c && s.load.idle == idle)
                .filter_map(|s| {
                    let n = s.load.connections as f64;
                    // A CPU time below one 10 ms tick reads 0: no point, rather than a fake one.
                    let value = metric(s.result.as_ref().ok()?, n);
                    (value > 0.0).then_some((n, value))
                })
                .collect()
        };
        let lines: Vec<Line> = Contender::ALL
            .into_iter()
            .map(|c| Line {
                label: format!("{} {}", c.language().name(), c.name()),
                language: c.language(),
                points: points(c),
            })
            .collect();
        let axes = ("N (concurrent connections)", y_desc);
        log_log_panel(area, title, axes, n_max, &lines, legend)?;
    }
    root.present()?;
    Ok(())
}
