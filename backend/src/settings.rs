//! Options from the configuration file, the environment and flags, under the original's
//! names and in the original's order.
//!
//! The original's `faafo-api` and `faafo-worker` read `/etc/faafo/faafo.conf`
//! (oslo.config INI, section `[DEFAULT]`: `listen_address`, `bind_port`, `database_url`,
//! `transport_url`, `endpoint_url`, …), and `install.sh` writes that file. So any clap
//! command here can take its options from that file too, keyed by the argument's id —
//! the snake_case field name, which is the original's option name. Precedence, highest
//! first: flag (`--bind-port`), environment (`FAAFO_BIND_PORT`), file (`bind_port`),
//! built-in default.
//!
//! [`parse`] lets clap parse twice. The first pass (errors ignored) finds the
//! configuration file and which options flags and environment already set. The file's
//! values for the others become those options' defaults for the second pass, so typing,
//! validation and conflicts stay clap's. Each file value is checked first, so a bad one
//! is reported with the file, line and key rather than as a mysterious default.
//!
//! The file is found by the argument [`CONFIG_FILE_ARG`] (`--config-file`, env
//! `FAAFO_CONFIG_FILE`; see [`DEFAULT_CONFIG_FILE`]). A command without that argument
//! reads the default file. A missing default file is normal (a developer's machine has
//! none); a missing file that was asked for is an error. Keys the command does not know
//! are ignored: the original's file holds options for every faafo program, and oslo.log's.
//!
//! The reader ([`Ini`]) follows oslo.config's: `key = value` or `key: value` (whichever
//! separator comes first), `#`/`;` comment lines, values stripped of surrounding
//! whitespace and one pair of matching quotes, indented lines continuing the previous
//! value, the last of repeated keys winning. There are no inline comments: `#` inside a
//! value (a password, say) is part of it. Unlike oslo, `-` and `_` in keys are the same,
//! and an indented comment is a comment.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, Parser};

/// Where the original's programs read their options.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/faafo/faafo.conf";

/// The id of the argument naming the configuration file. Declare it as
/// `#[arg(long, env = "FAAFO_CONFIG_FILE", default_value = settings::DEFAULT_CONFIG_FILE)]
/// pub config_file: PathBuf`.
pub const CONFIG_FILE_ARG: &str = "config_file";

/// The only section read, as in the original.
pub const SECTION: &str = "DEFAULT";

/// Why the options could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A bad flag or environment value, or a request for `--help` or `--version`.
    #[error("{}", first_line(.0))]
    Args(#[from] clap::Error),
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        cause: std::io::Error,
    },
    /// A line that is not INI.
    #[error("{}:{line}: {problem}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong, without the line's text (it may hold a secret).
        problem: String,
    },
    /// A known option with a value it cannot take.
    #[error("{}:{line}: {key}: {problem}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the key.
        line: usize,
        /// The option's name.
        key: String,
        /// What is wrong and what is allowed; never a secret's value.
        problem: String,
    },
}

impl SettingsError {
    /// Reports the error as clap does and exits: help and version go to stdout with
    /// status 0, usage errors get clap's message, anything else one line
    /// `<program>: error: …`; errors exit with status 2.
    pub fn exit(&self, program: &str) -> ! {
        match self {
            Self::Args(e) => e.exit(),
            other => {
                eprintln!("{program}: error: {other}");
                std::process::exit(2)
            }
        }
    }
}

/// clap's message without its `error: ` prefix and usage lines.
fn first_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// One `key = value` of an INI file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section it is in.
    pub section: String,
    /// The key, with `-` written as `_`.
    pub key: String,
    /// The value; continuation lines are joined with `\n`.
    pub value: String,
    /// 1-based line number of the key.
    pub line: usize,
}

/// A parsed INI file: every entry, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

/// `listen-address` and `listen_address` are the same key.
fn normalise_key(key: &str) -> String {
    key.trim().replace('-', "_")
}

impl Ini {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Self, SettingsError> {
        let text =
            std::fs::read_to_string(path).map_err(|cause| SettingsError::Read { path: path.to_owned(), cause })?;
        Self::parse(&text, path)
    }

    /// Parses INI text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let error = |line: usize, problem: &str| SettingsError::Syntax {
            path: path.to_owned(),
            line,
            problem: problem.to_owned(),
        };
        let mut entries: Vec<Entry> = Vec::new();
        let mut section: Option<String> = None;
        // Whether the last entry may still take continuation lines.
        let mut open = false;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.trim_end();
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                open = false;
                continue;
            }
            if trimmed.starts_with(['#', ';']) {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                match entries.last_mut() {
                    Some(entry) if open => {
                        entry.value.push('\n');
                        entry.value.push_str(trimmed);
                    }
                    _ => {
                        return Err(error(
                            number,
                            "indented line continues no value (start keys at the line's beginning)",
                        ));
                    }
                }
                continue;
            }
            open = false;
            if let Some(header) = line.strip_prefix('[') {
                let name = header.strip_suffix(']').ok_or_else(|| error(number, "section header without ']'"))?;
                if name.trim().is_empty() {
                    return Err(error(number, "section header without a name"));
                }
                section = Some(name.trim().to_owned());
                continue;
            }
            let split = match (line.find('='), line.find(':')) {
                (Some(e), Some(c)) => e.min(c),
                (Some(at), None) | (None, Some(at)) => at,
                (None, None) => return Err(error(number, "expected 'key = value' or 'key: value'")),
            };
            let key = normalise_key(&line[..split]);
            if key.is_empty() {
                return Err(error(number, "empty key before the '=' or ':'"));
            }
            let Some(section) = &section else {
                return Err(error(number, "key outside any section; put it under [DEFAULT]"));
            };
            entries.push(Entry {
                section: section.clone(),
                key,
                value: unquote(line[split + 1..].trim()),
                line: number,
            });
            open = true;
        }
        Ok(Self { path: path.to_owned(), entries })
    }

    /// Every entry for `key` in `section`, in file order (`-` and `_` alike).
    pub fn values<'a>(&'a self, section: &str, key: &str) -> impl Iterator<Item = &'a Entry> + use<'a> {
        let (section, key) = (section.to_owned(), normalise_key(key));
        self.entries.iter().filter(move |e| e.section == section && e.key == key)
    }

    /// The value of `key` in `section`: the last one, as in oslo.config.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.values(section, key).last()
    }
}

/// One pair of matching quotes around a value is not part of it (oslo.config).
fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner.to_owned();
        }
    }
    value.to_owned()
}

/// Parses `args` (program name first) into `T`, taking the options that neither a flag
/// nor the environment set from the configuration file's `[DEFAULT]` section.
pub fn parse<T: Parser>(args: impl IntoIterator<Item = impl Into<OsString>>) -> Result<T, SettingsError> {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let command = T::command();
    // First pass: which file, and what flags and environment already say.
    let first = command.clone().ignore_errors(true).try_get_matches_from(&args)?;
    let file = config_file(&command, &first)?;
    let mut command = match &file {
        Some(ini) => with_file_defaults(command, ini, &first)?,
        None => command,
    };
    let mut matches = command.clone().try_get_matches_from(&args)?;
    T::from_arg_matches_mut(&mut matches).map_err(|e| SettingsError::Args(e.format(&mut command)))
}

/// Whether a flag or the environment set `id`.
fn explicit(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

/// The configuration file to use, or `None` when the default one does not exist.
fn config_file(command: &Command, matches: &ArgMatches) -> Result<Option<Ini>, SettingsError> {
    let declared = command.get_arguments().any(|a| a.get_id() == CONFIG_FILE_ARG);
    let given =
        if declared { matches.get_raw(CONFIG_FILE_ARG).and_then(|mut v| v.next()).map(PathBuf::from) } else { None };
    let path = given.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    let asked = declared && explicit(matches, CONFIG_FILE_ARG);
    match Ini::read(&path) {
        Ok(ini) => Ok(Some(ini)),
        Err(SettingsError::Read { cause, .. }) if !asked && cause.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `command` with the file's values as the defaults of the options flags and
/// environment left unset (and whose conflicting options they left unset too: a file
/// `client_token` must not beat a `--client-token-file` flag).
fn with_file_defaults(mut command: Command, ini: &Ini, first: &ArgMatches) -> Result<Command, SettingsError> {
    let given: HashSet<String> =
        command.get_arguments().map(|a| a.get_id().to_string()).filter(|id| explicit(first, id)).collect();
    // A conflict is declared on one side only; what a given option rules out counts too.
    let ruled_out: HashSet<String> = command
        .get_arguments()
        .filter(|a| given.contains(a.get_id().as_str()))
        .flat_map(|a| command.get_arg_conflicts_with(a))
        .map(|a| a.get_id().to_string())
        .collect();
    let mut defaults = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let meta = matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        );
        if meta || id == CONFIG_FILE_ARG || given.contains(id) {
            continue;
        }
        if ruled_out.contains(id)
            || command.get_arg_conflicts_with(arg).iter().any(|other| given.contains(other.get_id().as_str()))
        {
            continue;
        }
        let entries: Vec<&Entry> = ini.values(SECTION, id).collect();
        let Some(last) = entries.last() else { continue };
        let chosen: Vec<&Entry> =
            if matches!(arg.get_action(), ArgAction::Append) { entries.clone() } else { vec![last] };
        let mut values = Vec::new();
        for entry in chosen {
            let value = file_value(arg, &entry.value).and_then(|v| check(arg, &v).map(|()| v)).map_err(|problem| {
                SettingsError::Value { path: ini.path.clone(), line: entry.line, key: id.to_owned(), problem }
            })?;
            values.push(value);
        }
        defaults.push((id.to_owned(), values));
    }
    for (id, values) in defaults {
        // Hidden in --help: a default from the file may be a secret.
        command = command.mut_arg(&id, |a| {
            let hide = a.get_action().takes_values();
            a.default_values(values).hide_default_value(hide)
        });
    }
    Ok(command)
}

/// oslo.config's booleans (`True`, `yes`, `on`, `1`, …) as clap's; other values as they are.
fn file_value(arg: &Arg, value: &str) -> Result<String, String> {
    let boolean = match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    };
    match arg.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse => match boolean {
            Some(b) => Ok(b.to_string()),
            None => Err(format!("invalid value {}; allowed: {}", shown(arg, value), BOOLEANS)),
        },
        ArgAction::Count => Ok(match boolean {
            Some(b) if !value.chars().all(|c| c.is_ascii_digit()) => u8::from(b).to_string(),
            _ => value.to_owned(),
        }),
        _ => Ok(value.to_owned()),
    }
}

/// What a boolean option accepts from the file.
const BOOLEANS: &str = "true or false (also yes/no, on/off, 1/0)";

/// Lets clap parse `value` as `arg`'s default, alone, and explains a refusal.
fn check(arg: &Arg, value: &str) -> Result<(), String> {
    match probe(arg, value) {
        Ok(()) => Ok(()),
        Err(e) => {
            let mut problem = format!("invalid value {}", shown(arg, value));
            // The parser's reason may repeat the value: mask a URL's password in it, and
            // leave it out when it would show a secret all the same.
            if let Some(reason) = std::error::Error::source(&e).map(|r| r.to_string()) {
                let (masked, password) = mask_url_password(value);
                let reason = reason.replace(value, &masked);
                if !secret(arg) && password.is_none_or(|p| !reason.contains(p)) {
                    problem.push_str(&format!(" ({reason})"));
                }
            }
            if let Some(allowed) = allowed(arg) {
                problem.push_str(&format!("; allowed: {allowed}"));
            }
            Err(problem)
        }
    }
}

/// Whether clap takes `value` for `arg`, alone.
fn probe(arg: &Arg, value: &str) -> Result<(), clap::Error> {
    // A bare copy: the real arg's `requires`/`conflicts_with` name args this probe lacks.
    let mut probe = Arg::new(arg.get_id().clone())
        .long("value")
        .action(arg.get_action().clone())
        .value_parser(arg.get_value_parser().clone())
        .default_value(value.to_owned());
    if let Some(range) = arg.get_num_args() {
        probe = probe.num_args(range);
    }
    Command::new("faafo-settings").arg(probe).try_get_matches_from(["faafo-settings"]).map(drop)
}

/// The integers `arg` takes, within its type's `min..=max`, found by asking its parser:
/// a ranged parser (`value_parser!(u16).range(1..=256)`) does not say its bounds.
fn integer_range(arg: &Arg, min: i128, max: i128) -> Option<(i128, i128)> {
    let takes = |n: i128| probe(arg, &n.to_string()).is_ok();
    let inside = [0, 1, min, max].into_iter().find(|n| takes(*n))?;
    // Bisects between a refused `out` and an accepted `in_`; the range is contiguous.
    let edge = |mut out: i128, mut in_: i128| {
        while (in_ - out).abs() > 1 {
            let mid = out + (in_ - out) / 2;
            if takes(mid) { in_ = mid } else { out = mid }
        }
        in_
    };
    let low = if takes(min) { min } else { edge(min, inside) };
    let high = if takes(max) { max } else { edge(max, inside) };
    Some((low, high))
}

/// Whether `arg` holds a secret: its environment value is hidden, or its name says so.
fn secret(arg: &Arg) -> bool {
    let id = arg.get_id().as_str();
    arg.is_hide_env_values_set() || ["token", "password", "secret"].iter().any(|w| id.contains(w))
}

/// A value as errors may show it: quoted, a secret hidden, a URL's password masked.
fn shown(arg: &Arg, value: &str) -> String {
    if secret(arg) {
        return "(hidden)".to_owned();
    }
    format!("'{}'", mask_url_password(value).0)
}

/// `scheme://user:password@host…` → `scheme://user:***@host…`, and the password.
fn mask_url_password(value: &str) -> (String, Option<&str>) {
    let unchanged = (value.to_owned(), None);
    let Some(scheme_end) = value.find("://") else { return unchanged };
    let rest = &value[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return unchanged };
    match rest[..at].find(':') {
        Some(colon) => (
            format!("{}{}:***{}", &value[..scheme_end + 3], &rest[..colon], &rest[at..]),
            Some(&rest[colon + 1..at]).filter(|p| !p.is_empty()),
        ),
        None => unchanged,
    }
}

/// What `arg` accepts, when clap knows a short answer.
fn allowed(arg: &Arg) -> Option<String> {
    use std::any::TypeId;
    let names: Vec<String> = arg.get_possible_values().iter().map(|p| p.get_name().to_owned()).collect();
    if !names.is_empty() {
        return Some(format!("one of {}", names.join(", ")));
    }
    let ty = arg.get_value_parser().type_id();
    let integer = |min: i128, max: i128| {
        let (low, high) = integer_range(arg, min, max)?;
        Some(format!("an integer from {low} to {high}"))
    };
    if ty == TypeId::of::<u8>() {
        integer(0, u8::MAX.into())
    } else if ty == TypeId::of::<u16>() {
        integer(0, u16::MAX.into())
    } else if ty == TypeId::of::<u32>() {
        integer(0, u32::MAX.into())
    } else if ty == TypeId::of::<u64>() || ty == TypeId::of::<usize>() {
        integer(0, u64::MAX.into())
    } else if ty == TypeId::of::<i32>() {
        integer(i32::MIN.into(), i32::MAX.into())
    } else if ty == TypeId::of::<i64>() {
        integer(i64::MIN.into(), i64::MAX.into())
    } else if ty == TypeId::of::<f64>() || ty == TypeId::of::<f32>() {
        Some("a number".to_owned())
    } else if ty == TypeId::of::<bool>() {
        Some(BOOLEANS.to_owned())
    } else if ty == TypeId::of::<std::net::IpAddr>() {
        Some("an IPv4 or IPv6 address, such as 127.0.0.1, 0.0.0.0 or ::".to_owned())
    } else if ty == TypeId::of::<std::net::SocketAddr>() {
        Some("an address and port, such as 127.0.0.1:8080".to_owned())
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn ini(text: &str) -> Result<Ini, SettingsError> {
        Ini::parse(text, Path::new("/etc/faafo/faafo.conf"))
    }

    fn syntax_line(e: SettingsError) -> usize {
        match e {
            SettingsError::Syntax { line, .. } => line,
            other => panic!("not a syntax error: {other}"),
        }
    }

    #[test]
    fn ini_reads_both_separators_comments_and_sections() {
        let text = "\
# generated by oslo-config-generator
; another comment

[DEFAULT]
listen-address = 0.0.0.0
bind_port: 80
database_url = mysql://faafo:pa#ss@10.0.88.10:3306/faafo
  # an indented comment
endpoint_url = \"http://127.0.0.1\"
verbose=True

[database]
connection = sqlite://
";
        let ini = ini(text).unwrap();
        assert_eq!(ini.get(SECTION, "listen_address").unwrap().value, "0.0.0.0");
        assert_eq!(ini.get(SECTION, "listen-address").unwrap().line, 5);
        assert_eq!(ini.get(SECTION, "bind_port").unwrap().value, "80");
        // No inline comments: '#' is part of a password.
        assert_eq!(ini.get(SECTION, "database_url").unwrap().value, "mysql://faafo:pa#ss@10.0.88.10:3306/faafo");
        assert_eq!(ini.get(SECTION, "endpoint_url").unwrap().value, "http://127.0.0.1");
        assert_eq!(ini.get(SECTION, "verbose").unwrap().value, "True");
        assert!(ini.get(SECTION, "connection").is_none());
        assert_eq!(ini.get("database", "connection").unwrap().value, "sqlite://");
    }

    #[test]
    fn ini_first_separator_wins_last_key_wins_and_continuations_join() {
        let ini = ini("[DEFAULT]\ntransport_url = amqp://guest:guest@h:5672//\nx: a=b\nx = c\nmulti = one\n  two\n\n")
            .unwrap();
        assert_eq!(ini.get(SECTION, "transport_url").unwrap().value, "amqp://guest:guest@h:5672//");
        assert_eq!(ini.get(SECTION, "x").unwrap().value, "c");
        assert_eq!(ini.values(SECTION, "x").count(), 2);
        assert_eq!(ini.get(SECTION, "multi").unwrap().value, "one\ntwo");
        assert_eq!(ini.get(SECTION, "multi").unwrap().line, 5);
    }

    #[test]
    fn ini_errors_name_file_and_line() {
        let e = ini("[DEFAULT]\nbind_port = 80\n\n[oops\n").unwrap_err();
        assert_eq!(e.to_string(), "/etc/faafo/faafo.conf:4: section header without ']'");
        assert_eq!(syntax_line(ini("[DEFAULT]\nno separator here\n").unwrap_err()), 2);
        assert_eq!(syntax_line(ini("bind_port = 80\n").unwrap_err()), 1);
        assert_eq!(syntax_line(ini("[DEFAULT]\n = 80\n").unwrap_err()), 2);
        assert_eq!(syntax_line(ini("[DEFAULT]\n\n   stray\n").unwrap_err()), 3);
        assert_eq!(syntax_line(ini("[]\n").unwrap_err()), 1);
        // The text of a bad line is not repeated: it may hold a password.
        let e = ini("[DEFAULT]\nhunter2\n").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn masks_url_passwords() {
        assert_eq!(
            mask_url_password("amqp://guest:hunter2@h:5672//"),
            ("amqp://guest:***@h:5672//".to_owned(), Some("hunter2"))
        );
        assert_eq!(mask_url_password("mysql://root@localhost/faafo").0, "mysql://root@localhost/faafo");
        assert_eq!(mask_url_password("http://h/a:b@c").0, "http://h/a:b@c");
        assert_eq!(mask_url_password("plain"), ("plain".to_owned(), None));
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
    enum Level {
        Quiet,
        Loud,
    }

    fn reject_all(v: &str) -> Result<String, String> {
        Err(format!("cannot use {v}"))
    }

    /// A test-only command, shaped like faafo-api's and faafo-worker's.
    #[derive(Debug, Parser)]
    #[command(name = "settings-test")]
    struct Test {
        #[arg(long, default_value = DEFAULT_CONFIG_FILE)]
        config_file: PathBuf,
        #[arg(long, default_value_t = 8080)]
        bind_port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        listen_address: std::net::IpAddr,
        #[arg(long)]
        endpoint_url: Option<String>,
        #[arg(long, value_parser = reject_all)]
        transport_url: Option<String>,
        #[arg(long, hide_env_values = true)]
        worker_token: Option<u32>,
        #[arg(long, conflicts_with = "worker_token")]
        worker_token_file: Option<PathBuf>,
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
        #[arg(long, value_enum, default_value_t = Level::Quiet)]
        level: Level,
        #[arg(long)]
        debug: bool,
        #[arg(long)]
        tag: Vec<String>,
    }

    /// A file holding `text`, unique to this test.
    fn conf(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faafo-settings-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Tests run in parallel: a counter keeps their files apart.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{name}-{n}.conf"));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(path: &Path, extra: &[&str]) -> Result<Test, SettingsError> {
        let mut args = vec!["settings-test".to_owned(), "--config-file".to_owned(), path.display().to_string()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        parse::<Test>(args)
    }

    #[test]
    fn defaults_then_file_then_flags() {
        let empty = conf("empty", "");
        let t = run(&empty, &[]).unwrap();
        assert_eq!(
            (t.bind_port, t.listen_address.to_string(), t.level, t.debug),
            (8080, "127.0.0.1".into(), Level::Quiet, false)
        );

        let file = conf(
            "full",
            "[DEFAULT]
bind_port = 80
listen-address = 0.0.0.0
endpoint_url = http://10.0.88.20
level = loud
debug = True
tag = a
tag = b
log_file = /var/log/x

[other]
bind_port = nonsense
",
        );
        let t = run(&file, &[]).unwrap();
        assert_eq!(t.bind_port, 80);
        assert_eq!(t.listen_address.to_string(), "0.0.0.0");
        assert_eq!(t.endpoint_url.as_deref(), Some("http://10.0.88.20"));
        assert_eq!(t.level, Level::Loud);
        assert!(t.debug);
        assert_eq!(t.tag, ["a", "b"]);

        let t = run(&file, &["--bind-port", "9000", "--level", "quiet", "--tag", "c"]).unwrap();
        assert_eq!((t.bind_port, t.level), (9000, Level::Quiet));
        assert_eq!(t.tag, ["c"]);
        assert_eq!(t.listen_address.to_string(), "0.0.0.0", "the file still fills what flags left unset");
    }

    #[test]
    fn a_flag_beats_the_file_value_of_a_conflicting_option() {
        let file = conf("conflict", "[DEFAULT]\nworker_token = 42\n");
        assert_eq!(run(&file, &[]).unwrap().worker_token, Some(42));
        let t = run(&file, &["--worker-token-file", "/run/token"]).unwrap();
        assert_eq!((t.worker_token, t.worker_token_file), (None, Some(PathBuf::from("/run/token"))));
    }

    #[test]
    fn the_default_file_may_be_missing_a_named_one_may_not() {
        let missing = std::env::temp_dir().join("faafo-settings-test-no-such-dir/faafo.conf");
        let e = run(&missing, &[]).unwrap_err();
        assert!(matches!(e, SettingsError::Read { .. }), "{e}");
        assert!(e.to_string().contains("faafo-settings-test-no-such-dir/faafo.conf"), "{e}");

        /// A command without `config_file` reads the default file; none here.
        #[derive(Debug, Parser)]
        struct Plain {
            #[arg(long, default_value_t = 1)]
            n: u8,
        }
        if !Path::new(DEFAULT_CONFIG_FILE).exists() {
            assert_eq!(parse::<Plain>(["plain"]).unwrap().n, 1);
        }
    }

    fn value_error(text: &str) -> String {
        let file = conf("bad", text);
        match run(&file, &[]).unwrap_err() {
            e @ SettingsError::Value { .. } => e.to_string(),
            other => panic!("not a value error: {other}"),
        }
    }

    #[test]
    fn bad_values_name_file_line_key_and_what_is_allowed() {
        let e = value_error("[DEFAULT]\n\nbind_port = eighty\n");
        assert!(e.contains(".conf:3: bind_port: invalid value 'eighty'"), "{e}");
        assert!(e.contains("allowed: an integer from 0 to 65535"), "{e}");
        let e = value_error("[DEFAULT]\nbind_port = 99999\n");
        assert!(e.contains("65535"), "{e}");
        let e = value_error("[DEFAULT]\nconcurrency = many\n");
        assert!(
            e.contains("concurrency: invalid value 'many'") && e.contains("allowed: an integer from 1 to 256"),
            "{e}"
        );
        let e = value_error("[DEFAULT]\nlisten_address = localhost\n");
        assert!(e.contains(":2: listen_address: invalid value 'localhost'") && e.contains("IPv4 or IPv6"), "{e}");
        let e = value_error("[DEFAULT]\nlevel = medium\n");
        assert!(e.contains("level: invalid value 'medium'; allowed: one of quiet, loud"), "{e}");
        let e = value_error("[DEFAULT]\ndebug = maybe\n");
        assert!(e.contains("debug: invalid value 'maybe'; allowed: true or false"), "{e}");
    }

    #[test]
    fn bad_values_never_show_secrets() {
        let e = value_error("[DEFAULT]\ntransport_url = amqp://guest:hunter2@rabbit:5672//\n");
        assert!(e.contains("'amqp://guest:***@rabbit:5672//' (cannot use amqp://guest:***@rabbit:5672//)"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = value_error("[DEFAULT]\nworker_token = s3cr3t\n");
        assert!(e.contains("worker_token: invalid value (hidden)"), "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
    }

    #[test]
    fn flag_errors_and_help_stay_clap_s() {
        let file = conf("flags", "[DEFAULT]\nbind_port = 80\n");
        let e = run(&file, &["--bind-port", "x"]).unwrap_err();
        assert!(matches!(&e, SettingsError::Args(c) if c.kind() == clap::error::ErrorKind::ValueValidation), "{e}");
        assert!(e.to_string().starts_with("invalid value 'x' for '--bind-port"), "{e}");
        let e = run(&file, &["--help"]).unwrap_err();
        assert!(matches!(&e, SettingsError::Args(c) if c.kind() == clap::error::ErrorKind::DisplayHelp), "{e}");
        // A flag's bad value is reported even though the file has a good one.
        let e = run(&file, &["--no-such-flag"]).unwrap_err();
        assert!(matches!(&e, SettingsError::Args(c) if c.kind() == clap::error::ErrorKind::UnknownArgument), "{e}");
    }
}
