//! The scaling plot, as SVG: CPU cost per timer against the count (the fair plan, every
//! count), then p50 lateness against the count for each plan that ran, up to
//! `LATENESS_MAX_COUNT` timers (beyond, firing them takes longer than their spread, and
//! lateness measures that backlog). Log-log axes: counts span three decades and lateness five.

use super::{PlanKind, Point, LATENESS_MAX_COUNT};
use bench::timer_rounds::{Metric, CONTENDERS};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

type PlotResult = Result<(), Box<dyn Error>>;

fn color(i: usize) -> RGBColor {
    [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
    ][i % 4]
}

/// Labels a log axis at powers of ten only.
fn decade_label(value: &f64) -> String {
    let exponent = value.log10();
    if (exponent - exponent.round()).abs() > 1e-6 {
        return String::new();
    }
    match exponent.round() as i32 {
        e @ -3..=-1 => format!("{}", 10f64.powi(e)),
        e @ 0..=2 => format!("{}", 10u64.pow(e as u32)),
        e @ 3..=5 => format!("{}k", 10u64.pow(e as u32 - 3)),
        e @ 6..=8 => format!("{}M", 10u64.pow(e as u32 - 6)),
        e => format!("1e{e}"),
    }
}

/// Draws every panel into `path`: one row of up to three panels.
pub fn scaling(points: &[Point], path: &Path) -> PlotResult {
    let mut panels: Vec<(String, Metric, PlanKind)> = Vec::new();
    if points.iter().any(|p| p.plan == PlanKind::Fair) {
        let title = "CPU per timer, ns (fair plan)".to_string();
        panels.push((title, Metric::NsPerTimer, PlanKind::Fair));
    }
    for kind in PlanKind::ALL {
        if points.iter().any(|p| p.plan == kind) {
            let issue = if kind == PlanKind::FirstPoll {
                ", the issue's"
            } else {
                ""
            };
            let title = format!("p50 lateness, µs (plan {}{issue})", kind.name());
            panels.push((title, Metric::P50, kind));
        }
    }
    if panels.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (460 * panels.len() as u32, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len()));
    for ((title, metric, kind), area) in panels.iter().zip(&areas) {
        let metric_index = Metric::ALL.iter().position(|m| m == metric).unwrap_or(0);
        let mut chosen: Vec<&Point> = (points.iter())
            .filter(|p| p.plan == *kind)
            .filter(|p| *metric == Metric::NsPerTimer || p.count <= LATENESS_MAX_COUNT)
            .collect();
        chosen.sort_by_key(|p| p.count);
        // Cost falls with the count, lateness rises: the legend goes where the lines are not.
        let legend = match metric {
            Metric::NsPerTimer => SeriesLabelPosition::UpperRight,
            _ => SeriesLabelPosition::UpperLeft,
        };
        panel(area, title, metric_index, &chosen, legend)?;
    }
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    metric: usize,
    points: &[&Point],
    legend: SeriesLabelPosition,
) -> PlotResult {
    let values = || {
        points
            .iter()
            .flat_map(|p| p.medians[metric].iter().copied())
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let y_max = values().fold(1.0, f64::max) * 2.0;
    let y_min = values().fold(f64::MAX, f64::min).min(y_max / 10.0) / 2.0;
    let x_max = points.iter().map(|p| p.count).max().unwrap_or(10) as f64 * 2.0;
    let x_min = points.iter().map(|p| p.count).min().unwrap_or(1) as f64 / 2.0;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (x_min..x_max).log_scale(),
            (y_min.max(1e-3)..y_max).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("timers")
        .x_label_formatter(&decade_label)
        .y_label_formatter(&decade_label)
        .draw()?;
    for (i, contender) in CONTENDERS.iter().enumerate() {
        let style = color(i).stroke_width(2);
        let line: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.count as f64, p.medians[metric][i]))
            .filter(|(_, v)| v.is_finite() && *v > 0.0)
            .collect();
        chart
            .draw_series(LineSeries::new(line, style).point_size(4))?
            .label(contender.name())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .position(legend)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    Ok(())
}
