//! Independent pieces of one synthesis on the machine's cores: the child templates of a
//! split run are each composed, rendered and validated beside the parent, and the
//! definitions of `--all` side by side.
//! Results come back in the order of the input, so the output does not depend on which
//! thread finished first. On Linux a helper runs off the CPU of the thread that started
//! it (see `placement`).

use std::cell::Cell;
use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The most threads one call uses, this one included, unless [`THREADS_VARIABLE`] says
/// otherwise.
pub const MAX_THREADS: usize = 8;

/// The environment variable that sets the most threads one call uses: `1` keeps all
/// the work on the calling thread (a shared CI runner, or a profile by function).
pub const THREADS_VARIABLE: &str = "SAGESYNTH_THREADS";

/// The most threads one call uses: [`THREADS_VARIABLE`] when set, or else the machine's
/// cores, at most [`MAX_THREADS`]. An error names a value that is not a whole number
/// from 1 on.
pub fn max_threads() -> Result<usize, String> {
    Ok(threads_variable()?.unwrap_or_else(|| cores().min(MAX_THREADS)))
}

/// The number of threads [`THREADS_VARIABLE`] sets, `None` when it is not set; an error
/// names a value that is not a whole number from 1 on. Checks the variable without
/// asking for the machine's cores, which a run with a single template never needs.
pub fn threads_variable() -> Result<Option<usize>, String> {
    match std::env::var(THREADS_VARIABLE) {
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(format!(
                "{THREADS_VARIABLE} is `{text}`; expected a whole number of threads from 1 on"
            )),
        },
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(text)) => Err(format!(
            "{THREADS_VARIABLE} is `{}`; expected a whole number of threads from 1 on",
            text.to_string_lossy()
        )),
    }
}

/// The cores this process may use, asked once and only by a call with work to share: on
/// Linux the standard library reads the process's cgroup files for a CPU quota (some ten
/// system calls; a twentieth of a 2-user run's time on the development machine).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

thread_local! {
    /// Whether this thread is one of the threads of a [`map_alongside`] call.
    static ALREADY_PARALLEL: Cell<bool> = const { Cell::new(false) };
}

/// Runs `first` on this thread and `each` over `items` on up to [`max_threads`] threads
/// (this one included, once `first` is done), and returns `first`'s result and `each`'s
/// results in the order of `items`. With one thread (a bad [`THREADS_VARIABLE`], which
/// the CLI refuses before it gets here, counts as one), fewer than two items, or when
/// called from within another call's `first` or `each`, everything runs here, in order.
/// A panic in any of them is raised again here.
pub fn map_alongside<A, T, R>(
    first: impl FnOnce() -> A,
    items: Vec<T>,
    each: impl Fn(T) -> R + Sync,
) -> (A, Vec<R>)
where
    T: Send,
    R: Send,
{
    // A call made by a thread that is already one of several (a definition of `--all`
    // with a split run) stays on that thread: the cores are busy already.
    let nested = ALREADY_PARALLEL.get();
    let threads = if nested || items.len() < 2 {
        1
    } else {
        max_threads().unwrap_or(1).min(items.len())
    };
    if threads < 2 {
        let a = first();
        return (a, items.into_iter().map(each).collect());
    }
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    // Takes the next item until none is left; returns each result with its place.
    let drain = || {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((place, item)) = next else {
                return done;
            };
            done.push((place, each(item)));
        }
    };
    std::thread::scope(|scope| {
        let caller_cpu = placement::current_cpu();
        let helpers: Vec<_> = (1..threads)
            .map(|_| {
                scope.spawn(move || {
                    if let Some(cpu) = caller_cpu {
                        placement::move_off(cpu);
                    }
                    ALREADY_PARALLEL.set(true);
                    drain()
                })
            })
            .collect();
        // A helper the scheduler queued on this CPU, behind this thread, runs now and
        // moves itself off, instead of waiting for this thread's time slice to end.
        std::thread::yield_now();
        ALREADY_PARALLEL.set(true);
        let a = first();
        let mut done = drain();
        ALREADY_PARALLEL.set(false);
        for helper in helpers {
            match helper.join() {
                Ok(theirs) => done.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done.sort_unstable_by_key(|(place, _)| *place);
        debug_assert_eq!(done.len(), count);
        (a, done.into_iter().map(|(_, r)| r).collect())
    })
}

/// Where a helper runs: never on the CPU of the thread that started it. A scheduler may
/// put a new thread on its creator's CPU and leave it there while another CPU idles: the
/// kernels of the virtual machines this tool is measured on pack runnable threads onto
/// few CPUs (`sched_vcpu_pack`), and there the helper and the calling thread took turns
/// on one CPU in 4 ms slices, the other CPU idle (`perf sched timehist`), so that two
/// threads were no faster than one. So each helper first restricts itself to the CPUs
/// it may use but its creator's; the calling thread keeps every CPU.
#[cfg(target_os = "linux")]
mod placement {
    use std::mem::{size_of, zeroed};

    /// The CPU the calling thread runs on, when the kernel says.
    pub fn current_cpu() -> Option<usize> {
        // SAFETY: sched_getcpu takes no arguments and only returns a number.
        usize::try_from(unsafe { libc::sched_getcpu() }).ok()
    }

    /// The CPUs the calling thread may run on.
    fn allowed() -> Option<libc::cpu_set_t> {
        // SAFETY: an all-zero cpu_set_t is the empty set; sched_getaffinity writes at most
        // size_of::<cpu_set_t>() bytes into it.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            (libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) == 0).then_some(set)
        }
    }

    /// Restricts the calling thread to the CPUs it may use other than `cpu`. Nothing
    /// changes when `cpu` is the only one, or when the kernel refuses (a helper then
    /// runs wherever the scheduler puts it, as before).
    pub fn move_off(cpu: usize) {
        let Some(mut set) = allowed() else { return };
        if cpu >= 8 * size_of::<libc::cpu_set_t>() {
            return;
        }
        // SAFETY: `cpu` is within the set's bits (checked above); CPU_ISSET and CPU_CLR
        // touch that bit only, and sched_setaffinity reads the set.
        unsafe {
            if !libc::CPU_ISSET(cpu, &set) || libc::CPU_COUNT(&set) < 2 {
                return;
            }
            libc::CPU_CLR(cpu, &mut set);
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
        }
    }

    /// The calling thread's CPUs, for the tests.
    #[cfg(test)]
    pub(super) fn allowed_now() -> Vec<usize> {
        let set = allowed().expect("sched_getaffinity answers for the calling thread");
        // SAFETY: CPU_ISSET only reads the set, at bits within it.
        (0..8 * size_of::<libc::cpu_set_t>())
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
            .collect()
    }
}

/// Elsewhere the scheduler places the helpers.
#[cfg(not(target_os = "linux"))]
mod placement {
    pub fn current_cpu() -> Option<usize> {
        None
    }

    pub fn move_off(_cpu: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A helper may use every CPU of the caller but one (the caller's, when it started
    /// them); the caller keeps all of its CPUs, during and after the call.
    #[cfg(target_os = "linux")]
    #[test]
    fn helpers_leave_the_callers_cpu_and_the_caller_keeps_its_cpus() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::time::{Duration, Instant};

        let before = placement::allowed_now();
        let caller = std::thread::current().id();
        let spreads = max_threads().unwrap_or(1) >= 2 && before.len() >= 2;
        let helper_took_one = AtomicBool::new(false);
        let (during, seen) = map_alongside(
            || {
                // The caller takes no item before a helper has taken one (or 10 s have
                // passed), so that a helper's CPUs are surely seen.
                let deadline = Instant::now() + Duration::from_secs(10);
                while spreads
                    && !helper_took_one.load(Ordering::SeqCst)
                    && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                placement::allowed_now()
            },
            (0..16).collect::<Vec<u32>>(),
            |_| {
                let here = std::thread::current().id();
                if here != caller {
                    helper_took_one.store(true, Ordering::SeqCst);
                }
                (here, placement::allowed_now())
            },
        );
        assert_eq!(during, before, "the caller's CPUs changed during the call");
        assert_eq!(
            placement::allowed_now(),
            before,
            "the caller's CPUs changed after the call"
        );
        let helpers: Vec<_> = seen
            .iter()
            .filter(|(thread, _)| *thread != caller)
            .collect();
        assert_eq!(!helpers.is_empty(), spreads, "helpers: {helpers:?}");
        for (_, cpus) in helpers {
            assert_eq!(
                cpus.len(),
                before.len() - 1,
                "a helper kept every CPU: {cpus:?}"
            );
        }
    }

    #[test]
    fn results_keep_the_order_of_the_items() {
        // Uneven work, so that threads finish out of order when there are several.
        let items: Vec<u64> = (0..200).collect();
        let (first, squares) = map_alongside(
            || "first",
            items,
            |n| {
                let spin = (n % 7) * 2_000;
                (0..spin).fold(n * n, |acc, i| std::hint::black_box(acc ^ i) ^ i)
            },
        );
        assert_eq!(first, "first");
        assert_eq!(squares, (0..200u64).map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn a_call_within_a_call_stays_on_its_thread() {
        let (outer, inner) = map_alongside(
            || std::thread::current().id(),
            (0..8).collect::<Vec<u32>>(),
            |n| {
                let here = std::thread::current().id();
                let (_, threads) = map_alongside(
                    || (),
                    (0..8).collect::<Vec<u32>>(),
                    |m| (n * 8 + m, std::thread::current().id()),
                );
                assert!(
                    threads.iter().all(|(_, t)| *t == here),
                    "a nested call spread"
                );
                threads.into_iter().map(|(v, _)| v).collect::<Vec<_>>()
            },
        );
        assert_eq!(outer, std::thread::current().id());
        assert_eq!(inner.concat(), (0..64).collect::<Vec<u32>>());
        // The flag is cleared when the call ends: a later call may spread again.
        assert!(!ALREADY_PARALLEL.get());
    }

    #[test]
    fn no_items_still_runs_first() {
        let (first, none): (u8, Vec<u8>) = map_alongside(|| 7, Vec::new(), |n| n);
        assert_eq!((first, none), (7, Vec::new()));
    }

    #[test]
    #[should_panic(expected = "item 13")]
    fn a_panic_in_an_item_reaches_the_caller() {
        let _ = map_alongside(
            || (),
            (0..40).collect(),
            |n: u32| assert!(n != 13, "item {n}"),
        );
    }
}
