//! Widgets that read state and return [`crate::command::Command`]s: the [`side_panel`],
//! the [`status_bar`], the [`save_window`], the [`message_log`] and the [`canvas`] (input
//! and painting); [`readout`] formats numbers for reading.

pub mod canvas;
pub mod colouring_modes;
pub mod message_log;
pub mod readout;
pub mod save_window;
pub mod side_panel;
pub mod status_bar;
