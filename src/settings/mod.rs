//! The one place settings are resolved: command-line flags over the
//! configuration file over the defaults, into the pipeline's configuration,
//! for every mode that reads traffic (`analyze`, `live`, `baseline learn`).
//!
//! Invariants:
//! - A flag wins over the file's key of the same name, the file over the
//!   default ([`defaults`]). Flags and file are the same type ([`Config`]),
//!   a layer each, so every key has one name in both.
//! - Every problem is reported, not the first: the file's own (syntax,
//!   types, values), bad flag values, and what the values used name on disk
//!   (rules, variables, baseline), the BPF filter, and settings that
//!   exclude each other. Each says where its value came from ([`Origin`]).
//! - Each mode reads the keys it uses and ignores the others, so one file
//!   serves them all: `baseline learn` the flow and analyzer keys;
//!   `analyze` also the logs, eve.json, rules, baseline, inventory and CloudWatch
//!   keys; `live` every key.
//! - Resolving writes nothing: it reads the rules, variables and baseline
//!   and compiles the filter, no more.

pub mod defaults;
mod error;

pub use error::{Origin, SettingsError, SettingsErrors};

use crate::baseline::{Baseline, DetectConfig};
use crate::capture::LiveOptions;
use crate::config::{duration, log_format, Config, ConfigFile};
use crate::output::cloudwatch::{Destination, ShipConfig};
use crate::output::LogFormat;
use crate::pipeline::{PipelineConfig, Reload};
use crate::time::Micros;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the settings are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `otwatch analyze`: capture files, logs, rules, baseline detection.
    Analyze,
    /// `otwatch live`: all of `analyze` on interfaces, plus capture,
    /// learning for a while, statistics and rotation.
    Live,
    /// `otwatch baseline learn`: flows and analyzers only, no logs.
    Learn,
}

/// A run's settings, resolved.
#[derive(Debug)]
pub struct Settings {
    pub pipeline: PipelineConfig,
    /// Where the rules and the baseline were loaded from (`live` loads
    /// them again on SIGHUP).
    pub sources: Sources,
    /// Capture settings (`live` only).
    pub live: Option<Live>,
}

/// Where the rules, their variables and the baseline come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sources {
    /// The rules: the built-in pack or a path; none with `--no-rules`.
    pub rules: Option<crate::rules::Source>,
    /// Rules added to them.
    pub rules_add: Option<PathBuf>,
    pub vars: Option<PathBuf>,
    /// Seconds within which a rule's repeats are counted, not alerted.
    pub alert_window: u64,
    /// Refuse a rule set with rules that cannot be used.
    pub strict_rules: bool,
    pub baseline: Option<PathBuf>,
}

/// The files beside a rule source: its variables and the rules added.
#[derive(Clone, Copy)]
struct RuleFiles<'a> {
    vars: Option<&'a (PathBuf, Origin)>,
    add: Option<&'a (PathBuf, Origin)>,
}

/// Why a reload was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Rules(#[from] crate::rules::LoadError),
    #[error(transparent)]
    Baseline(#[from] crate::baseline::FileError),
}

impl Sources {
    /// Loads the rules and the baseline again; an error refuses the whole
    /// reload. Rules that cannot be used are skipped as at start, but a
    /// set in which no rule can be used is refused: the running sensor
    /// keeps its rules rather than go blind on a typo.
    pub fn load(&self) -> Result<Vec<Reload>, ReloadError> {
        let mut out = Vec::new();
        if let Some(source) = &self.rules {
            let set = crate::rules::load(
                source,
                self.rules_add.as_deref(),
                self.vars.as_deref(),
                self.strict_rules,
            )?;
            if set.rules.is_empty() && !set.skipped.is_empty() {
                return Err(crate::rules::LoadError::Rules(set.skipped).into());
            }
            out.push(Reload::Rules(set, self.alert_window));
        }
        if let Some(p) = &self.baseline {
            let b = Baseline::load(p)?;
            out.push(Reload::Baseline(Box::new(b)));
        }
        Ok(out)
    }
}

/// What `live` captures, and how often it reports and rotates.
#[derive(Clone, Debug)]
pub struct Live {
    pub interfaces: Vec<String>,
    pub capture: LiveOptions,
    pub stats_every: Duration,
    /// Percent of packets lost that raises a notice.
    pub loss_threshold: f64,
    pub rotate_every: Option<Duration>,
    pub rotate_bytes: Option<u64>,
    /// Buffered log lines reach the disk at least this often.
    pub flush_every: Duration,
    /// What happens to rotated logs.
    pub retention: crate::output::retention::Retention,
}

impl Settings {
    /// Flags over the configuration file at `config` (when given) over
    /// the defaults.
    pub fn resolve(
        mode: Mode,
        flags: &Config,
        config: Option<&Path>,
    ) -> Result<Settings, SettingsErrors> {
        let file = match config.map(ConfigFile::read).transpose() {
            Ok(f) => f,
            Err(e) => return Err(SettingsErrors(vec![e.into()])),
        };
        Settings::from_layers(mode, flags, file)
    }

    /// Flags over a configuration file already read (its problems are
    /// reported with the others) over the defaults.
    pub fn from_layers(
        mode: Mode,
        flags: &Config,
        file: Option<ConfigFile>,
    ) -> Result<Settings, SettingsErrors> {
        let mut errors = Vec::new();
        let mut file = file;
        let file_complete = file.as_ref().is_none_or(|f| f.errors.is_empty());
        if let Some(f) = file.as_mut() {
            errors.extend(f.errors.drain(..).map(SettingsError::Config));
        }
        errors.extend(flags.problems().into_iter().map(|p| SettingsError::Value {
            origin: Origin::Flag(p.key),
            message: p.message,
        }));
        let mut r = Resolver {
            flags,
            file: file.as_ref(),
            errors,
        };
        let mut pipeline = PipelineConfig::default();
        r.engine(&mut pipeline);
        let mut live = None;
        let sources = match mode {
            Mode::Learn => {
                pipeline.discard_logs = true;
                pipeline.observe.learn = true;
                // What the sensor will see: its filter's traffic.
                pipeline.filter = r.filter();
                r.rules(&mut pipeline)
            }
            Mode::Analyze => r.analysis(mode, &mut pipeline),
            Mode::Live => {
                let sources = r.analysis(mode, &mut pipeline);
                live = Some(r.live(&mut pipeline, file_complete));
                sources
            }
        };
        // The file's problems in file order, then the others.
        r.errors.sort_by_key(|e| e.line().unwrap_or(usize::MAX));
        if r.errors.is_empty() {
            Ok(Settings {
                pipeline,
                sources,
                live,
            })
        } else {
            Err(SettingsErrors(r.errors))
        }
    }
}

/// What `otwatch config check` reports: everything `otwatch live --config
/// FILE` would refuse to start on.
pub fn check_file(path: &Path) -> Result<(), SettingsErrors> {
    Settings::resolve(Mode::Live, &Config::default(), Some(path)).map(drop)
}

/// The CloudWatch settings of `otwatch ship` (flags only): none without a
/// group.
pub fn shipping(flags: &Config, out: &Path) -> Result<Option<ShipConfig>, SettingsErrors> {
    let mut r = Resolver {
        flags,
        file: None,
        errors: Vec::new(),
    };
    let problems = flags.problems();
    if !problems.is_empty() {
        return Err(SettingsErrors(
            problems
                .into_iter()
                .map(|p| SettingsError::Value {
                    origin: Origin::Flag(p.key),
                    message: p.message,
                })
                .collect(),
        ));
    }
    let ship = r.ship(out);
    if !r.errors.is_empty() {
        return Err(SettingsErrors(r.errors));
    }
    Ok(ship)
}

/// The two layers, and the problems found so far.
struct Resolver<'a> {
    flags: &'a Config,
    file: Option<&'a ConfigFile>,
    errors: Vec<SettingsError>,
}

fn secs(s: u32) -> Micros {
    Micros::from_secs(i64::from(s))
}

fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Resolver<'_> {
    /// A setting's value and where it came from: the flag, else the file.
    fn get<T>(&self, key: &'static str, f: impl Fn(&Config) -> Option<T>) -> Option<(T, Origin)> {
        if let Some(v) = f(self.flags) {
            return Some((v, Origin::Flag(key)));
        }
        let file = self.file?;
        f(&file.config).map(|v| {
            (
                v,
                Origin::File {
                    path: file.path.clone(),
                    line: file.line(key),
                    key,
                },
            )
        })
    }

    fn value<T>(&self, key: &'static str, f: impl Fn(&Config) -> Option<T>) -> Option<T> {
        self.get(key, f).map(|(v, _)| v)
    }

    /// A duration setting. Values were judged by `Config::problems`; one
    /// that did not pass is reported there and left at its default here.
    fn duration(
        &self,
        key: &'static str,
        f: impl Fn(&Config) -> Option<String>,
    ) -> Option<Duration> {
        self.value(key, f).and_then(|s| duration(&s).ok())
    }

    /// Threads, flows, reassembly, analyzers: every mode.
    fn engine(&self, p: &mut PipelineConfig) {
        use defaults as d;
        if let Some(t) = self.value("threads", |c| c.threads) {
            p.threads = usize::from(t).max(1);
        }
        let f = &mut p.flow;
        f.max_flows = size(
            self.value("max_flows", |c| c.max_flows)
                .unwrap_or(d::MAX_FLOWS),
        );
        f.tcp_inactivity = secs(
            self.value("tcp_timeout", |c| c.tcp_timeout)
                .unwrap_or(d::TCP_TIMEOUT_SECS),
        );
        f.udp_inactivity = secs(
            self.value("udp_timeout", |c| c.udp_timeout)
                .unwrap_or(d::UDP_TIMEOUT_SECS),
        );
        f.icmp_inactivity = secs(
            self.value("icmp_timeout", |c| c.icmp_timeout)
                .unwrap_or(d::ICMP_TIMEOUT_SECS),
        );
        f.other_inactivity = f.icmp_inactivity;
        f.reassembly_cap = size(
            self.value("reassembly_cap", |c| c.reassembly_cap)
                .unwrap_or(d::REASSEMBLY_CAP),
        );
        f.analyzers.cip_io_interval = secs(
            self.value("cip_io_interval", |c| c.cip_io_interval)
                .unwrap_or(d::CIP_IO_INTERVAL_SECS),
        );
        p.verify_checksums = self
            .value("verify_checksums", |c| c.verify_checksums)
            .unwrap_or(false);
    }

    /// Logs, eve.json, rules, baseline, detection, inventory, CloudWatch: `analyze`
    /// and `live`.
    fn analysis(&mut self, mode: Mode, p: &mut PipelineConfig) -> Sources {
        use defaults as d;
        p.out_dir = self
            .value("out", |c| c.out.clone())
            .unwrap_or_else(|| PathBuf::from(d::OUT));
        p.format = self
            .value("log_format", |c| c.log_format.clone())
            .and_then(|f| log_format(&f).ok())
            .unwrap_or(LogFormat::Json);
        p.observe.inventory_format = p.format;
        p.observe.detect = DetectConfig {
            interval_factor: self
                .value("interval_factor", |c| c.interval_factor)
                .unwrap_or(d::INTERVAL_FACTOR),
            min_interval_samples: self
                .value("min_interval_samples", |c| c.min_interval_samples)
                .unwrap_or(d::MIN_INTERVAL_SAMPLES),
            silence_factor: self
                .value("silence_factor", |c| c.silence_factor)
                .unwrap_or(d::SILENCE_FACTOR),
            min_silence_secs: self
                .value("min_silence", |c| c.min_silence)
                .unwrap_or(d::MIN_SILENCE_SECS),
        };
        let mut sources = self.rules(p);
        let baseline = self.get("baseline", |c| c.baseline.clone());
        if let Some((path, origin)) = &baseline {
            if !path.exists() {
                self.errors.push(SettingsError::Missing {
                    origin: origin.clone(),
                    path: path.clone(),
                });
            } else {
                match Baseline::load(path) {
                    Ok(b) => p.observe.baseline = Some(b),
                    Err(error) => self.errors.push(SettingsError::Baseline {
                        origin: origin.clone(),
                        error,
                    }),
                }
            }
        }
        let inventory = self
            .duration("inventory_interval", |c| c.inventory_interval.clone())
            .or_else(|| {
                (mode == Mode::Live)
                    .then(|| duration(d::LIVE_INVENTORY_INTERVAL).ok())
                    .flatten()
            });
        p.observe.inventory_every = inventory.map(|i| (p.out_dir.clone(), i.as_secs().max(1)));
        if mode == Mode::Analyze {
            p.filter = self.filter();
        }
        p.ship = self.ship(&p.out_dir);
        p.eve = self.eve();
        sources.baseline = baseline.map(|(b, _)| b);
        sources
    }

    /// The rules and their variables: `analyze`, `live` and `baseline
    /// learn`.
    fn rules(&mut self, p: &mut PipelineConfig) -> Sources {
        let alert_window = self
            .value("alert_window", |c| c.alert_window)
            .unwrap_or(defaults::ALERT_WINDOW_SECS);
        let strict_rules = self
            .value("strict_rules", |c| c.strict_rules)
            .unwrap_or(false);
        let rules = self.rules_source();
        let vars = self.get("vars", |c| c.vars.clone());
        let add = self.get("rules_add", |c| c.rules_add.clone());
        if let (Some(add), None) = (&add, &rules) {
            if let Some((_, with)) = self.get("no_rules", |c| c.no_rules.filter(|n| *n)) {
                self.errors.push(SettingsError::Conflict {
                    origin: add.1.clone(),
                    with,
                    why: "add these rules or load none",
                });
            }
        }
        if let Some((source, origin)) = &rules {
            let files = RuleFiles {
                vars: vars.as_ref(),
                add: add.as_ref(),
            };
            if let Some(set) = self.load_rules(source, origin, files, strict_rules) {
                p.observe.rules = Some((set, alert_window));
            }
        }
        Sources {
            rules: rules.map(|(r, _)| r),
            rules_add: add.map(|(a, _)| a),
            vars: vars.map(|(v, _)| v),
            alert_window,
            strict_rules,
            baseline: None,
        }
    }

    /// The rules to load: a flag (`--rules` or `--no-rules`) decides over
    /// the file, the file over the pack built into the binary.
    fn rules_source(&mut self) -> Option<(crate::rules::Source, Origin)> {
        use crate::rules::Source;
        if self.flags.no_rules == Some(true) {
            return None;
        }
        if let Some(r) = &self.flags.rules {
            return Some((Source::Path(r.clone()), Origin::Flag("rules")));
        }
        let file_says = (
            self.get("rules", |c| c.rules.clone()),
            self.get("no_rules", |c| c.no_rules.filter(|n| *n)),
        );
        match file_says {
            (Some((_, origin)), Some((_, with))) => {
                self.errors.push(SettingsError::Conflict {
                    origin,
                    with,
                    why: "load these rules or none",
                });
                None
            }
            (Some((r, origin)), None) => Some((Source::Path(r), origin)),
            (None, Some(_)) => None,
            (None, None) => Some((Source::Builtin, Origin::Default("rules"))),
        }
    }

    /// Loads a rule set, or records every reason it does not load.
    fn load_rules(
        &mut self,
        source: &crate::rules::Source,
        origin: &Origin,
        files: RuleFiles<'_>,
        strict: bool,
    ) -> Option<crate::rules::RuleSet> {
        let RuleFiles { vars, add } = files;
        let path = match source {
            crate::rules::Source::Path(p) => Some((p.as_path(), origin)),
            crate::rules::Source::Builtin => None,
        };
        let mut there = true;
        for (p, o) in [
            path,
            vars.map(|(p, o)| (p.as_path(), o)),
            add.map(|(p, o)| (p.as_path(), o)),
        ]
        .into_iter()
        .flatten()
        {
            if !p.exists() {
                self.errors.push(SettingsError::Missing {
                    origin: o.clone(),
                    path: p.to_path_buf(),
                });
                there = false;
            }
        }
        if !there {
            return None;
        }
        match crate::rules::load(
            source,
            add.map(|(p, _)| p.as_path()),
            vars.map(|(p, _)| p.as_path()),
            strict,
        ) {
            Ok(set) => Some(set),
            Err(crate::rules::LoadError::Vars(message)) => {
                self.errors.push(SettingsError::Vars {
                    origin: vars.map_or(origin, |(_, o)| o).clone(),
                    message,
                });
                None
            }
            Err(crate::rules::LoadError::Rules(list)) => {
                self.errors
                    .extend(list.into_iter().map(|error| SettingsError::Rule {
                        origin: origin.clone(),
                        error,
                    }));
                None
            }
        }
    }

    /// The eve.json file, when asked for. Its directory must exist (a
    /// typo there would otherwise be found only when the first alert is
    /// written, or create a tree nobody meant).
    fn eve(&mut self) -> Option<PathBuf> {
        let (path, origin) = self.get("eve", |c| c.eve.clone())?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if path.as_os_str().is_empty() || path.is_dir() {
            self.errors.push(SettingsError::Value {
                origin,
                message: format!("{}: not a file name", path.display()),
            });
            return None;
        }
        if !dir.is_dir() {
            self.errors.push(SettingsError::Value {
                origin,
                message: format!(
                    "cannot write {}: no such directory {}",
                    path.display(),
                    dir.display()
                ),
            });
            return None;
        }
        Some(path)
    }

    /// CloudWatch shipping, when a group is given, or spooling only (a
    /// one-way site).
    fn ship(&mut self, out: &Path) -> Option<ShipConfig> {
        let group = self.get("cloudwatch_group", |c| c.cloudwatch_group.clone());
        let spool_only = self.get("spool_only", |c| c.spool_only.filter(|s| *s));
        if let (Some((_, origin)), Some((_, with))) = (&spool_only, &group) {
            self.errors.push(SettingsError::Conflict {
                origin: origin.clone(),
                with: with.clone(),
                why: "a one-way site never sends; the group is given to otwatch ship \
                      where the spool is carried",
            });
            return None;
        }
        let send = match group {
            Some((group, _)) => Some(Destination {
                group,
                endpoint: self.value("cloudwatch_endpoint", |c| c.cloudwatch_endpoint.clone()),
                retention_days: self.value("cloudwatch_retention", |c| c.cloudwatch_retention),
                drain_timeout: Duration::from_secs(
                    self.value("cloudwatch_drain", |c| c.cloudwatch_drain)
                        .unwrap_or(defaults::CLOUDWATCH_DRAIN_SECS),
                ),
                rename_streams: None,
                delivered_dir: None,
            }),
            None if spool_only.is_some() => None,
            None => return None,
        };
        Some(ShipConfig {
            send,
            stream_prefix: self
                .value("cloudwatch_stream_prefix", |c| {
                    c.cloudwatch_stream_prefix.clone()
                })
                .unwrap_or_else(crate::output::cloudwatch::default_prefix),
            logs: self
                .value("cloudwatch_logs", |c| c.cloudwatch_logs.clone())
                .unwrap_or_default()
                .iter()
                .map(|l| l.trim().to_string())
                .collect(),
            spool_dir: self
                .value("spool_dir", |c| c.spool_dir.clone())
                .unwrap_or_else(|| out.join("spool")),
            spool_bytes: self
                .value("spool_mib", |c| c.spool_mib)
                .unwrap_or(defaults::SPOOL_MIB)
                .saturating_mul(1 << 20),
            spool_max_age: self
                .duration("spool_max_age", |c| c.spool_max_age.clone())
                .or_else(|| duration(defaults::SPOOL_MAX_AGE).ok())
                .unwrap_or(Duration::from_secs(14 * 86_400)),
        })
    }

    /// The BPF filter, checked (its syntax, for Ethernet: each file's
    /// link type compiles it again when it is read).
    fn filter(&mut self) -> Option<String> {
        let (filter, origin) = self.get("bpf", |c| c.bpf.clone())?;
        match crate::capture::compile_filter(&filter) {
            Ok(()) => Some(filter),
            Err(message) => {
                self.errors.push(SettingsError::Bpf {
                    origin,
                    filter,
                    message,
                });
                None
            }
        }
    }

    /// Interfaces, capture options, learning, statistics and rotation:
    /// `live` only. A file that had problems may have lost its interface
    /// line, so a missing interface is not reported on top of them.
    fn live(&mut self, p: &mut PipelineConfig, file_complete: bool) -> Live {
        use defaults as d;
        let interfaces = self
            .value("interface", |c| c.interface.clone())
            .unwrap_or_default();
        if interfaces.is_empty() && file_complete {
            self.errors.push(SettingsError::NoInterface);
        }
        let bpf = self.get("bpf", |c| c.bpf.clone());
        if let Some((filter, origin)) = &bpf {
            if let Err(message) = crate::capture::compile_filter(filter) {
                self.errors.push(SettingsError::Bpf {
                    origin: origin.clone(),
                    filter: filter.clone(),
                    message,
                });
            }
        }
        let capture = LiveOptions {
            snaplen: self
                .value("snaplen", |c| c.snaplen)
                .unwrap_or(d::SNAPLEN)
                .min(d::MAX_SNAPLEN) as i32,
            buffer_size: (self
                .value("buffer_mib", |c| c.buffer_mib)
                .unwrap_or(d::BUFFER_MIB)
                .min(d::MAX_BUFFER_MIB) as i32)
                << 20,
            promiscuous: true,
            immediate: self.value("immediate", |c| c.immediate).unwrap_or(false),
            bpf: bpf.map(|(f, _)| f),
        };
        if let Some((learn, origin)) = self.get("learn_for", |c| c.learn_for.clone()) {
            if let Some((_, baseline)) = self.get("baseline", |c| c.baseline.clone()) {
                self.errors.push(SettingsError::Conflict {
                    origin: baseline,
                    with: origin,
                    why: "learn a baseline or detect with a given one, not both",
                });
            } else if let Ok(d) = duration(&learn) {
                let out = self
                    .value("learn_output", |c| c.learn_output.clone())
                    .unwrap_or_else(|| p.out_dir.join("baseline.json"));
                p.observe.learn_for = Some((d.as_secs().max(1), out));
            }
        }
        Live {
            interfaces,
            capture,
            stats_every: self
                .duration("stats_interval", |c| c.stats_interval.clone())
                .unwrap_or_else(|| duration(d::STATS_INTERVAL).unwrap_or(Duration::from_secs(60))),
            loss_threshold: self
                .value("loss_threshold", |c| c.loss_threshold)
                .unwrap_or(d::LOSS_THRESHOLD),
            rotate_every: self.duration("rotate_interval", |c| c.rotate_interval.clone()),
            flush_every: self
                .duration("flush_interval", |c| c.flush_interval.clone())
                .unwrap_or_else(|| duration(d::FLUSH_INTERVAL).unwrap_or(Duration::from_secs(1))),
            retention: crate::output::retention::Retention {
                count: self.value("retain_count", |c| c.retain_count),
                age: self.duration("retain_age", |c| c.retain_age.clone()),
                bytes: self
                    .value("retain_size_mib", |c| c.retain_size_mib)
                    .map(|m| m.saturating_mul(1 << 20)),
                compress: self
                    .value("compress_rotated", |c| c.compress_rotated)
                    .unwrap_or(false),
            },
            rotate_bytes: self
                .value("rotate_size_mib", |c| c.rotate_size_mib)
                .map(|m| m.saturating_mul(1 << 20)),
        }
    }
}

#[cfg(test)]
mod tests;
