//! Vectors backed by transparent huge pages (2 MiB) on Linux.
//!
//! The approximation tables of long orbits are tens of megabytes read at random (each
//! skip lands somewhere else): with 4 KiB pages nearly every landing also misses the
//! TLB, which covers about 12 MB. Asking the kernel for huge pages before the memory is
//! first touched (`madvise(MADV_HUGEPAGE)`; most distributions enable them on request
//! only) makes the whole table fit the TLB's reach. Elsewhere, or if the kernel says no,
//! these are ordinary vectors: only speed depends on it.

/// Below this a table fits the TLB's reach anyway.
const MIN_BYTES: usize = 4 << 20;

/// A huge page's size on x86-64 and aarch64 (with 4 KiB base pages).
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// An empty vector with room for `len` values, huge pages requested for the room.
pub(crate) fn with_capacity<T>(len: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(len);
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    if bytes >= MIN_BYTES {
        advise(v.as_mut_ptr().cast::<u8>(), bytes);
    }
    v
}

/// `len` copies of `value` in huge pages where available.
pub(crate) fn filled<T: Clone>(len: usize, value: T) -> Vec<T> {
    let mut v = with_capacity(len);
    v.resize(len, value);
    v
}

#[cfg(target_os = "linux")]
fn advise(start: *mut u8, bytes: usize) {
    // The whole huge pages inside the allocation (madvise wants page-aligned ranges).
    let first = (start as usize).next_multiple_of(HUGE_PAGE);
    let end = (start as usize + bytes) / HUGE_PAGE * HUGE_PAGE;
    if end > first {
        // SAFETY: the range lies within this vector's own, untouched allocation, and
        // MADV_HUGEPAGE changes only how it is backed, never its contents or validity.
        // A failure (kernel without THP) leaves ordinary pages: ignored on purpose.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_start: *mut u8, _bytes: usize) {}
