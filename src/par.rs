//! Work spread over the machine's cores with scoped threads, results in input
//! order: [`map`] and [`map_with`] hand items out one at a time (items of
//! uneven cost: files, rules), [`for_each_mut`] splits a slice into one run per core (items of
//! even cost changed in place: resolved tables). Below a few items, or on one
//! core, the work runs on the caller's thread. A panic in a worker is raised
//! again in the caller with its own payload.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads the machine runs at once (1 when unknown).
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` over every item of `items` on all cores; the results in item order.
/// Fewer than `min` items run on the caller's thread.
pub fn map<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, min, || (), |(), item| f(item))
}

/// [`map`] where each thread first makes its own `state` (lookups built
/// lazily and reused for every item that thread takes) and `f` borrows it.
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    min: usize,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = workers().min(items.len());
    if threads <= 1 || items.len() < min {
        let s = state();
        return items.iter().map(|item| f(&s, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let s = state();
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, f(&s, item)));
        }
        mine
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `f(position, item)` over every item of `items` on all cores, each core
/// taking one run of neighbouring items. Fewer than `min` items run on the
/// caller's thread.
pub fn for_each_mut<T: Send>(items: &mut [T], min: usize, f: impl Fn(usize, &mut T) + Sync) {
    let threads = workers().min(items.len());
    if threads <= 1 || items.len() < min {
        for (i, item) in items.iter_mut().enumerate() {
            f(i, item);
        }
        return;
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks_mut(per)
            .enumerate()
            .map(|(k, run)| {
                s.spawn(move || {
                    for (j, item) in run.iter_mut().enumerate() {
                        f(k * per + j, item);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        // Uneven work, so that the workers finish out of order.
        let out = map(&items, 2, |&i| {
            if i % 7 == 0 {
                std::thread::yield_now();
            }
            i * 2
        });
        assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(map(&items[..1], 2, |&i| i + 1), vec![1]);
        assert!(map(&items[..0], 2, |&i| i).is_empty());
    }

    #[test]
    fn for_each_mut_visits_every_item_once_with_its_position() {
        for n in [0, 1, 2, 3, 63, 64, 1001] {
            let mut items = vec![0usize; n];
            for_each_mut(&mut items, 2, |i, x| *x += i + 1);
            assert_eq!(items, (1..=n).collect::<Vec<_>>(), "{n} items");
        }
    }

    #[test]
    fn a_panicking_worker_panics_the_caller_with_its_message() {
        let items: Vec<usize> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            map(&items, 2, |&i| if i == 57 { panic!("item 57") } else { i })
        })
        .expect_err("the panic reaches the caller");
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"item 57"));
    }
}
