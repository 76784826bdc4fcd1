//! The duty roster's rules: who is on duty at an instant, the gaps and
//! overlaps in a roster, a rota written as a list of people expanded into
//! shifts in the deployment's time zone, and the ladder an unacknowledged
//! alert climbs. Pure.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

crate::closed_set! {
    /// Where an alert stands on its ladder: the person on duty for the
    /// system, then the unit's direct responsible person, then the center.
    pub enum AlertRung { Duty = "duty", Direct = "direct", Center = "center" }
}

impl AlertRung {
    /// The rung an unacknowledged alert climbs to next.
    pub fn next(self) -> Option<AlertRung> {
        match self {
            AlertRung::Duty => Some(AlertRung::Direct),
            AlertRung::Direct => Some(AlertRung::Center),
            AlertRung::Center => None,
        }
    }
}

crate::closed_set! {
    /// Whose shift answers for a system now: the unit's own, the center's, nobody's.
    pub enum DutyLevel { Unit = "unit", Center = "center", Nobody = "none" }
}

crate::closed_set! {
    /// An alert is open until someone acknowledges it.
    pub enum AlertState { Open = "open", Acknowledged = "acknowledged" }
}

crate::closed_set! {
    /// A request to hand a shift to someone else.
    pub enum SwapState { Requested = "requested", Approved = "approved", Refused = "refused" }
}

/// The roster's settings (`[duty]` in `wangan.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyPolicy {
    /// Minutes an alert waits for acknowledgement before it climbs a rung.
    pub ack_minutes: u32,
    /// Days ahead in which gaps in coverage are flagged and their owners reminded.
    pub horizon_days: u32,
}

impl Default for DutyPolicy {
    fn default() -> Self {
        DutyPolicy { ack_minutes: 15, horizon_days: 14 }
    }
}

/// A shift as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The shift on duty at `t`: of those covering it, the one that began last
/// (who took over). Half-open: a shift ending at 08:00 no longer covers 08:00.
pub fn on_duty_at(shifts: &[Span], t: DateTime<Utc>) -> Option<Span> {
    shifts.iter().filter(|s| s.starts_at <= t && t < s.ends_at).max_by_key(|s| (s.starts_at, s.id)).copied()
}

/// The stretches of `[from, to)` no shift covers.
pub fn gaps(shifts: &[Span], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        shifts.iter().filter(|s| s.ends_at > from && s.starts_at < to).map(|s| (s.starts_at, s.ends_at)).collect();
    spans.sort();
    let mut out = Vec::new();
    let mut covered_to = from;
    for (s, e) in spans {
        if s > covered_to {
            out.push((covered_to, s.min(to)));
        }
        covered_to = covered_to.max(e);
        if covered_to >= to {
            break;
        }
    }
    if covered_to < to {
        out.push((covered_to, to));
    }
    out
}

/// Pairs of shifts that overlap (two people on the same duty at once).
pub fn overlaps(shifts: &[Span]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<&Span> = shifts.iter().collect();
    sorted.sort_by_key(|s| (s.starts_at, s.id));
    let mut out = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in &sorted[i + 1..] {
            if b.starts_at >= a.ends_at {
                break;
            }
            out.push((a.id, b.id));
        }
    }
    out
}

/// A rota: the people in turn, one day each from `starts_on`, the shift
/// changing at `handover` local time (a weekly rota starting on a Monday
/// with seven people gives each their weekday).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rota {
    pub starts_on: NaiveDate,
    /// Days the rota covers (7 × weeks).
    #[schema(minimum = 1, maximum = 92)]
    pub days: u32,
    /// The hour of the handover, `08:30` (local time).
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub handover: String,
    /// People's ids, in turn.
    #[schema(min_items = 1, max_items = 31)]
    pub people: Vec<i64>,
}

pub const MAX_ROTA_DAYS: u32 = 92;

/// `08:30` → the time, or `None`.
pub fn parse_handover(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// The local instant of `day` at `at`, resolved in `tz` (a time skipped by
/// a clock change is moved to the next hour; a repeated one takes the first).
pub fn local_instant<Tz: TimeZone>(tz: &Tz, day: NaiveDate, at: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(at);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// A shift of a rota: (person, starts_at, ends_at).
pub type RotaShift = (i64, DateTime<Utc>, DateTime<Utc>);

/// The rota as shifts, or what is wrong with it.
pub fn expand_rota<Tz: TimeZone>(rota: &Rota, tz: &Tz) -> Result<Vec<RotaShift>, &'static str> {
    if rota.people.is_empty() {
        return Err("people_required");
    }
    if rota.days == 0 || rota.days > MAX_ROTA_DAYS {
        return Err("out_of_range");
    }
    let at = parse_handover(&rota.handover).ok_or("time_format")?;
    let mut out = Vec::with_capacity(rota.days as usize);
    for i in 0..rota.days {
        let day = rota.starts_on + Duration::days(i64::from(i));
        let person = rota.people[i as usize % rota.people.len()];
        out.push((person, local_instant(tz, day, at), local_instant(tz, day + Duration::days(1), at)));
    }
    Ok(out)
}

/// A shift's own checks: it ends after it starts and lasts at most two days.
/// The longest shift: reading the shifts that cover an instant then needs
/// only those ending within this much of it (a short index range).
pub const MAX_SHIFT_HOURS: i64 = 48;

pub fn check_span(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Option<&'static str> {
    if ends_at <= starts_at {
        Some("ends_before_start")
    } else if ends_at - starts_at > Duration::hours(MAX_SHIFT_HOURS) {
        Some("shift_too_long")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, d, h, 0, 0).unwrap()
    }

    fn span(id: i64, a: DateTime<Utc>, b: DateTime<Utc>) -> Span {
        Span { id, starts_at: a, ends_at: b }
    }

    #[test]
    fn gaps_and_overlaps_in_a_roster() {
        let shifts = [span(1, t(1, 0), t(2, 0)), span(2, t(2, 6), t(3, 0)), span(3, t(2, 20), t(3, 12))];
        assert_eq!(gaps(&shifts, t(1, 12), t(4, 0)), [(t(2, 0), t(2, 6)), (t(3, 12), t(4, 0))]);
        assert_eq!(overlaps(&shifts), [(2, 3)]);
        assert!(gaps(&shifts, t(1, 1), t(1, 23)).is_empty());
        assert_eq!(gaps(&[], t(1, 0), t(2, 0)), [(t(1, 0), t(2, 0))]);
        // Shifts that meet exactly leave no gap and do not overlap.
        let meet = [span(1, t(1, 0), t(1, 8)), span(2, t(1, 8), t(1, 16))];
        assert!(gaps(&meet, t(1, 0), t(1, 16)).is_empty() && overlaps(&meet).is_empty());
    }

    #[test]
    fn who_is_on_duty_is_whoever_took_over_last() {
        let shifts = [span(1, t(1, 0), t(2, 0)), span(2, t(1, 20), t(2, 8))];
        assert_eq!(on_duty_at(&shifts, t(1, 10)).map(|s| s.id), Some(1));
        assert_eq!(on_duty_at(&shifts, t(1, 21)).map(|s| s.id), Some(2));
        assert_eq!(on_duty_at(&shifts, t(2, 8)), None);
    }

    #[test]
    fn a_rota_across_a_week_and_a_month_boundary_in_beijing_time() {
        let tz = chrono_tz::Asia::Shanghai;
        // Monday 2026-09-28, ten days: across the week (Oct 5 is a Monday) and the month.
        let rota = Rota {
            starts_on: NaiveDate::from_ymd_opt(2026, 9, 28).unwrap(),
            days: 10,
            handover: "08:30".into(),
            people: vec![11, 12, 13, 14, 15, 16, 17],
        };
        let shifts = expand_rota(&rota, &tz).unwrap();
        assert_eq!(shifts.len(), 10);
        // 08:30 in Beijing is 00:30 UTC.
        assert_eq!(shifts[0], (11, t(28, 0) + Duration::minutes(30), t(29, 0) + Duration::minutes(30)));
        // The third day is Wednesday Sept 30; the fourth starts on October 1.
        assert_eq!(shifts[3].0, 14);
        assert_eq!(shifts[3].1, Utc.with_ymd_and_hms(2026, 10, 1, 0, 30, 0).unwrap());
        // The next Monday is the first person again.
        assert_eq!(shifts[7].0, 11);
        let spans: Vec<Span> = shifts.iter().enumerate().map(|(i, s)| span(i as i64, s.1, s.2)).collect();
        assert!(gaps(&spans, spans[0].starts_at, spans[9].ends_at).is_empty());
        assert!(overlaps(&spans).is_empty());
    }

    #[test]
    fn a_rota_over_a_clock_change_keeps_the_local_handover() {
        // Europe/Berlin leaves summer time at 03:00 on 2026-10-25: the night shift
        // from the 24th at 08:00 lasts 25 hours; every handover stays at 08:00 local.
        let tz = chrono_tz::Europe::Berlin;
        let rota = Rota {
            starts_on: NaiveDate::from_ymd_opt(2026, 10, 24).unwrap(),
            days: 3,
            handover: "08:00".into(),
            people: vec![1, 2],
        };
        let s = expand_rota(&rota, &tz).unwrap();
        assert_eq!(s[0].2 - s[0].1, Duration::hours(25));
        assert_eq!(s[1].2 - s[1].1, Duration::hours(24));
        assert_eq!((s[0].0, s[1].0, s[2].0), (1, 2, 1));
        assert_eq!(s[0].1, Utc.with_ymd_and_hms(2026, 10, 24, 6, 0, 0).unwrap(), "08:00 summer time");
        assert_eq!(s[1].1, Utc.with_ymd_and_hms(2026, 10, 25, 7, 0, 0).unwrap(), "08:00 winter time");
        assert_eq!(s[0].2, s[1].1, "no gap at the change");
        assert_eq!(expand_rota(&Rota { handover: "8h".into(), ..rota.clone() }, &tz), Err("time_format"));
        assert_eq!(expand_rota(&Rota { people: vec![], ..rota.clone() }, &tz), Err("people_required"));
        assert_eq!(expand_rota(&Rota { days: 400, ..rota }, &tz), Err("out_of_range"));
    }

    #[test]
    fn a_shift_ends_after_it_starts_and_lasts_two_days_at_most() {
        assert_eq!(check_span(t(2, 0), t(1, 0)), Some("ends_before_start"));
        assert_eq!(check_span(t(1, 0), t(4, 0)), Some("shift_too_long"));
        assert_eq!(check_span(t(1, 0), t(2, 0)), None);
    }

    #[test]
    fn alerts_climb_duty_direct_center() {
        assert_eq!(AlertRung::Duty.next(), Some(AlertRung::Direct));
        assert_eq!(AlertRung::Direct.next(), Some(AlertRung::Center));
        assert_eq!(AlertRung::Center.next(), None);
    }
}
