//! Charts drawn on the server as SVG (no script, no font files): a latency
//! line with failures marked, and a strip of daily uptime. Everything in
//! the markup is a number or a formatted time, so it is safe to embed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// One measurement: when, latency in ms (none when the check failed), failed.
pub struct Point {
    pub at: DateTime<Utc>,
    pub latency_ms: Option<u32>,
    pub failed: bool,
}

const W: f64 = 720.0;
const H: f64 = 150.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

fn nice_max(v: u32) -> u32 {
    let v = v.max(10);
    let mag = 10u32.pow(v.ilog10());
    let step = [1, 2, 5, 10].into_iter().map(|k| k * mag).find(|s| *s >= v).unwrap_or(10 * mag);
    step.max(v.div_ceil(mag) * mag)
}

/// A latency line over `[from, to]`; failed checks are red ticks.
pub fn latency(points: &[Point], from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz, time_format: &str) -> String {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let max = nice_max(points.iter().filter_map(|p| p.latency_ms).max().unwrap_or(0));
    let x = |t: DateTime<Utc>| LEFT + ((t - from).num_milliseconds() as f64 / span).clamp(0.0, 1.0) * (W - LEFT - 8.0);
    let y = |ms: u32| TOP + (1.0 - f64::from(ms.min(max)) / f64::from(max)) * (H - TOP - BOTTOM);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">\
         <line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" class=\"axis\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{r}\" y2=\"{TOP}\" class=\"grid\"/>\
         <text x=\"{lx}\" y=\"{ty}\" class=\"label\" text-anchor=\"end\">{max} ms</text>\
         <text x=\"{lx}\" y=\"{b}\" class=\"label\" text-anchor=\"end\">0</text>",
        b = H - BOTTOM,
        r = W - 8.0,
        lx = LEFT - 4.0,
        ty = TOP + 10.0,
    );
    let mut line: Vec<String> = Vec::new();
    let flush = |line: &mut Vec<String>, s: &mut String| {
        if line.len() == 1 {
            s.push_str(&format!("<circle cx=\"{}\" r=\"2\" class=\"dot\"/>", line[0].replace(',', "\" cy=\"")));
        } else if line.len() > 1 {
            s.push_str(&format!("<polyline points=\"{}\" class=\"line\"/>", line.join(" ")));
        }
        line.clear();
    };
    for p in points {
        match (p.failed, p.latency_ms) {
            (false, Some(ms)) => line.push(format!("{:.1},{:.1}", x(p.at), y(ms))),
            _ => {
                flush(&mut line, &mut s);
                if p.failed {
                    s.push_str(&format!(
                        "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{b}\" class=\"fail\"/>",
                        x = x(p.at),
                        b = H - BOTTOM
                    ));
                }
            }
        }
    }
    flush(&mut line, &mut s);
    for (t, anchor) in [(from, "start"), (to, "end")] {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" class=\"label\" text-anchor=\"{anchor}\">{}</text>",
            x(t),
            H - 6.0,
            t.with_timezone(&tz).format(time_format)
        ));
    }
    s.push_str("</svg>");
    s
}

/// Daily uptime as a strip of boxes (green: all up, amber: some failures, red: mostly down, grey: no checks).
pub fn uptime_strip(days: &[(DateTime<Utc>, Option<f64>)], tz: Tz) -> String {
    let n = days.len().max(1) as f64;
    let w = (W - LEFT - 8.0) / n;
    let mut s = format!(
        "<svg class=\"chart strip\" viewBox=\"0 0 {W} 40\" width=\"100%\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, (day, up)) in days.iter().enumerate() {
        let class = match up {
            None => "none",
            Some(u) if *u >= 0.999 => "up",
            Some(u) if *u >= 0.9 => "some",
            Some(_) => "down",
        };
        s.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"4\" width=\"{:.1}\" height=\"20\" rx=\"2\" class=\"day {class}\"><title>{} {}</title></rect>",
            LEFT + i as f64 * w + 1.0,
            (w - 2.0).max(1.0),
            day.with_timezone(&tz).format("%m-%d"),
            up.map(|u| format!("{:.2}%", u * 100.0)).unwrap_or_else(|| "—".into())
        ));
    }
    if let (Some((first, _)), Some((last, _))) = (days.first(), days.last()) {
        s.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"38\" class=\"label\">{}</text><text x=\"{}\" y=\"38\" class=\"label\" text-anchor=\"end\">{}</text>",
            first.with_timezone(&tz).format("%m-%d"),
            W - 8.0,
            last.with_timezone(&tz).format("%m-%d")
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_latency_line_with_a_failure() {
        let t0 = Utc::now() - Duration::hours(24);
        let points: Vec<Point> = (0..10)
            .map(|i| Point {
                at: t0 + Duration::hours(i * 2),
                latency_ms: (i != 4).then_some(100 + i as u32 * 10),
                failed: i == 4,
            })
            .collect();
        let svg = latency(&points, t0, t0 + Duration::hours(24), chrono_tz::Asia::Shanghai, "%H:%M");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2, "the failure splits the line");
        assert_eq!(svg.matches("class=\"fail\"").count(), 1);
        assert!(svg.contains("200 ms"), "{svg}");
        assert!(!latency(&[], t0, t0, chrono_tz::Asia::Shanghai, "%H:%M").contains("polyline"));
        assert_eq!(nice_max(0), 10);
        assert_eq!(nice_max(180), 200);
        assert_eq!(nice_max(1234), 2000);
    }

    #[test]
    fn an_uptime_strip() {
        let t0 = Utc::now();
        let days = [(t0, Some(1.0)), (t0, Some(0.95)), (t0, Some(0.5)), (t0, None)];
        let svg = uptime_strip(&days, chrono_tz::Asia::Shanghai);
        for c in ["day up", "day some", "day down", "day none"] {
            assert!(svg.contains(c), "{c}");
        }
    }
}
