//! The heap of one run, set up before anything else. A 1,000-user run touches about
//! 8 MiB of heap: in 4 KiB pages some 1,800 page faults, and on the virtual machines this
//! tool is measured on a fault costs 2 to 3 µs, a fifth of the process. glibc's malloc
//! grows its heap 132 KiB at a time and gives each block over 128 KiB (a template's text)
//! a mapping of its own, so none of it can be backed by 2 MiB pages. Here it is told to
//! grow its heap in one large step, whose range is then marked for transparent huge pages
//! (`MADV_HUGEPAGE`, which the kernel's default `madvise` mode honours); the pieces
//! written before the advice are collapsed into huge pages, and the piece the heap starts
//! in, which cannot be one, is set aside. The helper threads of a split run do the same
//! with their arenas. A run then takes about 180 to 220 page faults at any size, two
//! thirds of them loading the program. Only address space is reserved; the run pays for
//! the memory it touches, in 2 MiB pieces (peak RSS at 1,000 users 12.7 to 16.0 MiB).
//!
//! It is what `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` with a large `top_pad` does, which
//! a program cannot set for itself. Only the binary does it: a program that embeds the
//! library keeps its allocator as it is. On a kernel without transparent huge pages, or
//! with them off, every step is a hint refused, and the pages stay small.

/// How much the heap grows at once: more than a 10,000-user run uses (peak RSS about
/// 62 MiB), so that one marked range holds a whole run. Address space only.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const STEP: usize = 128 << 20;

/// The largest block glibc takes from the heap rather than from a mapping of its own:
/// every template's text; 32 MiB is the most `M_MMAP_THRESHOLD` accepts on 64-bit.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const LARGEST_HEAP_BLOCK: usize = 32 << 20;

/// The size and alignment of each heap glibc makes for the arena of another thread
/// (`HEAP_MAX_SIZE` on 64-bit systems: twice the largest mmap threshold).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const THREAD_HEAP: usize = 64 << 20;

/// The size of a huge page on x86-64 and of the kernel's default on arm64.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HUGE_PAGE: usize = 2 << 20;

/// Grows glibc's heap by [`STEP`] now and marks it for huge pages, and has every helper
/// thread of the library mark its own heap ([`prepare_thread`]).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn prepare() {
    // SAFETY: `mallopt` only changes glibc's malloc parameters, between allocations of
    // this one thread (no other thread runs yet).
    let set = unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, c_int(LARGEST_HEAP_BLOCK)) == 1
            // Each growth of the heap asks for STEP more than the block that needs it;
            // a thread's arena starts at its whole THREAD_HEAP.
            && libc::mallopt(libc::M_TOP_PAD, c_int(STEP)) == 1
            // Freed memory stays in the heap: given back, it would be faulted in again.
            && libc::mallopt(libc::M_TRIM_THRESHOLD, c_int(2 * STEP)) == 1
    };
    if !set {
        return;
    }
    // A block larger than the heap's free top makes malloc grow the heap now, by STEP.
    let probe_size = 256 << 10;
    let probe = first_block_address(probe_size);
    // SAFETY: `sbrk(0)` only reads the program break: the end of the heap; `mallinfo2`
    // only reads malloc's statistics, of the one arena there is so far: `arena` is what
    // it has taken with `sbrk`, the whole heap.
    let (end, size) = unsafe { (libc::sbrk(0) as usize, libc::mallinfo2().arena) };
    let start = end.saturating_sub(size);
    if end > start && probe > start {
        advise_huge_pages(start, end - start);
        // Pages written before the advice (the first blocks, the header of the probe and
        // that of the free top after it) keep the kernel from backing the rest of their
        // 2 MiB with a huge page: collapse those pieces into huge pages now.
        collapse(start.next_multiple_of(HUGE_PAGE), probe + probe_size + 64);
        set_aside_to_huge_page_boundary();
        // The library runs this first on each helper thread; set once per process.
        let _ = sagesynth::parallel::set_thread_start(prepare_thread);
    }
}

/// The heap starts at no 2 MiB boundary, and its piece before the first one cannot be a
/// huge page (the range of one must lie in the heap): the rest of that piece is taken by
/// one block that is never freed nor written, so that the blocks of the run start at the
/// boundary, in huge pages. The block costs address space, no memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_aside_to_huge_page_boundary() {
    // Where malloc's free top is now: a block of a page is larger than any glibc keeps
    // in its caches, and freed it joins the top again.
    let top = first_block_address(4096);
    let gap = top.next_multiple_of(HUGE_PAGE) - top;
    if gap > 4096 {
        // Less the block's header, so that the next block starts at the boundary.
        let filler: Vec<u8> = Vec::with_capacity(gap - 16);
        std::mem::forget(std::hint::black_box(filler));
    }
}

/// Marks the heap of this thread's arena for huge pages. glibc gives a thread its own
/// arena on its first allocation, in a heap of [`THREAD_HEAP`] bytes aligned to that
/// size (all of it usable at once, as the top pad asks), mapped above the main heap. A
/// block below the program break is the main arena's: nothing to mark.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn prepare_thread() {
    let block = first_block_address(64);
    // SAFETY: `sbrk(0)` only reads the program break.
    let main_end = unsafe { libc::sbrk(0) } as usize;
    if block < main_end {
        return;
    }
    let heap = block & !(THREAD_HEAP - 1);
    advise_huge_pages(heap, THREAD_HEAP);
    // Making the arena wrote its first page before the advice.
    collapse(heap, block + 1);
}

/// Backs the whole 2 MiB pieces from `start` (a multiple of [`HUGE_PAGE`]) up to the one
/// holding `end - 1` with huge pages now (`MADV_COLLAPSE`): pages written before
/// [`advise_huge_pages`] keep the kernel from doing so at the next fault in their piece,
/// so without this each piece would go on faulting 4 KiB at a time. Linux 6.1 on; an
/// older kernel refuses it, and the pages stay small.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn collapse(start: usize, end: usize) {
    if end <= start {
        return;
    }
    let len = (end - start).next_multiple_of(HUGE_PAGE);
    // SAFETY: collapsing copies the range's contents into huge pages: the memory reads
    // the same, and no mapping changes.
    unsafe {
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_COLLAPSE);
    }
}

/// The address of a block of `size` bytes, allocated and freed: where this thread's
/// arena puts its memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn first_block_address(size: usize) -> usize {
    let probe: Vec<u8> = Vec::with_capacity(size);
    std::hint::black_box(probe.as_ptr()) as usize
}

/// `MADV_HUGEPAGE` over `[start, start + len)`. A hint: it changes no memory, and a
/// kernel without transparent huge pages (or a range not all mapped) refuses it, which
/// only leaves the pages small.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn advise_huge_pages(start: usize, len: usize) {
    // SAFETY: the advice changes no memory and no mapping, only the size of the pages
    // the kernel will back the range with.
    unsafe {
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn c_int(bytes: usize) -> libc::c_int {
    libc::c_int::try_from(bytes).expect("the sizes above fit a C int")
}

/// Other systems and C libraries keep their allocator's defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn prepare() {}
