//! Schema migrations, run by `wangan migrate` and at start-up.
//! A migration, once released, is never edited: add a new one.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_systems;
mod m0003_pending_imports;
mod m0004_system_list_indexes;
mod m0005_attachments;
mod m0006_notices;
mod m0007_monitoring;
mod m0008_fidelity;
mod m0009_mechanisms;
mod m0010_readiness;
mod m0011_registers;
mod m0012_views;
mod m0013_sites;
mod m0014_content_memo;
mod m0015_findings_key;
mod m0016_sync_memo;
mod m0017_campus;
mod m0018_two_factor;
mod m0019_backups;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_systems::Migration),
            Box::new(m0003_pending_imports::Migration),
            Box::new(m0004_system_list_indexes::Migration),
            Box::new(m0005_attachments::Migration),
            Box::new(m0006_notices::Migration),
            Box::new(m0007_monitoring::Migration),
            Box::new(m0008_fidelity::Migration),
            Box::new(m0009_mechanisms::Migration),
            Box::new(m0010_readiness::Migration),
            Box::new(m0011_registers::Migration),
            Box::new(m0012_views::Migration),
            Box::new(m0013_sites::Migration),
            Box::new(m0014_content_memo::Migration),
            Box::new(m0015_findings_key::Migration),
            Box::new(m0016_sync_memo::Migration),
            Box::new(m0017_campus::Migration),
            Box::new(m0018_two_factor::Migration),
            Box::new(m0019_backups::Migration),
        ]
    }
}
