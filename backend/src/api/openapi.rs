//! `GET /openapi.json`: the OpenAPI 3.1 description of every route, written by hand in
//! `assets/openapi.json` and compiled in.
//!
//! Hand-written because the wire format is the original's (Flask-Restless envelopes,
//! `{}` 404s, a typo kept on purpose) and says more in prose than derive macros could.
//! The tests keep it honest: every route the routers register must be documented with
//! its methods, every documented path must exist, and the `Fractal` schema must list
//! exactly the table's columns.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The document, as served.
pub const DOCUMENT: &str = include_str!("../../../assets/openapi.json");

/// The handler of `GET /openapi.json`.
pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use serde_json::Value;

    use super::*;
    use crate::wire::colouring::COLOURING_COLUMNS;
    use crate::wire::fractal::{COLUMNS, LOCATION_COLUMNS, TILE_COLUMNS};

    const METHODS: [&str; 7] = ["get", "post", "put", "delete", "patch", "head", "options"];

    fn doc() -> Value {
        serde_json::from_str(DOCUMENT).unwrap()
    }

    /// `(path, methods)` of every `.route("…", …)` in the crate's sources, paths in
    /// OpenAPI's syntax (axum's `{*rest}` is `{rest}`).
    fn registered_routes() -> Vec<(String, BTreeSet<String>)> {
        let mut sources = Vec::new();
        collect_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut sources);
        let mut routes = Vec::new();
        for (file, text) in sources {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(".route(") {
                rest = &rest[at + ".route(".len()..];
                let Some(literal) = rest.trim_start().strip_prefix('"') else { continue };
                let Some(end) = literal.find('"') else { continue };
                let path = &literal[..end];
                if !path.starts_with('/') {
                    continue;
                }
                let methods = methods_in(route_arguments(&literal[end + 1..]));
                assert!(!methods.is_empty(), "{file}: no method found for route {path}");
                routes.push((path.replace("{*", "{"), methods));
            }
        }
        routes
    }

    fn collect_sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("api/openapi.rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }

    /// The text up to the `)` that closes `.route(`.
    fn route_arguments(text: &str) -> &str {
        let mut depth = 1;
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[..i];
                    }
                }
                _ => {}
            }
        }
        text
    }

    /// The HTTP methods named in a method router such as `get(list).post(create)`.
    fn methods_in(arguments: &str) -> BTreeSet<String> {
        METHODS
            .iter()
            .filter(|m| {
                arguments.match_indices(&format!("{m}(")).any(|(i, _)| {
                    i == 0 || arguments[..i].ends_with(|c: char| c == '.' || c == ',' || c.is_whitespace())
                })
            })
            .map(|m| (*m).to_owned())
            .collect()
    }

    #[test]
    fn the_route_scanner_sees_the_router() {
        let routes = registered_routes();
        let find = |p: &str| routes.iter().find(|(path, _)| path == p).map(|(_, m)| m.clone());
        assert_eq!(find("/v1/fractal").unwrap(), BTreeSet::from(["get".to_owned(), "post".to_owned()]));
        assert_eq!(find("/v1/fractal/{uuid}").unwrap().len(), 3);
        assert!(find("/openapi.json").is_some());
        assert_eq!(methods_in(" get(show).put(update).delete(remove)").len(), 3);
        assert!(methods_in(" get(target_ok)").contains("get"));
        assert!(!methods_in(" get(forget_put(x))").contains("put"));
    }

    #[test]
    fn is_openapi_3_1() {
        let doc = doc();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."), "{}", doc["openapi"]);
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    }

    #[test]
    fn documents_every_route_with_its_methods_and_nothing_else() {
        let doc = doc();
        let paths = doc["paths"].as_object().unwrap();
        let routes = registered_routes();
        for (path, methods) in &routes {
            let item = paths.get(path).unwrap_or_else(|| panic!("route {path} is not in assets/openapi.json"));
            for m in methods {
                assert!(item.get(m).is_some(), "{} {path} is not in assets/openapi.json", m.to_uppercase());
            }
            // Documented methods the router lacks must say they are refused (PATCH).
            for m in METHODS.iter().filter(|m| !methods.contains(**m)) {
                if let Some(op) = item.get(*m) {
                    let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
                    assert_eq!(codes, ["405"], "{} {path} is documented but not routed", m.to_uppercase());
                }
            }
        }
        for path in paths.keys() {
            assert!(routes.iter().any(|(p, _)| p == path), "{path} is documented but no router registers it");
        }
    }

    #[test]
    fn fractal_schema_has_exactly_the_columns() {
        let doc = doc();
        let schema = &doc["components"]["schemas"]["Fractal"];
        let documented: BTreeSet<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let columns: BTreeSet<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(documented, columns);
        let required: BTreeSet<&str> =
            schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let optional =
            |c: &&str| TILE_COLUMNS.contains(c) || LOCATION_COLUMNS.contains(c) || COLOURING_COLUMNS.contains(c);
        let always: BTreeSet<&str> = columns.iter().copied().filter(|c| !optional(c)).collect();
        assert_eq!(required, always, "every key but the optional groups' is always sent (null when unset)");
        let update = &doc["components"]["schemas"]["FractalUpdate"]["properties"];
        for c in COLUMNS.iter().filter(|c| c.writable) {
            assert!(update.get(c.name).is_some(), "FractalUpdate lacks writable column {}", c.name);
        }
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, doc: &Value) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
                        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
                    }
                    map.values().for_each(|v| walk(v, doc));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, doc)),
                _ => {}
            }
        }
        let doc = doc();
        walk(&doc, &doc);
    }

    #[tokio::test]
    async fn served_as_json() {
        let response = document().await;
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        assert_eq!(body, DOCUMENT.as_bytes());
    }
}
