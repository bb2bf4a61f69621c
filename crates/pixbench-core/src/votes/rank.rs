//! Scores from pairwise votes: Bradley–Terry fitted by Hunter's MM algorithm, ties counted
//! as half a win each way, a weak prior, and a deterministic bootstrap for the interval.
//!
//! **Ties as half a win, not Davidson.** Davidson's model adds a tie parameter ν that is
//! estimated from the ties themselves; with the tens of votes a person casts in a session it
//! is poorly identified (a board with two ties and one with none get very different ν), and
//! it changes the order of strengths little. Counting a tie as ½ win + ½ loss keeps one
//! parameter per label, is what Elo does (so the Elo-like scale reads as people expect), pulls
//! the two labels of a tie together by construction, and keeps Hunter's (2004) MM update,
//! which increases the likelihood at every step and needs no step size.
//!
//! **The prior.** Every label has drawn one virtual game (½ win, ½ loss) against a fixed
//! reference of strength 1. It keeps a perfect record (5–0) finite and ties unconnected
//! labels to one scale, while ten real votes outweigh it.
//!
//! **The interval: bootstrap, not Fisher information.** With few votes the likelihood is far
//! from quadratic (a 3–0 record has a long upper tail) and the Fisher interval is symmetric
//! and too narrow. Resampling the votes with replacement ([`BOOTSTRAP_ROUNDS`] times, from a
//! fixed seed so the same votes always give the same board) and taking each label's 2.5th and
//! 97.5th percentile score gives an honest, asymmetric 95% interval.

use rand::{Rng, SeedableRng};

/// One vote between labels `a` and `b` (indexes): `score` is 1 when `a` won, 0 when `b`
/// won, ½ for a tie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub a: usize,
    pub b: usize,
    pub score: f64,
}

/// A label's fitted score on the Elo-like scale and its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fitted {
    pub score: f64,
    pub low: f64,
    pub high: f64,
}

/// Virtual games each label has drawn against the reference (the prior's weight).
pub const PRIOR_GAMES: f64 = 1.0;
/// Bootstrap resamples for the interval.
pub const BOOTSTRAP_ROUNDS: usize = 400;
/// The bootstrap's seed: the same votes always give the same board.
const SEED: u64 = 0x5eed_b7a1_0000_0014;
/// The scale's centre (the labels' mean) and points per factor of ten in odds, as Elo.
pub const CENTRE: f64 = 1500.0;
pub const POINTS_PER_DECADE: f64 = 400.0;

/// Strengths π (reference = 1) maximising the Bradley–Terry likelihood of `outcomes` under
/// the prior, by Hunter's MM update π_i ← W_i / Σ_games 1/(π_i + π_opp).
pub fn strengths(labels: usize, outcomes: &[Outcome]) -> Vec<f64> {
    // Aggregate: wins (ties as halves) and games between each pair.
    let mut wins = vec![PRIOR_GAMES / 2.0; labels];
    let mut games = vec![vec![0.0f64; labels]; labels];
    for o in outcomes {
        if o.a == o.b || o.a >= labels || o.b >= labels {
            continue;
        }
        wins[o.a] += o.score;
        wins[o.b] += 1.0 - o.score;
        games[o.a][o.b] += 1.0;
        games[o.b][o.a] += 1.0;
    }
    let mut pi = vec![1.0f64; labels];
    for _ in 0..10_000 {
        let mut change = 0.0f64;
        for i in 0..labels {
            let mut denom = PRIOR_GAMES / (pi[i] + 1.0);
            for j in 0..labels {
                if games[i][j] > 0.0 {
                    denom += games[i][j] / (pi[i] + pi[j]);
                }
            }
            let next = wins[i] / denom;
            change = change.max((next / pi[i]).ln().abs());
            pi[i] = next;
        }
        if change < 1e-12 {
            break;
        }
    }
    pi
}

/// Scores on the Elo-like scale: 400 points per factor of ten in odds, centred on 1500.
pub fn scores(labels: usize, outcomes: &[Outcome]) -> Vec<f64> {
    let logs: Vec<f64> = strengths(labels, outcomes).iter().map(|p| p.log10()).collect();
    let mean = logs.iter().sum::<f64>() / labels.max(1) as f64;
    logs.iter().map(|l| CENTRE + POINTS_PER_DECADE * (l - mean)).collect()
}

/// Scores with their bootstrap 95% intervals; empty when there are no labels.
pub fn fit(labels: usize, outcomes: &[Outcome]) -> Vec<Fitted> {
    if labels == 0 {
        return vec![];
    }
    let point = scores(labels, outcomes);
    if outcomes.is_empty() {
        return point.into_iter().map(|s| Fitted { score: s, low: s, high: s }).collect();
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let mut samples = vec![Vec::with_capacity(BOOTSTRAP_ROUNDS); labels];
    let mut resample = Vec::with_capacity(outcomes.len());
    for _ in 0..BOOTSTRAP_ROUNDS {
        resample.clear();
        resample.extend((0..outcomes.len()).map(|_| outcomes[rng.random_range(0..outcomes.len())]));
        for (i, s) in scores(labels, &resample).into_iter().enumerate() {
            samples[i].push(s);
        }
    }
    point
        .into_iter()
        .zip(samples)
        .map(|(score, mut s)| {
            s.sort_by(f64::total_cmp);
            let at = |q: f64| s[((q * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)];
            // The point estimate always lies in its interval, even for a lopsided resample.
            Fitted { score, low: at(0.025).min(score), high: at(0.975).max(score) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beats(a: usize, b: usize, times: usize) -> Vec<Outcome> {
        vec![Outcome { a, b, score: 1.0 }; times]
    }
    fn ties(a: usize, b: usize, times: usize) -> Vec<Outcome> {
        vec![Outcome { a, b, score: 0.5 }; times]
    }

    #[test]
    fn a_beats_b_beats_c_gives_that_order() {
        let mut v = beats(0, 1, 4);
        v.extend(beats(1, 2, 4));
        v.extend(beats(0, 2, 2));
        v.extend(beats(1, 0, 1));
        let s = scores(3, &v);
        assert!(s[0] > s[1] && s[1] > s[2], "{s:?}");
        // Centred on 1500.
        assert!((s.iter().sum::<f64>() / 3.0 - CENTRE).abs() < 1e-9);
    }

    #[test]
    fn the_fit_solves_the_likelihood_equations() {
        // At the maximum each label's expected wins equal its observed wins (prior included).
        let mut v = beats(0, 1, 3);
        v.extend(beats(1, 2, 2));
        v.extend(beats(2, 0, 1));
        v.extend(ties(0, 2, 2));
        let pi = strengths(3, &v);
        for i in 0..3 {
            let observed: f64 = PRIOR_GAMES / 2.0
                + v.iter()
                    .map(|o| {
                        if o.a == i {
                            o.score
                        } else if o.b == i {
                            1.0 - o.score
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>();
            let expected: f64 = PRIOR_GAMES * pi[i] / (pi[i] + 1.0)
                + v.iter()
                    .map(|o| match (o.a == i, o.b == i) {
                        (true, _) => pi[i] / (pi[i] + pi[o.b]),
                        (_, true) => pi[i] / (pi[i] + pi[o.a]),
                        _ => 0.0,
                    })
                    .sum::<f64>();
            assert!((observed - expected).abs() < 1e-9, "label {i}: {observed} vs {expected}");
        }
    }

    #[test]
    fn swapping_sides_changes_nothing() {
        let v = [beats(0, 1, 3), beats(2, 1, 2), ties(0, 2, 1)].concat();
        let swapped: Vec<Outcome> = v.iter().map(|o| Outcome { a: o.b, b: o.a, score: 1.0 - o.score }).collect();
        assert_eq!(fit(3, &v), fit(3, &swapped));
    }

    #[test]
    fn ties_pull_scores_together() {
        let plain = scores(2, &beats(0, 1, 3));
        let with_ties = scores(2, &[beats(0, 1, 3), ties(0, 1, 3)].concat());
        assert!(with_ties[0] - with_ties[1] < plain[0] - plain[1], "{plain:?} {with_ties:?}");
        assert!(with_ties[0] > with_ties[1]);
        // Only ties: equal.
        let even = scores(2, &ties(0, 1, 5));
        assert!((even[0] - even[1]).abs() < 1e-9);
    }

    #[test]
    fn a_perfect_record_stays_finite() {
        let s = scores(2, &beats(0, 1, 20));
        assert!(s.iter().all(|x| x.is_finite()));
        assert!(s[0] - s[1] > 400.0, "twenty straight wins is a large gap: {s:?}");
    }

    #[test]
    fn no_votes_no_board_and_no_spread() {
        assert!(fit(0, &[]).is_empty());
        let f = fit(2, &[]);
        assert!(f.iter().all(|x| x.score == CENTRE && x.low == x.high));
    }

    #[test]
    fn intervals_shrink_with_more_votes() {
        let few = [beats(0, 1, 3), beats(1, 0, 2)].concat();
        let many: Vec<Outcome> = few.iter().cycle().take(few.len() * 20).copied().collect();
        let (f, m) = (fit(2, &few), fit(2, &many));
        for i in 0..2 {
            assert!(f[i].low <= f[i].score && f[i].score <= f[i].high);
            assert!(m[i].high - m[i].low < (f[i].high - f[i].low) / 2.0, "{f:?} {m:?}");
        }
    }

    #[test]
    fn the_bootstrap_is_deterministic() {
        let v = [beats(0, 1, 3), beats(1, 2, 2), beats(2, 0, 1)].concat();
        assert_eq!(fit(3, &v), fit(3, &v));
    }
}
