//! Pictures: the render [`worker`] threads, and what is drawn from them — bookmark
//! [`thumbnails`].

pub mod thumbnails;
pub mod worker;
