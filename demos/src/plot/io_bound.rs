//! The I/O-bound plot: busy wall time, busy CPU per connection and idle memory per connection,
//! each vs N on log-log axes, one line per contender (Python's dashed), like the lightweight
//! plot.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{color, decade_label, PlotResult};
use crate::io_bound::{Contender, Measured, Sample};
use crate::report::Language;

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
        let all: Vec<f64> = Contender::ALL
            .into_iter()
            .flat_map(points)
            .map(|p| p.1)
            .collect();
        let y_max = all.iter().copied().fold(10.0, f64::max) * 2.0;
        let y_min = all
            .iter()
            .copied()
            .fold(f64::MAX, f64::min)
            .min(y_max / 100.0)
            / 2.0;
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (5.0..n_max * 2.0).log_scale(),
                (y_min.max(0.5)..y_max).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("N (concurrent connections)")
            .y_desc(y_desc)
            .x_label_formatter(&decade_label)
            .y_label_formatter(&decade_label)
            .draw()?;
        for (i, c) in Contender::ALL.into_iter().enumerate() {
            let style = color(i).stroke_width(2);
            let label = format!("{} {}", c.language().name(), c.name());
            if c.language() == Language::Rust {
                chart
                    .draw_series(LineSeries::new(points(c), style).point_size(4))?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            } else {
                chart
                    .draw_series(DashedLineSeries::new(points(c), 6, 4, style))?
                    .label(label)
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, style)
                    });
                chart.draw_series(
                    points(c)
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color(i).filled())),
                )?;
            }
        }
        chart
            .configure_series_labels()
            .position(legend)
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
