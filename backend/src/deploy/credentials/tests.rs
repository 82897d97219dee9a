#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;

use super::*;

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("faafo-cred-{tag}-{}-{}", std::process::id(), uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const CLOUDS: &str = "
clouds:
  demo:
    auth:
      auth_url: http://keystone:5000/v3
      username: demo
      project_name: demo
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionOne
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://keystone:5000/v3
      application_credential_id: abc123
      application_credential_secret: s3cret
    interface: internal
  v3pw:
    auth_type: v3password
    auth: {auth_url: http://k/v3, username: u, password: p, project_id: p1, user_domain_id: default}
";

fn env_with(dir: &Path, extra: &[(&str, &str)]) -> Environment {
    let mut vars: Vec<(String, String)> = vec![("HOME".into(), dir.join("home").display().to_string())];
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Environment::from_pairs(vars, Some(dir.join("cwd")))
}

#[test]
fn client_config_file_and_secure_yaml() {
    let dir = tempdir("secure");
    std::fs::write(dir.join("c.yml"), CLOUDS).unwrap();
    std::fs::write(dir.join("s.yaml"), "clouds:\n  demo:\n    auth:\n      password: pw-from-secure\n").unwrap();
    let file = dir.join("c.yml").display().to_string();
    let secure = dir.join("s.yaml").display().to_string();
    let env = env_with(&dir, &[("OS_CLIENT_CONFIG_FILE", &file), ("OS_CLIENT_SECURE_FILE", &secure)]);
    let c = resolve(&Selection { cloud: Some("demo".into()), ..Default::default() }, &env).unwrap();
    assert_eq!(
        c.method,
        Method::Password { username: "demo".into(), user_domain: "Default".into(), password: "pw-from-secure".into() }
    );
    assert_eq!(c.region.as_deref(), Some("RegionOne"));
    let p = c.project.clone().unwrap();
    assert_eq!((p.name.as_deref(), p.domain), (Some("demo"), Some((true, "default".to_owned()))));
    let d = c.describe();
    assert!(
        d.contains("cloud 'demo' from") && d.contains("c.yml") && d.contains("s.yaml") && d.contains("project 'demo'"),
        "{d}"
    );
    assert!(!d.contains("pw-from-secure") && !format!("{c:?}").contains("pw-from-secure"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn search_order_xdg_and_os_cloud() {
    let dir = tempdir("xdg");
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(xdg.join("openstack")).unwrap();
    std::fs::write(xdg.join("openstack/clouds.yml"), CLOUDS).unwrap();
    let env = env_with(&dir, &[("XDG_CONFIG_HOME", &xdg.display().to_string()), ("OS_CLOUD", "appcred")]);
    let c = resolve(&Selection::default(), &env).unwrap();
    assert!(matches!(c.method, Method::ApplicationCredential { ref id, .. } if id.as_deref() == Some("abc123")));
    assert_eq!(c.interface.as_deref(), Some("internal"));
    assert!(c.project.is_none());
    assert!(c.describe().contains("application credential"));
    // The flag beats OS_CLOUD; a clouds.yaml in the working directory beats XDG.
    std::fs::create_dir_all(dir.join("cwd")).unwrap();
    std::fs::write(
        dir.join("cwd/clouds.yaml"),
        "clouds:\n  local:\n    auth: {auth_url: http://x/v3, username: a, password: b}\n",
    )
    .unwrap();
    let c = resolve(&Selection { cloud: Some("local".into()), region: Some("R2".into()), ..Default::default() }, &env)
        .unwrap();
    assert_eq!(c.region.as_deref(), Some("R2"));
    assert!(matches!(&c.source, Source::File { path, .. } if path.ends_with("cwd/clouds.yaml")));
    // An unknown cloud names what the file has.
    let e = resolve(&Selection { cloud: Some("nope".into()), ..Default::default() }, &env).unwrap_err().to_string();
    assert!(e.contains("'nope' not found") && e.contains("local"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn v3password_and_os_password_fill_in() {
    let dir = tempdir("v3pw");
    std::fs::write(dir.join("c.yaml"), CLOUDS).unwrap();
    let file = dir.join("c.yaml").display().to_string();
    let env =
        env_with(&dir, &[("OS_CLIENT_CONFIG_FILE", &file), ("OS_PASSWORD", "from-env"), ("OS_REGION_NAME", "R9")]);
    let c = resolve(&Selection { cloud: Some("v3pw".into()), ..Default::default() }, &env).unwrap();
    // The entry's own password wins over OS_PASSWORD; user_domain_id default is Default.
    assert_eq!(
        c.method,
        Method::Password { username: "u".into(), user_domain: "Default".into(), password: "p".into() }
    );
    assert_eq!(c.region.as_deref(), Some("R9"));
    let c = resolve(&Selection { cloud: Some("demo".into()), ..Default::default() }, &env).unwrap();
    assert!(matches!(c.method, Method::Password { ref password, .. } if password == "from-env"));
    // A secret from the keyring is used first.
    let sel = Selection { cloud: Some("demo".into()), secret: Some("keyring".into()), ..Default::default() };
    assert!(
        matches!(resolve(&sel, &env).unwrap().method, Method::Password { ref password, .. } if password == "keyring")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_given_secret_overrides_the_files_and_each_says_where_it_came_from() {
    let dir = tempdir("override");
    std::fs::write(dir.join("c.yaml"), CLOUDS).unwrap();
    let file = dir.join("c.yaml").display().to_string();
    let env = env_with(&dir, &[("OS_CLIENT_CONFIG_FILE", &file), ("OS_PASSWORD", "from-env")]);
    let password = |c: &Credentials| match &c.method {
        Method::Password { password, .. } => password.clone(),
        Method::ApplicationCredential { secret, .. } => secret.clone(),
    };
    // The file has a password; what the caller gives (typed in the app) is what is used.
    let typed = Selection { cloud: Some("v3pw".into()), secret: Some("typed".into()), ..Default::default() };
    let c = resolve(&typed, &env).unwrap();
    assert_eq!((password(&c).as_str(), c.secret_from), ("typed", SecretFrom::Given));
    let c = resolve(&Selection { cloud: Some("v3pw".into()), ..Default::default() }, &env).unwrap();
    assert_eq!((password(&c).as_str(), c.secret_from), ("p", SecretFrom::File));
    let c = resolve(&Selection { cloud: Some("demo".into()), ..Default::default() }, &env).unwrap();
    assert_eq!((password(&c).as_str(), c.secret_from), ("from-env", SecretFrom::Environment));
    // An application credential's secret too.
    let typed = Selection { cloud: Some("appcred".into()), secret: Some("typed".into()), ..Default::default() };
    let c = resolve(&typed, &env).unwrap();
    assert_eq!((password(&c).as_str(), c.secret_from), ("typed", SecretFrom::Given));
    assert_eq!(c.who(), "application credential 'abc123'");
    let c = resolve(&Selection { cloud: Some("demo".into()), ..Default::default() }, &env).unwrap();
    assert_eq!(c.who(), "user 'demo', project 'demo'");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn openrc_variables() {
    let dir = tempdir("env");
    let env = env_with(
        &dir,
        &[
            ("OS_AUTH_URL", "http://k:5000/v3"),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", "pw"),
            ("OS_PROJECT_NAME", "p"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_INTERFACE", "public"),
        ],
    );
    let c = resolve(&Selection::default(), &env).unwrap();
    assert_eq!(c.source, Source::Environment);
    assert_eq!(c.project.unwrap().domain, Some((false, "Default".to_owned())));
    let env = env_with(
        &dir,
        &[
            ("OS_AUTH_URL", "http://k:5000/v3"),
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_APPLICATION_CREDENTIAL_ID", "id1"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "sec"),
        ],
    );
    assert!(matches!(resolve(&Selection::default(), &env).unwrap().method, Method::ApplicationCredential { .. }));
    let e = resolve(&Selection::default(), &env_with(&dir, &[])).unwrap_err().to_string();
    assert!(e.contains("--os-cloud"), "{e}");
    let bad = env_with(
        &dir,
        &[("OS_AUTH_URL", "http://k/v3"), ("OS_USERNAME", "a"), ("OS_PASSWORD", "b"), ("OS_INTERFACE", "x")],
    );
    assert!(resolve(&Selection::default(), &bad).unwrap_err().to_string().contains("interface 'x'"));
    let nopw = env_with(&dir, &[("OS_AUTH_URL", "http://k/v3"), ("OS_USERNAME", "a")]);
    assert!(resolve(&Selection::default(), &nopw).unwrap_err().to_string().contains("no password"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn list_clouds_for_a_picker() {
    let dir = tempdir("list");
    std::fs::write(dir.join("c.yaml"), CLOUDS).unwrap();
    let file = dir.join("c.yaml").display().to_string();
    let (path, names) = list_clouds(&env_with(&dir, &[("OS_CLIENT_CONFIG_FILE", &file)])).unwrap().unwrap();
    assert_eq!(path, dir.join("c.yaml"));
    assert_eq!(names, ["appcred", "demo", "v3pw"]);
    std::fs::write(dir.join("c.yaml"), "clouds: [").unwrap();
    assert!(
        list_clouds(&env_with(&dir, &[("OS_CLIENT_CONFIG_FILE", &file)]))
            .unwrap_err()
            .to_string()
            .contains("not valid YAML")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
