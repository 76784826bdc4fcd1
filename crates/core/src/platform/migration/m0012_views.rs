//! The views check (issue 17): monitors that look for hidden links also
//! look at the page as search spiders, search visitors and phones see it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "UPDATE monitors SET checks = checks || ',views' \
                 WHERE checks LIKE '%hidden_links%' AND checks NOT LIKE '%views%'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared("UPDATE monitors SET checks = REPLACE(checks, ',views', '')").await?;
        Ok(())
    }
}
