//! The sensor's configuration file (TOML): every setting the flags of
//! `analyze` and `live` can give, under the same names with `_` for `-`.
//! The settings resolver puts flags over the file and the file over the
//! defaults.
//!
//! A file is judged key by key, so that every problem is found, not the
//! first: syntax errors and unknown keys or values of the wrong type name
//! the file, line and column; values of the right type that cannot be used
//! (a duration that does not parse, an unknown log name) name the file,
//! line and key. A key with a problem is left out of what was read.

mod values;

pub use values::{
    at_least_one, duration, factor, log_format, log_group, log_name, percent, retention, threads,
    MAX_THREADS, RETENTION_DAYS,
};

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The file's settings; all optional (a missing key takes the flag's value
/// or the default).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    // Capture (live only).
    pub interface: Option<Vec<String>>,
    pub bpf: Option<String>,
    pub snaplen: Option<u32>,
    /// Kernel buffer, MiB.
    pub buffer_mib: Option<u32>,
    pub immediate: Option<bool>,
    pub learn_for: Option<String>,
    pub learn_output: Option<PathBuf>,
    pub stats_interval: Option<String>,
    pub loss_threshold: Option<f64>,
    pub rotate_interval: Option<String>,
    pub rotate_size_mib: Option<u64>,
    /// Logs reach the disk at least this often.
    pub flush_interval: Option<String>,
    /// Rotated logs kept: periods, age, total MiB; gzip them.
    pub retain_count: Option<usize>,
    pub retain_age: Option<String>,
    pub retain_size_mib: Option<u64>,
    pub compress_rotated: Option<bool>,

    // Flows, reassembly and analyzers (every mode that reads traffic).
    pub threads: Option<u16>,
    pub max_flows: Option<u64>,
    /// Idle timeouts, seconds.
    pub tcp_timeout: Option<u32>,
    pub udp_timeout: Option<u32>,
    pub icmp_timeout: Option<u32>,
    /// Out-of-order bytes per connection direction.
    pub reassembly_cap: Option<u64>,
    /// Seconds between two cip_io.log rows of one I/O connection.
    pub cip_io_interval: Option<u32>,
    pub verify_checksums: Option<bool>,

    // Logs, rules, baseline, inventory (analyze and live).
    pub out: Option<PathBuf>,
    pub log_format: Option<String>,
    pub rules: Option<PathBuf>,
    /// Rules added to the built-in pack or to `rules`.
    pub rules_add: Option<PathBuf>,
    pub vars: Option<PathBuf>,
    pub no_rules: Option<bool>,
    /// Refuse rules that cannot be used instead of skipping them.
    pub strict_rules: Option<bool>,
    pub alert_window: Option<u64>,
    pub baseline: Option<PathBuf>,
    pub interval_factor: Option<f64>,
    pub min_interval_samples: Option<u64>,
    pub silence_factor: Option<f64>,
    pub min_silence: Option<u64>,
    pub inventory_interval: Option<String>,
    /// Suricata eve.json alert records, one per rule match, to this file.
    pub eve: Option<PathBuf>,

    // CloudWatch Logs (analyze and live).
    pub cloudwatch_group: Option<String>,
    pub cloudwatch_stream_prefix: Option<String>,
    pub cloudwatch_endpoint: Option<String>,
    pub cloudwatch_logs: Option<Vec<String>>,
    pub cloudwatch_retention: Option<i32>,
    pub spool_dir: Option<PathBuf>,
    pub spool_mib: Option<u64>,
    pub spool_max_age: Option<String>,
    /// Spool without sending (a one-way site; `otwatch ship` sends a
    /// carried copy).
    pub spool_only: Option<bool>,
    pub cloudwatch_drain: Option<u64>,
}

/// A value of the right type that cannot be used: the key and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub message: String,
}

/// What is wrong with a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, or a value of the wrong type.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Toml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A value that cannot be used.
    #[error("{}:{line}: {key}: {message}", path.display())]
    Value {
        path: PathBuf,
        line: usize,
        key: &'static str,
        message: String,
    },
}

impl ConfigError {
    /// Where in the file, for sorting: (line, column).
    fn position(&self) -> (usize, usize) {
        match self {
            ConfigError::Read { .. } => (0, 0),
            ConfigError::Toml { line, column, .. } => (*line, *column),
            ConfigError::Value { line, .. } => (*line, 0),
        }
    }
}

/// Every problem of a file, in the order of the file; shown one per line.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::error::Error for ConfigErrors {}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A configuration file as read: the usable keys, where each one is, and
/// the problems of the others.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// The keys without problems.
    pub config: Config,
    /// Every problem, in file order; the keys concerned are not in `config`.
    pub errors: Vec<ConfigError>,
    lines: BTreeMap<String, usize>,
}

/// Line and column (1-based, column in bytes) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // An offset off a character boundary must not panic.
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(ConfigFile::parse(&text, path))
    }

    /// Reads every key it can; see `errors` for the others.
    pub fn parse(text: &str, path: &Path) -> ConfigFile {
        use toml::de::{DeTable, Deserializer};
        use toml::Spanned;
        let toml_error = |e: &toml::de::Error, fallback: usize| {
            let (line, column) = line_col(text, e.span().map_or(fallback, |s| s.start));
            ConfigError::Toml {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        };
        let (table, syntax) = DeTable::parse_recoverable(text);
        let mut errors: Vec<ConfigError> = syntax.iter().map(|e| toml_error(e, 0)).collect();
        // Keys on a line the parser could not read are not judged again.
        let broken: BTreeSet<usize> = errors.iter().map(|e| e.position().0).collect();
        let whole = 0..text.len();
        let mut good = DeTable::new();
        let mut lines = BTreeMap::new();
        for (key, value) in table.into_inner() {
            let at = key.span().start;
            let (line, _) = line_col(text, at);
            if broken.contains(&line) {
                continue;
            }
            let mut one = DeTable::new();
            one.insert(key.clone(), value.clone());
            match Config::deserialize(Deserializer::from(Spanned::new(whole.clone(), one))) {
                Err(e) => errors.push(toml_error(&e, at)),
                Ok(c) => {
                    let problems = c.problems();
                    if problems.is_empty() {
                        lines.insert(key.get_ref().to_string(), line);
                        good.insert(key, value);
                    }
                    errors.extend(problems.into_iter().map(|p| ConfigError::Value {
                        path: path.to_path_buf(),
                        line,
                        key: p.key,
                        message: p.message,
                    }));
                }
            }
        }
        // Each of these keys was read on its own above; together they read.
        let config =
            Config::deserialize(Deserializer::from(Spanned::new(whole, good))).unwrap_or_default();
        errors.sort_by_key(ConfigError::position);
        ConfigFile {
            path: path.to_path_buf(),
            config,
            errors,
            lines,
        }
    }

    /// The line a key was read from.
    pub fn line(&self, key: &str) -> Option<usize> {
        self.lines.get(key).copied()
    }
}

impl Config {
    /// The file's settings, or every problem of the file.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigErrors> {
        let f = ConfigFile::parse(text, file);
        if f.errors.is_empty() {
            Ok(f.config)
        } else {
            Err(ConfigErrors(f.errors))
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let f = ConfigFile::read(path).map_err(|e| ConfigErrors(vec![e]))?;
        if f.errors.is_empty() {
            Ok(f.config)
        } else {
            Err(ConfigErrors(f.errors))
        }
    }

    /// Values TOML's types do not check, each judged on its own (the
    /// settings resolver judges combinations and what is on disk).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut check = |key: &'static str, r: Result<(), String>| {
            if let Err(message) = r {
                out.push(Problem { key, message });
            }
        };
        for (key, v) in [
            ("learn_for", &self.learn_for),
            ("inventory_interval", &self.inventory_interval),
            ("stats_interval", &self.stats_interval),
            ("rotate_interval", &self.rotate_interval),
            ("flush_interval", &self.flush_interval),
            ("retain_age", &self.retain_age),
            ("spool_max_age", &self.spool_max_age),
        ] {
            if let Some(v) = v {
                check(key, duration(v).map(drop));
            }
        }
        if let Some(f) = &self.log_format {
            check("log_format", log_format(f).map(drop));
        }
        if let Some(n) = self.threads {
            check("threads", threads(n));
        }
        for (key, v) in [
            ("max_flows", self.max_flows),
            ("tcp_timeout", self.tcp_timeout.map(u64::from)),
            ("udp_timeout", self.udp_timeout.map(u64::from)),
            ("icmp_timeout", self.icmp_timeout.map(u64::from)),
            ("reassembly_cap", self.reassembly_cap),
            ("rotate_size_mib", self.rotate_size_mib),
            ("spool_mib", self.spool_mib),
        ] {
            if let Some(v) = v {
                check(key, at_least_one(v));
            }
        }
        if let Some(t) = self.loss_threshold {
            check("loss_threshold", percent(t));
        }
        for (key, v) in [
            ("interval_factor", self.interval_factor),
            ("silence_factor", self.silence_factor),
        ] {
            if let Some(v) = v {
                check(key, factor(v));
            }
        }
        if self.interface.as_ref().is_some_and(Vec::is_empty) {
            check("interface", Err("expected at least one interface".into()));
        }
        for l in self.cloudwatch_logs.iter().flatten() {
            check("cloudwatch_logs", log_name(l));
        }
        if let Some(g) = &self.cloudwatch_group {
            check("cloudwatch_group", log_group(g));
        }
        if let Some(d) = self.cloudwatch_retention {
            check("cloudwatch_retention", retention(d));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_line_and_column() {
        let p = Path::new("otwatch.toml");
        let e = Config::parse("interface = [\"eth1\"]\nsnaplen = \"big\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("otwatch.toml:2:11: "), "{e}");
        let e = Config::parse("interfaces = [\"eth1\"]\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("otwatch.toml:1:1: ") && e.contains("unknown field"),
            "{e}"
        );
        let e = Config::parse("\nlearn_for = \"forever\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("otwatch.toml:2: learn_for: bad duration"),
            "{e}"
        );
        let c = Config::parse(
            "interface = [\"eth1\", \"eth2\"]\nbpf = \"tcp port 502\"\nlearn_for = \"1h\"\n",
            p,
        )
        .unwrap();
        assert_eq!(c.interface.unwrap().len(), 2);
    }

    #[test]
    fn every_problem_is_reported_in_file_order_and_the_rest_is_read() {
        let text = "\
threads = 0
snaplen = \"big\"
tcp_timeout = 30
rotate_interval = \"hourly\"
snap_len = 1
cloudwatch_logs = [\"conn\", \"modbsu\"]
interval_factor = -1.0
out = \"/var/log/otwatch\"
";
        let f = ConfigFile::parse(text, Path::new("s.toml"));
        let lines: Vec<String> = f.errors.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 6, "{lines:#?}");
        assert!(lines[0].starts_with("s.toml:1: threads: expected at least 1"));
        assert!(
            lines[1].starts_with("s.toml:2:11: invalid type"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("s.toml:4: rotate_interval: bad duration \"hourly\""));
        assert!(lines[3].starts_with("s.toml:5:1: unknown field `snap_len`"));
        assert!(lines[4].starts_with("s.toml:6: cloudwatch_logs: no log is called \"modbsu\""));
        assert!(lines[5].starts_with("s.toml:7: interval_factor: expected a number above 0"));
        // The good keys are read, with their lines; the bad ones are not.
        assert_eq!(f.config.tcp_timeout, Some(30));
        assert_eq!(f.config.out, Some(PathBuf::from("/var/log/otwatch")));
        assert_eq!(f.config.threads, None);
        assert_eq!((f.line("tcp_timeout"), f.line("out")), (Some(3), Some(8)));
    }

    #[test]
    fn syntax_errors_do_not_hide_the_other_keys() {
        let text = "bpf = \"tcp\"\nsnaplen = \nrotate_interval = \"x\"\n";
        let f = ConfigFile::parse(text, Path::new("s.toml"));
        let lines: Vec<String> = f.errors.iter().map(ToString::to_string).collect();
        assert!(
            lines.first().is_some_and(|l| l.starts_with("s.toml:2:")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("s.toml:3: rotate_interval:")),
            "{lines:#?}"
        );
        assert_eq!(f.config.bpf.as_deref(), Some("tcp"));
    }

    #[test]
    fn every_key_of_the_shipped_example_is_known() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/otwatch.toml"),
        )
        .unwrap();
        let c = Config::parse(&text, Path::new("otwatch.toml")).unwrap();
        assert_eq!(c.interface, Some(vec!["eth1".to_string()]));
    }
}
