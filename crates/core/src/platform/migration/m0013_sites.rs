//! The whole site (issue 18): the pages each site's crawl found, the
//! outbound-link inventory (外链台账) and the allow-lists, 双非 sites, and
//! what the crawl says of when each site was last updated (zombie sites).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

async fn index(m: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

async fn add(m: &SchemaManager<'_>, table: &'static str, col: &mut ColumnDef) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col.to_owned()).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("crawled_pages")
                .col(big_pk_auto("id"))
                .col(big_integer("monitor_id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("url"))
                .col(integer("depth"))
                .col(integer_null("status_code"))
                .col(string("error"))
                .col(string("title"))
                .col(string("etag"))
                .col(string("last_modified"))
                .col(date_null("modified_on"))
                .col(date_null("newest_date"))
                .col(integer("dated_items"))
                .col(boolean("key_page"))
                .col(integer("findings"))
                .col(integer("outbound"))
                .col(text("baseline"))
                .col(timestamp_with_time_zone("first_seen_at"))
                .col(timestamp_with_time_zone("crawled_at"))
                .foreign_key(&mut fk("crawled_pages", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        index(m, "crawled_pages_monitor_url", "crawled_pages", &["monitor_id", "url"], true).await?;
        index(m, "crawled_pages_unit", "crawled_pages", &["unit_id"], false).await?;

        m.create_table(
            Table::create()
                .table("outbound_domains")
                .col(big_pk_auto("id"))
                .col(big_integer("monitor_id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("domain"))
                .col(string("host"))
                .col(text("href"))
                .col(boolean("hidden"))
                .col(string("link_text"))
                .col(text("pages"))
                .col(integer("page_count"))
                .col(boolean("present"))
                .col(boolean("approved"))
                .col(timestamp_with_time_zone("first_seen_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .foreign_key(&mut fk("outbound_domains", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        index(m, "outbound_domains_monitor_domain", "outbound_domains", &["monitor_id", "domain"], true).await?;
        index(m, "outbound_domains_domain", "outbound_domains", &["domain"], false).await?;
        index(m, "outbound_domains_unit", "outbound_domains", &["unit_id"], false).await?;
        index(m, "outbound_domains_review", "outbound_domains", &["approved", "present"], false).await?;

        m.create_table(
            Table::create()
                .table("link_allow")
                .col(big_pk_auto("id"))
                .col(string("domain"))
                .col(big_integer_null("system_id"))
                .col(string("note"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("link_allow", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        index(m, "link_allow_domain", "link_allow", &["domain"], false).await?;

        add(m, "monitors", &mut timestamp_with_time_zone_null("crawled_at")).await?;
        add(m, "monitors", &mut timestamp_with_time_zone_null("next_crawl_at")).await?;
        add(m, "monitors", &mut timestamp_with_time_zone_null("crawl_leased_until")).await?;
        add(m, "monitors", &mut integer_null("crawl_pages")).await?;
        add(m, "monitors", integer("crawled_count").default(0)).await?;
        add(m, "monitors", &mut date_null("site_updated_on")).await?;
        // The views' turn survives a restart (and `jobs run-once`, a process per pass).
        add(m, "monitors", &mut timestamp_with_time_zone_null("views_at")).await?;
        add(m, "systems", string("outside_reasons").default("")).await?;
        add(m, "systems", text("outside_addresses").default("")).await?;
        add(m, "systems", string("outside_decision").default("open")).await?;
        add(m, "systems", string("outside_note").default("")).await?;
        add(m, "systems", string("outside_decided_by").default("")).await?;
        add(m, "systems", &mut timestamp_with_time_zone_null("outside_checked_at")).await?;
        index(m, "monitors_next_crawl", "monitors", &["next_crawl_at"], false).await?;

        // Monitors that look for hidden links look at the whole site.
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE monitors SET checks = checks || ',crawl' \
             WHERE checks LIKE '%hidden_links%' AND checks NOT LIKE '%crawl%'",
        )
        .await?;
        // The default allow-list, editable like any entry (dated with this release).
        let released = chrono::DateTime::<chrono::Utc>::from_timestamp(1_796_515_200, 0).unwrap_or_default();
        let mut insert = Query::insert();
        insert.into_table("link_allow").columns(["domain", "system_id", "note", "created_by", "created_at"]);
        for d in crate::sites::rules::DEFAULT_ALLOW {
            insert
                .values([
                    (*d).into(),
                    Option::<i64>::None.into(),
                    "默认 default".into(),
                    "system".into(),
                    released.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?;
        }
        m.exec_stmt(insert).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["link_allow", "outbound_domains", "crawled_pages"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
