#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The "Deploy to OpenStack" window against a real (small) OpenStack: the stack
//! `../shared/openstack/up.sh` starts on 127.0.0.1, project `demo`. Driven through the
//! real app with egui_kittest, the way a person would: the credential form filled in by
//! hand, the password typed once and then taken from the real OS keyring, plan, deploy,
//! status, scale and tear down, each checked independently with python-openstackclient.
//! The stack's servers go ACTIVE but never boot, so the window waits for ACTIVE only.
//!
//! Run by `scripts/openstack-e2e.sh` (which `.ci/run` calls) with `--ignored`; it needs
//! `OS_CLIENT_CONFIG_FILE` (the stack's clouds.yaml), `FAAFO_BIN` (a `faafo` binary beside
//! `faafo-api` and `faafo-worker`, uploaded for the servers and used to clean up after a
//! failure) and a Secret Service on the session D-Bus.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::{click, enter_text, run_until_idle, shown};
use egui::{Event, Key, Modifiers, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use faafo_backend::deploy::Timeouts;
use faafo_explorer::ExplorerApp;
use faafo_explorer::cloud::credentials::{CredentialForm, OsKeyring, SecretStore, Target};
use faafo_explorer::cloud::jobs::{DeployConfig, OpenStackConnector, Outcome};
use faafo_explorer::cloud::run::Verb;
use serde_json::Value;

/// Jobs on a real cloud: creating servers and waiting for them takes a while.
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

fn clouds_yaml() -> PathBuf {
    std::env::var_os("OS_CLIENT_CONFIG_FILE")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .expect("OS_CLIENT_CONFIG_FILE must name the local stack's clouds.yaml: run scripts/openstack-e2e.sh")
}

fn faafo_bin() -> PathBuf {
    std::env::var_os("FAAFO_BIN")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .expect("FAAFO_BIN must name a faafo binary beside faafo-api and faafo-worker: run scripts/openstack-e2e.sh")
}

/// python-openstackclient (the stack's own), JSON out.
fn os(args: &[&str]) -> Value {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let venv = home.join(".cache/faafo-openstack/os/bin/openstack");
    let cli = std::env::var_os("OPENSTACK_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| if venv.exists() { venv } else { PathBuf::from("openstack") });
    let out = Command::new(cli)
        .args(["--os-cloud", "fs-demo"])
        .args(args)
        .args(["-f", "json"])
        .env("OS_CLIENT_CONFIG_FILE", clouds_yaml())
        .output()
        .unwrap();
    assert!(out.status.success(), "openstack {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Names of the demo project's servers and security groups that start with `prefix`.
fn resources(prefix: &str) -> (Vec<String>, Vec<String>) {
    let names = |list: Value, key: &str| {
        let mut v: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x[key].as_str())
            .filter(|n| n.starts_with(prefix))
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    };
    (names(os(&["server", "list"]), "Name"), names(os(&["security", "group", "list"]), "Name"))
}

/// The `fs-demo` cloud's login, as a person would copy it from their openrc.
struct Login {
    auth_url: String,
    username: String,
    password: String,
    project: String,
}

fn demo_login() -> Login {
    let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(clouds_yaml()).unwrap()).unwrap();
    let auth = &yaml["clouds"]["fs-demo"]["auth"];
    let field = |k: &str| auth[k].as_str().unwrap_or_else(|| panic!("fs-demo has no auth.{k}")).to_owned();
    Login {
        auth_url: field("auth_url"),
        username: field("username"),
        password: field("password"),
        project: field("project_name"),
    }
}

/// The test's files, its keyring entries, and whatever it deployed are removed on drop,
/// also after a failure.
struct Fixture {
    dir: PathBuf,
    name: String,
    keyring: Arc<OsKeyring>,
    /// The cloud a left-over deployment is torn down on.
    cloud: &'static str,
}

impl Fixture {
    fn new() -> Self {
        let nanos = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap_or_default().subsec_nanos();
        let name = format!("gui-{:06x}", (nanos ^ std::process::id()) & 0xff_ffff);
        let dir = std::env::temp_dir().join(format!("faafo-explorer-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let keyring = Arc::new(OsKeyring::new(format!("faafo-explorer-test-{name}")));
        Self { dir, name, keyring, cloud: "fs-demo" }
    }

    fn harness(&self) -> Harness<'static, ExplorerApp> {
        let config = DeployConfig {
            connector: Arc::new(OpenStackConnector),
            secrets: Arc::clone(&self.keyring) as Arc<dyn SecretStore>,
            state_dir: self.dir.join("state"),
            timeouts: Timeouts {
                active: Duration::from_secs(180),
                delete: Duration::from_secs(180),
                poll: Duration::from_millis(500),
                ..Timeouts::default()
            },
            binaries_dir: faafo_bin().parent().unwrap().to_path_buf(),
            // The stack's servers never boot.
            wait_for_health: false,
        };
        Harness::builder()
            .with_size(vec2(1200.0, 1400.0))
            .with_step_dt(1.0 / 60.0)
            .build_eframe(move |cc| ExplorerApp::with_store(&cc.egui_ctx, None).with_deploy_config(config))
    }

    fn state_file(&self) -> PathBuf {
        self.dir.join("state").join(format!("{}.json", self.name))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if self.state_file().exists() {
            // Left over by a failure: tear it down with the CLI.
            let status = Command::new(faafo_bin())
                .args(["deploy", "--os-cloud", self.cloud, "--name", &self.name, "down"])
                .env("OS_CLIENT_CONFIG_FILE", clouds_yaml())
                .env("FAAFO_DEPLOY_STATE_DIR", self.dir.join("state"))
                .status();
            eprintln!("cleanup: faafo deploy down → {status:?}");
        }
        self.keyring.delete(&form_account(&demo_login())).ok();
        for cloud in ["fs-demo", "fs-admin"] {
            self.keyring.delete(&cloud_account(cloud)).ok();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The keyring account the form filled with `login` keeps its password under.
fn form_account(login: &Login) -> String {
    let form = CredentialForm {
        auth_url: login.auth_url.clone(),
        username: login.username.clone(),
        project: login.project.clone(),
        ..CredentialForm::default()
    };
    Target { form: Some(form.env_pairs().unwrap()), ..Target::default() }.keyring_account()
}

/// The keyring account of a clouds.yaml cloud's secret.
fn cloud_account(cloud: &str) -> String {
    Target { cloud: Some(cloud.to_owned()), ..Target::default() }.keyring_account()
}

/// Empties the field labelled `label`.
fn clear(h: &mut Harness<'_, ExplorerApp>, label: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    let select_all =
        |pressed| Event::Key { key: Key::A, physical_key: None, pressed, repeat: false, modifiers: Modifiers::COMMAND };
    h.event(select_all(true));
    h.event(select_all(false));
    h.key_press(Key::Backspace);
    h.run_steps(2);
}

fn is_file(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file()
}

#[test]
#[ignore = "needs the local OpenStack and a Secret Service: run scripts/openstack-e2e.sh"]
fn the_deploy_window_plans_deploys_scales_and_tears_down_on_a_real_openstack() {
    let f = Fixture::new();
    let bin_dir = faafo_bin().parent().unwrap().to_path_buf();
    for b in ["faafo", "faafo-api", "faafo-worker"] {
        assert!(is_file(&bin_dir, b), "{} is missing", bin_dir.join(b).display());
    }
    let login = demo_login();
    let mut h = f.harness();
    h.run_steps(2);
    click(&mut h, "Deploy to OpenStack…");

    // The credentials, by hand, as from an openrc; the password typed once.
    click(&mut h, "Form");
    enter_text(&mut h, "Auth URL", &login.auth_url);
    enter_text(&mut h, "User name", &login.username);
    enter_text(&mut h, "Project", &login.project);
    enter_text(&mut h, "Password or secret", &login.password);
    enter_text(&mut h, "Deployment name", &f.name);
    enter_text(&mut h, "Workers", "2");

    // Plan: what would be created, and the quota check; nothing created.
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    let panel = h.state().deploy_panel();
    assert!(matches!(panel.result(), Some((Verb::Plan, Ok(Outcome::Plan { quota_ok: true, .. })))), "{panel:?}");
    shown(&h, "need 3 instances");
    shown(&h, "quota check: OK");
    // The password worked, so it is in the keyring now and gone from the field.
    shown(&h, "the secret is kept in the OS keyring");
    assert_eq!(f.keyring.get(&form_account(&login)), Ok(Some(login.password.clone())));
    assert_eq!(resources(&format!("{}-", f.name)), (vec![], vec![]), "planning created something");

    // Deploy: a controller and two workers, ACTIVE, with the floating IP in the URL.
    click(&mut h, "Deploy");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "using the secret kept in the OS keyring");
    let panel = h.state().deploy_panel();
    let Some((Verb::Up, Ok(Outcome::Up { url: Some(url), servers: 3, .. }))) = panel.result() else {
        panic!("deploy did not finish: {panel:?}\n{}", panel.log().join("\n"));
    };
    let url = url.clone();
    shown(&h, "Deployed:");
    let n = &f.name;
    let (servers, groups) = resources(&format!("{n}-"));
    assert_eq!(servers, [format!("{n}-controller"), format!("{n}-worker-1"), format!("{n}-worker-2")]);
    assert_eq!(groups, [format!("{n}-control"), format!("{n}-worker")]);
    let fips = os(&["floating", "ip", "list"]);
    let fip = fips.as_array().unwrap().iter().find(|x| url.contains(x["Floating IP Address"].as_str().unwrap()));
    assert!(fip.is_some_and(|x| !x["Port"].is_null()), "the URL's floating IP is not attached: {url} {fips}");

    // Status: every server, ACTIVE.
    click(&mut h, "Status");
    run_until_idle(&mut h, JOB_TIMEOUT);
    let panel = h.state().deploy_panel();
    let Some((Verb::Status, Ok(Outcome::Status { servers, .. }))) = panel.result() else {
        panic!("no status: {panel:?}");
    };
    assert_eq!(servers.len(), 3, "{servers:?}");
    assert!(servers.iter().all(|(_, s)| s == "ACTIVE"), "{servers:?}");
    shown(&h, &format!("{n}-worker-2"));

    // Scale to three workers: exactly one more server.
    enter_text(&mut h, "Workers", "3");
    click(&mut h, "Scale workers");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "Scaled: 3 worker(s) now (1 added, 0 removed).");
    let (servers, _) = resources(&format!("{n}-"));
    assert_eq!(servers.len(), 4, "{servers:?}");
    assert!(servers.contains(&format!("{n}-worker-3")));

    // Tear down, confirmed: nothing of it is left.
    click(&mut h, "Tear down");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "Torn down:");
    assert_eq!(resources(&format!("{n}-")), (vec![], vec![]), "resources left after tear down");
    // Its floating IP is released (allocated by this run) or at least detached (reused).
    let fips = os(&["floating", "ip", "list"]);
    let fip = fips.as_array().unwrap().iter().find(|x| url.contains(x["Floating IP Address"].as_str().unwrap()));
    assert!(fip.is_none_or(|x| x["Port"].is_null()), "the floating IP is still attached: {fips}");
    assert!(!f.state_file().exists(), "the state file is left");
}

#[test]
#[ignore = "needs the local OpenStack and a Secret Service: run scripts/openstack-e2e.sh"]
fn a_typed_password_overrides_clouds_yaml_a_refused_one_is_never_kept_and_pickers_serve_an_admin_project() {
    let mut f = Fixture::new();
    f.cloud = "fs-admin";
    let login = demo_login();
    let mut h = f.harness();
    h.run_steps(2);
    click(&mut h, "Deploy to OpenStack…");
    click(&mut h, "Cloud");
    click(&mut h, "fs-demo");
    assert_eq!(h.state().deploy_panel().cloud(), Some("fs-demo"));
    enter_text(&mut h, "Deployment name", &f.name);

    // clouds.yaml has the right password; a wrong one typed is what is used, refused in
    // words, and not kept.
    enter_text(&mut h, "Password or secret", "not-the-password");
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(
        &h,
        &format!(
            "the password (or application credential secret) was refused by {} for user '{}', project '{}'",
            login.auth_url, login.username, login.project
        ),
    );
    assert_eq!(f.keyring.get(&cloud_account("fs-demo")), Ok(None), "a refused password was kept");

    // Nothing typed: clouds.yaml's is used, and the window says so.
    clear(&mut h, "Password or secret");
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "quota check: OK");
    shown(&h, "password: the one in clouds.yaml / secure.yaml");
    // The right one typed: used, said, and kept once it authenticated.
    enter_text(&mut h, "Password or secret", &login.password);
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "password: the one typed in this window (it overrides any in clouds.yaml)");
    assert_eq!(f.keyring.get(&cloud_account("fs-demo")), Ok(Some(login.password.clone())));

    // An Auth URL that is not Keystone's token endpoint: its HTTP status and URL.
    click(&mut h, "Form");
    let wrong = format!("{}/nothing", login.auth_url.trim_end_matches('/'));
    enter_text(&mut h, "Auth URL", &wrong);
    enter_text(&mut h, "User name", &login.username);
    enter_text(&mut h, "Project", &login.project);
    enter_text(&mut h, "Password or secret", &login.password);
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, &format!("{wrong}/auth/tokens answered HTTP 404"));

    // The admin project has no network of its own: the pickers offer the usable one, and
    // the window deploys there and tears it down.
    click(&mut h, "clouds.yaml");
    click(&mut h, "Cloud");
    click(&mut h, "fs-admin");
    clear(&mut h, "Password or secret");
    click(&mut h, "Plan");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "the project has no network of its own");
    click(&mut h, "Load choices from the cloud");
    run_until_idle(&mut h, JOB_TIMEOUT);
    let panel = h.state().deploy_panel();
    let offer = panel.offer().unwrap_or_else(|| panic!("no choices: {panel:?}"));
    assert!(offer.choices.images.iter().any(|i| i.name == "ubuntu-24.04"), "{offer:?}");
    assert!(offer.choices.external_networks.iter().any(|n| n.name == "public"), "{offer:?}");
    assert_eq!(offer.network, None, "{offer:?}");
    let picks = panel.settings().picks.get(&cloud_account("fs-admin")).cloned().unwrap_or_default();
    assert_eq!(picks.network.as_deref(), Some("private"), "{offer:?}");
    enter_text(&mut h, "Workers", "1");
    click(&mut h, "Deploy");
    run_until_idle(&mut h, JOB_TIMEOUT);
    let panel = h.state().deploy_panel();
    assert!(matches!(panel.result(), Some((Verb::Up, Ok(Outcome::Up { servers: 2, .. })))), "{panel:?}");
    click(&mut h, "Tear down");
    click(&mut h, "Yes, tear down");
    run_until_idle(&mut h, JOB_TIMEOUT);
    shown(&h, "Torn down:");
    assert!(!f.state_file().exists(), "the state file is left");
}
