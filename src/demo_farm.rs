//! The demo university's websites, simulated on this machine: when the
//! database holds the demo (its sites are `*.university.example`), `serve`
//! answers them from a loopback farm, so the monitors have something real
//! to watch and never send a packet off the machine. A few sites carry
//! faults from the start (hidden links, an exposed `.git`, certificates
//! expired or expiring), and the news site is defaced three minutes after
//! start, to show tampering being caught.

use std::time::Duration;

use wangan_core::Store;
use wangan_monitor::farm::{Cert, Cloak, Deep, Farm, Plant, Site};
use wangan_monitor::fetch::Route;

pub const DEMO_DOMAIN: &str = "university.example";

/// Start the farm if the database holds the demo; returns it with the route to add.
pub async fn start(store: &Store) -> anyhow::Result<Option<(Farm, Route)>> {
    wangan_core::monitoring::service::sync(store).await?;
    let sites = wangan_core::monitoring::service::monitored_sites(store).await?;
    let demo: Vec<(String, String, String)> = sites
        .into_iter()
        .filter_map(|(url, icp, psb)| {
            let host = url.split("://").nth(1)?.split(['/', ':']).next()?.to_owned();
            host.ends_with(&format!(".{DEMO_DOMAIN}")).then_some((host, icp, psb))
        })
        .collect();
    if demo.is_empty() {
        return Ok(None);
    }
    let farm = Farm::start(&[DEMO_DOMAIN]).await.map_err(|e| anyhow::anyhow!("demo sites: {e}"))?;
    let today = store.now().date_naive();
    for (host, icp, psb) in &demo {
        let label = host.split('.').next().unwrap_or("");
        let mut site = Site {
            icp: Some(icp.clone()).filter(|i| !i.is_empty()),
            // The registry keeps the digits; the footer writes them as sites do.
            public_security: Some(psb.trim()).filter(|p| !p.is_empty()).map(|p| format!("京公网安备 {p}号")),
            ..Site::default()
        };
        match label {
            "cs" => site.plant = Plant::HiddenLinks,
            // A hidden block written by eval(atob(…)); spam only search spiders are shown;
            // and the security office's warning against gambling, which is no spam.
            "contest" => site.plant = Plant::ScriptBase64,
            "math" => site.cloak = Some(Cloak::SpiderSpam),
            "bwc" => site.plant = Plant::GamblingWarning,
            // Links a script builds at run time: only the rendered view (with chromium) finds them.
            "ee" => site.plant = Plant::ScriptBuilt,
            "lib" => site.git_exposed = true,
            "job" => site.cert = Cert::ExpiresSoon,
            "old-portal" => site.cert = Cert::Expired,
            "video" => site.status = 500,
            _ => {}
        }
        // Whole sites behind the home pages, for the daily crawl: columns, articles, a sitemap.
        let mut deep = Deep::fresh(today);
        match label {
            // Spam on an old article three clicks deep, and a link to a file mirror in a hidden block.
            "chem" => {
                deep.spam_depth = Some(3);
                deep.hidden_outbound = Some("files.mirror-cdn.example".into());
            }
            // A column nobody has updated for over a year; a site untouched for two.
            "med" => deep.column_age_days = vec![420, 5, 12],
            "sem" => deep.column_age_days = vec![800; 12],
            _ => {}
        }
        site.deep = Some(deep);
        farm.set(host, site);
    }
    let later = farm.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(180)).await;
        later.update(&format!("news.{DEMO_DOMAIN}"), |s| s.plant = Plant::Defaced);
        tracing::info!("demo: news.{DEMO_DOMAIN} was just defaced; the monitor will find it at its next check");
    });
    let route = Route::new(DEMO_DOMAIN, std::net::IpAddr::from([127, 0, 0, 1]), Some(farm.https.port()));
    println!(
        "  演示站点：{} 个网站由本机模拟 / demo sites: {} simulated on this machine (127.0.0.1:{})",
        demo.len(),
        demo.len(),
        farm.https.port()
    );
    Ok(Some((farm, route)))
}
