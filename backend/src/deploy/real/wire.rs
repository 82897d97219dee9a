//! The wire: OpenStack's HTTP errors sorted into [`CloudError`]s, and its JSON read into
//! the [`Cloud`](super::super::cloud::Cloud) trait's types.

use osauth::ServiceRequestBuilder;
use osauth::services::ServiceType;
use serde_json::Value;

use super::super::cloud::{
    CloudError, CloudResult, FloatingIp, Quota, Remote, Rule, SecurityGroup, Server, ServerStatus,
};

pub(super) fn from_os(e: osauth::Error) -> CloudError {
    use osauth::ErrorKind as K;
    match e.kind() {
        K::ResourceNotFound => CloudError::NotFound(e.to_string()),
        K::Conflict => CloudError::Conflict(e.to_string()),
        K::AuthenticationFailed | K::AccessDenied => CloudError::Denied(e.to_string()),
        K::InvalidInput => CloudError::Rejected(e.to_string()),
        _ => CloudError::Other(e.to_string()),
    }
}

/// The message of an OpenStack error body (`{"NeutronError": {"message"}}`,
/// `{"forbidden": {"message"}}`, …), and its type if any.
pub(super) fn error_message(text: &str) -> (String, String) {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let inner = v.as_object().and_then(|o| o.values().next()).cloned().unwrap_or(Value::Null);
    let message = inner
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| v.get("message").and_then(Value::as_str))
        .map_or_else(|| text.chars().take(300).collect(), str::to_owned);
    let kind = inner.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    (message, kind)
}

pub(super) async fn check(resp: reqwest::Response) -> CloudResult<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    let (message, kind) = error_message(&text);
    let quota = kind == "OverQuota" || message.contains("Quota exceeded") || message.contains("quota");
    Err(match status.as_u16() {
        404 => CloudError::NotFound(message),
        409 if quota => CloudError::Quota(message),
        409 => CloudError::Conflict(message),
        403 | 413 if quota => CloudError::Quota(message),
        401 | 403 => CloudError::Denied(message),
        400 => CloudError::Rejected(message),
        code => CloudError::Other(format!("HTTP {code}: {message}")),
    })
}

pub(super) async fn send<S: ServiceType + Send>(rb: ServiceRequestBuilder<S>) -> CloudResult<reqwest::Response> {
    check(rb.send_unchecked().await.map_err(from_os)?).await
}

pub(super) async fn json<S: ServiceType + Send>(rb: ServiceRequestBuilder<S>) -> CloudResult<Value> {
    send(rb).await?.json::<Value>().await.map_err(|e| CloudError::Other(format!("malformed answer: {e}")))
}

pub(super) fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

pub(super) fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect()
}

pub(super) fn group(v: &Value) -> SecurityGroup {
    let rules = v
        .get("security_group_rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| s(r, "direction") == "ingress" && s(r, "protocol") == "tcp")
        .filter_map(|r| {
            let (lo, hi) = (r.get("port_range_min")?.as_u64()?, r.get("port_range_max")?.as_u64()?);
            if lo != hi {
                return None;
            }
            let remote = match (
                r.get("remote_group_id").and_then(Value::as_str),
                r.get("remote_ip_prefix").and_then(Value::as_str),
            ) {
                (Some(g), _) => Remote::Group(g.to_owned()),
                (None, Some(c)) => Remote::Cidr(c.to_owned()),
                (None, None) => Remote::Cidr("0.0.0.0/0".to_owned()),
            };
            Some(Rule { port: u16::try_from(lo).ok()?, remote })
        })
        .collect();
    SecurityGroup { id: s(v, "id"), name: s(v, "name"), tags: strings(v, "tags"), rules }
}

pub(super) fn server(v: &Value) -> Server {
    let private_ip = v
        .get("addresses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_array)
        .flatten()
        .find(|a| a.get("OS-EXT-IPS:type").and_then(Value::as_str) != Some("floating"))
        .map(|a| s(a, "addr"));
    Server {
        id: s(v, "id"),
        name: s(v, "name"),
        status: ServerStatus::from(s(v, "status")),
        fault: v.get("fault").and_then(|f| f.get("message")).and_then(Value::as_str).map(str::to_owned),
        private_ip,
        tags: strings(v, "tags"),
    }
}

pub(super) fn fip(v: &Value) -> FloatingIp {
    FloatingIp {
        id: s(v, "id"),
        address: s(v, "floating_ip_address"),
        port_id: v.get("port_id").and_then(Value::as_str).map(str::to_owned),
        network_id: s(v, "floating_network_id"),
        tags: strings(v, "tags"),
    }
}

pub(super) fn quota(limit: Option<i64>, used: Option<i64>) -> Quota {
    Quota {
        limit: limit.and_then(|l| u64::try_from(l).ok()),
        used: used.and_then(|u| u64::try_from(u).ok()).unwrap_or(0),
    }
}
