//! The dashboard's figures, in the caller's scope: one function for the page
//! (and any later API or report), so the counting rules live in one place.

use crate::directory::service::people;
use crate::directory::service::responsibilities::{self, MissingView};
use crate::directory::service::units;
use crate::notices::service::rectifications;
use crate::platform::access::Principal;
use crate::platform::error::Result;
use crate::platform::page::PageRequest;
use crate::platform::store::Store;
use crate::registry::rules::mlps::DueState;
use crate::registry::service::systems::{self, SystemFilter};
use crate::registry::{FilingStatus, Stage};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub unit_count: u64,
    pub people_count: u64,
    pub system_count: u64,
    /// Internet-facing systems online without a filing (§四(一)).
    pub unfiled_online: u64,
    /// Systems whose MLPS evaluation is overdue.
    pub evaluations_overdue: u64,
    /// Systems whose evaluation falls due soon (not yet overdue).
    pub evaluations_due_soon: u64,
    /// Level 2 and above without an MLPS filing number past its day (art. 15).
    pub mlps_filing_overdue: u64,
    /// Systems whose public-security filing must be updated (变更备案).
    pub filing_needs_update: u64,
    /// Go-live requests (上线申请) waiting for the center.
    pub golive_pending: u64,
    /// Units that have not named all three responsible persons.
    pub missing_responsibles: Vec<MissingView>,
    pub rectifications: rectifications::Overview,
    /// The whole site: 双非 sites undecided, zombie sites and columns, outbound domains to review.
    pub sites: crate::sites::service::SiteFigures,
}

pub async fn figures(store: &Store, who: &Principal) -> Result<Figures> {
    let one = PageRequest::new(1, 1);
    let count = |f: SystemFilter| async move { systems::list(store, who, &f, one).await.map(|page| page.total) };
    let unfiled_online = SystemFilter {
        stage: Some(Stage::Online.as_str().into()),
        internet_facing: Some(true),
        filing: Some(FilingStatus::NotFiled.as_str().into()),
        ..Default::default()
    };
    let due = |state: DueState| SystemFilter { evaluation: Some(state.as_str().into()), ..Default::default() };
    let evaluations_overdue = count(due(DueState::Overdue)).await?;
    Ok(Figures {
        unit_count: units::list(store, who, &Default::default(), one).await?.total,
        people_count: people::list(store, who, &Default::default(), one).await?.total,
        system_count: count(SystemFilter::default()).await?,
        unfiled_online: count(unfiled_online).await?,
        // "Due soon" counts the overdue too.
        evaluations_due_soon: count(due(DueState::DueSoon)).await?.saturating_sub(evaluations_overdue),
        evaluations_overdue,
        mlps_filing_overdue: count(SystemFilter {
            mlps_filing: Some(DueState::Overdue.as_str().into()),
            ..Default::default()
        })
        .await?,
        filing_needs_update: count(SystemFilter {
            filing: Some(FilingStatus::NeedsUpdate.as_str().into()),
            ..Default::default()
        })
        .await?,
        golive_pending: crate::registry::service::golive::pending_count(store, who).await?,
        missing_responsibles: responsibilities::units_missing(store, who).await?,
        rectifications: rectifications::overview(store, who).await?,
        sites: crate::sites::service::figures(store, who).await?,
    })
}
