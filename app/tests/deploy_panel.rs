#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The "Deploy to OpenStack" window, driven through the real app with egui_kittest,
//! against the in-memory cloud of the deploy library: plan, deploy with progress, status,
//! tear down, and errors shown in the window.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_backend::deploy::Timeouts;
use faafo_backend::deploy::fake::FakeCloud;
use faafo_backend::deploy::userdata::BINARIES;
use faafo_explorer::ExplorerApp;
use faafo_explorer::deploy_panel::{Connected, DeployConfig, Outcome, Verb};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Fixture {
    dir: PathBuf,
    cloud: Arc<FakeCloud>,
}

impl Fixture {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("faafo-explorer-deploy-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for b in BINARIES {
            std::fs::write(bin.join(b), format!("#!/bin/sh\necho {b}\n")).unwrap();
        }
        Self { dir, cloud: Arc::new(FakeCloud::new()) }
    }

    fn harness(&self) -> Harness<'static, ExplorerApp> {
        let config = DeployConfig {
            connector: Arc::new(Connected::new("fake-cloud", Arc::clone(&self.cloud))),
            state_dir: self.dir.join("state"),
            timeouts: Timeouts {
                active: Duration::from_secs(10),
                health: Duration::from_secs(10),
                delete: Duration::from_secs(10),
                poll: Duration::from_millis(10),
            },
            binaries_dir: self.dir.join("bin"),
            // The fake's servers boot no API.
            wait_for_health: false,
        };
        Harness::builder()
            .with_size(vec2(1200.0, 1000.0))
            .with_step_dt(1.0 / 60.0)
            .build_eframe(move |cc| ExplorerApp::with_store(&cc.egui_ctx, None).with_deploy_config(config))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// Runs frames until the deploy job is finished.
fn run_until_idle(h: &mut Harness<'_, ExplorerApp>) {
    let started = Instant::now();
    loop {
        h.step();
        if !h.state().deploy_panel().is_busy() {
            h.run_steps(2); // let the accessibility tree show the result
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "deploy job not done: {:?}", h.state().deploy_panel());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn click(h: &mut Harness<'_, ExplorerApp>, label: &str) {
    let node = h.get_by_label(label);
    if !h.ctx.content_rect().contains_rect(node.rect()) {
        node.scroll_to_me();
        h.run_steps(60);
    }
    h.get_by_label(label).click();
    h.run_steps(2);
}

/// Replaces the text of the field labelled `label` and presses Enter.
fn enter_text(h: &mut Harness<'_, ExplorerApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    let select_all =
        |pressed| Event::Key { key: Key::A, physical_key: None, pressed, repeat: false, modifiers: Modifiers::COMMAND };
    h.event(select_all(true));
    h.event(select_all(false));
    h.get_by_label(label).type_text(text);
    h.key_press(Key::Enter);
    h.run_steps(2);
}

/// Asserts that some text in the window contains `text` (a multi-line label shows as
/// the label and a run per line, so there may be several matches).
fn shown(h: &Harness<'_, ExplorerApp>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).next().is_some(),
        "'{text}' is not shown; {:?}",
        h.state().deploy_panel()
    );
}

fn open_panel(h: &mut Harness<'_, ExplorerApp>) {
    h.run_steps(2);
    click(h, "Deploy to OpenStack…");
    assert!(h.state().deploy_panel().is_open());
    assert_eq!(h.state().deploy_panel().cloud(), Some("fake-cloud"));
    h.get_by_label("Plan");
}

#[test]
fn plan_deploy_status_and_tear_down_against_the_fake_cloud() {
    let f = Fixture::new("full");
    // Slow enough booting that the progress can be seen while it runs.
    f.cloud.state().build_polls = 100;
    let mut h = f.harness();
    open_panel(&mut h);

    // One worker: a controller and a worker.
    enter_text(&mut h, "Workers", "1");
    assert_eq!(h.state().deploy_panel().workers, 1);
    click(&mut h, "Plan");
    run_until_idle(&mut h);
    shown(&h, "need 2 instances");
    enter_text(&mut h, "Workers", "2");
    click(&mut h, "Plan");
    run_until_idle(&mut h);
    // A controller and two workers, within quota.
    shown(&h, "need 3 instances");
    shown(&h, "quota check: OK");
    assert!(f.cloud.state().servers.is_empty(), "planning created something");

    click(&mut h, "Deploy");
    assert!(h.state().deploy_panel().is_busy());
    shown(&h, "Deploying…");
    // Progress arrives while the servers boot.
    let started = Instant::now();
    while h.state().deploy_panel().log().is_empty() {
        assert!(started.elapsed() < TIMEOUT, "no progress shown");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(h.state().deploy_panel().is_busy(), "finished before progress could be seen");
    h.step();
    shown(&h, "== ");
    run_until_idle(&mut h);
    let panel = h.state().deploy_panel();
    let Some((Verb::Up, Ok(Outcome::Up { url: Some(url), servers, .. }))) = panel.result() else {
        panic!("deploy did not finish: {panel:?}");
    };
    assert_eq!(*servers, 3);
    assert!(url.starts_with("http://"), "{url}");
    let url = url.clone();
    shown(&h, "Deployed:");
    h.get_by_label(&url);
    shown(&h, "created server faafo-controller");
    assert_eq!(f.cloud.state().servers.len(), 3);

    click(&mut h, "Status");
    run_until_idle(&mut h);
    // One status text naming every server, each ACTIVE.
    shown(&h, "server faafo-worker-2");
    shown(&h, "ACTIVE");
    let panel = h.state().deploy_panel();
    let Some((Verb::Status, Ok(Outcome::Status { servers, .. }))) = panel.result() else {
        panic!("no status: {panel:?}");
    };
    let names: Vec<&str> = servers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["faafo-controller", "faafo-worker-1", "faafo-worker-2"]);
    assert!(servers.iter().all(|(_, s)| s == "ACTIVE"), "{servers:?}");

    click(&mut h, "Tear down");
    shown(&h, "Delete every resource of deployment 'faafo'?");
    assert_eq!(f.cloud.state().servers.len(), 3, "tore down before confirming");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h);
    shown(&h, "Torn down:");
    let s = f.cloud.state();
    assert!(s.servers.is_empty(), "servers left: {:?}", s.servers.keys().collect::<Vec<_>>());
    assert!(s.groups.is_empty(), "security groups left");
    assert!(s.fips.is_empty(), "floating IPs left");
    assert!(s.keypairs.is_empty(), "keypairs left");
    assert!(s.containers.is_empty(), "containers left");
}

#[test]
fn failures_are_shown_in_the_window_and_create_nothing() {
    let f = Fixture::new("errors");
    f.cloud.state().limit_instances = Some(1);
    let mut h = f.harness();
    open_panel(&mut h);

    // A name that could not name files and servers is refused before anything starts.
    enter_text(&mut h, "Deployment name", "no spaces");
    click(&mut h, "Plan");
    assert!(!h.state().deploy_panel().is_busy());
    shown(&h, "Planning failed: the deployment name must be");
    enter_text(&mut h, "Deployment name", "faafo");

    // Status of a deployment that does not exist.
    click(&mut h, "Status");
    run_until_idle(&mut h);
    shown(&h, "no deployment named 'faafo'");

    // The quota pre-check: shown by Plan, enforced by Deploy.
    click(&mut h, "Plan");
    run_until_idle(&mut h);
    shown(&h, "quota check: NOT ENOUGH");
    shown(&h, "Not enough quota");
    click(&mut h, "Deploy");
    run_until_idle(&mut h);
    shown(&h, "Deploying failed: not enough quota");
    assert!(f.cloud.state().servers.is_empty());

    // A missing binaries directory is refused before anything starts.
    std::fs::remove_dir_all(f.dir.join("bin")).unwrap();
    click(&mut h, "Deploy");
    assert!(!h.state().deploy_panel().is_busy());
    h.run_steps(2);
    shown(&h, "lacks faafo, faafo-api, faafo-worker");
    assert!(f.cloud.state().servers.is_empty());
    assert!(f.cloud.take_log().iter().all(|l| !l.starts_with("create")), "something was created");
}
