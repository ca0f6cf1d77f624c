//! Near-duplicate scenarios (warning): word 3-shingles, MinHash signatures
//! and LSH bands, so only files sharing a band bucket are compared — linear
//! in the corpus, not all pairs. Candidates are confirmed with the exact
//! Jaccard similarity of their shingle sets.

use std::collections::HashMap;

use rayon::prelude::*;

use super::file_rules::first_line;
use crate::workspace::parse::ParsedFile;
use crate::workspace::problem::{Code, Problem, RelatedSpan};

/// Jaccard similarity of shingle sets at or above which two files warn.
pub const THRESHOLD: f64 = 0.8;
const BANDS: usize = 16;
const ROWS: usize = 4;
const HASHES: usize = BANDS * ROWS;
const SHINGLE_WORDS: usize = 3;

/// One warning per file that nearly duplicates an earlier one (path order),
/// as `(index into files, problem)`.
pub fn check(files: &[&ParsedFile], sources: &[&str]) -> Vec<(usize, Problem)> {
    let shingles: Vec<Vec<u64>> = files
        .par_iter()
        .map(|f| shingles(&f.local.training.content))
        .collect();
    let signatures: Vec<Option<[u64; HASHES]>> =
        shingles.par_iter().map(|s| signature(s)).collect();
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (i, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        for (band, rows) in sig.chunks(ROWS).enumerate() {
            buckets
                .entry((band, fnv(rows.iter().flat_map(|r| r.to_le_bytes()))))
                .or_default()
                .push(i);
        }
    }
    // Within a bucket compare each file with the bucket's first file and
    // with its predecessor: linear even when a template fills a bucket.
    let mut best: Vec<Option<(usize, f64)>> = vec![None; files.len()];
    for members in buckets.values() {
        for (pos, &j) in members.iter().enumerate().skip(1) {
            for i in [members[0], members[pos - 1]] {
                let similarity = jaccard(&shingles[i], &shingles[j]);
                if similarity >= THRESHOLD && best[j].is_none_or(|(k, _)| i < k) {
                    best[j] = Some((i, similarity));
                }
            }
        }
    }
    best.into_iter()
        .enumerate()
        .filter_map(|(j, found)| {
            let (i, similarity) = found?;
            let (a, b) = (files[i], files[j]);
            Some((
                j,
                Problem::new(
                    Code::NearDuplicate,
                    first_line(sources[j], b.spans.content.clone()),
                    format!(
                        "content is {:.0}% similar to {}",
                        similarity * 100.0,
                        a.local.path
                    ),
                    "near-duplicate content",
                )
                .help("merge the two trainings, or make the difference explicit")
                .related(RelatedSpan {
                    path: a.local.path.clone(),
                    span: first_line(sources[i], a.spans.content.clone()),
                    label: "similar content here".to_owned(),
                }),
            ))
        })
        .collect()
}

/// Sorted, deduplicated hashes of the lowercase word 3-shingles.
fn shingles(content: &str) -> Vec<u64> {
    let words: Vec<u64> = content
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            fnv(w
                .chars()
                .flat_map(char::to_lowercase)
                .flat_map(|c| u32::from(c).to_le_bytes()))
        })
        .collect();
    let mut out: Vec<u64> = words
        .windows(SHINGLE_WORDS)
        .map(|w| w.iter().fold(0, |h, &x| mix(h ^ x)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `(a, b)` of the hash family `a·x + b`, one pair per signature slot.
/// Shingle hashes are already mixed, so one multiply-add per slot is
/// enough, and the minimum is taken over the well-mixed high bits.
const PERMUTATIONS: [(u64, u64); HASHES] = {
    let mut out = [(0, 0); HASHES];
    let mut k = 0;
    while k < HASHES {
        out[k] = (mix(2 * k as u64 + 1) | 1, mix(2 * k as u64 + 2));
        k += 1;
    }
    out
};

fn signature(shingles: &[u64]) -> Option<[u64; HASHES]> {
    if shingles.is_empty() {
        return None;
    }
    let mut sig = [u64::MAX; HASHES];
    for &s in shingles {
        for (slot, (a, b)) in sig.iter_mut().zip(PERMUTATIONS) {
            *slot = (*slot).min(s.wrapping_mul(a).wrapping_add(b));
        }
    }
    Some(sig)
}

/// Exact Jaccard similarity of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// FNV-1a: stable across runs and platforms (std's hasher is seeded).
fn fnv(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// splitmix64 finaliser: one independent-looking hash per seed.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_of_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }

    #[test]
    fn one_word_change_is_near_and_rewrite_is_not() {
        let a = "Customers who ask for a refund on a voided label should wait fourteen days for USPS and two days for other carriers, because the carrier has to confirm that the label was never scanned.";
        let b = a.replace("scanned", "used");
        let c = "Explain the plan limits and point to the billing settings page where the owner can upgrade the plan at any time of the month.";
        assert!(jaccard(&shingles(a), &shingles(&b)) >= THRESHOLD);
        assert!(jaccard(&shingles(a), &shingles(c)) < 0.1);
        let (sa, sb) = (
            signature(&shingles(a)).unwrap(),
            signature(&shingles(&b)).unwrap(),
        );
        let shared_bands = sa
            .chunks(ROWS)
            .zip(sb.chunks(ROWS))
            .filter(|(x, y)| x == y)
            .count();
        assert!(shared_bands > 0);
    }
}
