//! The flags that are settings, shared by the subcommands that take them,
//! so that their names, help and defaults cannot drift: [`EngineArgs`]
//! (every mode that reads traffic), [`AnalysisArgs`] (`analyze` and
//! `live`), [`CloudWatchArgs`] (those and `ship`). Each fills a settings
//! layer ([`Config`], the same keys as the configuration file); a flag
//! left out is `None` there, so the file's value or the default applies.
//! The defaults shown in `--help` come from `settings::defaults`.

use crate::config::Config;
use crate::settings::defaults as d;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Flows, reassembly and analyzers.
#[derive(Args, Debug, Default, Clone)]
pub struct EngineArgs {
    /// Configuration file (TOML): the settings of these flags under the
    /// same names with `_` for `-`; a flag wins over the file.
    ///
    /// Example: --config /etc/otwatch/otwatch.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Worker threads (default: the number of available cores). The logs are
    /// identical for any value.
    ///
    /// Example: --threads 4
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=i64::from(crate::config::MAX_THREADS)))]
    pub threads: Option<u16>,

    /// Most connections tracked at once; at the cap the connection closest to
    /// its timeout is logged early and counted as evicted.
    ///
    /// Example: --max-flows 200000
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_flows: Option<u64>,

    /// Idle timeout of TCP connections, in seconds (Zeek's default: 300).
    ///
    /// Example: --tcp-timeout 600
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    pub tcp_timeout: Option<u32>,

    /// Idle timeout of UDP flows, in seconds (Zeek's default: 60).
    ///
    /// Example: --udp-timeout 120
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    pub udp_timeout: Option<u32>,

    /// Idle timeout of ICMP and other IP flows, in seconds (Zeek's default: 60).
    ///
    /// Example: --icmp-timeout 30
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    pub icmp_timeout: Option<u32>,

    /// Out-of-order bytes buffered per TCP connection direction before the
    /// missing bytes are declared a gap.
    ///
    /// Example: --reassembly-cap 262144
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub reassembly_cap: Option<u64>,

    /// At most one cip_io.log row per CIP I/O connection and direction in
    /// this many seconds (cyclic I/O runs every few milliseconds); 0 logs
    /// every datagram, as the reference analyzer does.
    ///
    /// Example: --cip-io-interval 0
    #[arg(long, value_name = "SECS")]
    pub cip_io_interval: Option<u32>,

    /// Verify IP, TCP, UDP and ICMP checksums and ignore packets that fail,
    /// as Zeek does by default. Off by default because captures taken on a
    /// host carry offloaded, unfilled checksums (Zeek's -C behaviour).
    ///
    /// Example: --verify-checksums
    #[arg(long)]
    pub verify_checksums: bool,
}

impl EngineArgs {
    pub fn fill(&self, c: &mut Config) {
        c.threads = self.threads;
        c.max_flows = self.max_flows;
        c.tcp_timeout = self.tcp_timeout;
        c.udp_timeout = self.udp_timeout;
        c.icmp_timeout = self.icmp_timeout;
        c.reassembly_cap = self.reassembly_cap;
        c.cip_io_interval = self.cip_io_interval;
        c.verify_checksums = self.verify_checksums.then_some(true);
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// One JSON object per line, Zeek's JSON style (unset fields omitted).
    Json,
    /// Zeek's tab-separated format with #fields/#types headers.
    Tsv,
}

impl FormatArg {
    /// The configuration file's spelling.
    fn key(self) -> &'static str {
        match self {
            FormatArg::Json => "json",
            FormatArg::Tsv => "tsv",
        }
    }
}

/// Logs, rules, baseline detection, inventory and shipping, with the
/// engine's flags.
#[derive(Args, Debug, Default, Clone)]
pub struct AnalysisArgs {
    #[command(flatten)]
    pub engine: EngineArgs,

    /// Directory for the logs (created if missing).
    ///
    /// Example: --out /var/log/otwatch/run1
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Log format.
    ///
    /// Example: --log-format tsv
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<FormatArg>,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Detect deviations from this baseline (alerts in notice.log).
    ///
    /// Example: --baseline baseline.json
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Polling anomaly: an interval this many times longer than the longest
    /// learned one (or shorter than the shortest divided by it).
    #[arg(long, value_name = "FACTOR")]
    pub interval_factor: Option<f64>,

    /// Learned intervals a function needs before its timing is judged.
    #[arg(long, value_name = "N")]
    pub min_interval_samples: Option<u64>,

    /// Silent edge: no traffic for this many learned periods ...
    #[arg(long, value_name = "FACTOR")]
    pub silence_factor: Option<f64>,

    /// ... and at least this many seconds.
    #[arg(long, value_name = "SECS")]
    pub min_silence: Option<u64>,

    /// Also rewrite known_devices.log this often, in traffic time (e.g.
    /// 3600 or 1h); it is written at the end of a run anyway. Default for
    /// live: 1h; for analyze: only at the end.
    ///
    /// Example: --inventory-interval 1h
    #[arg(long, value_name = "DURATION")]
    pub inventory_interval: Option<String>,

    /// Also write each rule match as a Suricata eve.json `alert` record
    /// to this file (JSON lines; the directory must exist), for pipelines
    /// built for Suricata.
    ///
    /// Example: --eve /var/log/otwatch/eve.json
    #[arg(long, value_name = "FILE")]
    pub eve: Option<PathBuf>,

    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
}

impl AnalysisArgs {
    /// The flags as a settings layer.
    pub fn layer(&self) -> Config {
        let mut c = Config::default();
        self.fill(&mut c);
        c
    }

    pub fn fill(&self, c: &mut Config) {
        self.engine.fill(c);
        c.out = self.out.clone();
        c.log_format = self.log_format.map(|f| f.key().to_string());
        self.rules.fill(c);
        c.baseline = self.baseline.clone();
        c.interval_factor = self.interval_factor;
        c.min_interval_samples = self.min_interval_samples;
        c.silence_factor = self.silence_factor;
        c.min_silence = self.min_silence;
        c.inventory_interval = self.inventory_interval.clone();
        c.eve = self.eve.clone();
        self.cloudwatch.fill(c);
    }
}

/// The rules to match, for `analyze`, `live` and `baseline learn` (which
/// learns the matches of known-good traffic).
#[derive(Args, Debug, Default, Clone)]
pub struct RuleArgs {
    /// Rules: a file or a folder of *.rules, instead of the default pack
    /// built into otwatch. A rule that cannot be used is reported with its
    /// place and skipped, as Suricata does (see --strict-rules).
    ///
    /// Example: --rules /etc/otwatch/rules
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,

    /// Rules added to the default pack (or to --rules): a file or a folder
    /// of *.rules.
    ///
    /// Example: --rules-add /etc/otwatch/local.rules
    #[arg(long, value_name = "PATH", conflicts_with = "no_rules")]
    pub rules_add: Option<PathBuf>,

    /// Rule variables file (default: the pack's, or vars.conf beside
    /// --rules).
    ///
    /// Example: --vars site.vars
    #[arg(long, value_name = "FILE")]
    pub vars: Option<PathBuf>,

    /// Do not load any rules.
    #[arg(long, conflicts_with = "rules")]
    pub no_rules: bool,

    /// Refuse to start when a rule cannot be used (as `suricata -T`),
    /// instead of skipping it.
    #[arg(long)]
    pub strict_rules: bool,

    /// Repeats of a rule for the same source and destination within this
    /// many seconds are counted, not alerted.
    #[arg(long, value_name = "SECS")]
    pub alert_window: Option<u64>,
}

impl RuleArgs {
    pub fn fill(&self, c: &mut Config) {
        c.rules = self.rules.clone();
        c.rules_add = self.rules_add.clone();
        c.vars = self.vars.clone();
        c.no_rules = self.no_rules.then_some(true);
        c.strict_rules = self.strict_rules.then_some(true);
        c.alert_window = self.alert_window;
    }
}

/// CloudWatch Logs shipping (AWS region and credentials come from the
/// standard AWS settings: environment, profile, instance or task role).
#[derive(Args, Debug, Default, Clone)]
pub struct CloudWatchArgs {
    /// Ship alerts (and --cloudwatch-logs) to this log group; turns shipping on.
    #[arg(long, value_name = "NAME")]
    pub cloudwatch_group: Option<String>,
    /// Stream names are PREFIX/<log> (default: the host name).
    #[arg(long, value_name = "PREFIX")]
    pub cloudwatch_stream_prefix: Option<String>,
    /// A custom endpoint (VPC interface endpoint, test server).
    #[arg(long, value_name = "URL")]
    pub cloudwatch_endpoint: Option<String>,
    /// Logs shipped besides alerts and notices, comma-separated (or all).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub cloudwatch_logs: Vec<String>,
    /// Retention of the group in days, set when otwatch creates it.
    #[arg(long, value_name = "DAYS")]
    pub cloudwatch_retention: Option<i32>,
    /// Store-and-forward spool (default: OUT/spool).
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
    /// Spool size for bulk logs in MiB (alerts get a quarter more).
    #[arg(long, value_name = "MIB")]
    pub spool_mib: Option<u64>,
    /// Spooled events older than this are dropped (and counted).
    #[arg(long, value_name = "DURATION")]
    pub spool_max_age: Option<String>,
    /// A one-way (data-diode) site: spool without ever connecting; the
    /// spool keeps the latest events, and a copy carried across is sent
    /// by otwatch ship.
    #[arg(long, conflicts_with = "cloudwatch_group")]
    pub spool_only: bool,
    /// At the end of a run, wait this long for the spool to drain.
    #[arg(long, value_name = "SECS")]
    pub cloudwatch_drain: Option<u64>,
}

impl CloudWatchArgs {
    pub fn layer(&self) -> Config {
        let mut c = Config::default();
        self.fill(&mut c);
        c
    }

    pub fn fill(&self, c: &mut Config) {
        c.cloudwatch_group = self.cloudwatch_group.clone();
        c.cloudwatch_stream_prefix = self.cloudwatch_stream_prefix.clone();
        c.cloudwatch_endpoint = self.cloudwatch_endpoint.clone();
        c.cloudwatch_logs =
            (!self.cloudwatch_logs.is_empty()).then(|| self.cloudwatch_logs.clone());
        c.cloudwatch_retention = self.cloudwatch_retention;
        c.spool_dir = self.spool_dir.clone();
        c.spool_mib = self.spool_mib;
        c.spool_max_age = self.spool_max_age.clone();
        c.spool_only = self.spool_only.then_some(true);
        c.cloudwatch_drain = self.cloudwatch_drain;
    }
}

/// `otwatch ship`: where a spool goes (what is in it was chosen by the run
/// that wrote it).
#[derive(Args, Debug, Default, Clone)]
pub struct ShipArgs {
    /// The spool to send (a run's OUT/spool, or a copy carried across).
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
    /// The log group to send to.
    #[arg(long, value_name = "NAME")]
    pub cloudwatch_group: Option<String>,
    /// Send into streams PREFIX/<log> (default: the streams the run named).
    #[arg(long, value_name = "PREFIX")]
    pub cloudwatch_stream_prefix: Option<String>,
    /// A custom endpoint (VPC interface endpoint, test server).
    #[arg(long, value_name = "URL")]
    pub cloudwatch_endpoint: Option<String>,
    /// Retention of the group in days, set when otwatch creates it.
    #[arg(long, value_name = "DAYS")]
    pub cloudwatch_retention: Option<i32>,
    /// Give up after this long when CloudWatch does not take the events.
    #[arg(long, value_name = "SECS")]
    pub cloudwatch_drain: Option<u64>,
    /// Where what was delivered is kept per spool, so a spool carried
    /// across again sends each event once (default:
    /// $XDG_STATE_HOME/otwatch/delivered, or ~/.local/state/otwatch/delivered).
    #[arg(long, value_name = "DIR")]
    pub delivered_dir: Option<PathBuf>,
    /// Send again the events CloudWatch refused for good (the spool
    /// directory's parked.jsonl), once the cause is fixed.
    #[arg(long)]
    pub parked: bool,
}

impl ShipArgs {
    pub fn layer(&self) -> Config {
        Config {
            cloudwatch_group: self.cloudwatch_group.clone(),
            cloudwatch_stream_prefix: self.cloudwatch_stream_prefix.clone(),
            cloudwatch_endpoint: self.cloudwatch_endpoint.clone(),
            cloudwatch_retention: self.cloudwatch_retention,
            spool_dir: self.spool_dir.clone(),
            cloudwatch_drain: self.cloudwatch_drain,
            ..Config::default()
        }
    }
}

/// The default of a flag as `--help` shows it, per subcommand (`live` and
/// `analyze` differ on the inventory interval).
fn default_shown(subcommand: &str, id: &str) -> Option<String> {
    let live = subcommand == "live";
    Some(match id {
        "out" => d::OUT.into(),
        "log_format" => d::LOG_FORMAT.into(),
        "max_flows" => d::MAX_FLOWS.to_string(),
        "tcp_timeout" => d::TCP_TIMEOUT_SECS.to_string(),
        "udp_timeout" => d::UDP_TIMEOUT_SECS.to_string(),
        "icmp_timeout" => d::ICMP_TIMEOUT_SECS.to_string(),
        "reassembly_cap" => d::REASSEMBLY_CAP.to_string(),
        "cip_io_interval" => d::CIP_IO_INTERVAL_SECS.to_string(),
        "alert_window" => d::ALERT_WINDOW_SECS.to_string(),
        "interval_factor" => d::INTERVAL_FACTOR.to_string(),
        "min_interval_samples" => d::MIN_INTERVAL_SAMPLES.to_string(),
        "silence_factor" => d::SILENCE_FACTOR.to_string(),
        "min_silence" => d::MIN_SILENCE_SECS.to_string(),
        "spool_mib" => d::SPOOL_MIB.to_string(),
        "spool_max_age" => d::SPOOL_MAX_AGE.into(),
        "cloudwatch_drain" => d::CLOUDWATCH_DRAIN_SECS.to_string(),
        "stats_interval" if live => d::STATS_INTERVAL.into(),
        "flush_interval" if live => d::FLUSH_INTERVAL.into(),
        "loss_threshold" if live => d::LOSS_THRESHOLD.to_string(),
        "snaplen" if live => d::SNAPLEN.to_string(),
        "buffer_mib" if live => d::BUFFER_MIB.to_string(),
        _ => return None,
    })
}

/// Appends `[default: X]` to the help of every flag whose default the
/// resolver applies (clap's own defaults would hide a file's value).
fn show_default(subcommand: &str, a: clap::Arg) -> clap::Arg {
    let Some(shown) = default_shown(subcommand, a.get_id().as_str()) else {
        return a;
    };
    let long = a
        .get_long_help()
        .map(|h| format!("{h}\n\n[default: {shown}]"));
    let short = a.get_help().map(|h| format!("{h} [default: {shown}]"));
    let a = match long {
        Some(l) => a.long_help(l),
        None => a,
    };
    match short {
        Some(s) => a.help(s),
        None => a,
    }
}

/// The command line with the resolver's defaults in its help.
pub fn show_defaults(cmd: clap::Command) -> clap::Command {
    fn each(c: clap::Command) -> clap::Command {
        let name = c.get_name().to_string();
        let c = c.mut_args(|a| show_default(&name, a));
        c.mut_subcommands(each)
    }
    cmd.mut_subcommands(each)
}
