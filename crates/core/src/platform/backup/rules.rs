//! When a scheduled backup is due, what it is called, and which old ones go.
//!
//! Pure: no `async`, no database.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// `[backup]`: daily at a local time, the newest `keep` kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub daily_at: NaiveTime,
    pub keep: usize,
    pub time_zone: chrono_tz::Tz,
}

impl Schedule {
    /// The day whose backup is due at `now`: today's, once its time has
    /// come (a node that was down at that time makes it when it is back).
    pub fn due(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let local = now.with_timezone(&self.time_zone);
        (local.time() >= self.daily_at).then(|| local.date_naive())
    }

    /// The next time a backup will be made, after `now`.
    pub fn next(&self, now: DateTime<Utc>, done_today: bool) -> DateTime<Utc> {
        let local = now.with_timezone(&self.time_zone);
        let day = if done_today || local.time() >= self.daily_at {
            local.date_naive() + chrono::Duration::days(1)
        } else {
            local.date_naive()
        };
        day.and_time(self.daily_at)
            .and_local_timezone(self.time_zone)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now + chrono::Duration::days(1))
    }
}

/// "03:00" or "03:00:00".
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").or_else(|_| NaiveTime::parse_from_str(s.trim(), "%H:%M:%S")).ok()
}

/// A backup's file name, from its local start time: `wangan-20261207-030000.db`.
pub fn file_name(at: DateTime<Utc>, time_zone: chrono_tz::Tz, extension: &str) -> String {
    format!("wangan-{}.{extension}", at.with_timezone(&time_zone).format("%Y%m%d-%H%M%S"))
}

/// Whether a file name is one of ours (and not, say, its anchor beside it).
pub fn is_backup_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("wangan-") else { return false };
    let Some((stamp, ext)) = rest.split_once('.') else { return false };
    stamp.len() == 15
        && stamp.as_bytes()[8] == b'-'
        && stamp.bytes().enumerate().all(|(i, b)| i == 8 || b.is_ascii_digit())
        && !ext.is_empty()
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Which of `names` (a directory's files) to remove so that the newest
/// `keep` backups stay. Other files are never touched.
pub fn to_remove(names: &[String], keep: usize) -> Vec<String> {
    let mut ours: Vec<&String> = names.iter().filter(|n| is_backup_name(n)).collect();
    ours.sort_unstable_by(|a, b| b.cmp(a));
    ours.into_iter().skip(keep.max(1)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn schedule() -> Schedule {
        Schedule { daily_at: parse_time("03:00").unwrap(), keep: 14, time_zone: chrono_tz::Asia::Shanghai }
    }

    #[test]
    fn a_day_is_due_from_its_local_time() {
        let s = schedule();
        // 02:59 in Beijing is 18:59 UTC the day before.
        let before = Utc.with_ymd_and_hms(2026, 12, 6, 18, 59, 0).unwrap();
        assert_eq!(s.due(before), None);
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 19, 0, 0).unwrap();
        assert_eq!(s.due(at), NaiveDate::from_ymd_opt(2026, 12, 7));
        // Back at noon after being down at three: still today's.
        let noon = Utc.with_ymd_and_hms(2026, 12, 7, 4, 0, 0).unwrap();
        assert_eq!(s.due(noon), NaiveDate::from_ymd_opt(2026, 12, 7));
        assert_eq!(s.next(before, false), at);
        assert_eq!(s.next(noon, true), Utc.with_ymd_and_hms(2026, 12, 7, 19, 0, 0).unwrap());
        assert_eq!(parse_time("3:00"), NaiveTime::from_hms_opt(3, 0, 0));
        assert_eq!(parse_time("25:00"), None);
    }

    #[test]
    fn only_the_newest_backups_stay_and_nothing_else_is_touched() {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 19, 0, 5).unwrap();
        assert_eq!(file_name(at, chrono_tz::Asia::Shanghai, "db"), "wangan-20261207-030005.db");
        let names: Vec<String> = [
            "wangan-20261205-030000.db",
            "wangan-20261207-030000.db",
            "wangan-20261206-030000.db",
            "wangan-20261205-030000.db.audit-anchor.log",
            "notes.txt",
            "wangan-2026120-030000.db",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(to_remove(&names, 2), ["wangan-20261205-030000.db"]);
        assert!(to_remove(&names, 14).is_empty());
        assert!(!is_backup_name("wangan-20261205-030000.db.audit-anchor.log"));
        assert!(is_backup_name("wangan-20261205-030000.dump"));
    }
}
