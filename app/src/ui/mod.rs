//! Widgets that read state and return [`crate::command::Command`]s: the [`side_panel`],
//! the [`status_bar`], the [`save_window`] and the [`canvas`] (input and painting).

pub mod canvas;
pub mod save_window;
pub mod side_panel;
pub mod status_bar;
