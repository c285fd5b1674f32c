//! The one way fenceline uses more than one core: [`join`] runs two computations side by side,
//! [`map`] spreads a list of jobs over the machine's cores. Both borrow from the caller (scoped
//! threads) and return when every thread has finished.
//!
//! Panic policy: a panic on a worker thread (only a bug panics: library code does not unwrap)
//! is resumed on the calling thread, unchanged, once the other side has finished; nothing here
//! turns a panic into an error or swallows it. The caller therefore sees exactly what it would
//! see had the work run on its own thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `beside` on a second thread and `here` on this one; returns both results.
pub fn join<A: Send, B>(beside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let other = s.spawn(beside);
        let mine = here();
        (resume(other.join()), mine)
    })
}

/// `items.iter().map(f).collect()`, spread over the machine's cores, results in input order.
/// Threads take the next item from a shared counter, so one large job does not hold up the
/// rest.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, f(item)));
        }
        mine
    };
    // This thread is one of the workers: one thread fewer to start, and the memory it freed
    // before (parsing, planning) serves its jobs.
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        all.extend(workers.into_iter().flat_map(|w| resume(w.join())));
        all
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Drops `value` on a thread of its own, or here when no thread can be started: a large
/// structure of many allocations (a report model, a policy's side of a proof) is freed while
/// the caller goes on, and a process that exits first does not wait for it.
pub fn drop_beside<T: Send + 'static>(value: T) {
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(value)));
    let theirs = std::sync::Arc::clone(&slot);
    let spawned = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(theirs.lock().map(|mut v| v.take())));
    if spawned.is_err() {
        drop(slot.lock().map(|mut v| v.take()));
    }
}

/// A worker's result, its panic resumed here.
fn resume<T>(joined: std::thread::Result<T>) -> T {
    joined.unwrap_or_else(|p| std::panic::resume_unwind(p))
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_keeps_the_input_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            (0..100).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }

    #[test]
    fn join_returns_both_sides() {
        assert_eq!(super::join(|| 1, || "two"), (1, "two"));
    }

    #[test]
    fn a_worker_panic_reaches_the_caller_unchanged() {
        let caught = std::panic::catch_unwind(|| {
            super::join(|| panic!("worker bug"), || ());
        })
        .expect_err("the panic is resumed");
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"worker bug"));
        let items = [1, 2, 3, 4];
        let caught = std::panic::catch_unwind(|| {
            super::map(&items, |x| if *x == 3 { panic!("job bug") } else { *x })
        })
        .expect_err("the panic is resumed");
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"job bug"));
    }
}
