//! The suite's arithmetic: the summary of a sample set (median, p95, p99, min, max, n), a
//! bootstrap 95% confidence interval for the ratio of two medians (what `comparison.json`
//! reports), and the least-squares slope the leak check uses.
//!
//! Percentiles use the nearest-rank definition: the p-th percentile of n sorted samples is
//! the sample at rank ⌈p/100 · n⌉ (1-based). It is always one of the measured values, never
//! an interpolation between two, so a p95 can be looked up in the raw samples. The median is
//! the usual one: the middle sample, or the mean of the two middle samples when n is even.

use serde::Serialize;

/// The summary CONTRACT.md asks for, plus p99 (the project's latency goals are p99s).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Summary {
    /// The summary of `samples`; `None` when there are none (or only NaNs, which are dropped:
    /// a NaN is a measurement that failed, not a value).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            median: median_sorted(&sorted),
            p95: percentile_sorted(&sorted, 95.0),
            p99: percentile_sorted(&sorted, 99.0),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            n: sorted.len(),
        })
    }

    /// The statistic a target names (`median`, `p95`, `p99`, `min`, `max`).
    pub fn stat(&self, name: &str) -> Option<f64> {
        match name {
            "median" => Some(self.median),
            "p95" => Some(self.p95),
            "p99" => Some(self.p99),
            "min" => Some(self.min),
            "max" => Some(self.max),
            _ => None,
        }
    }
}

/// The median of sorted, non-empty samples.
fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The median of `samples` (any order); `None` when empty.
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(median_sorted(&sorted))
}

/// Nearest-rank percentile of sorted, non-empty samples: rank ⌈p/100 · n⌉, at least 1.
fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The nearest-rank percentile of `samples` (any order); `None` when empty.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted = samples.to_vec();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(percentile_sorted(&sorted, p))
}

/// SplitMix64: a tiny seeded generator, so a bootstrap gives the same interval on every run
/// for the same data (a reader re-running the comparison gets the same figures).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` (n > 0). Lemire's multiply-shift: the bias is below 2⁻³²
    /// for the sample counts used here.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }
}

/// A ratio of medians with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatioCi {
    /// `median(a) / median(b)`.
    pub ratio: f64,
    /// The 2.5th and 97.5th percentiles of the resampled ratios.
    pub ci95: [f64; 2],
    /// True when the interval excludes 1.
    pub significant: bool,
}

/// The ratio `median(a) / median(b)` and its 95% percentile-bootstrap interval: each of
/// `resamples` rounds draws n samples with replacement from each set independently and
/// takes the ratio of their medians. Seeded, so the same data give the same interval.
/// `None` when either set is empty or a median is zero (the ratio would not be finite).
pub fn bootstrap_ratio_ci(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Option<RatioCi> {
    bootstrap_ratio_ci_rounds(&[a], &[b], resamples, seed)
}

/// As [`bootstrap_ratio_ci`], for samples taken in rounds (separate runs of the suite): each
/// resample first draws as many rounds as there are, with replacement, then from each drawn
/// round as many samples as it holds (a two-level bootstrap). Samples of one run share that
/// run's state of the machine (its disk, its frequency, its neighbours), so they are not
/// independent of each other; resampling only the pooled samples would give an interval far
/// narrower than a rerun would confirm when the rounds disagree. With a single round this
/// is exactly the one-level bootstrap. The ratio itself is that of the pooled medians.
pub fn bootstrap_ratio_ci_rounds(a: &[&[f64]], b: &[&[f64]], resamples: usize, seed: u64) -> Option<RatioCi> {
    let (a, b): (Vec<&[f64]>, Vec<&[f64]>) =
        (a.iter().copied().filter(|r| !r.is_empty()).collect(), b.iter().copied().filter(|r| !r.is_empty()).collect());
    let pooled = |rounds: &[&[f64]]| rounds.iter().flat_map(|r| r.iter().copied()).collect::<Vec<f64>>();
    let (ma, mb) = (median(&pooled(&a))?, median(&pooled(&b))?);
    if mb == 0.0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut ratios = Vec::with_capacity(resamples);
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for _ in 0..resamples {
        resample_rounds(&a, &mut rng, &mut ra);
        resample_rounds(&b, &mut rng, &mut rb);
        let den = median_sorted(&rb);
        if den != 0.0 {
            ratios.push(median_sorted(&ra) / den);
        }
    }
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let ci95 = [percentile_sorted(&ratios, 2.5), percentile_sorted(&ratios, 97.5)];
    Some(RatioCi { ratio: ma / mb, ci95, significant: ci95[0] > 1.0 || ci95[1] < 1.0 })
}

/// One two-level resample of `rounds` (none empty) into `out`, sorted.
fn resample_rounds(rounds: &[&[f64]], rng: &mut SplitMix64, out: &mut Vec<f64>) {
    out.clear();
    for _ in 0..rounds.len() {
        // One round: no draw, so the single-round case is the plain bootstrap.
        let round = if rounds.len() == 1 { rounds[0] } else { rounds[rng.below(rounds.len())] };
        for _ in 0..round.len() {
            out.push(round[rng.below(round.len())]);
        }
    }
    out.sort_by(f64::total_cmp);
}

/// The least-squares slope of y over x (the leak check: bytes of RSS per command).
/// `None` with fewer than two points or when every x is the same.
pub fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    Some(sxy / sxx)
}

/// The least-squares slope over the second half of `points` (from the middle point on, so
/// with an odd count the middle one is in both halves): whether growth that shows over the
/// whole series is still there once the first half (the end of a warm-up) is left out.
pub fn second_half_slope(points: &[(f64, f64)]) -> Option<f64> {
    least_squares_slope(&points[points.len() / 2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_summary(samples: &[f64], expected: (f64, f64, f64, f64, f64, usize)) {
        let s = Summary::of(samples).expect("non-empty");
        assert_eq!((s.median, s.p95, s.p99, s.min, s.max, s.n), expected, "summary of {samples:?}");
    }

    #[test]
    fn summary_on_known_data() {
        // 1..=100: median between 50 and 51; nearest rank p95 = 95th value, p99 = 99th.
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        check_summary(&hundred, (50.5, 95.0, 99.0, 1.0, 100.0, 100));
        // Order does not matter.
        let mut reversed = hundred.clone();
        reversed.reverse();
        check_summary(&reversed, (50.5, 95.0, 99.0, 1.0, 100.0, 100));
        // Odd count: the middle one; with 5 samples p95 = rank ceil(4.75) = 5.
        check_summary(&[3.0, 1.0, 2.0, 5.0, 4.0], (3.0, 5.0, 5.0, 1.0, 5.0, 5));
        // 20 samples: p95 = rank 19.
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        check_summary(&twenty, (10.5, 19.0, 20.0, 1.0, 20.0, 20));
        check_summary(&[7.0], (7.0, 7.0, 7.0, 7.0, 7.0, 1));
        // NaN marks a failed measurement and is left out.
        check_summary(&[f64::NAN, 2.0, 4.0], (3.0, 4.0, 4.0, 2.0, 4.0, 2));
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[f64::NAN]), None);
    }

    #[test]
    fn percentile_edges() {
        assert_eq!(percentile(&[10.0, 20.0, 30.0], 0.0), Some(10.0));
        assert_eq!(percentile(&[10.0, 20.0, 30.0], 100.0), Some(30.0));
        assert_eq!(percentile(&[10.0, 20.0, 30.0], 50.0), Some(20.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(median(&[4.0, 1.0]), Some(2.5));
    }

    #[test]
    fn least_squares_slope_on_known_lines() {
        // y = 3x + 2 exactly.
        let line: Vec<(f64, f64)> = (0..10).map(|x| (x as f64, 3.0 * x as f64 + 2.0)).collect();
        let slope = least_squares_slope(&line).unwrap();
        assert!((slope - 3.0).abs() < 1e-12, "{slope}");
        // Alternating noise around a flat line: a small slope, known exactly.
        let flat = [(0.0, 1.0), (1.0, -1.0), (2.0, 1.0), (3.0, -1.0), (4.0, 1.0), (5.0, -1.0)];
        let s = least_squares_slope(&flat).unwrap();
        // By hand: mx = 2.5, Σ(x-mx)·y = -2.5+1.5-0.5-0.5+1.5-2.5 = -3, Σ(x-mx)² = 17.5.
        assert!((s - (-3.0 / 17.5)).abs() < 1e-12, "{s}");
        assert_eq!(least_squares_slope(&[(1.0, 1.0)]), None);
        assert_eq!(least_squares_slope(&[(1.0, 1.0), (1.0, 5.0)]), None);
    }

    #[test]
    fn second_half_slope_leaves_a_settling_start_out() {
        // Rises by 10 a step for 5 steps, then flat: the whole series slopes up, its second
        // half (points 5..=10) does not.
        let settling: Vec<(f64, f64)> = (0..=10).map(|x| (x as f64, 10.0 * x.min(5) as f64)).collect();
        assert!(least_squares_slope(&settling).unwrap() > 4.0);
        assert_eq!(second_half_slope(&settling), Some(0.0));
        // A steady line keeps its slope in both halves.
        let steady: Vec<(f64, f64)> = (0..=10).map(|x| (x as f64, 2.0 * x as f64)).collect();
        assert!((second_half_slope(&steady).unwrap() - 2.0).abs() < 1e-12);
        // Too few points for a line in the second half.
        assert_eq!(second_half_slope(&[(0.0, 1.0), (1.0, 2.0)]), None);
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_ratio() {
        // b is a exactly doubled: every resample's ratio of medians is near 0.5.
        let a: Vec<f64> = (1..=50).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x * 2.0).collect();
        let r = bootstrap_ratio_ci(&a, &b, 2_000, 7).unwrap();
        assert_eq!(r.ratio, 0.5);
        assert!(r.ci95[0] <= 0.5 && 0.5 <= r.ci95[1], "{r:?}");
        assert!(r.ci95[1] < 1.0 && r.significant, "{r:?}");
        // Same seed, same interval.
        assert_eq!(bootstrap_ratio_ci(&a, &b, 2_000, 7), Some(r));
    }

    #[test]
    fn bootstrap_of_one_distribution_is_not_significant() {
        // Two interleaved halves of the same uniform data: the interval must contain 1.
        let all: Vec<f64> = (1..=200).map(f64::from).collect();
        let a: Vec<f64> = all.iter().copied().step_by(2).collect();
        let b: Vec<f64> = all.iter().copied().skip(1).step_by(2).collect();
        let r = bootstrap_ratio_ci(&a, &b, 10_000, 42).unwrap();
        assert!(r.ci95[0] < 1.0 && r.ci95[1] > 1.0, "{r:?}");
        assert!(!r.significant);
        assert_eq!(bootstrap_ratio_ci(&[], &b, 10, 1), None);
        assert_eq!(bootstrap_ratio_ci(&a, &[0.0], 10, 1), None);
    }

    #[test]
    fn rounds_that_disagree_widen_the_interval() {
        // Within each round a and b are alike (b 2% lower), but the rounds themselves lie
        // 30% apart: pooled as independent samples the 2% looks certain; resampled by round
        // it is not, because another run could land anywhere in that spread.
        let round = |level: f64, shift: f64| -> Vec<f64> {
            (0..40).map(|i| level * (1.0 + shift) + f64::from(i) * 1e-3).collect()
        };
        let a: Vec<Vec<f64>> = [1.0, 1.3, 0.8].iter().map(|&l| round(l, 0.0)).collect();
        let b: Vec<Vec<f64>> = [1.3, 0.8, 1.0].iter().map(|&l| round(l, -0.02)).collect();
        let (pa, pb): (Vec<f64>, Vec<f64>) = (a.concat(), b.concat());
        let naive = bootstrap_ratio_ci(&pa, &pb, 4_000, 3).unwrap();
        assert!(naive.significant, "{naive:?}");
        let (ra, rb): (Vec<&[f64]>, Vec<&[f64]>) =
            (a.iter().map(Vec::as_slice).collect(), b.iter().map(Vec::as_slice).collect());
        let by_round = bootstrap_ratio_ci_rounds(&ra, &rb, 4_000, 3).unwrap();
        assert_eq!(by_round.ratio, naive.ratio);
        assert!(!by_round.significant, "{by_round:?}");
        assert!(by_round.ci95[1] - by_round.ci95[0] > 5.0 * (naive.ci95[1] - naive.ci95[0]), "{by_round:?} {naive:?}");
        // Rounds that agree keep a clear difference significant: b is half of a in each.
        let a: Vec<Vec<f64>> = [1.0, 1.01, 0.99].iter().map(|&l| round(l, 0.0)).collect();
        let b: Vec<Vec<f64>> = [0.5, 0.505, 0.495].iter().map(|&l| round(l, 0.0)).collect();
        let (ra, rb): (Vec<&[f64]>, Vec<&[f64]>) =
            (a.iter().map(Vec::as_slice).collect(), b.iter().map(Vec::as_slice).collect());
        let clear = bootstrap_ratio_ci_rounds(&ra, &rb, 4_000, 3).unwrap();
        assert!(clear.significant && clear.ci95[0] > 1.9 && clear.ci95[1] < 2.1, "{clear:?}");
        // One round each is the plain bootstrap, draw for draw.
        assert_eq!(bootstrap_ratio_ci_rounds(&[&pa], &[&pb], 500, 9), bootstrap_ratio_ci(&pa, &pb, 500, 9));
    }

    #[test]
    fn splitmix_indices_stay_in_range_and_cover_it() {
        let mut rng = SplitMix64::new(1);
        let mut seen = [0usize; 7];
        for _ in 0..7_000 {
            seen[rng.below(7)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1_200), "{seen:?}");
    }
}
