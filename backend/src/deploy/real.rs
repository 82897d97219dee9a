//! [`Cloud`] on a real OpenStack: the `openstack` crate where it covers the call
//! (keypairs, console output, Swift objects) and raw calls on its osauth session where it
//! has gaps: security groups and rules, Neutron and Nova tags (Nova microversion 2.52),
//! quotas, servers with security groups and tags, floating IPs, public containers.

use std::time::Duration;

use osauth::services::{COMPUTE, IMAGE, NETWORK, OBJECT_STORAGE, ServiceType};
use osauth::{ApiVersion, Session};
use serde_json::{Value, json};

use super::cloud::{
    AppCredential, Choices, Cloud, CloudError, CloudResult, Flavor, FloatingIp, Health, Named, Quotas, Remote, Rule,
    SecurityGroup, Server, ServerSpec, ServerStatus,
};
use super::credentials::{CredError, Credentials};

mod identity;
mod wire;

use wire::{fip, from_os, group, json, quota, s, send, server};

/// Nova microversion with tags on create and in listings.
const NOVA_TAGS: ApiVersion = ApiVersion(2, 52);

/// A connected OpenStack project.
#[derive(Clone)]
pub struct OpenStack {
    session: Session,
    cloud: openstack::Cloud,
    http: reqwest::Client,
    project_id: String,
    project_name: String,
    /// What [`identity`] needs to manage the user's application credentials.
    who: identity::Who,
}

impl std::fmt::Debug for OpenStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenStack").field("project_id", &self.project_id).finish_non_exhaustive()
    }
}

impl OpenStack {
    /// Authenticates with `creds` and finds the project.
    pub async fn connect(creds: &Credentials) -> Result<Self, CredError> {
        let session = creds.connect().await?;
        let fail = |message: String| CredError::Auth { auth_url: creds.auth_url.clone(), message };
        // The token says which project it is scoped to (an application credential's too).
        let client = session.client();
        let url = format!("{}/auth/tokens", creds.auth_url.trim_end_matches('/'));
        let rb = client
            .auth_type()
            .authenticate(client.inner(), client.inner().get(&url))
            .await
            .map_err(|e| fail(e.to_string()))?;
        let token = rb
            .try_clone()
            .and_then(|r| r.build().ok())
            .and_then(|r| r.headers().get("x-auth-token").cloned())
            .ok_or_else(|| fail("no token".into()))?;
        let resp = rb.header("X-Subject-Token", token).send().await.map_err(|e| fail(e.to_string()))?;
        let body: Value =
            resp.error_for_status().map_err(|e| fail(e.to_string()))?.json().await.map_err(|e| fail(e.to_string()))?;
        let project = &body["token"]["project"];
        let project_id = s(project, "id");
        if project_id.is_empty() {
            return Err(fail("the token has no project scope: name a project (project_name or project_id)".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| fail(format!("HTTP client: {e}")))?;
        Ok(Self {
            cloud: openstack::Cloud::from(session.clone()),
            session,
            http,
            project_id,
            project_name: s(project, "name"),
            who: identity::Who::from_token(&creds.auth_url, &body["token"]),
        })
    }

    /// The project's id.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The project's name.
    pub fn project_name(&self) -> &str {
        &self.project_name
    }

    /// The osauth session (the Swift image store shares it).
    pub fn session(&self) -> &Session {
        &self.session
    }

    async fn set_tags(&self, kind: &str, id: &str, tags: &[String]) -> CloudResult<()> {
        send(self.session.put(NETWORK, [kind, id, "tags"]).json(&json!({ "tags": tags }))).await.map(drop)
    }

    async fn find_by<S: ServiceType + Send + Copy>(
        &self,
        service: S,
        collection: &str,
        key: &str,
        name_or_id: &str,
        extra: &[(&str, &str)],
    ) -> CloudResult<Value> {
        match json(self.session.get(service, [collection, name_or_id])).await {
            Ok(v) => return Ok(v.get(key).cloned().unwrap_or(v)),
            Err(CloudError::NotFound(_) | CloudError::Rejected(_)) => {}
            Err(e) => return Err(e),
        }
        let mut query: Vec<(&str, &str)> = vec![("name", name_or_id)];
        query.extend_from_slice(extra);
        let list = json(self.session.get(service, [collection]).query(&query)).await?;
        let items: Vec<Value> = list
            .get(collection)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| s(v, "name") == name_or_id)
            .cloned()
            .collect();
        match items.len() {
            1 => Ok(items[0].clone()),
            0 => Err(CloudError::NotFound(format!("{key} '{name_or_id}'"))),
            n => Err(CloudError::Rejected(format!("{n} {collection} are named '{name_or_id}': give the id"))),
        }
    }
}

impl Cloud for OpenStack {
    async fn find_flavor(&self, name_or_id: &str) -> CloudResult<Flavor> {
        let v = match json(self.session.get(COMPUTE, ["flavors", name_or_id])).await {
            Ok(v) => v["flavor"].clone(),
            Err(CloudError::NotFound(_)) => {
                let list = json(self.session.get(COMPUTE, ["flavors", "detail"])).await?;
                list["flavors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|f| s(f, "name") == name_or_id)
                    .cloned()
                    .ok_or_else(|| CloudError::NotFound(format!("flavor '{name_or_id}'")))?
            }
            Err(e) => return Err(e),
        };
        Ok(Flavor {
            id: s(&v, "id"),
            name: s(&v, "name"),
            vcpus: v["vcpus"].as_u64().unwrap_or(1),
            ram_mb: v["ram"].as_u64().unwrap_or(0),
        })
    }

    async fn find_image(&self, name_or_id: &str) -> CloudResult<Named> {
        let v = match json(self.session.get(IMAGE, ["images", name_or_id])).await {
            Ok(v) => v,
            Err(CloudError::NotFound(_) | CloudError::Rejected(_)) => {
                let list = json(self.session.get(IMAGE, ["images"]).query(&[("name", name_or_id)])).await?;
                let items = list["images"].as_array().cloned().unwrap_or_default();
                match items.len() {
                    1 => items[0].clone(),
                    0 => return Err(CloudError::NotFound(format!("image '{name_or_id}'"))),
                    n => return Err(CloudError::Rejected(format!("{n} images are named '{name_or_id}': give the id"))),
                }
            }
            Err(e) => return Err(e),
        };
        Ok(Named { id: s(&v, "id"), name: s(&v, "name") })
    }

    async fn find_network(&self, name_or_id: Option<&str>) -> CloudResult<Named> {
        if let Some(n) = name_or_id {
            let v = self.find_by(NETWORK, "networks", "network", n, &[]).await?;
            return Ok(Named { id: s(&v, "id"), name: s(&v, "name") });
        }
        let list = json(self.session.get(NETWORK, ["networks"]).query(&[("router:external", "false")])).await?;
        let own: Vec<&Value> = list["networks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|n| s(n, "project_id") == self.project_id)
            .collect();
        match own.as_slice() {
            [one] => Ok(Named { id: s(one, "id"), name: s(one, "name") }),
            [] => Err(CloudError::NotFound("the project has no network of its own: name the network the servers should use (a shared one, or another project's the project may use)".into())),
            many => Err(CloudError::Rejected(format!(
                "the project has {} networks ({}): name the one the servers should use",
                many.len(),
                many.iter().map(|n| s(n, "name")).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    async fn find_external_network(&self, name_or_id: Option<&str>) -> CloudResult<Named> {
        if let Some(n) = name_or_id {
            let v = self.find_by(NETWORK, "networks", "network", n, &[("router:external", "true")]).await?;
            return Ok(Named { id: s(&v, "id"), name: s(&v, "name") });
        }
        let list = json(self.session.get(NETWORK, ["networks"]).query(&[("router:external", "true")])).await?;
        list["networks"]
            .as_array()
            .and_then(|a| a.first())
            .map(|n| Named { id: s(n, "id"), name: s(n, "name") })
            .ok_or_else(|| CloudError::NotFound("no external network for floating IPs".into()))
    }

    async fn choices(&self) -> CloudResult<Choices> {
        let named = |list: &Value, key: &str| -> Vec<Named> {
            let mut v: Vec<Named> = list[key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| Named { id: s(n, "id"), name: s(n, "name") })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        let images = json(self.session.get(IMAGE, ["images"]).query(&[("status", "active"), ("limit", "500")])).await?;
        let flavors = json(self.session.get(COMPUTE, ["flavors", "detail"])).await?;
        let mut flavors: Vec<Flavor> = flavors["flavors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| Flavor {
                id: s(v, "id"),
                name: s(v, "name"),
                vcpus: v["vcpus"].as_u64().unwrap_or(1),
                ram_mb: v["ram"].as_u64().unwrap_or(0),
            })
            .collect();
        flavors.sort_by_key(|f| (f.vcpus, f.ram_mb));
        let internal = json(self.session.get(NETWORK, ["networks"]).query(&[("router:external", "false")])).await?;
        let external = json(self.session.get(NETWORK, ["networks"]).query(&[("router:external", "true")])).await?;
        Ok(Choices {
            images: named(&images, "images"),
            flavors,
            networks: named(&internal, "networks"),
            external_networks: named(&external, "networks"),
        })
    }

    async fn quotas(&self) -> CloudResult<Quotas> {
        let limits = json(self.session.get(COMPUTE, ["limits"])).await?;
        let a = &limits["limits"]["absolute"];
        let n = |k: &str| a.get(k).and_then(Value::as_i64);
        let q = json(self.session.get(NETWORK, ["quotas", &self.project_id, "details"])).await?;
        let neutron = |k: &str| {
            let e = &q["quota"][k];
            quota(e.get("limit").and_then(Value::as_i64), e.get("used").and_then(Value::as_i64))
        };
        Ok(Quotas {
            instances: quota(n("maxTotalInstances"), n("totalInstancesUsed")),
            cores: quota(n("maxTotalCores"), n("totalCoresUsed")),
            ram_mb: quota(n("maxTotalRAMSize"), n("totalRAMUsed")),
            floating_ips: neutron("floatingip"),
            security_groups: neutron("security_group"),
            security_group_rules: neutron("security_group_rule"),
        })
    }

    async fn list_security_groups(&self, tag: &str) -> CloudResult<Vec<SecurityGroup>> {
        let v = json(self.session.get(NETWORK, ["security-groups"]).query(&[("tags", tag)])).await?;
        Ok(v["security_groups"].as_array().into_iter().flatten().map(group).collect())
    }

    async fn get_security_group(&self, id: &str) -> CloudResult<Option<SecurityGroup>> {
        match json(self.session.get(NETWORK, ["security-groups", id])).await {
            Ok(v) => Ok(Some(group(&v["security_group"]))),
            Err(CloudError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_security_group(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
    ) -> CloudResult<SecurityGroup> {
        let body = json!({ "security_group": { "name": name, "description": description } });
        let v = json(self.session.post(NETWORK, ["security-groups"]).json(&body)).await?;
        let mut g = group(&v["security_group"]);
        if let Err(e) = self.set_tags("security-groups", &g.id, tags).await {
            // Untagged, it could not be found again: take it back.
            let _ = send(self.session.delete(NETWORK, ["security-groups", &g.id])).await;
            return Err(e);
        }
        g.tags = tags.to_vec();
        Ok(g)
    }

    async fn add_rule(&self, group_id: &str, rule: &Rule) -> CloudResult<String> {
        let mut r = json!({
            "security_group_id": group_id, "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
            "port_range_min": rule.port, "port_range_max": rule.port,
        });
        match &rule.remote {
            Remote::Cidr(c) => r["remote_ip_prefix"] = json!(c),
            Remote::Group(g) => r["remote_group_id"] = json!(g),
        }
        let v = json(self.session.post(NETWORK, ["security-group-rules"]).json(&json!({ "security_group_rule": r })))
            .await?;
        Ok(s(&v["security_group_rule"], "id"))
    }

    async fn delete_security_group(&self, id: &str) -> CloudResult<()> {
        send(self.session.delete(NETWORK, ["security-groups", id])).await.map(drop)
    }

    async fn keypair_exists(&self, name: &str) -> CloudResult<bool> {
        match self.cloud.get_keypair(name).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == osauth::ErrorKind::ResourceNotFound => Ok(false),
            Err(e) => Err(from_os(e)),
        }
    }

    async fn import_keypair(&self, name: &str, public_key: &str) -> CloudResult<()> {
        self.cloud.new_keypair(name).with_public_key(public_key.trim()).create().await.map(drop).map_err(from_os)
    }

    async fn generate_keypair(&self, name: &str) -> CloudResult<String> {
        self.cloud.new_keypair(name).generate().await.map(|(_, private)| private).map_err(from_os)
    }

    async fn delete_keypair(&self, name: &str) -> CloudResult<()> {
        self.cloud.get_keypair(name).await.map_err(from_os)?.delete().await.map_err(from_os)
    }

    async fn create_server(&self, spec: &ServerSpec) -> CloudResult<Server> {
        let mut body = json!({
            "name": spec.name,
            "flavorRef": spec.flavor_id,
            "imageRef": spec.image_id,
            "networks": [{ "uuid": spec.network_id }],
            // Nova resolves names or ids; ids, because names are not unique.
            "security_groups": spec.security_groups.iter().map(|g| json!({ "name": g })).collect::<Vec<_>>(),
            "user_data": spec.user_data_b64,
            "tags": spec.tags,
            "metadata": spec.metadata,
        });
        if let Some(k) = &spec.key_name {
            body["key_name"] = json!(k);
        }
        let v = json(self.session.post(COMPUTE, ["servers"]).api_version(NOVA_TAGS).json(&json!({ "server": body })))
            .await?;
        let id = s(&v["server"], "id");
        Ok(Server {
            id,
            name: spec.name.clone(),
            status: ServerStatus::Build,
            fault: None,
            private_ip: None,
            tags: spec.tags.clone(),
        })
    }

    async fn get_server(&self, id: &str) -> CloudResult<Option<Server>> {
        match json(self.session.get(COMPUTE, ["servers", id]).api_version(NOVA_TAGS)).await {
            Ok(v) => Ok(Some(server(&v["server"])).filter(|s| s.status != ServerStatus::Deleted)),
            Err(CloudError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list_servers(&self, tag: &str) -> CloudResult<Vec<Server>> {
        let v = json(self.session.get(COMPUTE, ["servers", "detail"]).api_version(NOVA_TAGS).query(&[("tags", tag)]))
            .await?;
        Ok(v["servers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(server)
            .filter(|s| s.status != ServerStatus::Deleted)
            .collect())
    }

    async fn delete_server(&self, id: &str) -> CloudResult<()> {
        send(self.session.delete(COMPUTE, ["servers", id])).await.map(drop)
    }

    async fn console_log(&self, id: &str) -> CloudResult<String> {
        let server = self.cloud.get_server(id).await.map_err(from_os)?;
        server.get_console_output(Some(200)).await.map_err(from_os)
    }

    async fn server_port(&self, server_id: &str) -> CloudResult<Option<String>> {
        let v = json(self.session.get(NETWORK, ["ports"]).query(&[("device_id", server_id)])).await?;
        Ok(v["ports"].as_array().and_then(|a| a.first()).map(|p| s(p, "id")))
    }

    async fn list_floating_ips(&self, network_id: &str) -> CloudResult<Vec<FloatingIp>> {
        let query = [("floating_network_id", network_id), ("project_id", self.project_id.as_str())];
        let v = json(self.session.get(NETWORK, ["floatingips"]).query(&query)).await?;
        Ok(v["floatingips"].as_array().into_iter().flatten().map(fip).collect())
    }

    async fn create_floating_ip(&self, network_id: &str, tags: &[String]) -> CloudResult<FloatingIp> {
        let body = json!({ "floatingip": { "floating_network_id": network_id } });
        let v = json(self.session.post(NETWORK, ["floatingips"]).json(&body)).await?;
        let mut f = fip(&v["floatingip"]);
        if let Err(e) = self.set_tags("floatingips", &f.id, tags).await {
            let _ = send(self.session.delete(NETWORK, ["floatingips", &f.id])).await;
            return Err(e);
        }
        f.tags = tags.to_vec();
        Ok(f)
    }

    async fn set_floating_ip_port(&self, id: &str, port_id: Option<&str>) -> CloudResult<()> {
        let body = json!({ "floatingip": { "port_id": port_id } });
        send(self.session.put(NETWORK, ["floatingips", id]).json(&body)).await.map(drop)
    }

    async fn set_floating_ip_tags(&self, id: &str, tags: &[String]) -> CloudResult<()> {
        self.set_tags("floatingips", id, tags).await
    }

    async fn delete_floating_ip(&self, id: &str) -> CloudResult<()> {
        send(self.session.delete(NETWORK, ["floatingips", id])).await.map(drop)
    }

    async fn create_public_container(&self, name: &str) -> CloudResult<String> {
        send(self.session.put(OBJECT_STORAGE, [name]).header("X-Container-Read", ".r:*")).await?;
        let url = self.session.get_endpoint(OBJECT_STORAGE, [name]).await.map_err(from_os)?;
        Ok(url.to_string())
    }

    async fn upload_object(&self, container: &str, name: &str, bytes: Vec<u8>) -> CloudResult<()> {
        send(self.session.put(OBJECT_STORAGE, [container, name]).body(bytes)).await.map(drop)
    }

    async fn delete_container(&self, name: &str) -> CloudResult<()> {
        let list = match send(self.session.get(OBJECT_STORAGE, [name]).query(&[("format", "json")])).await {
            Ok(r) => r.json::<Value>().await.map_err(|e| CloudError::Other(e.to_string()))?,
            Err(CloudError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        for o in list.as_array().into_iter().flatten() {
            match send(self.session.delete(OBJECT_STORAGE, [name, &s(o, "name")])).await {
                Ok(_) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        match send(self.session.delete(OBJECT_STORAGE, [name])).await {
            Ok(_) | Err(CloudError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn create_private_container(&self, name: &str) -> CloudResult<()> {
        send(self.session.put(OBJECT_STORAGE, [name])).await.map(drop)
    }

    async fn download_object(&self, container: &str, name: &str) -> CloudResult<Option<Vec<u8>>> {
        match send(self.session.get(OBJECT_STORAGE, [container, name])).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| CloudError::Other(e.to_string()))?.to_vec())),
            Err(CloudError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_app_credential(&self, name: &str, description: &str) -> CloudResult<AppCredential> {
        identity::create(&self.session, &self.who, name, description).await
    }

    async fn delete_app_credential(&self, id: &str) -> CloudResult<()> {
        identity::delete(&self.session, &self.who, id).await
    }

    async fn probe(&self, url: &str) -> CloudResult<Health> {
        probe(&self.http, url).await
    }
}

/// Asks a faafo API for `/health`, the queue depth in `/metrics` and the workers that
/// reported the newest fractals.
pub async fn probe(http: &reqwest::Client, url: &str) -> CloudResult<Health> {
    let base = url.trim_end_matches('/');
    let get = |path: &str| http.get(format!("{base}{path}")).send();
    let other = |e: reqwest::Error| CloudError::Other(e.to_string());
    let health: Value = get("/health").await.map_err(other)?.json().await.map_err(other)?;
    let queue_depth = match get("/metrics").await {
        Ok(r) => r.text().await.ok().and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("faafo_queue_depth"))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|n| n.parse().ok())
        }),
        Err(_) => None,
    };
    let mut workers_seen: Vec<String> = match get("/v1/fractal?results_per_page=100").await {
        Ok(r) => r
            .json::<Value>()
            .await
            .ok()
            .map(|v| {
                v["objects"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o.get("generated_by").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    workers_seen.sort();
    workers_seen.dedup();
    Ok(Health { status: s(&health, "status"), queue_depth, workers_seen })
}
