//! Intervals, the one routine: sorted, merged inclusive intervals (over `u32` for IPv4
//! addresses, `u128` for the rest) with union, intersection, subtraction and containment, used
//! by [`super::addr::AddrSet`] and [`super::space::Ivs`] alike; and a static interval tree for
//! the passes that must not compare every item with every other: packet-set subtraction
//! ([`super::space`]), redundant flows (`OUT-001`).

/// The integer types intervals are kept over (IPv4 addresses as `u32`, everything else as
/// `u128`): ordered, with an overflow-checked successor and predecessor.
pub trait Bound: Ord + Copy {
    fn succ(self) -> Option<Self>;
    fn pred(self) -> Option<Self>;
}

impl Bound for u32 {
    fn succ(self) -> Option<u32> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<u32> {
        self.checked_sub(1)
    }
}

impl Bound for u128 {
    fn succ(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<u128> {
        self.checked_sub(1)
    }
}

/// Do two sorted, merged interval lists share a value?
pub fn overlaps<T: Ord + Copy>(a: &[(T, T)], b: &[(T, T)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].0.max(b[j].0) <= a[i].1.min(b[j].1) {
            return true;
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Sorts and merges overlapping or adjacent intervals.
pub fn normalise<T: Bound>(mut v: Vec<(T, T)>) -> Vec<(T, T)> {
    v.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        if let Some(last) = out.last_mut() {
            // Merge overlapping or adjacent intervals (last.1 + 1 == lo), without overflow.
            if lo <= last.1 || last.1.succ() == Some(lo) {
                if hi > last.1 {
                    last.1 = hi;
                }
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

/// `a ∩ b`; both sorted and merged.
pub fn intersect<T: Ord + Copy>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// `a` without `b`; both sorted and merged.
pub fn subtract<T: Bound>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(lo, hi) in a {
        let mut lo = Some(lo);
        while j < b.len() && b[j].1 < lo.unwrap_or(hi) {
            j += 1;
        }
        let mut k = j;
        while let Some(l) = lo {
            if k >= b.len() || b[k].0 > hi {
                out.push((l, hi));
                break;
            }
            if b[k].0 > l {
                // Safe: b[k].0 > l >= MIN.
                if let Some(p) = b[k].0.pred() {
                    out.push((l, p));
                }
            }
            lo = if b[k].1 >= hi { None } else { b[k].1.succ() };
            k += 1;
        }
    }
    out
}

/// Is every interval of `inner` inside `outer`? Both sorted and merged.
pub fn contains_all<T: Ord + Copy>(outer: &[(T, T)], inner: &[(T, T)]) -> bool {
    inner.iter().all(|&(lo, hi)| {
        let idx = outer.partition_point(|&(_, h)| h < lo);
        idx < outer.len() && outer[idx].0 <= lo && outer[idx].1 >= hi
    })
}

/// Is `x` in the sorted, merged `set`?
pub fn contains_point<T: Ord + Copy>(set: &[(T, T)], x: T) -> bool {
    let idx = set.partition_point(|&(_, h)| h < x);
    idx < set.len() && set[idx].0 <= x
}

/// The index ranges still to visit in a query of an [`IntervalTree`]: inline for any tree a
/// plant has (a query was one allocation each, and `verify` makes one per cube it subtracts).
type Stack = smallvec::SmallVec<[(usize, usize); 48]>;

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
        let mut stack: Stack = smallvec::smallvec![(0usize, self.items.len())];
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
        let mut stack: Stack = smallvec::smallvec![(0usize, self.items.len())];
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
