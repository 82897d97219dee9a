//! Background jobs besides rendering, each on a thread of its own and polled from the
//! frame loop: [`save_image`], the native [`file_dialog`], and the CI [`screenshot`].

pub mod file_dialog;
pub mod save_image;
pub(crate) mod screenshot;
