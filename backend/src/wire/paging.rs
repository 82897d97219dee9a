//! Pagination of `GET /v1/fractal` (faafo-spec §3.3): `page`, `results_per_page`, the
//! envelope and the `Link` header.

use serde_json::{Value, json};

use super::WireError;

/// Objects per page when none (or nonsense) is asked for.
pub const DEFAULT_RESULTS_PER_PAGE: u64 = 10;
/// The most objects one page holds, whatever is asked for.
pub const MAX_RESULTS_PER_PAGE: u64 = 100;

/// The last page number asked for that can be answered: its offset still fits the
/// databases' signed 64-bit integers at [`MAX_RESULTS_PER_PAGE`] objects a page.
pub const MAX_PAGE: u64 = i64::MAX as u64 / MAX_RESULTS_PER_PAGE;

/// Which page of which size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number.
    pub page: u64,
    /// Objects per page, 1..=[`MAX_RESULTS_PER_PAGE`].
    pub results_per_page: u64,
}

impl Paging {
    /// From the query parameters. As in the original, a `results_per_page` that is not a
    /// positive integer means 10 (the durability tutorial's `-1` gets 10, not all rows)
    /// and above 100 means 100. A `page` that is not a positive integer was a 500 in the
    /// original; here it is a 400 that says so.
    pub fn parse(page: Option<&str>, results_per_page: Option<&str>) -> Result<Self, WireError> {
        let page = match page {
            None => 1,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(p) if (1..=MAX_PAGE).contains(&p) => p,
                _ => {
                    let shown: String = text.chars().take(40).flat_map(char::escape_default).collect();
                    return Err(WireError::invalid_field(
                        "page",
                        format!("must be an integer from 1 to {MAX_PAGE}, got '{shown}'"),
                    ));
                }
            },
        };
        let results_per_page = results_per_page
            .and_then(|t| t.trim().parse::<i64>().ok())
            .filter(|r| *r > 0)
            .map_or(DEFAULT_RESULTS_PER_PAGE, |r| (r as u64).min(MAX_RESULTS_PER_PAGE));
        Ok(Self { page, results_per_page })
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.results_per_page)
    }

    /// `ceil(num_results / results_per_page)`: 0 for an empty table, as in the original.
    pub fn total_pages(&self, num_results: u64) -> u64 {
        num_results.div_ceil(self.results_per_page)
    }

    /// The collection envelope.
    pub fn envelope(&self, num_results: u64, objects: Vec<Value>) -> Value {
        json!({
            "num_results": num_results,
            "objects": objects,
            "page": self.page,
            "total_pages": self.total_pages(num_results),
        })
    }

    /// The `Link` header: `next` while there is a next page, and always `last`.
    pub fn link_header(&self, base_url: &str, num_results: u64) -> String {
        let last = self.total_pages(num_results);
        let r = self.results_per_page;
        let last_link = format!("<{base_url}?page={last}&results_per_page={r}>; rel=\"last\"");
        if self.page < last {
            format!("<{base_url}?page={}&results_per_page={r}>; rel=\"next\", {last_link}", self.page + 1)
        } else {
            last_link
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_t6_paging() {
        let empty = Paging::parse(None, None).unwrap();
        assert_eq!(empty.envelope(0, vec![]), json!({"num_results": 0, "objects": [], "page": 1, "total_pages": 0}));
        let p2 = Paging::parse(Some("2"), None).unwrap();
        assert_eq!(p2.total_pages(23), 3);
        assert_eq!(p2.offset(), 10);
        assert_eq!(
            p2.link_header("http://h/v1/fractal", 23),
            "<http://h/v1/fractal?page=3&results_per_page=10>; rel=\"next\", <http://h/v1/fractal?page=3&results_per_page=10>; rel=\"last\""
        );
        let p3 = Paging::parse(Some("3"), None).unwrap();
        assert_eq!(p3.link_header("/v1/fractal", 23), "</v1/fractal?page=3&results_per_page=10>; rel=\"last\"");
    }

    #[test]
    fn results_per_page_rules() {
        let rpp = |t: &str| Paging::parse(None, Some(t)).unwrap().results_per_page;
        assert_eq!(rpp("-1"), 10);
        assert_eq!(rpp("0"), 10);
        assert_eq!(rpp("abc"), 10);
        assert_eq!(rpp("25"), 25);
        assert_eq!(rpp("500"), 100);
    }

    #[test]
    fn bad_page_is_a_400_naming_page() {
        for bad in ["x", "0", "-3", "1.5", "1000000000000000000", "9223372036854775808", "1\0"] {
            let e = Paging::parse(Some(bad), None).unwrap_err();
            assert_eq!(e.status, 400);
            assert_eq!(e.body["field"], "page", "{bad}");
        }
        assert_eq!(Paging::parse(Some("7"), None).unwrap().page, 7);
    }
}
