//! The four plots, as SVG, drawn with `plotters`. Both time and memory span several orders of
//! magnitude across N, so the lightweight and granularity plots use logarithmic axes: on a
//! linear axis the executor's line would be flat on the floor. Python's rows are drawn in the
//! same charts with dashed lines (and dashed legend entries), so each workload's two languages
//! sit side by side.

use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::granularity;
use crate::lightweight::{Contender, Sample};
use crate::parallelism;
use crate::report::Language;

// The I/O-bound experiment's two panels: a file of their own.
mod io_bound;
pub use io_bound::io_bound;

type PlotResult = Result<(), Box<dyn Error>>;

fn color(i: usize) -> RGBColor {
    [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
    ][i % 5]
}

/// Labels a log axis at powers of ten only (10, 100, 1k, …): plotters also offers the values
/// in between, which crowd together at the top of each decade.
fn decade_label(value: &f64) -> String {
    let exponent = value.log10();
    if (exponent - exponent.round()).abs() > 1e-6 {
        return String::new();
    }
    match exponent.round() as i32 {
        e @ 0..=2 => format!("{}", 10u64.pow(e as u32)),
        e @ 3..=5 => format!("{}k", 10u64.pow(e as u32 - 3)),
        e @ 6..=8 => format!("{}M", 10u64.pow(e as u32 - 6)),
        e => format!("1e{e}"),
    }
}

/// One line of a log-log panel: its legend label, its language (Python's lines are dashed) and
/// its points (N, value).
struct Line {
    label: String,
    language: Language,
    points: Vec<(f64, f64)>,
}

/// A log-log chart of `lines` against N on `area`, `axes` = (x, y) descriptions: a panel of the
/// lightweight and of the I/O-bound plot. The i-th line gets the i-th colour, so a contender
/// keeps its colour across panels.
fn log_log_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    axes: (&str, &str),
    n_max: f64,
    lines: &[Line],
    legend: SeriesLabelPosition,
) -> PlotResult {
    let values = || lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
    let y_max = values().fold(10.0, f64::max) * 2.0;
    let y_min = values().fold(f64::MAX, f64::min).min(y_max / 100.0) / 2.0;
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
        .x_desc(axes.0)
        .y_desc(axes.1)
        .x_label_formatter(&decade_label)
        .y_label_formatter(&decade_label)
        .draw()?;
    for (i, line) in lines.iter().enumerate() {
        let style = color(i).stroke_width(2);
        let points = line.points.clone();
        if line.language == Language::Rust {
            chart
                .draw_series(LineSeries::new(points, style).point_size(4))?
                .label(line.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        } else {
            chart
                .draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))?
                .label(line.label.as_str())
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, style)
                });
            chart.draw_series(
                points
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
    Ok(())
}

/// Two log-log charts side by side: wall time vs N, and peak RSS per wait vs N.
pub fn lightweight(samples: &[Sample], path: &Path) -> PlotResult {
    let root = SVGBackend::new(path, (1100, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(550);
    let n_max = samples.iter().map(|s| s.n).max().unwrap_or(10) as f64;
    type Metric = fn(&crate::lightweight::Measured, f64) -> f64;
    // Each legend goes where its chart has no data: time rises to the right, memory per wait
    // falls to the right.
    let panels: [(
        &DrawingArea<SVGBackend, _>,
        &str,
        &str,
        Metric,
        SeriesLabelPosition,
    ); 2] = [
        (
            &left,
            "wall time for N waits of 50 ms",
            "wall time (ms)",
            |m, _| m.wall.as_secs_f64() * 1e3,
            SeriesLabelPosition::UpperLeft,
        ),
        (
            &right,
            "peak RSS per wait",
            "bytes per wait",
            |m, n| m.rss_delta as f64 / n,
            SeriesLabelPosition::UpperRight,
        ),
    ];
    for (area, title, y_desc, metric, legend) in panels {
        let points = |c: Contender| -> Vec<(f64, f64)> {
            samples
                .iter()
                .filter(|s| s.contender == c)
                .filter_map(|s| {
                    s.result
                        .as_ref()
                        .ok()
                        .map(|m| (s.n as f64, metric(m, s.n as f64).max(1.0)))
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
        let axes = ("N (concurrent waits)", y_desc);
        log_log_panel(area, title, axes, n_max, &lines, legend)?;
    }
    root.present()?;
    Ok(())
}

/// Speed-up vs threads for the pool, the ideal `min(threads, cores)`, and the executor.
pub fn parallelism(rows: &[parallelism::Row], cores: usize, path: &Path) -> PlotResult {
    let root = SVGBackend::new(path, (700, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_threads = rows.iter().map(|r| r.threads).max().unwrap_or(1) as f64;
    // Headroom above the highest line: the legend sits there.
    let y_max = rows.iter().map(|r| r.speedup).fold(cores as f64, f64::max) * 1.5;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("CPU-bound speed-up vs workers ({cores} cores)"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.5..max_threads + 0.5, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("workers (threads; processes for multiprocessing)")
        .y_desc("speed-up vs 1-thread pool; cores busy")
        .x_labels(2 * max_threads as usize + 2)
        // Whole numbers only: workers come in ones.
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        })
        .draw()?;
    let ideal = (1..=max_threads as usize).map(|k| (k as f64, k.min(cores) as f64));
    let gray = RGBColor(150, 150, 150).stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(ideal, 6, 4, gray))?
        .label(format!("ideal: min(threads, {cores})"))
        .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, gray));
    let pool = rows
        .iter()
        .filter(|r| r.language == Language::Rust && r.contender == "pool")
        .map(|r| (r.threads as f64, r.speedup));
    let blue = color(0).stroke_width(2);
    chart
        .draw_series(LineSeries::new(pool, blue).point_size(4))?
        .label("Rust WorkerPool speed-up")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue));
    // CPU time / wall time: how many cores the pool really had. When this stays near 1 with 2
    // threads, the missing speed-up is the machine's load, not the pool's design.
    let busy = rows.iter().filter(|r| r.contender == "pool").map(|r| {
        (
            r.threads as f64,
            r.cpu.as_secs_f64() / r.wall.as_secs_f64().max(1e-9),
        )
    });
    let green = color(2).stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new(busy, 2, 3, green))?
        .label("Rust WorkerPool cores busy (CPU / wall)")
        .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 20, y)], 2, 3, green));
    // Python: threads fed by a queue.Queue (the GIL holds them to one core) and processes.
    for (i, contender, label) in [
        (3, "threads", "Python threads + queue.Queue speed-up"),
        (4, "processes", "Python multiprocessing speed-up"),
    ] {
        let style = color(i).stroke_width(2);
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.language == Language::Python && r.contender == contender)
            .map(|r| (r.threads as f64, r.speedup))
            .collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))?
            .label(label)
            .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, style));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 4, color(i).filled())),
        )?;
    }
    let red = color(1).filled();
    let executor = rows
        .iter()
        .filter(|r| r.contender == "executor")
        .map(|r| Cross::new((r.threads as f64, r.speedup), 7, red));
    chart
        .draw_series(executor)?
        .label("Rust executor (1 thread)")
        .legend(move |(x, y)| Cross::new((x + 10, y), 5, red));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Horizontal bars, nanoseconds per operation on a log axis, each labelled with its value.
pub fn granularity(rows: &[granularity::Row], path: &Path) -> PlotResult {
    let root = SVGBackend::new(path, (800, 120 + 70 * rows.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = rows.iter().map(|r| r.ns_per_op).fold(10.0, f64::max) * 3.0;
    let min = rows
        .iter()
        .map(|r| r.ns_per_op)
        .fold(f64::MAX, f64::min)
        .min(max)
        / 3.0;
    let floor = min.max(0.1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "the cost of one switch (ns per operation, log scale)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .build_cartesian_2d((floor..max).log_scale(), 0.0..rows.len() as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc("ns per operation")
        .x_label_formatter(&decade_label)
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        // Bars from the top down, in table order; the label sits above its bar.
        let y = (rows.len() - 1 - i) as f64;
        let tasks = row.contender == "executor" || row.contender == "asyncio";
        let c = match (row.language, tasks) {
            (Language::Rust, true) => color(0),
            (Language::Rust, false) => color(1),
            (Language::Python, true) => color(3),
            (Language::Python, false) => color(4),
        };
        chart.draw_series([Rectangle::new(
            [(floor, y + 0.1), (row.ns_per_op, y + 0.5)],
            c.filled(),
        )])?;
        let label = format!(
            "{} {}: {} — {:.1} ns",
            row.language.name(),
            row.contender,
            row.what,
            row.ns_per_op
        );
        chart.draw_series([Text::new(
            label,
            (floor * 1.05, y + 0.9),
            ("sans-serif", 15),
        )])?;
    }
    root.present()?;
    Ok(())
}
