#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::Command;

use super::*;

fn binaries() -> Binaries {
    Binaries {
        base_url: "http://127.0.0.1:8888/v1/AUTH_x/faafo-bin".into(),
        sha256: BINARIES.iter().map(|b| ((*b).to_owned(), "ab".repeat(32))).collect(),
    }
}

fn input<'a>(role: Role, secrets: &'a Secrets, b: &'a Binaries) -> Input<'a> {
    Input {
        role,
        deployment: "0123abcd",
        secrets,
        binaries: b,
        controller_ip: Some("10.0.0.5"),
        demo: false,
        autoscaler: None,
    }
}

fn yaml(text: &str) -> serde_yaml::Value {
    assert!(text.starts_with("#cloud-config\n"));
    serde_yaml::from_str(text).unwrap()
}

#[test]
fn roles_carry_their_configuration_and_only_this_deployments_secrets() {
    let s = Secrets::generate();
    assert_ne!(s.rabbit_password, Secrets::generate().rabbit_password);
    assert!(!format!("{s:?}").contains(&s.rabbit_password));
    let b = binaries();
    for role in [Role::Controller, Role::Worker, Role::AllInOne] {
        let text = render(&input(role, &s, &b)).unwrap();
        let doc = yaml(&text);
        // cloud-init 22.4 does not flag unknown top-level keys: check them here.
        let keys: Vec<&str> = doc.as_mapping().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["write_files", "runcmd"], "{role:?}");
        let files = doc["write_files"].as_sequence().unwrap();
        let conf = files[0]["content"].as_str().unwrap();
        assert!(conf.starts_with("[DEFAULT]\nlisten_address = 0.0.0.0\nbind_port = 80\n"), "{conf}");
        assert_eq!(files[0]["permissions"].as_str(), Some("0640"));
        assert!(conf.contains(&format!("worker_token = {}", s.worker_token)));
        assert!(!conf.contains("guest"));
        let sums = files[1]["content"].as_str().unwrap();
        assert_eq!(sums.lines().count(), 3);
        assert!(sums.contains(&format!("{}  faafo-api", "ab".repeat(32))));
        let installer =
            base64::engine::general_purpose::STANDARD.decode(files[2]["content"].as_str().unwrap()).unwrap();
        assert_eq!(installer, INSTALLER.as_bytes());
        let cmd: Vec<&str> = doc["runcmd"][0].as_sequence().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(cmd[0], "/usr/local/sbin/faafo-install");
        assert_eq!(cmd.last(), Some(&b.base_url.as_str()));
        let joined = cmd.join(" ");
        match role {
            Role::Controller => {
                assert!(joined.contains("-i messaging -i database -i faafo -r api -b"), "{joined}");
                assert!(conf.contains(&format!("transport_url = amqp://faafo:{}@127.0.0.1:5672/", s.rabbit_password)));
                assert!(conf.contains(&format!("database_url = mysql://faafo:{}@127.0.0.1:3306/faafo", s.db_password)));
                assert!(conf.contains(&s.client_token));
            }
            Role::Worker => {
                assert!(joined.contains("-i faafo -r worker -b"), "{joined}");
                assert!(conf.contains("endpoint_url = http://10.0.0.5\n"));
                assert!(conf.contains(&format!("amqp://faafo:{}@10.0.0.5:5672/", s.rabbit_password)));
                // A worker needs neither the database nor the client token.
                assert!(!conf.contains(&s.db_password) && !conf.contains(&s.client_token));
            }
            Role::AllInOne => assert!(joined.contains("-r api -r worker -b"), "{joined}"),
        }
    }
    let demo = Input { demo: true, ..input(Role::AllInOne, &s, &b) };
    assert!(render(&demo).unwrap().contains(r#""-r","demo""#));
}

#[test]
fn bad_inputs_are_refused() {
    let s = Secrets::generate();
    let mut b = binaries();
    let no_ip = Input { controller_ip: None, ..input(Role::Worker, &s, &b) };
    assert!(render(&no_ip).unwrap_err().to_string().contains("controller's private address"));
    b.sha256.remove("faafo-worker");
    assert!(render(&input(Role::Worker, &s, &b)).unwrap_err().to_string().contains("faafo-worker"));
    let mut b = binaries();
    b.base_url = "http://x/\nruncmd: [evil]".into();
    assert!(render(&input(Role::Worker, &s, &b)).is_err());
    // An odd URL stays one quoted argument.
    let mut b = binaries();
    b.base_url = "http://h/a b\"c'd: e".into();
    let doc = yaml(&render(&input(Role::Worker, &s, &b)).unwrap());
    assert_eq!(doc["runcmd"][0].as_sequence().unwrap().last().unwrap().as_str(), Some("http://h/a b\"c'd: e"));
}

#[test]
fn size_guard_and_base64() {
    let s = Secrets::generate();
    let b = binaries();
    for role in [Role::Controller, Role::Worker, Role::AllInOne] {
        let b64 = build(&input(role, &s, &b)).unwrap();
        assert!(b64.len() <= USER_DATA_LIMIT);
        let back = base64::engine::general_purpose::STANDARD.decode(&b64).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), render(&input(role, &s, &b)).unwrap());
    }
    let big = "x".repeat(USER_DATA_LIMIT / 4 * 3 + 3);
    let e = encode(Role::Worker, &big).unwrap_err();
    assert!(matches!(e, UserDataError::TooLarge { size, .. } if size > USER_DATA_LIMIT), "{e}");
    assert!(encode(Role::Worker, &"x".repeat(USER_DATA_LIMIT / 4 * 3)).is_ok());
}

#[test]
fn console_markers() {
    assert_eq!(install_outcome("boot\nfaafo-install: installing\n"), None);
    assert_eq!(install_outcome("faafo-install: OK\n[  5.1] reboot"), Some(Ok(())));
    let failed = install_outcome("x\nfaafo-install: FAILED (exit 22, line 9: curl)\n").unwrap().unwrap_err();
    assert!(failed.contains("curl"));
}

/// `cloud-init schema`: `FAAFO_CLOUD_INIT`, else `cloud-init` on PATH, else the copy
/// `scripts/cloud-init-tool.sh` extracts. Missing is a failure, not a skip.
fn cloud_init() -> PathBuf {
    if let Some(p) = std::env::var_os("FAAFO_CLOUD_INIT") {
        return PathBuf::from(p);
    }
    if Command::new("cloud-init").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return PathBuf::from("cloud-init");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let extracted = home.join(".cache/faafo-cloud-init/cloud-init");
    assert!(
        extracted.exists(),
        "cloud-init is needed to validate the rendered user data: run scripts/cloud-init-tool.sh (scripts/test.sh does)"
    );
    extracted
}

#[test]
fn every_rendered_template_passes_cloud_init_schema() {
    let tool = cloud_init();
    let s = Secrets::generate();
    let b = binaries();
    let dir = std::env::temp_dir().join(format!("faafo-userdata-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let cred = autoscaler_credential();
    let scaler = Some(autoscaler(&cred));
    for (role, demo, scaler) in [
        (Role::Controller, false, None),
        (Role::Controller, false, scaler),
        (Role::Worker, false, None),
        (Role::AllInOne, true, None),
    ] {
        let path = dir.join(format!("{}-{}.yaml", role.as_str(), scaler.is_some()));
        std::fs::write(&path, render(&Input { demo, autoscaler: scaler.clone(), ..input(role, &s, &b) }).unwrap())
            .unwrap();
        let out = Command::new(&tool).args(["schema", "--config-file"]).arg(&path).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && text.contains("Valid cloud-config"), "{role:?}: {text}");
    }
    // The check is real: a key cloud-init 22.4 rejects fails it.
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "#cloud-config\nwrite_files:\n  - path: /x\n    source: {uri: 'http://x'}\n").unwrap();
    assert!(!Command::new(&tool).args(["schema", "--config-file"]).arg(&bad).output().unwrap().status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn installer_parses_and_refuses_unknown_flags() {
    let syntax = Command::new("bash").args(["-n", "-c", INSTALLER]).status().unwrap();
    assert!(syntax.success());
    let dir = std::env::temp_dir().join(format!("faafo-installer-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("install.sh");
    std::fs::write(&script, INSTALLER).unwrap();
    let out = Command::new("bash").arg(&script).args(["-i", "nonsense"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text.contains("unknown -i 'nonsense'") && text.trim_end().ends_with("faafo-install: FAILED (exit 2)"),
        "{text}"
    );
    let help = Command::new("bash").arg(&script).arg("-h").output().unwrap();
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("-i faafo|messaging|database"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn autoscaler_credential() -> crate::deploy::AppCredential {
    crate::deploy::AppCredential {
        id: "c0ffee".into(),
        name: "faafo-0123abcd".into(),
        secret: "s3cr3t-Secret_x".into(),
        auth_url: "https://keystone.example:5000/v3".into(),
    }
}

fn autoscaler(cred: &crate::deploy::AppCredential) -> Autoscaler<'_> {
    Autoscaler { name: "faafo", container: "faafo-0123abcd-autoscale", credential: cred, region: Some("RegionOne") }
}

#[test]
fn a_controller_with_the_autoscaler_gets_its_unit_credential_and_secrets_and_no_one_else_does() {
    let s = Secrets::generate();
    let b = binaries();
    let cred = autoscaler_credential();
    let with = |role| render(&Input { autoscaler: Some(autoscaler(&cred)), ..input(role, &s, &b) }).unwrap();
    let doc = yaml(&with(Role::Controller));
    let files = doc["write_files"].as_sequence().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths[3..],
        ["/etc/faafo/autoscale.env", "/etc/faafo/deploy-secrets.json", "/etc/systemd/system/faafo-autoscale.service"]
    );
    let env = files[3]["content"].as_str().unwrap();
    assert!(env.contains("OS_AUTH_TYPE=v3applicationcredential\nOS_AUTH_URL=https://keystone.example:5000/v3\n"));
    assert!(env.contains("OS_APPLICATION_CREDENTIAL_SECRET=s3cr3t-Secret_x\nOS_REGION_NAME=RegionOne"), "{env}");
    assert_eq!(files[3]["permissions"].as_str(), Some("0600"));
    let secrets: Secrets = serde_json::from_str(files[4]["content"].as_str().unwrap()).unwrap();
    assert_eq!(secrets, s);
    let unit = files[5]["content"].as_str().unwrap();
    assert!(unit.contains("--shared-state faafo-0123abcd-autoscale --secrets-file"), "{unit}");
    assert!(unit.contains("User=faafo") && !unit.contains("s3cr3t"), "{unit}");
    let runcmd = doc["runcmd"].as_sequence().unwrap();
    assert_eq!(runcmd.len(), 2);
    assert!(runcmd[1][2].as_str().unwrap().contains("systemctl enable --now faafo-autoscale.service"));
    for role in [Role::Worker, Role::AllInOne] {
        assert!(!with(role).contains("s3cr3t"), "{role:?}");
    }
    // A value that could break out of the unit's command line is refused.
    let bad = crate::deploy::AppCredential { secret: "x' ; rm -rf /".into(), ..cred.clone() };
    let input = Input { autoscaler: Some(autoscaler(&bad)), ..input(Role::Controller, &s, &b) };
    assert!(matches!(render(&input), Err(UserDataError::Bad(_))));
}
