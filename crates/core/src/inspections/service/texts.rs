//! What units are told about campaigns (the catalogs hold the words).

use crate::inspections::rules::CampaignReminder;
use crate::notify::texts::{Message, line, t};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CampaignEvent {
    Launched,
    Reminder(CampaignReminder),
    Submitted,
    Returned,
}

pub(crate) fn message(
    event: CampaignEvent,
    campaign_id: i64,
    title: &str,
    unit_name: &str,
    due_on: NaiveDate,
    note: &str,
) -> Message {
    let (word, key) = match event {
        CampaignEvent::Launched => ("campaign_launched", "campaign.launched"),
        CampaignEvent::Reminder(CampaignReminder::DueIn(_)) => ("campaign_due", "campaign.due"),
        CampaignEvent::Reminder(CampaignReminder::Overdue) => ("campaign_overdue", "campaign.overdue"),
        CampaignEvent::Submitted => ("campaign_submitted", "campaign.submitted"),
        CampaignEvent::Returned => ("campaign_returned", "campaign.returned"),
    };
    let due = due_on.format("%Y-%m-%d").to_string();
    let days = match event {
        CampaignEvent::Reminder(CampaignReminder::DueIn(d)) => d.to_string(),
        _ => String::new(),
    };
    Message::new(word, format!("/campaigns/{campaign_id}"), |l| {
        let args = [("title", title), ("unit", unit_name), ("due", due.as_str()), ("days", days.as_str())];
        let mut body = vec![line(l, "unit", unit_name), line(l, "campaign_due", &due)];
        if !note.is_empty() {
            body.push(line(l, "note", note));
        }
        body.push(t(l, &format!("{key}.body"), &args));
        (t(l, key, &args), body.join("\n"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_campaign_the_due_date_and_what_to_do() {
        let due = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        let m = message(CampaignEvent::Launched, 3, "2027年度网络安全自查", "教务处", due, "");
        assert!(m.subject("zh-CN").contains("2027年度网络安全自查"), "{}", m.subject("zh-CN"));
        assert!(m.body("zh-CN").contains("2027-03-31"), "{}", m.body("zh-CN"));
        let r = message(CampaignEvent::Reminder(CampaignReminder::DueIn(7)), 3, "自查", "教务处", due, "");
        assert!(r.subject("zh-CN").contains('7'), "{}", r.subject("zh-CN"));
        assert!(!r.subject("en").contains("campaign."), "the English catalog has the key: {}", r.subject("en"));
        let back = message(CampaignEvent::Returned, 3, "自查", "教务处", due, "第3项证据不清晰");
        assert!(back.body("zh-CN").contains("第3项证据不清晰"));
    }
}
