//! SIGTERM, SIGINT and SIGHUP (a `kill`, Ctrl+C in the terminal, the desktop session
//! ending) close the window the way its close button does, so the settings — the last
//! view above all — are saved as on a normal close instead of being lost.
//!
//! The signals are blocked in every thread (the mask is set before any other thread
//! starts and threads inherit it) and taken by one thread of ours with `sigwait`, so no
//! code runs in a signal handler: that thread asks the window to close and wakes it. A
//! second signal, or a window that has not closed within [`GRACE`], ends the process at
//! once, so a stuck frame can never make the explorer unkillable.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long the window gets to close and save after the first signal.
pub const GRACE: Duration = Duration::from_secs(5);

/// Where the watcher finds the window once it exists.
#[derive(Debug, Clone, Default)]
pub struct ExitSignals {
    ctx: Arc<OnceLock<egui::Context>>,
}

impl ExitSignals {
    /// Blocks SIGTERM, SIGINT and SIGHUP in this thread and every thread started after,
    /// and starts the thread that takes them. Call first thing in `main`, before anything
    /// else starts a thread.
    pub fn install() -> std::io::Result<Self> {
        let this = Self::default();
        let set = blocked_set()?;
        let ctx = Arc::clone(&this.ctx);
        std::thread::Builder::new().name("faafo-exit-signals".to_owned()).spawn(move || watch(&set, &ctx))?;
        Ok(this)
    }

    /// The window to close on a signal (until then a signal ends the process at once:
    /// nothing has been loaded that could need saving).
    pub fn set_window(&self, ctx: &egui::Context) {
        let _ = self.ctx.set(ctx.clone());
    }
}

/// The signal set, blocked in the calling thread.
fn blocked_set() -> std::io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it before any other use,
    // and pthread_sigmask only reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        let r = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if r != 0 {
            return Err(std::io::Error::from_raw_os_error(r));
        }
        Ok(set)
    }
}

fn watch(set: &libc::sigset_t, ctx: &OnceLock<egui::Context>) {
    let mut first = true;
    loop {
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` was initialised by `blocked_set`; `signal` is a valid out pointer.
        if unsafe { libc::sigwait(set, &mut signal) } != 0 {
            continue;
        }
        let code = 128 + signal;
        match ctx.get() {
            Some(ctx) if first => {
                first = false;
                eprintln!("faafo-explorer: signal {signal}: closing the window (settings are saved)");
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                ctx.request_repaint();
                std::thread::spawn(move || {
                    std::thread::sleep(GRACE);
                    eprintln!("faafo-explorer: the window did not close within {GRACE:?}; exiting");
                    std::process::exit(code);
                });
            }
            _ => std::process::exit(code),
        }
    }
}
