//! How a unit's score is computed. Each factor is a share of records in
//! order (e.g. 12 of 14 internet-facing systems filed) times its weight;
//! open violations take points off their factor. A factor with nothing to
//! count (a unit with no internet-facing system has nothing to file) is
//! whole. The score is the sum, scaled to 100 by the sum of the weights.
//! Pure.

use serde::Serialize;

crate::closed_set! {
    /// What the score is made of.
    pub enum Factor {
        /// First, main and direct responsible persons named (通知一).
        Responsibles = "responsibles",
        /// Online internet-facing systems with their public-security filing (四(一)).
        Filed = "filed",
        /// Systems in use with an MLPS level (四(三)).
        Graded = "graded",
        /// Online internet-facing systems with every required protection (四(二)).
        Protections = "protections",
        /// Systems of level 2 or more whose MLPS evaluation is not overdue (四(三)).
        Evaluations = "evaluations",
        /// Rectifications of the last 12 months done on time or still within their deadline (三(二)).
        Rectifications = "rectifications",
        /// Campaigns of the last 12 months approved by their due date (三(一)).
        Inspections = "inspections",
        /// Warnings of the last 12 months acknowledged by their deadline (三(二)).
        Warnings = "warnings",
        /// Readiness (三(三), 二, 四(六)): key-period daily reports filed by the
        /// hour and incident reports made within their targets over the last
        /// 12 months; a current emergency plan, a drill within the year with
        /// its actions on time, every kind of management rule, security
        /// staff certified and trained this year; its websites kept up (no
        /// zombie site or column) and its 双非 sites decided by the center.
        Readiness = "readiness",
        /// Confirmed violations not yet corrected (三(四)), points off each.
        Violations = "violations",
    }
}

/// The weights (`[scorecard]` in `wangan.toml`); they need not sum to 100.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreWeights {
    pub responsibles: f64,
    pub filed: f64,
    pub graded: f64,
    pub protections: f64,
    pub evaluations: f64,
    pub rectifications: f64,
    pub inspections: f64,
    pub warnings: f64,
    pub readiness: f64,
    pub violations: f64,
    /// Points one open violation takes off the violations factor.
    pub violation_penalty: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            responsibles: 10.0,
            filed: 15.0,
            graded: 10.0,
            protections: 10.0,
            evaluations: 10.0,
            rectifications: 15.0,
            inspections: 5.0,
            warnings: 5.0,
            readiness: 5.0,
            violations: 15.0,
            violation_penalty: 5.0,
        }
    }
}

impl ScoreWeights {
    pub fn weight(&self, f: Factor) -> f64 {
        match f {
            Factor::Responsibles => self.responsibles,
            Factor::Filed => self.filed,
            Factor::Graded => self.graded,
            Factor::Protections => self.protections,
            Factor::Evaluations => self.evaluations,
            Factor::Rectifications => self.rectifications,
            Factor::Inspections => self.inspections,
            Factor::Warnings => self.warnings,
            Factor::Readiness => self.readiness,
            Factor::Violations => self.violations,
        }
    }

    /// What is wrong with the weights, if anything.
    pub fn check(&self) -> Result<(), String> {
        let all: Vec<f64> = Factor::ALL.iter().map(|f| self.weight(*f)).chain([self.violation_penalty]).collect();
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err("weights must be zero or positive numbers".into());
        }
        if Factor::ALL.iter().map(|f| self.weight(*f)).sum::<f64>() <= 0.0 {
            return Err("at least one weight must be positive".into());
        }
        Ok(())
    }
}

/// What was counted for one factor of one unit: `good` of `total` records
/// in order (for violations: `total` open violations, `good` unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub good: u32,
    pub total: u32,
}

/// One factor of a unit's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FactorScore {
    pub factor: Factor,
    pub weight: f64,
    pub count: Count,
    /// Points earned, 0 to `weight` (before scaling to 100).
    pub points: f64,
    /// Points (on the 100 scale) that putting this factor right would add.
    pub gain: f64,
}

/// A unit's score and its breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// 0 to 100, rounded.
    pub score: u32,
    pub factors: Vec<FactorScore>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The score of one unit from its counts (one per factor, in `Factor::ALL` order).
pub fn score(counts: &[(Factor, Count)], w: &ScoreWeights) -> Scorecard {
    let total_weight: f64 = Factor::ALL.iter().map(|f| w.weight(*f)).sum();
    let scale = if total_weight > 0.0 { 100.0 / total_weight } else { 0.0 };
    let mut factors = Vec::with_capacity(counts.len());
    let mut sum = 0.0;
    for &(factor, count) in counts {
        let weight = w.weight(factor);
        let points = match factor {
            Factor::Violations => (weight - w.violation_penalty * f64::from(count.total)).max(0.0),
            _ if count.total == 0 => weight,
            _ => weight * f64::from(count.good.min(count.total)) / f64::from(count.total),
        };
        sum += points;
        factors.push(FactorScore {
            factor,
            weight,
            count,
            points: round1(points),
            gain: round1((weight - points) * scale),
        });
    }
    Scorecard { score: (sum * scale).round().clamp(0.0, 100.0) as u32, factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(good: u32, total: u32) -> Vec<(Factor, Count)> {
        Factor::ALL
            .iter()
            .map(|f| (*f, if *f == Factor::Violations { Count::default() } else { Count { good, total } }))
            .collect()
    }

    #[test]
    fn a_unit_with_everything_in_order_scores_100_and_nothing_to_gain() {
        let s = score(&all(4, 4), &ScoreWeights::default());
        assert_eq!(s.score, 100);
        assert!(s.factors.iter().all(|f| f.gain == 0.0));
        assert_eq!(score(&all(0, 0), &ScoreWeights::default()).score, 100, "nothing to count is nothing wrong");
    }

    #[test]
    fn shares_weights_and_penalties() {
        let w = ScoreWeights::default();
        let mut counts = all(1, 1);
        counts[1].1 = Count { good: 1, total: 2 }; // half the systems filed: 7.5 of 15 points
        counts[9].1 = Count { good: 0, total: 2 }; // two open violations: 10 points off 15
        let s = score(&counts, &w);
        assert_eq!(s.score, 83, "100 - 7.5 - 10, rounded: {s:?}");
        let filed = &s.factors[1];
        assert_eq!((filed.points, filed.gain), (7.5, 7.5));
        assert_eq!(s.factors[9].points, 5.0);
        counts[9].1 = Count { good: 0, total: 9 };
        assert_eq!(score(&counts, &w).factors[9].points, 0.0, "never below zero");
    }

    #[test]
    fn weights_are_scaled_to_100_and_checked() {
        let w = ScoreWeights {
            responsibles: 1.0,
            filed: 1.0,
            graded: 0.0,
            protections: 0.0,
            evaluations: 0.0,
            rectifications: 0.0,
            inspections: 0.0,
            warnings: 0.0,
            readiness: 0.0,
            violations: 0.0,
            violation_penalty: 0.0,
        };
        let mut counts = all(1, 1);
        counts[0].1 = Count { good: 0, total: 3 };
        let s = score(&counts, &w);
        assert_eq!(s.score, 50);
        assert_eq!(s.factors[0].gain, 50.0);
        assert!(w.check().is_ok());
        assert!(ScoreWeights { filed: -1.0, ..w.clone() }.check().is_err());
        assert!(ScoreWeights { responsibles: 0.0, filed: 0.0, ..w }.check().is_err());
    }
}
