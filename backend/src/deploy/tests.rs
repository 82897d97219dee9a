#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The orchestration against the in-memory cloud: order, tags, idempotent re-runs,
//! scaling, teardown, rollback, quota errors, timeouts, 409 retries.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::cloud::{Cloud as _, FloatingIp, Health};
use super::fake::FakeCloud;
use super::*;

struct Fixture {
    dir: PathBuf,
    cloud: FakeCloud,
}

impl Fixture {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("faafo-deploy-{}", uuid::Uuid::new_v4().simple()));
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for b in userdata::BINARIES {
            std::fs::write(bin.join(b), format!("#!/bin/sh\necho {b}\n")).unwrap();
        }
        Self { dir, cloud: FakeCloud::new() }
    }

    fn opts(&self) -> Options {
        let mut o = Options::new(BinarySource::Upload(self.dir.join("bin")));
        o.wait = Wait::Active;
        o
    }

    fn deployer(&self) -> Deployer<'_, FakeCloud> {
        let t = Timeouts {
            active: Duration::from_secs(5),
            health: Duration::from_secs(5),
            delete: Duration::from_secs(5),
            poll: Duration::from_millis(1),
        };
        Deployer::new(&self.cloud, StateStore::new(self.dir.join("state"))).with_timeouts(t)
    }

    fn state(&self) -> Option<State> {
        StateStore::new(self.dir.join("state")).load("faafo").unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn position(log: &[String], prefix: &str) -> usize {
    log.iter().position(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix} not in {log:#?}"))
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn up_creates_in_order_tags_everything_and_reruns_as_a_no_op() {
    let f = Fixture::new();
    let d = f.deployer();
    let report = d.up(&f.opts(), "demo-cloud", None).await.unwrap();
    let log = f.cloud.take_log();
    // Binaries, keypair, groups, rules, controller, workers, floating IP — in that order.
    let order = [
        "create_container",
        "upload_object",
        "generate_keypair",
        "create_security_group faafo-control",
        "create_security_group faafo-worker",
        "add_rule faafo-control 5672",
        "create_server faafo-controller",
        "create_server faafo-worker-1",
        "create_server faafo-worker-2",
        "create_floating_ip",
        "attach floating_ip",
    ];
    let at: Vec<usize> = order.iter().map(|o| position(&log, o)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{log:#?}");
    let state = f.state().unwrap();
    assert_eq!(f.cloud.tagged(&state.tag()), (3, 2, 1));
    assert_eq!(report.servers, 3);
    let fip = state.floating_ip.clone().unwrap();
    assert!(fip.allocated);
    assert_eq!(report.url.as_deref(), Some(format!("http://{}/", fip.address).as_str()));
    assert_eq!(mode(&d.store().path("faafo")), 0o600);
    assert_eq!(mode(report.private_key.as_deref().unwrap()), 0o600);
    // The control group lets 5672 in from the worker group only.
    let control = f.cloud.get_security_group(&state.security_groups["control"]).await.unwrap().unwrap();
    assert!(
        control.rules.contains(&cloud::Rule {
            port: 5672,
            remote: cloud::Remote::Group(state.security_groups["worker"].clone())
        })
    );
    assert!(!control.rules.iter().any(|r| r.port == 5672 && matches!(r.remote, cloud::Remote::Cidr(_))));
    // Workers point at the controller's private address.
    let ctrl_ip = state.controller.clone().unwrap().private_ip.unwrap();
    let worker_ud = f.cloud.state().user_data[&state.workers[0].id].clone();
    let text =
        String::from_utf8(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, worker_ud).unwrap())
            .unwrap();
    assert!(text.contains(&format!("endpoint_url = http://{ctrl_ip}")), "{text}");

    // Again: nothing new.
    let again = d.up(&f.opts(), "demo-cloud", None).await.unwrap();
    assert_eq!((again.created, again.removed), (0, 0));
    let log = f.cloud.take_log();
    assert!(log.iter().all(|l| !l.starts_with("create") && !l.starts_with("delete")), "{log:#?}");
    assert_eq!(f.cloud.tagged(&state.tag()), (3, 2, 1));
    assert_eq!(f.state().unwrap(), state);

    // Another cloud name for the same deployment is refused.
    assert!(matches!(d.up(&f.opts(), "other", None).await, Err(DeployError::Usage(_))));
}

#[tokio::test]
async fn scale_adds_and_removes_exactly_and_down_leaves_nothing() {
    let f = Fixture::new();
    let d = f.deployer();
    let opts = f.opts();
    d.up(&opts, "c", None).await.unwrap();
    let tag = f.state().unwrap().tag();
    f.cloud.take_log();
    let r = d.scale(&opts, 3).await.unwrap();
    assert_eq!((r.created, r.removed), (1, 0));
    assert_eq!(
        f.cloud.take_log().iter().filter(|l| l.starts_with("create_server")).collect::<Vec<_>>(),
        ["create_server faafo-worker-3"]
    );
    assert_eq!(f.cloud.tagged(&tag).0, 4);
    let r = d.scale(&opts, 1).await.unwrap();
    assert_eq!((r.created, r.removed), (0, 2));
    let log = f.cloud.take_log();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("delete_server")).collect::<Vec<_>>(),
        ["delete_server faafo-worker-3", "delete_server faafo-worker-2"]
    );
    assert_eq!(f.state().unwrap().workers.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["faafo-worker-1"]);
    // Scaling up again reuses the free number 2.
    d.scale(&opts, 2).await.unwrap();
    assert!(f.cloud.take_log().contains(&"create_server faafo-worker-2".to_owned()));

    // Security groups answer 409 a few times while ports linger: down retries.
    f.cloud.state().extra_conflicts = 3;
    let key = f.state().unwrap().keypair.unwrap().private_key.unwrap();
    let down = d.down("faafo").await.unwrap();
    assert!(down.removed >= 7, "{down:?}");
    let log = f.cloud.take_log();
    assert!(position(&log, "delete_floating_ip") < position(&log, "delete_server"));
    assert!(position(&log, "delete_server faafo-controller") < position(&log, "delete_security_group"));
    assert!(position(&log, "delete_security_group") < position(&log, "delete_keypair"));
    assert_eq!(f.cloud.tagged(&tag), (0, 0, 0));
    {
        let s = f.cloud.state();
        assert!(s.keypairs.is_empty() && s.containers.is_empty() && s.fips.is_empty() && s.groups.is_empty());
    }
    assert!(f.state().is_none() && !key.exists());
    assert!(matches!(d.down("faafo").await, Err(DeployError::NoDeployment { .. })));
    assert!(matches!(d.scale(&opts, 2).await, Err(DeployError::NoDeployment { .. })));
}

#[tokio::test]
async fn scale_options_need_only_the_name_and_the_recorded_binaries() {
    let f = Fixture::new();
    let d = f.deployer();
    // Only an existing deployment has binaries to reuse.
    let mut fresh = f.opts();
    fresh.binaries = BinarySource::Recorded;
    assert!(matches!(d.up(&fresh, "c", None).await, Err(DeployError::Usage(_))));
    assert!(f.state().is_none());

    d.up(&f.opts(), "c", None).await.unwrap();
    let opts = ScaleOptions { wait: Wait::Active, ..ScaleOptions::new("faafo", 3) };
    let r = d.scale_to(&opts).await.unwrap();
    assert_eq!((r.created, r.removed, r.servers), (1, 0, 4));
    let r = d.scale_to(&ScaleOptions { workers: 2, ..opts }).await.unwrap();
    assert_eq!((r.created, r.removed, r.servers), (0, 1, 3));
}

#[tokio::test]
async fn a_failure_half_way_rolls_back_what_the_run_created() {
    let f = Fixture::new();
    f.cloud.state().fail_once.insert("create_server:faafo-worker-2".into(), CloudError::Other("HTTP 500: boom".into()));
    let e = f.deployer().up(&f.opts(), "c", None).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DeployError::RolledBack { ref left, .. } if left.is_empty()), "{text}");
    assert!(
        text.contains("creating faafo-worker-2") && text.contains("boom") && text.contains("rolled back"),
        "{text}"
    );
    {
        let s = f.cloud.state();
        assert!(
            s.servers.is_empty()
                && s.groups.is_empty()
                && s.keypairs.is_empty()
                && s.fips.is_empty()
                && s.containers.is_empty()
        );
    }
    assert!(f.state().is_none());
}

#[tokio::test]
async fn keep_on_failure_keeps_and_a_rerun_converges() {
    let f = Fixture::new();
    let mut opts = f.opts();
    opts.keep_on_failure = true;
    f.cloud.state().fail_once.insert("create_floating_ip".into(), CloudError::Other("no".into()));
    let e = f.deployer().up(&opts, "c", None).await.unwrap_err();
    assert!(matches!(e, DeployError::Cloud { .. }), "{e}");
    let tag = f.state().unwrap().tag();
    assert_eq!(f.cloud.tagged(&tag), (3, 2, 0));
    f.cloud.take_log();
    // The re-run creates only what is missing.
    let r = f.deployer().up(&opts, "c", None).await.unwrap();
    assert_eq!(r.created, 1);
    assert_eq!(f.cloud.tagged(&tag), (3, 2, 1));
    f.deployer().down("faafo").await.unwrap();
    assert_eq!(f.cloud.tagged(&tag), (0, 0, 0));
}

#[tokio::test]
async fn quota_too_low_is_a_clear_error_before_anything_is_created() {
    let f = Fixture::new();
    f.cloud.state().limit_instances = Some(2);
    let plan = f.deployer().plan(&f.opts()).await.unwrap();
    assert!(plan.to_string().contains("NOT ENOUGH"), "{plan}");
    let e = f.deployer().up(&f.opts(), "c", None).await.unwrap_err().to_string();
    assert!(
        e.contains("need 3 instances, 1 floating IP")
            && e.contains("2 instances free")
            && e.contains("nothing was created"),
        "{e}"
    );
    assert!(f.cloud.take_log().is_empty());
    let state = f.state();
    assert!(state.is_none(), "{state:?}");
    // A quota error from the cloud itself (a race) rolls back too.
    f.cloud.state().limit_instances = None;
    f.cloud
        .state()
        .fail_once
        .insert("create_server:faafo-worker-1".into(), CloudError::Quota("Quota exceeded for instances".into()));
    let e = f.deployer().up(&f.opts(), "c", None).await.unwrap_err().to_string();
    assert!(e.contains("quota exceeded") && e.contains("rolled back"), "{e}");
    assert!(f.cloud.state().servers.is_empty());
}

#[tokio::test]
async fn plan_lists_what_would_be_created() {
    let f = Fixture::new();
    let plan = f.deployer().plan(&f.opts()).await.unwrap();
    let text = plan.to_string();
    for line in [
        "create  server          faafo-controller (API + RabbitMQ + DB)",
        "faafo-worker-2",
        "faafo-control (22 from 0.0.0.0/0, 80 from 0.0.0.0/0, 5672 from group faafo-worker)",
        "create  floating IP     from public",
        "create  container       faafo-<id>-binaries (public-read; faafo, faafo-api, faafo-worker from",
        "need 3 instances, 1 floating IP, 2 security groups, 8 security group rules, 3 cores, 6144 MiB RAM",
        "quota check: OK",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(plan.changes());
    assert!(f.cloud.take_log().is_empty());
    assert!(f.state().is_none(), "plan writes nothing");
    assert!(text.starts_with("deployment faafo (id new)") && text.contains("faafo-<id> (generated"), "{text}");
}

#[tokio::test]
async fn a_server_in_error_fails_fast_with_novas_fault() {
    let f = Fixture::new();
    f.cloud.state().error_on =
        Some(("worker-1".into(), "No valid host was found. There are not enough hosts available.".into()));
    let e = f.deployer().up(&f.opts(), "c", None).await.unwrap_err().to_string();
    assert!(e.contains("faafo-worker-1 is in ERROR: No valid host was found"), "{e}");
    assert!(f.cloud.state().servers.is_empty());
}

#[tokio::test]
async fn phases_time_out() {
    let f = Fixture::new();
    f.cloud.state().stuck = true;
    let d = f.deployer().with_timeouts(Timeouts {
        active: Duration::from_millis(30),
        poll: Duration::from_millis(5),
        ..Timeouts::default()
    });
    let e = d.up(&f.opts(), "c", None).await.unwrap_err().to_string();
    assert!(e.contains("controller: gave up after 0 s waiting for faafo-controller to become ACTIVE"), "{e}");
    assert!(f.cloud.state().servers.is_empty());

    // Health: the API never answers.
    let f = Fixture::new();
    let mut opts = f.opts();
    opts.wait = Wait::Health;
    let d = f.deployer().with_timeouts(Timeouts {
        health: Duration::from_millis(30),
        poll: Duration::from_millis(5),
        ..Timeouts::default()
    });
    let e = d.up(&opts, "c", None).await.unwrap_err().to_string();
    assert!(e.contains("health: gave up") && e.contains("connection refused"), "{e}");
}

#[tokio::test]
async fn health_wait_reads_the_console_marker_and_the_api() {
    let f = Fixture::new();
    let mut opts = f.opts();
    opts.wait = Wait::Health;
    f.cloud.state().health = Some(Health { status: "ok".into(), queue_depth: Some(0), workers_seen: vec![] });
    let r = f.deployer().up(&opts, "c", None).await.unwrap();
    assert!(r.url.is_some());
    let st = f.deployer().status("faafo", true).await.unwrap();
    assert_eq!(st.servers.iter().filter(|s| s.status == "ACTIVE").count(), 3);
    assert!(st.to_string().contains("api: ok; queue depth 0"), "{st}");
    assert_eq!(st.tagged, (3, 2));
    f.deployer().down("faafo").await.unwrap();

    // The installer's FAILED line stops the wait and is reported.
    let f = Fixture::new();
    f.cloud.state().console = Some("boot\nfaafo-install: FAILED (exit 22, line 120: curl -fsSL …)\n".into());
    let e = f.deployer().up(&opts, "c", None).await.unwrap_err().to_string();
    assert!(e.contains("the installer failed on faafo-controller: faafo-install: FAILED (exit 22"), "{e}");
}

#[tokio::test]
async fn a_free_floating_ip_is_reused_and_kept_on_down() {
    let f = Fixture::new();
    let free = FloatingIp {
        id: "fip-free".into(),
        address: "203.0.113.200".into(),
        port_id: None,
        network_id: "net-public".into(),
        tags: vec![],
    };
    f.cloud.state().fips.insert(free.id.clone(), free);
    let r = f.deployer().up(&f.opts(), "c", None).await.unwrap();
    assert_eq!(r.url.as_deref(), Some("http://203.0.113.200/"));
    assert!(!f.cloud.take_log().iter().any(|l| l.starts_with("create_floating_ip")));
    f.deployer().down("faafo").await.unwrap();
    let s = f.cloud.state();
    let kept = &s.fips["fip-free"];
    assert!(kept.port_id.is_none() && kept.tags.is_empty());
}

#[tokio::test]
async fn all_in_one_and_existing_keypair() {
    let f = Fixture::new();
    f.cloud.import_keypair("demokey", "ssh-ed25519 AAAA me").await.unwrap();
    let mut opts = f.opts();
    opts.all_in_one = true;
    opts.key = KeyChoice::Existing("demokey".into());
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let d = f.deployer().with_events(Arc::new(move |e| sink.lock().unwrap().push(e)));
    d.up(&opts, "c", None).await.unwrap();
    let state = f.state().unwrap();
    assert_eq!(f.cloud.tagged(&state.tag()), (1, 1, 1));
    assert!(state.workers.is_empty());
    let g = f.cloud.get_security_group(&state.security_groups["control"]).await.unwrap().unwrap();
    assert_eq!(g.rules.iter().map(|r| r.port).collect::<Vec<_>>(), [22, 80]);
    let ud = f.cloud.state().user_data[&state.controller.clone().unwrap().id].clone();
    let text =
        String::from_utf8(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, ud).unwrap()).unwrap();
    assert!(text.contains(r#""-r","api","-r","worker""#), "{text}");
    assert!(events.lock().unwrap().contains(&DeployEvent::Phase("security groups".into())));
    assert!(matches!(d.scale(&opts, 2).await, Err(DeployError::Usage(_))));
    d.down("faafo").await.unwrap();
    // A keypair the deployment did not create stays.
    assert!(f.cloud.state().keypairs.contains_key("demokey"));
    // A missing one is a usage error before anything is created.
    opts.key = KeyChoice::Existing("nope".into());
    f.cloud.take_log();
    let e = d.up(&opts, "c", None).await.unwrap_err();
    assert!(e.to_string().contains("keypair 'nope' does not exist"), "{e}");
    assert!(f.state().is_none(), "a run that created nothing leaves no state file");
}

#[tokio::test]
async fn progress_goes_to_a_channel() {
    let f = Fixture::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let d = f.deployer().with_channel(tx);
    d.up(&f.opts(), "c", None).await.unwrap();
    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        seen.push(e.to_string());
    }
    assert!(seen.iter().any(|e| e.starts_with("created server faafo-controller")), "{seen:#?}");
    assert!(seen.iter().any(|e| e == "== floating IP"));
}

#[tokio::test]
async fn scale_refuses_more_than_the_cap_and_old_state_files_load() {
    let f = Fixture::new();
    let d = f.deployer();
    d.up(&f.opts(), "demo-cloud", None).await.unwrap();
    let too_many = d.scale_to(&ScaleOptions::new("faafo", scale::MAX_WORKERS + 1)).await;
    assert!(matches!(too_many, Err(DeployError::Usage(_))), "{too_many:?}");
    // A state file from before the autoscaler has no `autoscale` section, and gets none.
    let path = StateStore::new(f.dir.join("state")).path("faafo");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("autoscale"));
    assert!(f.state().unwrap().autoscale.is_none());
}

#[tokio::test]
async fn a_cancelled_wait_stops_and_rolls_back_what_the_run_created() {
    let f = Fixture::new();
    f.cloud.state().stuck = true;
    let cancel = Cancel::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let deployer = f.deployer().with_cancel(cancel.clone()).with_channel(tx);
    let opts = f.opts();
    let up = deployer.up(&opts, "c", None);
    let canceller = async {
        // Cancel once a server is being waited for (bounded: a missed event fails below).
        let first_wait = async {
            while let Some(e) = rx.recv().await {
                if matches!(e, DeployEvent::Waiting(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(10), first_wait).await;
        cancel.cancel();
    };
    let (result, ()) = tokio::join!(up, canceller);
    let e = result.unwrap_err();
    let DeployError::RolledBack { source, left, .. } = &e else { panic!("not rolled back: {e}") };
    assert!(matches!(**source, DeployError::Cancelled { .. }), "{e}");
    assert!(e.to_string().starts_with("cancelled while waiting for the servers to become ACTIVE"), "{e}");
    assert!(left.is_empty(), "{left:?}");
    let s = f.cloud.state();
    assert!(s.servers.is_empty() && s.groups.is_empty() && s.fips.is_empty() && s.containers.is_empty());
    assert!(s.keypairs.is_empty());
}

#[tokio::test]
async fn the_offer_lists_the_choices_with_ups_own_preselected() {
    let f = Fixture::new();
    let offer = f.deployer().offer().await.unwrap();
    assert_eq!(offer.image.as_deref(), Some("ubuntu-24.04"));
    assert_eq!(offer.flavor.as_deref(), Some("m1.small"));
    assert_eq!(offer.network.as_deref(), Some("private"));
    assert_eq!(offer.external_network.as_deref(), Some("public"));
    assert_eq!(offer.choices.flavors.len(), 2);
    // A project without a network of its own: no automatic network, and why.
    f.cloud.state().no_own_network = true;
    let offer = f.deployer().offer().await.unwrap();
    assert_eq!(offer.network, None);
    assert!(offer.network_note.as_deref().is_some_and(|n| n.contains("no network of its own")), "{offer:?}");
    assert_eq!(offer.choices.networks.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["shared"]);
    let e = f.deployer().plan(&f.opts()).await.unwrap_err().to_string();
    assert!(e.contains("no network of its own") && !e.contains("--network"), "{e}");
    let mut opts = f.opts();
    opts.network = Some("shared".into());
    assert!(f.deployer().plan(&opts).await.unwrap().to_string().contains("network shared"));
}
