//! Pages of the unit scorecard: the ranking with its charts (SVG drawn on
//! the server: no script) and a unit's breakdown with what would raise it.

use crate::AppState;
use crate::platform::extract::PageUser;
use crate::platform::page::{Ctx, OrPage, PageResult, fail, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use wangan_core::scorecard::Factor;
use wangan_core::scorecard::service::{self, MonthScore, UnitScore};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scores", get(ranking))
        .route("/scores.xlsx", get(ranking_xlsx))
        .route("/scores/{code}", get(unit))
}

/// A bar of the ranking chart.
pub struct Bar {
    pub y: u32,
    pub width: u32,
    pub score: u32,
    pub label: String,
    pub code: String,
    pub class: &'static str,
}

/// A line chart of monthly scores: the polyline's points and the labels.
pub struct Trend {
    pub points: String,
    pub dots: Vec<(u32, u32, String, i32)>,
}

/// A name cut to `n` characters (not bytes) for a chart's label.
fn short(name: &str, n: usize) -> String {
    if name.chars().count() <= n {
        name.to_owned()
    } else {
        format!("{}…", name.chars().take(n - 1).collect::<String>())
    }
}

fn class_of(score: u32) -> &'static str {
    match score {
        90.. => "good",
        75..=89 => "fair",
        _ => "poor",
    }
}

fn trend(months: &[MonthScore]) -> Trend {
    let n = months.len().max(1) as u32;
    let step = if n > 1 { 560 / (n - 1) } else { 0 };
    let dots: Vec<(u32, u32, String, i32)> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = 40 + step * i as u32;
            let y = 150 - (m.score.clamp(0, 100) as u32) * 130 / 100;
            (x, y, m.month.clone(), m.score)
        })
        .collect();
    Trend { points: dots.iter().map(|(x, y, _, _)| format!("{x},{y}")).collect::<Vec<_>>().join(" "), dots }
}

#[derive(Template)]
#[template(path = "scorecard/ranking.html")]
struct RankingPage {
    ctx: Ctx,
    units: Vec<UnitScore>,
    bars: Vec<Bar>,
    height: u32,
    trend: Trend,
    factors: &'static [Factor],
}

async fn ranking(State(s): State<AppState>, user: PageUser) -> PageResult {
    let units = service::ranking(&s.store, &user.principal).await.or_page(&user)?;
    let avg = service::monthly_average(&s.store, &user.principal).await.or_page(&user)?;
    let bars: Vec<Bar> = units
        .iter()
        .enumerate()
        .map(|(i, u)| Bar {
            y: i as u32 * 22,
            width: u.score * 4,
            score: u.score,
            label: short(&u.unit_name, 9),
            code: u.unit.clone(),
            class: class_of(u.score),
        })
        .collect();
    let height = (bars.len() as u32 * 22).max(22);
    let ctx = Ctx::new(&s, Some(&user), "scores");
    render(RankingPage { ctx, units, bars, height, trend: trend(&avg), factors: Factor::ALL })
}

async fn ranking_xlsx(State(s): State<AppState>, user: PageUser) -> PageResult {
    crate::scorecard::api::ranking_download(&s.store, &user.principal).await.map_err(|e| fail(&user, e))
}

impl UnitPage {
    /// Where the records behind a factor are listed.
    fn factor_link(&self, f: &Factor, unit: &str) -> String {
        factor_link(*f, unit)
    }
}

/// Where the records behind a factor are listed.
pub fn factor_link(f: Factor, unit: &str) -> String {
    match f {
        Factor::Responsibles => format!("/units/{unit}"),
        Factor::Filed | Factor::Graded | Factor::Protections | Factor::Evaluations => format!("/systems?unit={unit}"),
        Factor::Rectifications => format!("/rectifications?unit={unit}"),
        Factor::Inspections => "/campaigns".to_owned(),
        Factor::Warnings => "/warnings".to_owned(),
        Factor::Readiness => "/key-periods".to_owned(),
        Factor::Violations => format!("/violations?unit={unit}&state=confirmed&correction=open"),
    }
}

#[derive(Template)]
#[template(path = "scorecard/unit.html")]
struct UnitPage {
    ctx: Ctx,
    s: UnitScore,
    trend: Trend,
    has_trend: bool,
}

async fn unit(State(s): State<AppState>, user: PageUser, Path(code): Path<String>) -> PageResult {
    let score = service::unit_score(&s.store, &user.principal, code.trim()).await.or_page(&user)?;
    let months = service::trend(&s.store, &user.principal, code.trim()).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "scores");
    render(UnitPage { ctx, s: score, has_trend: !months.is_empty(), trend: trend(&months) })
}
