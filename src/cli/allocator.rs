//! The binary's memory allocator: size classes over one region of address space, backed
//! by huge pages. A run lasts milliseconds and makes some 70,000 blocks at 1,000 users;
//! glibc's malloc and free were a fifth of its instructions, and their pages a fifth of
//! its time on the virtual machines this tool is measured on (a first write to a 4 KiB
//! page costs 2 to 3 µs there). Here a block is taken from a per-thread list of freed
//! blocks of its size class, or else cut from the end of a per-thread chunk of the
//! region: a few instructions, no lock. A freed block goes on the list of the thread that
//! frees it, and is given again first, while its memory is still in the cache.
//!
//! What is given to the system is never taken back: a freed block waits on its list until
//! the process ends. That suits a command that runs once; a run uses what its largest
//! moment holds plus what its size classes round up (at 1,000 users about 8 MiB of the
//! region). Layouts aligned to more than 16 bytes, blocks over 64 MiB and everything
//! after the region is used up are the system allocator's, as is everything before
//! [`start`] (so `--help` and `--version` never touch the region). Only Linux has the
//! region; elsewhere every block is the system's.
//!
//! The library never sets an allocator: a program that embeds it keeps its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The allocator `main.rs` installs: the system's until [`start`], then the region's.
pub struct RunAllocator;

/// Address space reserved for a run: four times what 10,000 users take. Only what is
/// written costs memory.
const REGION: usize = 256 << 20;

/// What a thread takes of the region at once, to cut its small blocks from.
const CHUNK: usize = 256 << 10;

/// Blocks larger than this are cut from the region itself, not from a thread's chunk.
const LARGE: usize = CHUNK / 8;

/// The size of a huge page on x86-64 (and the kernel's default on arm64): the region
/// starts at a multiple of it, so that each of its 2 MiB pieces can be one.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Every block's alignment, and the step of the small classes.
const ALIGN: usize = 16;

/// The largest block of the small classes, which are 16 bytes apart: most of a run's
/// blocks (strings, a map's entries, a node of the JSON tree).
const SMALL: usize = 1024;

/// Above [`SMALL`], four classes for each doubling (1.25, 1.5, 1.75 and 2 times the
/// power of two below), up to blocks of 2^`LARGEST_LOG` bytes.
const LARGEST_LOG: usize = 26;

const SMALL_CLASSES: usize = SMALL / ALIGN;
const CLASSES: usize = SMALL_CLASSES + 4 * (LARGEST_LOG - SMALL.ilog2() as usize);

/// The region's first byte; 0 until [`start`] has mapped it.
static REGION_START: AtomicUsize = AtomicUsize::new(0);

/// The region's first byte not yet given to a thread or a large block.
static REGION_NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The part of this thread's chunk not cut yet: `(next, end)`; `(0, 0)` before the
    /// thread's first block.
    static CHUNK_LEFT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// The first block of each class's list of freed blocks (0: none); each free block
    /// holds the address of the next in its first word.
    static FREE: [Cell<usize>; CLASSES] = const { [const { Cell::new(0) }; CLASSES] };
}

/// Maps the region and makes every later block come from it. Once per process: a
/// second call does nothing. When the mapping is refused (a limit on address space, say),
/// the system's allocator goes on serving every block.
#[cfg(target_os = "linux")]
pub fn start() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a new private anonymous mapping, shared with nothing; NORESERVE so that
        // only the pages written count against the memory the system commits.
        let mapped = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                REGION + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return;
        }
        let start = (mapped as usize).next_multiple_of(HUGE_PAGE);
        // SAFETY: advice on a range of the mapping just made: it changes no memory, only
        // the size of the pages the kernel backs it with (refused without transparent
        // huge pages, which leaves them small).
        unsafe {
            libc::madvise(start as *mut libc::c_void, REGION, libc::MADV_HUGEPAGE);
        }
        REGION_NEXT.store(start, Ordering::Relaxed);
        REGION_START.store(start, Ordering::Release);
    });
}

/// Other systems keep the system's allocator.
#[cfg(not(target_os = "linux"))]
pub fn start() {}

/// Whether `address` is in the region (false before [`start`]).
#[inline]
fn in_region(address: usize) -> bool {
    let start = REGION_START.load(Ordering::Relaxed);
    start != 0 && address >= start && address < start + REGION
}

/// The class of a layout and the size of its blocks; `None` for a layout the system's
/// allocator serves (aligned to more than 16 bytes, or larger than the largest class).
#[inline]
fn class(layout: Layout) -> Option<(usize, usize)> {
    let size = layout.size();
    if layout.align() > ALIGN {
        return None;
    }
    if size <= SMALL {
        let class = size.saturating_sub(1) / ALIGN;
        return Some((class, (class + 1) * ALIGN));
    }
    // With 2^log <= size - 1 < 2^(log + 1), the two bits below the top one pick the
    // quarter: blocks of 5, 6, 7 or 8 quarters of 2^log, the first at least `size`.
    let below = size - 1;
    let log = below.ilog2() as usize;
    let quarter = (below >> (log - 2)) & 3;
    let class = SMALL_CLASSES + (log - SMALL.ilog2() as usize) * 4 + quarter;
    (class < CLASSES).then_some((class, (5 + quarter) << (log - 2)))
}

/// `len` bytes at the region's end, or `None` when it is used up.
fn take_from_region(len: usize) -> Option<usize> {
    let end = REGION_START.load(Ordering::Relaxed) + REGION;
    let mut next = REGION_NEXT.load(Ordering::Relaxed);
    loop {
        if len > end - next {
            return None;
        }
        match REGION_NEXT.compare_exchange_weak(
            next,
            next + len,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return Some(next),
            Err(now) => next = now,
        }
    }
}

/// A new block of `block` bytes: from this thread's chunk (or a new one), or for a
/// large block from the region itself.
fn cut(block: usize) -> Option<usize> {
    if block > LARGE {
        return take_from_region(block);
    }
    CHUNK_LEFT
        .try_with(|left| {
            let (next, end) = left.get();
            if next != 0 && block <= end - next {
                left.set((next + block, end));
                return Some(next);
            }
            // The rest of the old chunk is given up: less than a large block.
            let chunk = take_from_region(CHUNK)?;
            left.set((chunk + block, chunk + CHUNK));
            Some(chunk)
        })
        .ok()
        .flatten()
}

/// The block `address` of `old` bytes grown to `new` bytes where it lies, when it is the
/// last cut from this thread's chunk or from the region and the room after it is free.
fn grow_in_place(address: usize, old: usize, new: usize) -> bool {
    if old > LARGE {
        let end = REGION_START.load(Ordering::Relaxed) + REGION;
        return address + new <= end
            && REGION_NEXT
                .compare_exchange(
                    address + old,
                    address + new,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok();
    }
    CHUNK_LEFT
        .try_with(|left| {
            let (next, end) = left.get();
            let grows = next == address + old && new - old <= end - next;
            if grows {
                left.set((address + new, end));
            }
            grows
        })
        .unwrap_or(false)
}

// SAFETY: every block handed out is `class(layout).1 >= layout.size()` bytes of the
// region aligned to 16 (the region starts at a huge page, chunks and blocks are multiples
// of 16, and layouts aligned to more go to the system), or the system's own. A block is
// in one place at a time: cut once from memory no one else has, or taken off a list it
// was put on when freed. The lists and chunks are per thread, the region's end an atomic.
unsafe impl GlobalAlloc for RunAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if REGION_START.load(Ordering::Relaxed) != 0
            && let Some((class, block)) = class(layout)
        {
            let freed = FREE
                .try_with(|free| {
                    let head = free[class].get();
                    if head != 0 {
                        // SAFETY: a block on a list holds the next one's address in its
                        // first word (`dealloc` wrote it there).
                        free[class].set(unsafe { (head as *const usize).read() });
                    }
                    head
                })
                .unwrap_or(0);
            if freed != 0 {
                return freed as *mut u8;
            }
            if let Some(address) = cut(block) {
                return address as *mut u8;
            }
        }
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let address = ptr as usize;
        if !in_region(address) {
            // SAFETY: a block outside the region came from the system with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        let Some((class, _)) = class(layout) else {
            unreachable!("a block of the region has a class");
        };
        // A thread past its end (no list any more) leaves the block unused.
        let _ = FREE.try_with(|free| {
            // SAFETY: the block is the caller's to give up, at least 16 bytes and
            // aligned to 16: its first word can hold the list's next block.
            unsafe { (address as *mut usize).write(free[class].get()) };
            free[class].set(address);
        });
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let address = ptr as usize;
        if !in_region(address) && REGION_START.load(Ordering::Relaxed) == 0 {
            // SAFETY: the caller's block and layout, passed on.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller promises `new_size`, rounded to the alignment, fits `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if in_region(address)
            && let (Some((old_class, old_block)), Some((new_class, new_block))) =
                (class(layout), class(new_layout))
        {
            // A smaller class keeps the block: its dealloc will list it in that class,
            // whose blocks are no larger.
            if new_class <= old_class || grow_in_place(address, old_block, new_block) {
                return ptr;
            }
        }
        // SAFETY: a layout of the caller's alignment and a non-zero size.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least the smaller size, and a new block never
            // overlaps a live one.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Only Linux has the region the tests look into.
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A layout of `size` bytes aligned to `align`.
    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).expect("a valid layout")
    }

    /// Sizes from a fixed pseudo-random sequence (an LCG), mostly small as a run's are.
    fn sizes(seed: u64, count: usize) -> Vec<usize> {
        let mut state = seed;
        (0..count)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let r = (state >> 33) as usize;
                match i % 10 {
                    0 => 1 + r % 300_000,
                    1 | 2 => 1 + r % 5_000,
                    _ => 1 + r % 200,
                }
            })
            .collect()
    }

    /// Fills a block with one byte (its tag), which [`holds`] checks.
    fn fill(address: *mut u8, size: usize, tag: u8) {
        // SAFETY: the block is the test's, of `size` bytes.
        unsafe { std::ptr::write_bytes(address, tag, size) };
    }

    /// Whether every byte of the block is still its tag.
    fn holds(address: *const u8, size: usize, tag: u8) -> bool {
        // SAFETY: the block is the test's, of `size` bytes, written by `fill`.
        unsafe { std::slice::from_raw_parts(address, size) }
            .iter()
            .all(|&b| b == tag)
    }

    #[test]
    fn every_class_holds_its_sizes_and_rounds_up_little() {
        let mut previous = (0, 0);
        let sizes = (1..=70_000).chain((17..=26).flat_map(|log| {
            let p = 1usize << log;
            [p - 1, p, p + 1, p + p / 4, p + p / 4 + 1]
        }));
        for size in sizes {
            let Some((index, block)) = class(layout(size, 8)) else {
                assert!(size > 1 << LARGEST_LOG, "{size} bytes have no class");
                continue;
            };
            assert!(index < CLASSES, "{size}: class {index}");
            assert!(block >= size, "{size} bytes in blocks of {block}");
            assert_eq!(block % ALIGN, 0, "{size}: blocks of {block}");
            // At most a quarter more above the small classes, 15 bytes more below.
            assert!(block <= size + (size / 4).max(ALIGN - 1), "{size}: {block}");
            // Classes grow with sizes, and one class has one block size.
            if size > previous.0 {
                assert!(
                    index >= previous.1,
                    "{size}: class {index} after {previous:?}"
                );
            }
            previous = (size, index);
            assert_eq!(class(layout(block, 16)), Some((index, block)));
        }
        assert_eq!(class(layout((1 << LARGEST_LOG) + 1, 8)), None);
        assert_eq!(class(layout(64, 32)), None);
        assert_eq!(class(layout(0, 1)), Some((0, 16)));
    }

    #[test]
    fn blocks_are_aligned_apart_and_keep_their_bytes() {
        start();
        let layouts: Vec<Layout> = sizes(7, 3_000)
            .into_iter()
            .enumerate()
            .map(|(i, size)| layout(size, 1 << (i % 5)))
            .collect();
        // SAFETY: each block is allocated with its layout and freed once with it.
        let blocks: Vec<*mut u8> = layouts
            .iter()
            .map(|&l| unsafe { RunAllocator.alloc(l) })
            .collect();
        for (i, (&address, l)) in blocks.iter().zip(&layouts).enumerate() {
            assert!(in_region(address as usize), "block {i} of {l:?}");
            assert_eq!(address as usize % ALIGN, 0, "block {i}");
            fill(address, l.size(), i as u8);
        }
        let mut spans: Vec<(usize, usize)> = blocks
            .iter()
            .zip(&layouts)
            .map(|(&a, l)| (a as usize, a as usize + l.size()))
            .collect();
        spans.sort_unstable();
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "blocks overlap");
        for (i, (&address, l)) in blocks.iter().zip(&layouts).enumerate() {
            assert!(
                holds(address, l.size(), i as u8),
                "block {i} was overwritten"
            );
            // SAFETY: allocated above with `l`, freed once.
            unsafe { RunAllocator.dealloc(address, *l) };
        }
    }

    #[test]
    fn a_freed_block_is_given_again_to_its_class() {
        start();
        // SAFETY: each block is allocated with its layout and freed once with it.
        unsafe {
            let first = RunAllocator.alloc(layout(100, 8));
            RunAllocator.dealloc(first, layout(100, 8));
            // 112 bytes: the same class, of blocks of 112.
            let again = RunAllocator.alloc(layout(112, 16));
            assert_eq!(again, first);
            RunAllocator.dealloc(again, layout(112, 16));
            // Another class (blocks of 208) does not take it: it waits on its own list.
            let other = RunAllocator.alloc(layout(200, 8));
            assert_ne!(other, first);
            assert_eq!(RunAllocator.alloc(layout(97, 1)), first);
            RunAllocator.dealloc(other, layout(200, 8));
            RunAllocator.dealloc(first, layout(97, 1));
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_growing_and_shrinking() {
        start();
        let mut size = 1;
        // SAFETY: the block is reallocated with the layout it has, and freed with it.
        unsafe {
            let mut block = RunAllocator.alloc(layout(size, 1));
            fill(block, size, 0xa5);
            while size < 3 << 20 {
                let grown = size + size / 3 + 7;
                block = RunAllocator.realloc(block, layout(size, 1), grown);
                assert!(in_region(block as usize));
                assert!(
                    holds(block, size, 0xa5),
                    "lost bytes growing {size} to {grown}"
                );
                fill(block, grown, 0xa5);
                size = grown;
            }
            // Something allocated between two growths: the block must move, not overlap.
            let between = RunAllocator.alloc(layout(64, 8));
            fill(between, 64, 0x3c);
            block = RunAllocator.realloc(block, layout(size, 1), size * 2);
            assert!(holds(block, size, 0xa5));
            assert!(holds(between, 64, 0x3c));
            fill(block, size * 2, 0xa5);
            size *= 2;
            for smaller in [size / 2, 5_000, 100, 1] {
                block = RunAllocator.realloc(block, layout(size, 1), smaller);
                assert!(
                    holds(block, smaller, 0xa5),
                    "lost bytes shrinking to {smaller}"
                );
                size = smaller;
            }
            RunAllocator.dealloc(block, layout(size, 1));
            RunAllocator.dealloc(between, layout(64, 8));
        }
    }

    #[test]
    fn threads_allocate_and_free_each_others_blocks() {
        start();
        let handles: Vec<_> = (0..4u8)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    for (i, size) in sizes(u64::from(t) + 1, 2_000).into_iter().enumerate() {
                        let block: Vec<u8> = vec![t; size];
                        if i % 3 == 0 {
                            kept.push(block);
                        }
                    }
                    kept
                })
            })
            .collect();
        // Freed here, on another thread than the one that allocated them.
        for (t, handle) in handles.into_iter().enumerate() {
            let kept = handle.join().expect("the thread ran");
            assert!(kept.iter().all(|b| b.iter().all(|&x| usize::from(x) == t)));
            assert!(kept.iter().any(|b| in_region(b.as_ptr() as usize)));
        }
    }

    #[test]
    fn over_aligned_and_oversized_layouts_are_the_systems() {
        start();
        for l in [
            layout(64, 64),
            layout(10, 4096),
            layout((1 << LARGEST_LOG) + 1, 8),
        ] {
            // SAFETY: allocated and freed with the same layout.
            unsafe {
                let block = RunAllocator.alloc(l);
                assert!(!block.is_null());
                assert!(!in_region(block as usize), "{l:?}");
                assert_eq!(block as usize % l.align(), 0);
                fill(block, l.size().min(4096), 1);
                RunAllocator.dealloc(block, l);
            }
        }
    }
}
