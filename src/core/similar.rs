//! Did-you-mean: the name closest to what someone typed, when one is close.

/// Edit (Levenshtein) distance between `a` and `b`, in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The name of `names` closest to `wanted`, case aside, if within `max` edits.
pub fn closest<'a>(
    wanted: &str,
    names: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    names
        .into_iter()
        .map(|n| (distance(&n.to_lowercase(), &wanted), n))
        .filter(|(d, _)| *d <= max)
        .min()
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_within_reach_is_suggested() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(
            closest("chekout", ["catalog", "checkout"], 2),
            Some("checkout")
        );
        assert_eq!(
            closest("app/myalb1/1", ["app/MyALB1/1", "app/other/2"], 0),
            Some("app/MyALB1/1")
        );
        assert_eq!(closest("payments", ["catalog", "checkout"], 2), None);
    }
}
