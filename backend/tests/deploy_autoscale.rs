#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! The autoscaler end to end, short of a real cloud: a real `faafo-api` on RabbitMQ with
//! no workers (so tasks stay queued) tells the depth; a deployment on the in-memory fake
//! cloud is scaled through [`Deployer::autoscale_once`] — the step `faafo deploy
//! autoscale` runs — with `api_url` pointing at the real API. (The CLI always connects to
//! a real OpenStack; the fake cloud has no hook there.)

use std::time::Duration;

use faafo_backend::client::{Client, ClientError};
use faafo_backend::deploy::fake::FakeCloud;
use faafo_backend::deploy::userdata::BINARIES;
use faafo_backend::deploy::{
    AutoscaleOptions, BinarySource, Decision, DeployError, Deployer, Options, Policy, StateStore, Timeouts, Wait,
};

mod common;
use common::procs::{self, Api, BROKER, Scratch, Vhost};

fn deployer<'a>(cloud: &'a FakeCloud, dir: &std::path::Path) -> Deployer<'a, FakeCloud> {
    let t = Timeouts {
        active: Duration::from_secs(5),
        health: Duration::from_secs(5),
        delete: Duration::from_secs(5),
        poll: Duration::from_millis(1),
    };
    Deployer::new(cloud, StateStore::new(dir.join("state"))).with_timeouts(t)
}

/// `faafo deploy up`'s options on the fake cloud, binaries uploaded from a scratch dir.
fn up_options(dir: &std::path::Path) -> Options {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for b in BINARIES {
        std::fs::write(bin.join(b), format!("#!/bin/sh\necho {b}\n")).unwrap();
    }
    let mut opts = Options::new(BinarySource::Upload(bin));
    opts.wait = Wait::Active;
    opts
}

/// `faafo deploy up --workers 2` on the fake cloud.
async fn up(d: &Deployer<'_, FakeCloud>, dir: &std::path::Path) {
    d.up(&up_options(dir), "fake", None).await.unwrap();
}

/// A real `faafo-api` on its own RabbitMQ vhost with no workers, 200 tasks queued.
async fn api_with_200_queued() -> (Vhost, Scratch, Api) {
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("a.db").display()), Some(&vhost.url()), 0);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    procs::create(&http, &api.base, 200, &procs::task(64, 48, 50)).await;
    await_depth(&api.base, 200).await;
    (vhost, dir, api)
}

/// Polls the API's `/v1/status` until the queue depth is `want`.
async fn await_depth(base: &str, want: u64) {
    let client = Client::new(base, None).unwrap();
    let mut seen = None;
    for _ in 0..300 {
        seen = client.status().await.unwrap().queue.depth;
        if seen == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("queue depth {seen:?}, waited for {want}");
}

fn autoscale(base: &str, policy: Policy) -> AutoscaleOptions {
    AutoscaleOptions {
        name: "faafo".into(),
        policy,
        api_url: Some(base.to_owned()),
        wait: Wait::Active,
        keep_on_failure: false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_scales_a_fake_cloud_deployment_up_to_max_and_down_to_min() {
    let _shared = BROKER.read().await;
    let (vhost, dir, api) = api_with_200_queued().await;

    let cloud = FakeCloud::new();
    let d = deployer(&cloud, &dir.0);
    up(&d, &dir.0).await;
    let store = StateStore::new(dir.0.join("state"));
    assert_eq!(store.load("faafo").unwrap().unwrap().workers.len(), 2);

    // 200 queued / 20 per worker wants 10: capped at 4.
    let first = d.autoscale_once(&autoscale(&api.base, Policy::new(1, 4, 20, 300).unwrap())).await.unwrap();
    assert_eq!(first.decision, Decision::Scale { from: 2, to: 4 });
    assert_eq!(first.depth, 200);
    assert!(first.line().ends_with("queue 200 → 4 workers (+2)"), "{}", first.line());
    assert_eq!(store.load("faafo").unwrap().unwrap().workers.len(), 4);

    // An empty queue wants min; with the default cool-down it waits, with none it goes.
    procs::rabbitmqctl(&["purge_queue", "-p", &vhost.name, "normal"]);
    await_depth(&api.base, 0).await;
    let held = d.autoscale_once(&autoscale(&api.base, Policy::new(1, 4, 20, 300).unwrap())).await.unwrap();
    assert!(matches!(held.decision, Decision::Hold { workers: 4, wanted: 1, .. }), "{held:?}");
    let second = d.autoscale_once(&autoscale(&api.base, Policy::new(1, 4, 20, 0).unwrap())).await.unwrap();
    assert_eq!(second.decision, Decision::Scale { from: 4, to: 1 });

    let state = store.load("faafo").unwrap().unwrap();
    assert_eq!(state.workers.len(), 1);
    assert_eq!(state.workers[0].index, 1, "the newest workers were removed");
    let auto = state.autoscale.unwrap();
    let decisions: Vec<_> = auto.decisions.iter().map(|r| (r.depth, r.decision)).collect();
    assert_eq!(
        decisions,
        [(200, Decision::Scale { from: 2, to: 4 }), (0, held.decision), (0, Decision::Scale { from: 4, to: 1 })]
    );
    assert_eq!(auto.last_change, Some(second.at));
    assert_eq!(auto.policy.map(|p| p.cooldown_seconds), Some(0));
}

#[tokio::test]
async fn an_unreachable_api_names_its_url_and_changes_nothing() {
    let dir = Scratch::new();
    let cloud = FakeCloud::new();
    let d = deployer(&cloud, &dir.0);
    up(&d, &dir.0).await;
    let url = "http://127.0.0.1:9";
    let err = d.autoscale_once(&autoscale(url, Policy::new(1, 4, 20, 0).unwrap())).await.unwrap_err();
    assert!(matches!(err, DeployError::Api { source: ClientError::Unreachable { .. }, .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
    let state = StateStore::new(dir.0.join("state")).load("faafo").unwrap().unwrap();
    assert_eq!(state.workers.len(), 2);
    assert!(state.autoscale.is_none());
}

#[test]
fn policies_that_cannot_work_are_usage_errors_before_any_cloud_is_asked() {
    let dir = Scratch::new();
    for (args, says) in [
        (["--min", "3", "--max", "2", "--tasks-per-worker", "1"], "--min 3 is more than --max 2"),
        (["--min", "1", "--max", "101", "--tasks-per-worker", "1"], "the most workers"),
        (["--min", "1", "--max", "2", "--tasks-per-worker", "0"], "at least 1"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_faafo"))
            .env("HOME", &dir.0)
            .env("FAAFO_DEPLOY_STATE_DIR", dir.0.join("state"))
            .env_remove("OS_CLOUD")
            .env_remove("OS_AUTH_URL")
            .args(["deploy", "autoscale", "--once"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// `up --autoscale` on the fake cloud: the application credential and the private
/// container, the unit in the controller's user data only, the shared state without
/// secrets; then the controller's loop ([`Deployer::autoscale_shared_once`], with a state
/// store of its own as on the controller) scales on the real API's queue, the workstation
/// sees its decisions, a paused policy stops it, and `down` removes the credential.
#[tokio::test(flavor = "multi_thread")]
async fn up_autoscale_installs_the_controller_loop_which_scales_through_the_shared_state() {
    use base64::Engine as _;
    use faafo_backend::deploy::shared::{self, SharedOptions, SharedOutcome, SharedPolicy};

    let _shared = BROKER.read().await;
    let (_vhost, dir, api) = api_with_200_queued().await;

    let cloud = FakeCloud::new();
    let d = deployer(&cloud, &dir.0);
    let mut opts = up_options(&dir.0);
    opts.autoscale = Some(Policy::new(1, 4, 20, 300).unwrap());
    let plan = d.plan(&opts).await.unwrap().to_string();
    assert!(plan.contains("application credential") && plan.contains("-autoscale (private"), "{plan}");
    d.up(&opts, "fake", None).await.unwrap();

    let store = StateStore::new(dir.0.join("state"));
    let state = store.load("faafo").unwrap().unwrap();
    let cred = state.app_credential.clone().unwrap();
    let container = state.autoscale_container.clone().unwrap();
    assert_eq!(container, shared::container_name(&state.deployment_id));
    {
        let s = cloud.state();
        assert_eq!(s.app_credentials.get(&cred.id), Some(&format!("faafo-{}", state.deployment_id)));
        let object = |name: &str| s.objects.get(&(container.clone(), name.to_owned())).cloned().unwrap();
        let policy: SharedPolicy = serde_json::from_slice(&object(shared::POLICY_OBJECT)).unwrap();
        assert_eq!(policy, SharedPolicy { policy: opts.autoscale.unwrap(), paused: false });
        let text = String::from_utf8(object(shared::STATE_OBJECT)).unwrap();
        for secret in [&state.secrets.rabbit_password, &state.secrets.client_token, &cred.secret] {
            assert!(!text.contains(secret.as_str()), "a secret left the workstation: {text}");
        }
        // The unit and the credential go to the controller only.
        let controller = &state.controller.as_ref().unwrap().id;
        for (id, data) in &s.user_data {
            let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap();
            let has = text.contains("faafo-autoscale.service") && text.contains(&cred.secret);
            assert_eq!(has, id == controller, "{id}");
            if id == controller {
                assert!(text.contains(&format!("--shared-state {container}")), "{text}");
                assert!(text.contains(&format!("OS_APPLICATION_CREDENTIAL_ID={}", cred.id)), "{text}");
            }
        }
    }

    // The controller's loop: its own state store, the secrets from its own copy.
    let on_controller = Deployer::new(&cloud, StateStore::new(dir.0.join("controller")))
        .with_timeouts(Timeouts { poll: Duration::from_millis(1), ..Timeouts::default() });
    let loop_opts = SharedOptions {
        container: container.clone(),
        secrets: state.secrets.clone(),
        api_url: Some(api.base.clone()),
        wait: Wait::Active,
    };
    let SharedOutcome::Decided(first) = on_controller.autoscale_shared_once(&loop_opts).await.unwrap() else {
        panic!("the loop did not decide");
    };
    assert_eq!(first.decision, Decision::Scale { from: 2, to: 4 });
    assert_eq!(cloud.tagged(&state.tag()).0, 5, "controller and 4 workers");
    let view = d.shared_view("faafo").await.unwrap();
    assert_eq!(view.workers, 4);
    assert_eq!(view.autoscale.unwrap().decisions.last().unwrap().line(), first.line());
    d.pull_shared("faafo").await.unwrap();
    let local = store.load("faafo").unwrap().unwrap();
    assert_eq!(local.workers.len(), 4);
    assert_eq!(local.secrets, state.secrets, "the local secrets stay");

    // Paused: the loop changes nothing.
    d.set_shared_policy("faafo", SharedPolicy { policy: Policy::new(1, 2, 20, 0).unwrap(), paused: true })
        .await
        .unwrap();
    assert_eq!(on_controller.autoscale_shared_once(&loop_opts).await.unwrap(), SharedOutcome::Paused);
    assert_eq!(cloud.tagged(&state.tag()).0, 5);

    // Down: the credential first, the containers last.
    d.down("faafo").await.unwrap();
    assert_eq!(cloud.tagged(&state.tag()), (0, 0, 0));
    let s = cloud.state();
    assert!(s.app_credentials.is_empty() && s.containers.is_empty() && s.objects.is_empty(), "{s:?}");
}

/// A failed `up --autoscale` takes its application credential and container back.
#[tokio::test]
async fn a_failed_up_autoscale_deletes_its_credential_again() {
    let dir = Scratch::new();
    let cloud = FakeCloud::new();
    let d = deployer(&cloud, &dir.0);
    let mut opts = up_options(&dir.0);
    opts.autoscale = Some(Policy::new(1, 4, 20, 300).unwrap());
    cloud.state().fail_once.insert(
        "create_server:faafo-controller".into(),
        faafo_backend::deploy::CloudError::Other("no valid host".into()),
    );
    let err = d.up(&opts, "fake", None).await.unwrap_err();
    assert!(matches!(err, DeployError::RolledBack { .. }), "{err:?}");
    let log = cloud.take_log();
    assert!(log.iter().any(|l| l.starts_with("create_app_credential")), "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("delete_app_credential")), "{log:?}");
    let s = cloud.state();
    assert!(s.app_credentials.is_empty() && s.containers.is_empty(), "{s:?}");
    assert!(StateStore::new(dir.0.join("state")).load("faafo").unwrap().is_none());
}
