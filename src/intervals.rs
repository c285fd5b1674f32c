//! A static interval tree over `u128` intervals, for the passes that must not compare every
//! item with every other: packet-set subtraction (`verify::space`), redundant flows (`OUT-001`).

/// Intervals sorted by low end in an implicit balanced tree, each node storing the highest
/// high end below it. Built once in O(n log n); a query costs O(log n + hits).
#[derive(Debug, Clone, Default)]
pub struct IntervalTree {
    /// (lo, hi, payload), sorted.
    items: Vec<(u128, u128, usize)>,
    max_hi: Vec<u128>,
}

impl IntervalTree {
    /// A tree of inclusive intervals `(lo, hi, payload)`.
    pub fn build(mut items: Vec<(u128, u128, usize)>) -> IntervalTree {
        items.sort_unstable();
        let mut max_hi = vec![0u128; items.len()];
        fn fill(items: &[(u128, u128, usize)], max_hi: &mut [u128], lo: usize, hi: usize) -> u128 {
            if lo >= hi {
                return 0;
            }
            let mid = (lo + hi) / 2;
            let l = fill(items, max_hi, lo, mid);
            let r = fill(items, max_hi, mid + 1, hi);
            let m = items[mid].1.max(l).max(r);
            max_hi[mid] = m;
            m
        }
        let n = items.len();
        fill(&items, &mut max_hi, 0, n);
        IntervalTree { items, max_hi }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Calls `f` with the payload of every interval that overlaps `[lo, hi]`.
    pub fn overlapping(&self, lo: u128, hi: u128, f: &mut dyn FnMut(usize)) {
        // Iterative descent with an explicit stack of index ranges.
        let mut stack = vec![(0usize, self.items.len())];
        while let Some((a, b)) = stack.pop() {
            if a >= b {
                continue;
            }
            let mid = (a + b) / 2;
            if self.max_hi[mid] < lo {
                continue;
            }
            stack.push((a, mid));
            let it = self.items[mid];
            if it.0 <= hi {
                if it.1 >= lo {
                    f(it.2);
                }
                stack.push((mid + 1, b));
            }
        }
    }

    /// Calls `f` with the payload of every interval that contains `[lo, hi]` whole: the
    /// intervals through `lo` that reach `hi`.
    pub fn containing(&self, lo: u128, hi: u128, f: &mut dyn FnMut(usize)) {
        let mut stack = vec![(0usize, self.items.len())];
        while let Some((a, b)) = stack.pop() {
            if a >= b {
                continue;
            }
            let mid = (a + b) / 2;
            // Nothing below reaches `hi`: no interval there can contain [lo, hi].
            if self.max_hi[mid] < hi {
                continue;
            }
            stack.push((a, mid));
            let it = self.items[mid];
            if it.0 <= lo {
                if it.1 >= hi {
                    f(it.2);
                }
                stack.push((mid + 1, b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn queries_agree_with_a_scan(
            ivs in prop::collection::vec((0u128..200, 0u128..60), 0..80),
            q in (0u128..220, 0u128..40),
        ) {
            let items: Vec<(u128, u128, usize)> =
                ivs.iter().enumerate().map(|(i, &(lo, len))| (lo, lo + len, i)).collect();
            let t = IntervalTree::build(items.clone());
            let (lo, hi) = (q.0, q.0 + q.1);
            let mut got = Vec::new();
            t.overlapping(lo, hi, &mut |i| got.push(i));
            got.sort();
            let want: Vec<usize> = items.iter().filter(|x| x.0 <= hi && x.1 >= lo).map(|x| x.2).collect();
            prop_assert_eq!(got, want);
            let mut got = Vec::new();
            t.containing(lo, hi, &mut |i| got.push(i));
            got.sort();
            let want: Vec<usize> = items.iter().filter(|x| x.0 <= lo && x.1 >= hi).map(|x| x.2).collect();
            prop_assert_eq!(got, want);
        }
    }
}
