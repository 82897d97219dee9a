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

/// `faafo deploy up --workers 2` on the fake cloud, binaries uploaded from a scratch dir.
async fn up(d: &Deployer<'_, FakeCloud>, dir: &std::path::Path) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for b in BINARIES {
        std::fs::write(bin.join(b), format!("#!/bin/sh\necho {b}\n")).unwrap();
    }
    let mut opts = Options::new(BinarySource::Upload(bin));
    opts.wait = Wait::Active;
    d.up(&opts, "fake", None).await.unwrap();
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
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("a.db").display()), Some(&vhost.url()), 0);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    procs::create(&http, &api.base, 200, &procs::task(64, 48, 50)).await;
    await_depth(&api.base, 200).await;

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
