#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The "Deploy to OpenStack" window, driven through the real app with egui_kittest,
//! against the in-memory cloud of the deploy library: plan, deploy with progress, scale,
//! status, tear down, errors shown in the window, and the secret kept in the real OS
//! keyring (the Secret Service `scripts/test.sh` starts), never in the settings file;
//! *Cancel*, closing the window, *Status* beside a job, the pickers, names, and a
//! machine without a keyring.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{click, enter_text, run_until_idle, shown};
use egui::vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_backend::deploy::Timeouts;
use faafo_backend::deploy::fake::FakeCloud;
use faafo_backend::deploy::userdata::BINARIES;
use faafo_explorer::ExplorerApp;
use faafo_explorer::cloud::credentials::{KeyringError, OsKeyring, SecretStore, Target};
use faafo_explorer::cloud::jobs::{Connected, Connector, DeployConfig, JobContext, JobFuture, Outcome};
use faafo_explorer::cloud::run::Verb;
use faafo_explorer::model::persist::Store;

const TIMEOUT: Duration = Duration::from_secs(30);

/// The keyring account of the fake cloud's secret.
fn fake_account() -> String {
    Target { cloud: Some("fake-cloud".into()), ..Target::default() }.keyring_account()
}

/// Passes jobs to the fake cloud and records the secret each one was given.
struct Recording {
    inner: Connected<FakeCloud>,
    secrets: Mutex<Vec<Option<String>>>,
}

impl Connector for Recording {
    fn clouds(&self) -> Result<(String, Vec<String>), String> {
        self.inner.clouds()
    }

    fn run<'a>(&'a self, target: &'a Target, ctx: JobContext) -> JobFuture<'a> {
        self.secrets.lock().unwrap().push(target.secret.clone());
        self.inner.run(target, ctx)
    }
}

struct Fixture {
    dir: PathBuf,
    cloud: Arc<FakeCloud>,
    connector: Arc<Recording>,
    keyring: Arc<OsKeyring>,
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
        let cloud = Arc::new(FakeCloud::new());
        let connector =
            Arc::new(Recording { inner: Connected::new("fake-cloud", Arc::clone(&cloud)), secrets: Mutex::default() });
        // The real OS keyring, under a service name of this test's own.
        let keyring = Arc::new(OsKeyring::new(format!("faafo-explorer-test-{name}-{}", std::process::id())));
        Self { dir, cloud, connector, keyring }
    }

    fn harness(&self) -> Harness<'static, ExplorerApp> {
        let config = DeployConfig {
            connector: Arc::clone(&self.connector) as Arc<dyn Connector>,
            secrets: Arc::clone(&self.keyring) as Arc<dyn SecretStore>,
            state_dir: self.dir.join("state"),
            timeouts: Timeouts {
                active: Duration::from_secs(10),
                // Long enough that a test cancels the health wait before it times out.
                health: Duration::from_secs(120),
                delete: Duration::from_secs(10),
                poll: Duration::from_millis(10),
            },
            binaries_dir: self.dir.join("bin"),
            // The fake's servers boot no API.
            wait_for_health: false,
        };
        let settings = self.dir.join("explorer.toml");
        Harness::builder().with_size(vec2(1200.0, 1000.0)).with_step_dt(1.0 / 60.0).build_eframe(move |cc| {
            ExplorerApp::with_store(&cc.egui_ctx, Some(Store::at(settings))).with_deploy_config(config)
        })
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.keyring.delete(&fake_account()).ok();
        std::fs::remove_dir_all(&self.dir).ok();
    }
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

    // The range is said where the number is typed, and no workers is warned about.
    shown(&h, "0 to 100");
    enter_text(&mut h, "Workers", "0");
    shown(&h, "No workers: the controller takes tasks, but nothing renders them");
    // One worker: a controller and a worker.
    enter_text(&mut h, "Workers", "1");
    assert_eq!(h.state().deploy_panel().settings().workers, 1);
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "need 2 instances");
    enter_text(&mut h, "Workers", "2");
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
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
    run_until_idle(&mut h, TIMEOUT);
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

    // One click hands the deployment's API to the Cluster window (the fake's address
    // answers nothing; connecting is what is checked).
    click(&mut h, "Use this cluster");
    assert!(h.state().cluster_panel().is_open());
    assert_eq!(h.state().cluster_panel().endpoint_field().trim_end_matches('/'), url.trim_end_matches('/'));
    h.state_mut().apply(faafo_explorer::command::Command::ShowCluster(false));
    h.run_steps(2);

    click(&mut h, "Status");
    run_until_idle(&mut h, TIMEOUT);
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

    // Scale up by one, then down to one.
    enter_text(&mut h, "Workers", "3");
    click(&mut h, "Scale workers");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Scaled: 3 worker(s) now (1 added, 0 removed).");
    assert_eq!(f.cloud.state().servers.len(), 4);
    enter_text(&mut h, "Workers", "1");
    click(&mut h, "Scale workers");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Scaled: 1 worker(s) now (0 added, 2 removed).");
    let mut left: Vec<String> = f.cloud.state().servers.values().map(|(s, ..)| s.name.clone()).collect();
    left.sort();
    assert_eq!(left, ["faafo-controller", "faafo-worker-1"]);

    click(&mut h, "Tear down");
    shown(&h, "Delete every resource of deployment 'faafo'?");
    assert_eq!(f.cloud.state().servers.len(), 2, "tore down before confirming");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h, TIMEOUT);
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
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "no deployment named 'faafo'");

    // The quota pre-check: shown by Plan, enforced by Deploy.
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "quota check: NOT ENOUGH");
    shown(&h, "Not enough quota");
    click(&mut h, "Deploy");
    run_until_idle(&mut h, TIMEOUT);
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

#[test]
fn a_typed_secret_is_kept_in_the_os_keyring_and_never_in_the_settings_file() {
    const SECRET: &str = "s3cret-typed-in-the-window";
    let f = Fixture::new("keyring");
    let mut h = f.harness();
    open_panel(&mut h);
    assert_eq!(f.keyring.get(&fake_account()), Ok(None), "the keyring starts empty");

    // Typed, used for the job, then kept in the keyring and cleared from the field.
    enter_text(&mut h, "Password or secret", SECRET);
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "the secret is kept in the OS keyring");
    assert_eq!(f.connector.secrets.lock().unwrap().last(), Some(&Some(SECRET.to_owned())));
    assert_eq!(f.keyring.get(&fake_account()), Ok(Some(SECRET.to_owned())));
    shown(&h, "The secret is kept in the OS keyring.");

    // The settings file has the window's fields but not the secret.
    enter_text(&mut h, "Deployment name", "kept");
    h.state_mut().save_settings().unwrap();
    let saved = std::fs::read_to_string(f.dir.join("explorer.toml")).unwrap();
    assert!(saved.contains("[deploy]") && saved.contains("name = \"kept\""), "{saved}");
    assert!(!saved.contains(SECRET), "the secret leaked into the settings file");
    drop(h);

    // Next session: the field is empty and the job gets the kept secret.
    let mut h = f.harness();
    open_panel(&mut h);
    assert_eq!(h.state().deploy_panel().settings().name, "kept");
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "using the secret kept in the OS keyring");
    assert_eq!(f.connector.secrets.lock().unwrap().last(), Some(&Some(SECRET.to_owned())));

    // Forgotten on request; later jobs get none.
    click(&mut h, "Forget kept secret");
    shown(&h, "The OS keyring holds no secret for this cloud now.");
    assert_eq!(f.keyring.get(&fake_account()), Ok(None));
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    assert_eq!(f.connector.secrets.lock().unwrap().last(), Some(&None));

    // Not asked to keep it: used once, not kept.
    click(&mut h, "Keep in the OS keyring");
    assert!(!h.state().deploy_panel().settings().remember_secret);
    enter_text(&mut h, "Password or secret", SECRET);
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    assert_eq!(f.connector.secrets.lock().unwrap().last(), Some(&Some(SECRET.to_owned())));
    assert_eq!(f.keyring.get(&fake_account()), Ok(None));
}

/// A keyring that is not there: what `keyring` says on a machine without a Secret
/// Service.
struct NoKeyring;

impl SecretStore for NoKeyring {
    fn get(&self, _: &str) -> Result<Option<String>, KeyringError> {
        Err(KeyringError::Unavailable("No default store has been set".into()))
    }
    fn set(&self, _: &str, _: &str) -> Result<(), KeyringError> {
        Err(KeyringError::Unavailable("No default store has been set".into()))
    }
    fn delete(&self, _: &str) -> Result<(), KeyringError> {
        Err(KeyringError::Unavailable("No default store has been set".into()))
    }
}

/// Runs frames until the log has a line containing `text`.
fn until_logged(h: &mut Harness<'_, ExplorerApp>, text: &str) {
    let started = Instant::now();
    while !h.state().deploy_panel().log().iter().any(|l| l.contains(text)) {
        assert!(started.elapsed() < TIMEOUT, "'{text}' never logged: {:?}", h.state().deploy_panel().log());
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
}

#[test]
fn a_long_wait_shows_its_time_collapses_its_polls_lets_status_run_and_cancels_with_a_rollback() {
    let f = Fixture::new("cancel");
    // The API never answers: Deploy waits for its health check until cancelled.
    let mut h = f.harness();
    open_panel(&mut h);
    click(&mut h, "Wait until the API answers (else until the servers are ACTIVE)");
    click(&mut h, "Deploy");
    until_logged(&mut h, "waiting: http://");
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
    // Elapsed time and the step's limit are shown; the polls are one updating line.
    shown(&h, "elapsed; this step gives up after");
    let log = h.state().deploy_panel().log().to_vec();
    let waits: Vec<&String> = log.iter().filter(|l| l.starts_with("waiting: http://")).collect();
    assert_eq!(waits.len(), 1, "{log:#?}");
    assert!(waits[0].contains("(checked ") && waits[0].contains(" times)"), "{log:#?}");

    // Status works while the job runs, beside it.
    click(&mut h, "Status");
    let started = Instant::now();
    while h.state().deploy_panel().side_status().is_none() {
        assert!(started.elapsed() < TIMEOUT, "no status beside the job");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
    assert!(h.state().deploy_panel().is_busy(), "the deploy ended before its status was asked");
    let Some(Ok(Outcome::Status { servers, .. })) = h.state().deploy_panel().side_status() else {
        panic!("status failed: {:?}", h.state().deploy_panel().side_status());
    };
    assert_eq!(servers.len(), 3, "{servers:?}");
    shown(&h, "server faafo-controller");

    // Cancel: the job stops and what it created is deleted again. Deleted servers take
    // 100 polls (at least 1 s) to go, so the rollback is still running when the window
    // is looked at, however slowly the test's frames come on a loaded machine.
    f.cloud.state().delete_polls = 100;
    click(&mut h, "Cancel");
    shown(&h, "Cancelling: what this run created is deleted again");
    let started = Instant::now();
    while h.state().deploy_panel().is_busy() {
        assert!(started.elapsed() < TIMEOUT, "not cancelled: {:#?}", h.state().deploy_panel().log());
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
    shown(&h, "Deploying failed: cancelled while waiting for");
    shown(&h, "rolled back");
    let s = f.cloud.state();
    assert!(s.servers.is_empty() && s.groups.is_empty() && s.fips.is_empty(), "left after cancel: {s:?}");
    assert!(s.containers.is_empty() && s.keypairs.is_empty(), "left after cancel: {s:?}");
}

#[test]
fn closing_the_window_stops_the_job() {
    let f = Fixture::new("close");
    f.cloud.state().stuck = true;
    let mut h = f.harness();
    open_panel(&mut h);
    click(&mut h, "Deploy");
    until_logged(&mut h, "is BUILD");
    h.state_mut().apply(faafo_explorer::command::Command::ShowDeploy(false));
    run_until_idle(&mut h, TIMEOUT);
    let panel = h.state().deploy_panel();
    assert!(!panel.is_open());
    let Some((Verb::Up, Err(e))) = panel.result() else { panic!("the job went on: {panel:?}") };
    assert!(e.to_string().contains("cancelled while waiting for the servers to become ACTIVE"), "{e}");
    assert!(f.cloud.state().servers.is_empty(), "servers left after closing the window");
}

#[test]
fn pickers_filled_from_the_cloud_deploy_to_a_project_without_its_own_network() {
    let f = Fixture::new("pickers");
    f.cloud.state().no_own_network = true;
    let mut h = f.harness();
    open_panel(&mut h);
    // Without a pick the automatic network fails, in the window's words.
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "the project has no network of its own");
    assert!(h.query_all_by_label_contains("--network").next().is_none(), "a command-line word in the window");

    click(&mut h, "Load choices from the cloud");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "1 images, 2 flavors, 1 networks, 1 external");
    let picks = h.state().deploy_panel().settings().picks.get(&fake_account()).cloned().unwrap();
    assert_eq!(picks.network.as_deref(), Some("shared"), "the only usable network is picked");
    assert_eq!(picks.image, None, "the image stays automatic");
    assert_eq!(h.state().deploy_panel().offer().and_then(|o| o.image.as_deref()), Some("ubuntu-24.04"));
    // Another flavor, picked from the list.
    click(&mut h, "Flavor");
    click(&mut h, "m1.large");
    let picks = h.state().deploy_panel().settings().picks.get(&fake_account()).cloned().unwrap();
    assert_eq!(picks.flavor.as_deref(), Some("m1.large"));

    // Plan names the picks and the object-storage container; Deploy works there.
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "flavor m1.large");
    shown(&h, "network shared");
    shown(&h, "create  container");
    click(&mut h, "Deploy");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Deployed:");
    assert_eq!(f.cloud.state().servers.len(), 3);

    // Remembered for this cloud in the settings file.
    h.state_mut().save_settings().unwrap();
    drop(h);
    let mut h = f.harness();
    open_panel(&mut h);
    let picks = h.state().deploy_panel().settings().picks.get(&fake_account()).cloned().unwrap();
    assert_eq!((picks.network.as_deref(), picks.flavor.as_deref()), (Some("shared"), Some("m1.large")));
    click(&mut h, "Tear down");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h, TIMEOUT);
    assert!(f.cloud.state().servers.is_empty());
}

#[test]
fn names_are_checked_as_the_cli_does_and_long_values_are_cut_short() {
    let f = Fixture::new("names");
    let mut h = f.harness();
    open_panel(&mut h);
    enter_text(&mut h, "Deployment name", "-bad");
    click(&mut h, "Plan");
    shown(&h, "Planning failed: the deployment name must be 1 to 40 letters");
    shown(&h, "starting with a letter or digit; got '-bad'");
    let long = "x".repeat(300);
    enter_text(&mut h, "Deployment name", &long);
    click(&mut h, "Plan");
    shown(&h, "… (300 characters)");
    assert!(h.query_all_by_label_contains(&long).next().is_none(), "the whole 300-character name is echoed");
    assert!(f.cloud.take_log().is_empty(), "something was done with a bad name");
}

#[test]
fn without_a_keyring_the_window_says_so_once_and_stops_offering_it() {
    let f = Fixture::new("nokeyring");
    let config_dir = f.dir.clone();
    let connector = Arc::clone(&f.connector) as Arc<dyn Connector>;
    let mut h = Harness::builder().with_size(vec2(1200.0, 1000.0)).build_eframe(move |cc| {
        let config = DeployConfig {
            connector,
            secrets: Arc::new(NoKeyring),
            state_dir: config_dir.join("state"),
            timeouts: Timeouts::default(),
            binaries_dir: config_dir.join("bin"),
            wait_for_health: false,
        };
        ExplorerApp::with_store(&cc.egui_ctx, None).with_deploy_config(config)
    });
    open_panel(&mut h);
    assert!(h.state().deploy_panel().settings().remember_secret);
    enter_text(&mut h, "Password or secret", "typed");
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    let panel = h.state().deploy_panel();
    assert!(panel.keyring_missing());
    assert!(!panel.settings().remember_secret, "the box is still ticked");
    shown(&h, "There is no OS keyring on this computer");
    assert!(h.query_all_by_label_contains("No default store").next().is_none(), "the raw keyring text is shown");
    assert!(panel.log().iter().all(|l| !l.contains("keyring")), "{:?}", panel.log());
    // The typed secret stays for the session; the next job says nothing more of it.
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    assert_eq!(f.connector.secrets.lock().unwrap().last(), Some(&Some("typed".to_owned())));
    assert_eq!(h.query_all_by_label_contains("There is no OS keyring").count(), 1);
    // The box is off: clicking it does not tick it again.
    click(&mut h, "Keep in the OS keyring");
    assert!(!h.state().deploy_panel().settings().remember_secret);
}

/// The Autoscaling section: a range that cannot work is refused in the window's words; a
/// range at deploy time installs the autoscaler (its application credential and private
/// container on the fake cloud, both in the plan); *Show autoscaler* reads the policy and
/// the decisions the controller shared ("12:04:05 queue 180 → 4 workers (+2)"); the range
/// is changed and the autoscaler paused and resumed from the window; tearing down removes
/// the credential.
#[test]
fn autoscaling_range_at_deploy_time_then_policy_decisions_and_pause_in_the_window() {
    use faafo_backend::deploy::autoscale::{Decision, DecisionRecord, Policy};
    use faafo_backend::deploy::shared::{POLICY_OBJECT, STATE_OBJECT, SharedPolicy};
    use faafo_backend::deploy::state::State;

    let f = Fixture::new("autoscale");
    let mut h = f.harness();
    open_panel(&mut h);
    click(&mut h, "Autoscaling");
    click(&mut h, "Deploy with the autoscaler: workers follow the queue");
    enter_text(&mut h, "Autoscale from", "3");
    enter_text(&mut h, "to", "2");
    shown(&h, "From 3 to 2: the lower end is above the upper one.");
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "autoscaling: min 3 is more than max 2");
    enter_text(&mut h, "Autoscale from", "1");
    enter_text(&mut h, "to", "4");
    click(&mut h, "Plan");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "application credential");
    shown(&h, "private; the autoscaler's state and policy");
    click(&mut h, "Deploy");
    run_until_idle(&mut h, TIMEOUT);
    assert!(matches!(h.state().deploy_panel().result(), Some((Verb::Up, Ok(Outcome::Up { servers: 3, .. })))));
    assert_eq!(f.cloud.state().app_credentials.len(), 1);

    click(&mut h, "Show autoscaler");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Autoscaler running: 1 to 4 workers, 20 queued tasks per worker, cool-down 300 s; 2 worker(s) now.");
    shown(&h, "No decisions yet");

    // The controller's loop shares a decision (written here as it writes it).
    let object = |name: &str| {
        let s = f.cloud.state();
        let key = s.objects.keys().find(|(c, o)| c.ends_with("-autoscale") && o == name).cloned().unwrap();
        (key.clone(), s.objects[&key].clone())
    };
    let (key, bytes) = object(STATE_OBJECT);
    let mut state: State = serde_json::from_slice(&bytes).unwrap();
    let record =
        DecisionRecord { at: 12 * 3600 + 4 * 60 + 5, depth: 180, decision: Decision::Scale { from: 2, to: 4 } };
    state.autoscale.get_or_insert_with(Default::default).record(Policy::new(1, 4, 20, 300).unwrap(), record);
    f.cloud.state().objects.insert(key, serde_json::to_vec(&state).unwrap());
    click(&mut h, "Show autoscaler");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "12:04:05 queue 180 → 4 workers (+2)");

    // A new range, then pause and resume: each written to the shared policy.
    let policy = || serde_json::from_slice::<SharedPolicy>(&object(POLICY_OBJECT).1).unwrap();
    enter_text(&mut h, "Range from", "2");
    enter_text(&mut h, "up to", "6");
    click(&mut h, "Apply range");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Autoscaler running: 2 to 6 workers");
    assert_eq!((policy().policy.min, policy().policy.max, policy().paused), (2, 6, false));
    click(&mut h, "Pause");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Autoscaler paused: 2 to 6 workers");
    assert!(policy().paused);
    click(&mut h, "Resume");
    run_until_idle(&mut h, TIMEOUT);
    assert!(!policy().paused);

    click(&mut h, "Tear down");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h, TIMEOUT);
    shown(&h, "Torn down:");
    let s = f.cloud.state();
    assert!(s.app_credentials.is_empty() && s.containers.is_empty() && s.servers.is_empty(), "{s:?}");
}
