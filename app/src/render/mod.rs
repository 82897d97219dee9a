//! Pictures: the render [`worker`] threads and what the window draws from them — the
//! [`main_view`], the Julia [`inset`], bookmark [`thumbnails`] and the other
//! [`textures`], each picture a [`layer`].

pub mod inset;
pub mod layer;
pub mod main_view;
pub mod textures;
pub mod thumbnails;
pub mod worker;
