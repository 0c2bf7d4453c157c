//! Why settings cannot be used: each problem with where its value came
//! from (a flag, a line of the configuration file, or the default).

use crate::config::ConfigError;
use crate::rules::RuleError;
use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag; its name is the key with `-` for `_`.
    Flag(&'static str),
    /// A key of the configuration file.
    File {
        path: PathBuf,
        line: Option<usize>,
        key: &'static str,
    },
    /// No one gave it (the default `rules/` folder).
    Default(&'static str),
}

impl Origin {
    /// The setting's name with where it came from, for use inside a
    /// sentence: `--learn-for`, `learn_for (otwatch.toml:12)`.
    pub fn name(&self) -> String {
        match self {
            Origin::Flag(k) => format!("--{}", k.replace('_', "-")),
            Origin::File {
                path,
                line: Some(l),
                key,
            } => format!("{key} ({}:{l})", path.display()),
            Origin::File { path, key, .. } => format!("{key} ({})", path.display()),
            Origin::Default(k) => format!("{k} (default)"),
        }
    }
}

/// A line's start: `--bpf`, `otwatch.toml:3: bpf`, `rules (default)`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File {
                path,
                line: Some(l),
                key,
            } => write!(f, "{}:{l}: {key}", path.display()),
            Origin::File { path, key, .. } => write!(f, "{}: {key}", path.display()),
            _ => f.write_str(&self.name()),
        }
    }
}

/// One reason the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The configuration file: unreadable, not TOML, unknown keys, values
    /// of the wrong type or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A value that cannot be used.
    #[error("{origin}: {message}")]
    Value { origin: Origin, message: String },
    /// A file or folder that a setting names is not there.
    #[error("{origin}: {}: no such file or directory", path.display())]
    Missing { origin: Origin, path: PathBuf },
    /// The capture filter does not compile (libpcap's message).
    #[error("{origin}: BPF filter {filter:?}: {message}")]
    Bpf {
        origin: Origin,
        filter: String,
        message: String,
    },
    /// The rule variables do not load.
    #[error("{origin}: {message}")]
    Vars { origin: Origin, message: String },
    /// A rule that does not load (one per rule).
    #[error("{origin}: {error}")]
    Rule { origin: Origin, error: RuleError },
    /// The baseline does not load.
    #[error("{origin}: {error}")]
    Baseline {
        origin: Origin,
        error: crate::baseline::FileError,
    },
    /// Two settings that exclude each other.
    #[error("{origin}: cannot be given with {}: {why}", with.name())]
    Conflict {
        origin: Origin,
        with: Origin,
        why: &'static str,
    },
    /// `live` without an interface.
    #[error("no interface: give -i IFACE (or interface = [...] in the config)")]
    NoInterface,
}

impl SettingsError {
    /// The configuration file's line the problem is on, if it is in the
    /// file.
    pub fn line(&self) -> Option<usize> {
        let origin = match self {
            SettingsError::Config(ConfigError::Toml { line, .. })
            | SettingsError::Config(ConfigError::Value { line, .. }) => return Some(*line),
            SettingsError::Config(ConfigError::Read { .. }) | SettingsError::NoInterface => {
                return None
            }
            SettingsError::Value { origin, .. }
            | SettingsError::Missing { origin, .. }
            | SettingsError::Bpf { origin, .. }
            | SettingsError::Vars { origin, .. }
            | SettingsError::Rule { origin, .. }
            | SettingsError::Baseline { origin, .. }
            | SettingsError::Conflict { origin, .. } => origin,
        };
        match origin {
            Origin::File { line, .. } => *line,
            _ => None,
        }
    }
}

/// Every problem found, one per line.
#[derive(Debug, Default)]
pub struct SettingsErrors(pub Vec<SettingsError>);

impl fmt::Display for SettingsErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsErrors {}

impl SettingsErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, SettingsError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a SettingsErrors {
    type Item = &'a SettingsError;
    type IntoIter = std::slice::Iter<'a, SettingsError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
