//! The unit scorecard: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiUser, CodePath};
use crate::platform::openapi::{Binary, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::scorecard::service::{self, MonthScore, UnitScore};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unit_score)).routes(routes!(ranking)).routes(routes!(ranking_xlsx))
}

/// A unit's score, its breakdown and its monthly trend.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ScoreDetail {
    #[serde(flatten)]
    pub score: UnitScore,
    /// The monthly record, oldest first (the last 12 months).
    pub trend: Vec<MonthScore>,
}

#[utoipa::path(
    get,
    path = "/units/{code}/score",
    tag = "scorecard",
    summary = "A unit's score (0–100) with each factor's weight, count, points and what putting it right would add; its rank and monthly trend",
    params(CodePath),
    responses((status = 200, description = "OK", body = ScoreDetail))
)]
async fn unit_score(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ScoreDetail>> {
    let score = service::unit_score(&s.store, &p, code.trim()).await?;
    let trend = service::trend(&s.store, &p, code.trim()).await?;
    Ok(Json(ScoreDetail { score, trend }))
}

/// The ranking of the units in scope and the monthly average.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ranking {
    pub units: Vec<UnitScore>,
    pub average_trend: Vec<MonthScore>,
}

#[utoipa::path(
    get,
    path = "/scores",
    tag = "scorecard",
    summary = "Every unit in scope, best first (the rank is among all units), with the monthly average",
    responses((status = 200, description = "OK", body = Ranking))
)]
async fn ranking(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Ranking>> {
    let units = service::ranking(&s.store, &p).await?;
    let average_trend = service::monthly_average(&s.store, &p).await?;
    Ok(Json(Ranking { units, average_trend }))
}

#[utoipa::path(
    get,
    path = "/scores.xlsx",
    tag = "scorecard",
    summary = "The ranking with every factor's points, as a spreadsheet",
    responses((status = 200, description = "OK", content_type = XLSX, body = Binary))
)]
async fn ranking_xlsx(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<axum::response::Response> {
    Ok(ranking_download(&s.store, &p).await?)
}

/// The ranking sheet (the page's download too).
pub(crate) async fn ranking_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let units = service::ranking(store, who).await?;
    let mut headers: Vec<String> = ["排名", "单位代码", "单位", "得分"].map(str::to_owned).to_vec();
    for f in wangan_core::scorecard::Factor::ALL {
        headers.push(format!("{}（满分{}）", factor_zh(*f), store.score_weights().weight(*f)));
    }
    let rows = units
        .into_iter()
        .map(|u| {
            let mut row = vec![u.rank.to_string(), u.unit, u.unit_name, u.score.to_string()];
            row.extend(u.factors.iter().map(|f| f.points.to_string()));
            row
        })
        .collect();
    crate::platform::download::sheet_download(
        "单位评分",
        headers,
        rows,
        "unit-scores.xlsx",
        "单位网络安全工作评分.xlsx",
    )
    .await
}

/// The factor's Chinese name, for sheets.
pub(crate) fn factor_zh(f: wangan_core::scorecard::Factor) -> &'static str {
    use wangan_core::scorecard::Factor;
    match f {
        Factor::Responsibles => "责任人明确",
        Factor::Filed => "系统备案",
        Factor::Graded => "等级定级",
        Factor::Protections => "安全防护",
        Factor::Evaluations => "等级测评",
        Factor::Rectifications => "按期整改",
        Factor::Inspections => "按期自查",
        Factor::Warnings => "预警反馈",
        Factor::Readiness => "应急响应",
        Factor::Violations => "违规行为",
    }
}
