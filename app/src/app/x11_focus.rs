//! Keyboard focus under an X server without a window manager: the explorer's window sets
//! the X input focus to itself when the pointer enters the picture (or it is clicked)
//! and the window has no focus. winit's focus request goes through the window manager
//! (`_NET_ACTIVE_WINDOW`), so without one nothing would ever give the window the keys.
//! With a window manager running this does nothing: focus stays the manager's business.

use raw_window_handle::{HasWindowHandle as _, RawWindowHandle};
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, InputFocus};
use x11rb::rust_connection::RustConnection;

/// A connection of our own to the X server and the explorer's window on it.
pub(crate) struct X11Focus {
    conn: RustConnection,
    window: u32,
}

impl X11Focus {
    /// `Some` when the window is an X11 window and no window manager runs (none
    /// advertises itself on the root window through `_NET_SUPPORTING_WM_CHECK`).
    pub(crate) fn without_window_manager(frame: &eframe::Frame) -> Option<Self> {
        let window = match frame.window_handle().ok()?.as_raw() {
            RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok()?,
            RawWindowHandle::Xcb(h) => h.window.get(),
            _ => return None,
        };
        let (conn, screen) = RustConnection::connect(None).ok()?;
        let root = conn.setup().roots.get(screen)?.root;
        let check = conn.intern_atom(true, b"_NET_SUPPORTING_WM_CHECK").ok()?.reply().ok()?.atom;
        let managed = check != 0
            && conn.get_property(false, root, check, AtomEnum::WINDOW, 0, 1).ok()?.reply().ok()?.value_len > 0;
        (!managed).then_some(Self { conn, window })
    }

    /// Gives the window the keyboard focus (errors are ignored: focus is a nicety).
    pub(crate) fn focus(&self) {
        if self.conn.set_input_focus(InputFocus::PARENT, self.window, x11rb::CURRENT_TIME).is_ok() {
            let _ = self.conn.flush();
        }
    }
}

// By hand: the connection has no useful `Debug`.
impl std::fmt::Debug for X11Focus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X11Focus").field("window", &self.window).finish_non_exhaustive()
    }
}
