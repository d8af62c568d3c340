//! The heap of one run, set up before anything else. A 1,000-user run touches about
//! 8 MiB of heap: in 4 KiB pages some 1,800 page faults, and on the virtual machines this
//! tool is measured on a fault costs 2 to 3 µs, a fifth of the process. glibc's malloc
//! grows its heap 132 KiB at a time and gives each block over 128 KiB (a template's text)
//! a mapping of its own, so none of it can be backed by 2 MiB pages. Here it is told to
//! grow its heap in one large step, whose range is then marked for transparent huge pages
//! (`MADV_HUGEPAGE`, which the kernel's default `madvise` mode honours): the same memory
//! in a few faults. Only address space is reserved; the run pays for the pages it
//! touches, in 2 MiB pieces.
//!
//! It is what `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` with a large `top_pad` does, which
//! a program cannot set for itself. Only the binary does it: a program that embeds the
//! library keeps its allocator as it is.

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

#[cfg(all(target_os = "linux", target_env = "gnu"))]
static MAIN_HEAP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

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
    let start = first_block_address(1 << 20);
    // SAFETY: `sbrk(0)` only reads the program break: the end of the heap.
    let end = unsafe { libc::sbrk(0) } as usize;
    let start = start & !(page_size() - 1);
    if end > start {
        advise_huge_pages(start, end - start);
        MAIN_HEAP.store(start, std::sync::atomic::Ordering::Relaxed);
        // The library runs this first on each helper thread; set once per process.
        let _ = sagesynth::parallel::set_thread_start(prepare_thread);
    }
}

/// Marks the heap of this thread's arena for huge pages. glibc gives a thread its own
/// arena on its first allocation, in a heap of [`THREAD_HEAP`] bytes aligned to that
/// size (all of it usable at once, as the top pad asks). A thread that shares the main
/// arena has nothing to mark.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn prepare_thread() {
    let block = first_block_address(64);
    let main = MAIN_HEAP.load(std::sync::atomic::Ordering::Relaxed);
    // SAFETY: `sbrk(0)` only reads the program break.
    let main_end = unsafe { libc::sbrk(0) } as usize;
    if (main..main_end).contains(&block) {
        return;
    }
    advise_huge_pages(block & !(THREAD_HEAP - 1), THREAD_HEAP);
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
fn page_size() -> usize {
    // SAFETY: `sysconf` only reads a system constant.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn c_int(bytes: usize) -> libc::c_int {
    libc::c_int::try_from(bytes).expect("the sizes above fit a C int")
}

/// Other systems and C libraries keep their allocator's defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn prepare() {}
