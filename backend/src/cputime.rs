//! CPU time consumed by this process (all threads), the figure benchmarks report because
//! wall time on a shared 2-core machine says more about the neighbours than about us.

use std::time::Duration;

/// CPU time (user + system) of the whole process so far.
pub fn process_cpu_time() -> Duration {
    #[cfg(unix)]
    return clock(libc::CLOCK_PROCESS_CPUTIME_ID);
    #[cfg(not(unix))]
    return Duration::ZERO;
}

/// CPU time (user + system) of the calling thread so far: a one-thread measurement that
/// other threads' work cannot inflate.
pub fn thread_cpu_time() -> Duration {
    #[cfg(unix)]
    return clock(libc::CLOCK_THREAD_CPUTIME_ID);
    #[cfg(not(unix))]
    return Duration::ZERO;
}

/// The time of a POSIX CPU clock; zero if it cannot be read (it always can on the Unix
/// systems we build for).
#[cfg(unix)]
fn clock(id: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec and `id` one of libc's clock ids.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_advances_with_work() {
        let before = process_cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_time() > before);
    }
}
