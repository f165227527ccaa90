//! A small parallel map over a slice: scoped std threads take the next
//! index from a shared counter, so large and small files balance out.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

/// The number of threads to use when the caller leaves it to us.
pub(crate) fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Applies `f` to every item on up to `threads` threads, each with its own
/// state from `init` (e.g. a read buffer). Results keep the items' order.
/// On failure the error of the lowest-indexed failing item is returned and
/// the remaining items are skipped.
pub(crate) fn map<T, R, E, S>(
    items: &[T],
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut state = init();
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let result = f(&mut state, item);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, result));
        }
        done
    };
    let mut all: Vec<(usize, Result<R, E>)> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_on_many_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let out: Result<Vec<u32>, ()> = map(
            &items,
            4,
            || 0u32,
            |calls, x| {
                *calls += 1;
                Ok(x * 2)
            },
        );
        assert_eq!(out, Ok(items.iter().map(|x| x * 2).collect()));
    }

    #[test]
    fn returns_the_first_error_by_index() {
        let items: Vec<u32> = (0..1000).collect();
        let out = map(
            &items,
            3,
            || (),
            |_, &x| if x % 100 == 7 { Err(x) } else { Ok(x) },
        );
        assert_eq!(out, Err(7));
    }

    #[test]
    fn handles_no_items() {
        let out: Result<Vec<u8>, ()> = map(&[] as &[u8], 8, || (), |_, &x| Ok(x));
        assert_eq!(out, Ok(vec![]));
    }
}
