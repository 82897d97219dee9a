#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

//! `faafo deploy` before any cloud answers: choosing credentials, exit codes, messages
//! that say what to do, no secret printed. (The real-cloud runs are in
//! `deploy_openstack.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn faafo(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faafo"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OS_") || k.starts_with("XDG_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home).env("FAAFO_DEPLOY_STATE_DIR", home.join("state")).current_dir(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("deploy").args(args).output().unwrap()
}

fn home(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("faafo-deploy-cli-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn no_cloud_selected_is_a_usage_error_naming_the_choices() {
    let h = home("none");
    let out = faafo(&h, &[], &["plan"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--os-cloud") && err.contains("OS_CLOUD") && err.contains("openrc"), "{err}");
    // With a clouds.yaml in ~/.config/openstack, the error lists its clouds.
    std::fs::create_dir_all(h.join(".config/openstack")).unwrap();
    std::fs::write(
        h.join(".config/openstack/clouds.yaml"),
        "clouds:\n  alpha:\n    auth: {auth_url: 'http://127.0.0.1:9/v3', username: u, password: hunter2}\n",
    )
    .unwrap();
    let err = String::from_utf8_lossy(&faafo(&h, &[], &["status"]).stderr).to_string();
    assert!(err.contains("has: alpha"), "{err}");
    let out = faafo(&h, &[], &["--os-cloud", "beta", "down"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("cloud 'beta' not found") && err.contains("alpha"), "{err}");
    std::fs::remove_dir_all(&h).unwrap();
}

#[test]
fn an_unreachable_keystone_is_an_auth_error_without_the_password() {
    let h = home("auth");
    std::fs::write(h.join("c.yaml"), "clouds:\n  alpha:\n    auth: {auth_url: 'http://127.0.0.1:9/v3', username: u, password: hunter2, project_name: p}\n").unwrap();
    let file = h.join("c.yaml").display().to_string();
    let out = faafo(&h, &[("OS_CLIENT_CONFIG_FILE", &file), ("OS_CLOUD", "alpha")], &["plan"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("cannot authenticate to http://127.0.0.1:9/v3"), "{err}");
    assert!(!err.contains("hunter2"));
    // OS_* variables without a password say where one goes.
    let out = faafo(&h, &[("OS_AUTH_URL", "http://127.0.0.1:9/v3"), ("OS_USERNAME", "u")], &["plan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password"));
    std::fs::remove_dir_all(&h).unwrap();
}

#[test]
fn help_lists_the_verbs_and_the_wait_modes() {
    let h = home("help");
    let out = faafo(&h, &[], &["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for verb in ["plan", "up", "status", "scale", "down", "--os-cloud", "clouds.yaml"] {
        assert!(text.contains(verb), "{verb}: {text}");
    }
    let up = String::from_utf8_lossy(&faafo(&h, &[], &["up", "--help"]).stdout).to_string();
    for opt in
        ["--workers", "--all-in-one", "--wait", "--keep-on-failure", "--key-name", "--binaries-url", "--timeout-active"]
    {
        assert!(up.contains(opt), "{opt}");
    }
    std::fs::remove_dir_all(&h).unwrap();
}
