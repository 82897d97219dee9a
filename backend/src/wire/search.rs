//! Flask-Restless 0.17's `q=` search (faafo-spec §3.3), parsed into a typed tree and
//! rendered as parameterised SQL for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Column names come only from the fixed [`COLUMNS`](super::fractal::COLUMNS) list and
//! every value is a bound parameter, so no request text reaches SQL.

use serde_json::Value;

use super::WireError;
use super::fractal::{Column, FieldValue, column, typed_value};

/// A comparison operator, under all the names Flask-Restless accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`, `eq`, `equals`, `equal_to`.
    Eq,
    /// `!=`, `ne`, `neq`, `not_equal_to`, `does_not_equal`.
    Ne,
    /// `>`, `gt`.
    Gt,
    /// `<`, `lt`.
    Lt,
    /// `>=`, `ge`, `gte`, `geq`.
    Ge,
    /// `<=`, `le`, `lte`, `leq`.
    Le,
    /// `like` (SQL pattern).
    Like,
    /// `ilike` (case-insensitive pattern).
    ILike,
    /// `in` (a list of values).
    In,
    /// `not_in`.
    NotIn,
    /// `is_null` (no value).
    IsNull,
    /// `is_not_null`.
    IsNotNull,
}

impl Op {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "==" | "eq" | "equals" | "equal_to" => Self::Eq,
            "!=" | "ne" | "neq" | "not_equal_to" | "does_not_equal" => Self::Ne,
            ">" | "gt" => Self::Gt,
            "<" | "lt" => Self::Lt,
            ">=" | "ge" | "gte" | "geq" => Self::Ge,
            "<=" | "le" | "lte" | "leq" => Self::Le,
            "like" => Self::Like,
            "ilike" => Self::ILike,
            "in" => Self::In,
            "not_in" => Self::NotIn,
            "is_null" => Self::IsNull,
            "is_not_null" => Self::IsNotNull,
            // `has` and `any` act on relations, and this model has none.
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Le => "<=",
            Self::Like | Self::ILike => "LIKE",
            Self::In => "IN",
            Self::NotIn => "NOT IN",
            Self::IsNull => "IS NULL",
            Self::IsNotNull => "IS NOT NULL",
        }
    }
}

/// What a column is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Nothing (`is_null`, `is_not_null`).
    None,
    /// One value.
    Value(FieldValue),
    /// A list (`in`, `not_in`).
    Values(Vec<FieldValue>),
    /// Another column (`{"field": …}`).
    Column(&'static Column),
}

/// One node of the filter tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `column op operand`.
    Compare {
        /// The column filtered on.
        column: &'static Column,
        /// The operator.
        op: Op,
        /// The right-hand side.
        operand: Operand,
    },
    /// All must hold.
    And(Vec<Filter>),
    /// Any must hold.
    Or(Vec<Filter>),
}

/// One `order_by` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The column.
    pub column: &'static Column,
    /// `desc` rather than `asc`.
    pub descending: bool,
}

/// A parsed `q=` search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Search {
    /// Filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// Ordering, before the implicit `uuid` tiebreak.
    pub order_by: Vec<Order>,
    /// `limit`, applied before pagination.
    pub limit: Option<u64>,
    /// `offset`, applied before pagination.
    pub offset: Option<u64>,
    /// Return one bare object instead of the envelope.
    pub single: bool,
}

fn construct() -> WireError {
    WireError::unable_to_construct_query()
}

fn known_column(value: Option<&Value>) -> Result<&'static Column, WireError> {
    value.and_then(Value::as_str).and_then(column).ok_or_else(construct)
}

fn non_null(column: &Column, value: &Value) -> Result<FieldValue, WireError> {
    match typed_value(column, value) {
        Ok(FieldValue::Null) | Err(_) => Err(construct()),
        Ok(v) => Ok(v),
    }
}

fn parse_filter(value: &Value) -> Result<Filter, WireError> {
    let object = value.as_object().ok_or_else(construct)?;
    for (key, make) in [("or", Filter::Or as fn(Vec<Filter>) -> Filter), ("and", Filter::And)] {
        if let Some(list) = object.get(key) {
            let items = list.as_array().ok_or_else(construct)?;
            return Ok(make(items.iter().map(parse_filter).collect::<Result<_, _>>()?));
        }
    }
    let column = known_column(object.get("name"))?;
    let op = object.get("op").and_then(Value::as_str).and_then(Op::parse).ok_or_else(construct)?;
    let operand = if let Some(other) = object.get("field") {
        Operand::Column(known_column(Some(other))?)
    } else {
        match (op, object.get("val")) {
            (Op::IsNull | Op::IsNotNull, _) => Operand::None,
            (Op::In | Op::NotIn, Some(Value::Array(items))) => {
                Operand::Values(items.iter().map(|v| non_null(column, v)).collect::<Result<_, _>>()?)
            }
            (Op::In | Op::NotIn, _) => return Err(construct()),
            (Op::Like | Op::ILike, Some(v @ Value::String(_))) => {
                Operand::Value(non_null(column, v).or_else(|_| {
                    // Patterns apply to any column's text form.
                    Ok::<_, WireError>(FieldValue::Text(v.as_str().unwrap_or_default().to_owned()))
                })?)
            }
            (Op::Like | Op::ILike, _) => return Err(construct()),
            // Comparing with null through `val` was an error in the original too.
            (_, Some(v)) => Operand::Value(non_null(column, v)?),
            (_, None) => return Err(construct()),
        }
    };
    Ok(Filter::Compare { column, op, operand })
}

/// Largest `limit` and `offset`: the databases' signed 64-bit integers.
pub const MAX_LIMIT_OR_OFFSET: u64 = i64::MAX as u64;

fn non_negative(name: &str, value: Option<&Value>) -> Result<Option<u64>, WireError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n <= MAX_LIMIT_OR_OFFSET => Ok(Some(n)),
            Some(_) => Err(WireError::invalid_field(name, format!("must be from 0 to {MAX_LIMIT_OR_OFFSET}, got {v}"))),
            // Beyond u64, or a float too large to be exact.
            None if v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0) => {
                Err(WireError::invalid_field(name, format!("must be from 0 to {MAX_LIMIT_OR_OFFSET}, got {v}")))
            }
            None => Err(construct()),
        },
    }
}

/// Whether any text in `value` holds a NUL character (no database column can store or
/// compare it; PostgreSQL refuses it outright).
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Parses the `q` parameter. Text that is not JSON gets `Unable to decode data`; JSON
/// that does not make a query (unknown column or operator, a null `val`, a wrong type)
/// gets `Unable to construct query` — the original's two 400 bodies.
pub fn parse(q: &str) -> Result<Search, WireError> {
    let value: Value = serde_json::from_str(q).map_err(|_| WireError::unable_to_decode())?;
    if has_nul(&value) {
        return Err(WireError::invalid_field("q", "must not contain a NUL character"));
    }
    let object = value.as_object().ok_or_else(construct)?;
    let filters = match object.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(parse_filter).collect::<Result<_, _>>()?,
        Some(_) => return Err(construct()),
    };
    let order_by = match object.get("order_by") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|o| {
                let column = known_column(o.get("field"))?;
                let descending = match o.get("direction").and_then(Value::as_str) {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(_) => return Err(construct()),
                };
                Ok(Order { column, descending })
            })
            .collect::<Result<_, WireError>>()?,
        Some(_) => return Err(construct()),
    };
    // `group_by` is checked but changes nothing: every row has a distinct primary key.
    if let Some(groups) = object.get("group_by").filter(|g| !g.is_null()) {
        for g in groups.as_array().ok_or_else(construct)? {
            known_column(g.get("field"))?;
        }
    }
    let single = match object.get("single") {
        None | Some(Value::Null) => false,
        Some(v) => v.as_bool().ok_or_else(construct)?,
    };
    Ok(Search {
        filters,
        order_by,
        limit: non_negative("limit", object.get("limit"))?,
        offset: non_negative("offset", object.get("offset"))?,
        single,
    })
}

/// The SQL flavour to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `?` placeholders, `LIKE` already case-insensitive for ASCII.
    Sqlite,
    /// PostgreSQL: `$n` placeholders, `ILIKE`.
    Postgres,
    /// MySQL/MariaDB: `?` placeholders, backquoted identifiers.
    MySql,
}

/// A rendered search: clauses to splice after `FROM fractal`, and their parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    /// `WHERE …`, or empty.
    pub where_clause: String,
    /// `ORDER BY …` (always ends with the uuid tiebreak, for stable pages).
    pub order_clause: String,
    /// Values for the placeholders, in order.
    pub params: Vec<FieldValue>,
}

struct Renderer {
    dialect: Dialect,
    params: Vec<FieldValue>,
    /// Placeholders already used before this clause (PostgreSQL numbering).
    first: usize,
}

impl Renderer {
    fn ident(&self, c: &Column) -> String {
        match self.dialect {
            Dialect::MySql => format!("`{}`", c.name),
            _ => format!("\"{}\"", c.name),
        }
    }

    fn bind(&mut self, v: FieldValue) -> String {
        self.params.push(v);
        match self.dialect {
            Dialect::Postgres => format!("${}", self.first + self.params.len()),
            _ => "?".to_owned(),
        }
    }

    fn filter(&mut self, f: &Filter) -> String {
        match f {
            Filter::And(items) | Filter::Or(items) if items.is_empty() => {
                if matches!(f, Filter::And(_)) {
                    "1=1".into()
                } else {
                    "1=0".into()
                }
            }
            Filter::And(items) => self.join(items, " AND "),
            Filter::Or(items) => self.join(items, " OR "),
            Filter::Compare { column, op, operand } => {
                let col = self.ident(column);
                match (op, operand) {
                    (Op::IsNull | Op::IsNotNull, _) => format!("{col} {}", op.sql()),
                    (_, Operand::Column(other)) => format!("{col} {} {}", op.sql(), self.ident(other)),
                    (Op::In | Op::NotIn, Operand::Values(vs)) if vs.is_empty() => {
                        if *op == Op::In {
                            "1=0".into()
                        } else {
                            "1=1".into()
                        }
                    }
                    (_, Operand::Values(vs)) => {
                        let marks: Vec<_> = vs.iter().map(|v| self.bind(v.clone())).collect();
                        format!("{col} {} ({})", op.sql(), marks.join(", "))
                    }
                    (Op::ILike, Operand::Value(v)) => {
                        let mark = self.bind(v.clone());
                        match self.dialect {
                            Dialect::Postgres => format!("CAST({col} AS TEXT) ILIKE {mark}"),
                            Dialect::MySql => format!("LOWER({col}) LIKE LOWER({mark})"),
                            Dialect::Sqlite => format!("{col} LIKE {mark}"),
                        }
                    }
                    (Op::Like, Operand::Value(v)) if self.dialect == Dialect::Postgres => {
                        let mark = self.bind(v.clone());
                        format!("CAST({col} AS TEXT) LIKE {mark}")
                    }
                    (_, Operand::Value(v)) => {
                        let mark = self.bind(v.clone());
                        format!("{col} {} {mark}", op.sql())
                    }
                    (_, Operand::None) => "1=0".into(),
                }
            }
        }
    }

    fn join(&mut self, items: &[Filter], sep: &str) -> String {
        let parts: Vec<_> = items.iter().map(|f| format!("({})", self.filter(f))).collect();
        parts.join(sep)
    }
}

impl Search {
    /// Renders the filters and ordering. `first_placeholder` is the number of `$n`
    /// placeholders already used in the statement (PostgreSQL only).
    pub fn to_sql(&self, dialect: Dialect, first_placeholder: usize) -> Sql {
        let mut r = Renderer { dialect, params: Vec::new(), first: first_placeholder };
        let where_clause =
            if self.filters.is_empty() { String::new() } else { format!("WHERE {}", r.join(&self.filters, " AND ")) };
        let mut order: Vec<String> = self
            .order_by
            .iter()
            .map(|o| format!("{} {}", r.ident(o.column), if o.descending { "DESC" } else { "ASC" }))
            .collect();
        if let Some(uuid) = column("uuid").filter(|u| !self.order_by.iter().any(|o| o.column == *u)) {
            order.push(format!("{} ASC", r.ident(uuid)));
        }
        Sql { where_clause, order_clause: format!("ORDER BY {}", order.join(", ")), params: r.params }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_nesting_render_for_each_dialect() {
        let q = r#"{"filters": [{"name": "width", "op": ">=", "val": 300},
            {"or": [{"name": "checksum", "op": "is_null"}, {"name": "generated_by", "op": "ilike", "val": "app-%"}]},
            {"name": "xa", "op": "lt", "field": "xb"},
            {"name": "uuid", "op": "in", "val": ["a", "b"]}],
            "order_by": [{"field": "size", "direction": "desc"}], "limit": 5, "offset": 2}"#;
        let s = parse(q).unwrap();
        assert_eq!((s.limit, s.offset, s.single), (Some(5), Some(2), false));
        let pg = s.to_sql(Dialect::Postgres, 0);
        assert_eq!(
            pg.where_clause,
            "WHERE (\"width\" >= $1) AND ((\"checksum\" IS NULL) OR (CAST(\"generated_by\" AS TEXT) ILIKE $2)) AND (\"xa\" < \"xb\") AND (\"uuid\" IN ($3, $4))"
        );
        assert_eq!(pg.order_clause, "ORDER BY \"size\" DESC, \"uuid\" ASC");
        assert_eq!(
            pg.params,
            [
                FieldValue::Integer(300),
                FieldValue::Text("app-%".into()),
                FieldValue::Text("a".into()),
                FieldValue::Text("b".into())
            ]
        );
        let my = s.to_sql(Dialect::MySql, 0);
        assert!(my.where_clause.contains("LOWER(`generated_by`) LIKE LOWER(?)"), "{}", my.where_clause);
        assert!(s.to_sql(Dialect::Sqlite, 0).where_clause.contains("\"generated_by\" LIKE ?"));
    }

    #[test]
    fn every_operator_name_is_known() {
        for name in [
            "==",
            "eq",
            "equals",
            "equal_to",
            "!=",
            "ne",
            "neq",
            "not_equal_to",
            "does_not_equal",
            ">",
            "gt",
            "<",
            "lt",
            ">=",
            "ge",
            "gte",
            "geq",
            "<=",
            "le",
            "lte",
            "leq",
        ] {
            let q = format!(r#"{{"filters": [{{"name": "size", "op": "{name}", "val": 1}}]}}"#);
            assert!(parse(&q).is_ok(), "{name}");
        }
        for name in ["like", "ilike"] {
            assert!(parse(&format!(r#"{{"filters": [{{"name": "uuid", "op": "{name}", "val": "a%"}}]}}"#)).is_ok());
        }
    }

    #[test]
    fn the_originals_error_bodies() {
        assert_eq!(parse("not json").unwrap_err(), WireError::unable_to_decode());
        for q in [
            r#"{"filters": [{"name": "nope", "op": "==", "val": 1}]}"#,
            r#"{"filters": [{"name": "size", "op": "~", "val": 1}]}"#,
            r#"{"filters": [{"name": "size", "op": "==", "val": null}]}"#,
            r#"{"filters": [{"name": "size", "op": "has", "val": 1}]}"#,
            r#"{"filters": [{"name": "size", "op": "==", "val": "big"}]}"#,
            r#"{"order_by": [{"field": "nope"}]}"#,
            r#"{"limit": -1}"#,
            r#"[1]"#,
        ] {
            assert_eq!(parse(q).unwrap_err(), WireError::unable_to_construct_query(), "{q}");
        }
    }

    #[test]
    fn default_order_is_uuid_ascending_and_single_is_read() {
        let s = parse(r#"{"single": true}"#).unwrap();
        assert!(s.single);
        let sql = s.to_sql(Dialect::Sqlite, 0);
        assert_eq!(sql.where_clause, "");
        assert_eq!(sql.order_clause, "ORDER BY \"uuid\" ASC");
        assert_eq!(
            parse(r#"{"filters": [{"name": "uuid", "op": "in", "val": []}]}"#)
                .unwrap()
                .to_sql(Dialect::Sqlite, 0)
                .where_clause,
            "WHERE (1=0)"
        );
    }

    #[test]
    fn postgres_numbering_continues_after_earlier_placeholders() {
        let s = parse(r#"{"filters": [{"name": "size", "op": "==", "val": 1}]}"#).unwrap();
        assert_eq!(s.to_sql(Dialect::Postgres, 2).where_clause, "WHERE (\"size\" = $3)");
    }
}
