//! Named bookmarks: they persist with the settings (name, location, colours). Their
//! thumbnails are derived data, rendered again after start-up
//! ([`crate::render::thumbnails`]) rather than stored, which keeps the settings file
//! small, readable and editable by hand.

use faafo_engine::Colouring;
use serde::{Deserialize, Serialize};

use crate::model::location::Location;

/// A named location with its colours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    /// Shown in the list; unique among bookmarks.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// The colours it was saved with (a palette file's gradient is not kept).
    #[serde(default)]
    pub colouring: Colouring,
}

impl Bookmark {
    /// Key for its thumbnail: the same location and colours share one.
    pub fn thumbnail_key(&self) -> String {
        format!("{} {:?}", self.location.to_text(), self.colouring)
    }
}

/// A name not yet used in `existing`: `wanted` (trimmed, or "Bookmark" if empty), with
/// " (2)", " (3)"… appended as needed.
pub fn unique_name(existing: &[Bookmark], wanted: &str) -> String {
    let base = if wanted.trim().is_empty() { "Bookmark" } else { wanted.trim() };
    let taken = |n: &str| existing.iter().any(|b| b.name == n);
    if !taken(base) {
        return base.to_owned();
    }
    (2..).map(|i| format!("{base} ({i})")).find(|n| !taken(n)).unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn names_are_made_unique() {
        let b = |name: &str| Bookmark {
            name: name.to_owned(),
            location: Location::default(),
            colouring: Colouring::default(),
        };
        let existing = vec![b("Seahorse"), b("Seahorse (2)")];
        assert_eq!(unique_name(&existing, " Seahorse "), "Seahorse (3)");
        assert_eq!(unique_name(&existing, "Elephant"), "Elephant");
        assert_eq!(unique_name(&[], "  "), "Bookmark");
    }
}
