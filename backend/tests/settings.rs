//! `faafo-api`'s options from `/etc/faafo/faafo.conf`, `FAAFO_*` environment and flags,
//! run as an operator would run it: flag beats environment beats file beats default.
//!
//! Environment precedence can only be seen from outside the process (tests may not change
//! their own environment), so every case runs the real binary. Where no server needs to
//! start, the chosen value is read from the error naming it (a non-loopback address without
//! tokens is refused before anything is opened); where one does, from the `listening on`
//! line, and the server is killed at once.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faafo-settings-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `faafo-api` with no `FAAFO_*` variable inherited from whoever runs the tests.
fn api() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_faafo-api"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FAAFO_") {
            command.env_remove(key);
        }
    }
    command.stdin(Stdio::null());
    command
}

/// A configuration file in `dir` with `body` under `[DEFAULT]` and a database in `dir`.
fn conf(dir: &std::path::Path, body: &str) -> PathBuf {
    let path = dir.join("faafo.conf");
    let text = format!(
        "# as install.sh leaves it\n[DEFAULT]\ndatabase_url = sqlite://{}\n{body}\n[other]\nbind_port = ignored\n",
        dir.join("faafo.db").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs to the refusal and returns the address it names.
fn refused_address(command: &mut Command) -> String {
    let o = command.output().unwrap();
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let rest = err.split("refusing to listen on ").nth(1).unwrap_or_else(|| panic!("no refusal in: {err}"));
    rest.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn listen_address_file_then_environment_then_flag() {
    let d = dir("address");
    let file = conf(&d, "listen_address = 10.0.0.1");
    let with_file = || {
        let mut c = api();
        c.args(["--config-file", file.to_str().unwrap()]);
        c
    };
    assert_eq!(refused_address(&mut with_file()), "10.0.0.1", "the file beats the default 127.0.0.1");
    assert_eq!(refused_address(with_file().env("FAAFO_LISTEN_ADDRESS", "10.0.0.2")), "10.0.0.2");
    assert_eq!(
        refused_address(with_file().env("FAAFO_LISTEN_ADDRESS", "10.0.0.2").args(["--listen-address", "10.0.0.3"])),
        "10.0.0.3"
    );
    // The file is found through FAAFO_CONFIG_FILE too.
    assert_eq!(refused_address(api().env("FAAFO_CONFIG_FILE", &file)), "10.0.0.1");
}

/// A started `faafo-api`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server and returns the port it reports listening on.
fn listening_port(command: &mut Command) -> u16 {
    let mut server = Server(command.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap());
    let pipe = server.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap();
                    return addr.rsplit(':').next().unwrap().parse().unwrap();
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(e) => panic!("faafo-api did not report listening ({e}): {seen}"),
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn bind_port_file_then_environment_then_flag() {
    let d = dir("port");
    let port = free_port();
    let file = conf(&d, &format!("listen_address = 127.0.0.1\nbind-port: {port}"));
    let mut c = api();
    c.args(["--config-file", file.to_str().unwrap()]);
    assert_eq!(listening_port(&mut c), port, "the file's bind_port beats the default 8080");

    let file = conf(&d, "bind_port = 1");
    let mut c = api();
    c.args(["--config-file", file.to_str().unwrap()]).env("FAAFO_BIND_PORT", "0");
    assert_ne!(listening_port(&mut c), 1, "FAAFO_BIND_PORT=0 beats the file's 1");

    let mut c = api();
    c.args(["--config-file", file.to_str().unwrap(), "--bind-port", "0"]).env("FAAFO_BIND_PORT", "1");
    assert_ne!(listening_port(&mut c), 1, "--bind-port 0 beats FAAFO_BIND_PORT=1");
}

#[test]
fn a_named_file_must_exist() {
    let missing = dir("missing").join("no-such.conf");
    let o = api().args(["--config-file", missing.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let expected = format!("faafo-api: error: cannot read the configuration file {}: ", missing.display());
    assert!(stderr(&o).starts_with(&expected), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    let o = api().env("FAAFO_CONFIG_FILE", &missing).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn bad_values_and_syntax_name_the_file_line_and_what_is_allowed() {
    let d = dir("bad");
    let file = conf(&d, "bind_port = eighty");
    let o = api().args(["--config-file", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("faafo-api: error: {}:4: bind_port: invalid value 'eighty'", file.display())),
        "{err}"
    );
    assert!(err.contains("allowed: an integer from 0 to 65535"), "{err}");

    let broken = d.join("broken.conf");
    std::fs::write(&broken, "[DEFAULT]\nbind_port 80\n").unwrap();
    let o = api().args(["--config-file", broken.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{}:2: expected 'key = value'", broken.display())), "{}", stderr(&o));

    // A flag's value is the flag's: the file's bad value does not matter then.
    let o = api()
        .args(["--config-file", file.to_str().unwrap(), "--bind-port", "0", "--listen-address", "10.0.0.9"])
        .output()
        .unwrap();
    assert!(stderr(&o).contains("refusing to listen on 10.0.0.9"), "{}", stderr(&o));

    // --help needs no readable file.
    let o = api().arg("--help").env("FAAFO_CONFIG_FILE", &broken).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--config-file"));
}
