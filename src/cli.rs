//! Command line: parses arguments, checks inputs, starts the pipeline, and
//! maps outcomes to exit statuses (0 success, 1 the run failed, 2 misuse or
//! unusable input). No analysis logic lives here.

use crate::capture::FileSource;
use crate::output::LogFormat;
use crate::pipeline::{self, PipelineConfig};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "otwatch",
    version,
    about = "Passive sensor for industrial (OT) networks",
    long_about = "otwatch reads packets from pcap/pcapng files, tracks connections and \
                  dissects OT protocols, and writes Zeek-compatible logs."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze capture files offline and write logs.
    ///
    /// Example: otwatch analyze --out logs/ capture1.pcap capture2.pcapng
    Analyze(Box<AnalyzeArgs>),
    /// Capture live from network interfaces (a SPAN or mirror port) until
    /// SIGINT/SIGTERM; SIGHUP reloads rules, variables and baseline.
    ///
    /// Example: otwatch live -i eth1 --out /var/log/otwatch --learn-for 7d
    Live(Box<LiveArgs>),
    /// Check a configuration file.
    ///
    /// Example: otwatch config check /etc/otwatch/otwatch.toml
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Learn, merge and show baselines of who talks to whom and how.
    ///
    /// Example: otwatch baseline learn good-week.pcap -o baseline.json
    Baseline {
        #[command(subcommand)]
        command: BaselineCommand,
    },
    /// Write the HTML report of a run: network map, devices, alerts,
    /// protocol activity, capture quality. One self-contained file.
    ///
    /// Example: otwatch report otwatch-logs/ -o report.html
    Report {
        /// The run's log directory.
        #[arg(value_name = "LOGS")]
        logs: PathBuf,
        /// Mark the edges that are not in this baseline.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// The HTML file to write.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Write a synthetic, seeded OT capture: PLCs, HMIs, engineering
    /// stations, I/O adapters, OPC UA, IT background (for sizing and
    /// benchmarks).
    ///
    /// Example: otwatch synth -o plant.pcap --bytes 1G --seed 7 --anomalies
    Synth(SynthArgs),
    /// Send what a spool holds to CloudWatch (what a run could not deliver).
    ///
    /// Example: otwatch ship --spool-dir otwatch-logs/spool --cloudwatch-group plant-a
    Ship {
        #[command(flatten)]
        cloudwatch: CloudWatchArgs,
    },
    /// Check rule files.
    ///
    /// Example: otwatch rules check rules/ --vars site.vars
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the device inventory of a run (its log directory) or of a
    /// baseline file.
    ///
    /// Example: otwatch inventory otwatch-logs/ --format csv
    Inventory(InventoryArgs),
}

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Learn a baseline from known-good captures.
    ///
    /// Example: otwatch baseline learn monday.pcap tuesday.pcap -o baseline.json
    Learn(LearnArgs),
    /// Merge baselines (several sensors or periods) into one.
    ///
    /// Example: otwatch baseline merge line1.json line2.json -o plant.json
    Merge {
        /// Baseline files to merge.
        #[arg(required = true, num_args = 2.., value_name = "BASELINE")]
        inputs: Vec<PathBuf>,
        /// The merged baseline.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Print a baseline as a network map (DOT for Graphviz, GraphML) or JSON.
    ///
    /// Example: otwatch baseline show baseline.json --format dot | dot -Tsvg > map.svg
    Show {
        #[arg(value_name = "BASELINE")]
        file: PathBuf,
        #[arg(long, value_enum, default_value = "dot")]
        format: crate::baseline::ShowFormat,
    },
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
    /// At the end of a run, wait this long for the spool to drain.
    #[arg(long, value_name = "SECS")]
    pub cloudwatch_drain: Option<u64>,
}

impl CloudWatchArgs {
    /// Settings that cannot work, named.
    pub fn check(&self) -> Result<(), String> {
        for l in &self.cloudwatch_logs {
            let l = l.trim();
            if l != "all" && !crate::output::LOG_NAMES.contains(&l) {
                return Err(format!(
                    "--cloudwatch-logs: no log is called {l:?}; logs: all, {}",
                    crate::output::LOG_NAMES.join(", ")
                ));
            }
        }
        if self.cloudwatch_group.as_deref().is_some_and(|g| {
            g.is_empty()
                || g.len() > 512
                || !g
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
        }) {
            return Err("--cloudwatch-group: 1-512 characters of a-z, A-Z, 0-9, _ - / . #".into());
        }
        if self
            .cloudwatch_retention
            .is_some_and(|d| !RETENTION_DAYS.contains(&d))
        {
            return Err(format!(
                "--cloudwatch-retention: CloudWatch keeps events for one of {RETENTION_DAYS:?} days"
            ));
        }
        if self.spool_mib == Some(0) {
            return Err("--spool-mib: at least 1".into());
        }
        Ok(())
    }

    /// The shipping settings, when a group is given.
    pub fn ship(&self, out: &Path) -> Option<crate::output::cloudwatch::ShipConfig> {
        let group = self.cloudwatch_group.clone()?;
        Some(crate::output::cloudwatch::ShipConfig {
            group,
            stream_prefix: self
                .cloudwatch_stream_prefix
                .clone()
                .unwrap_or_else(crate::output::cloudwatch::default_prefix),
            endpoint: self.cloudwatch_endpoint.clone(),
            logs: self
                .cloudwatch_logs
                .iter()
                .map(|l| l.trim().to_string())
                .collect(),
            spool_dir: self.spool_dir.clone().unwrap_or_else(|| out.join("spool")),
            spool_bytes: self.spool_mib.unwrap_or(256) << 20,
            retention_days: self.cloudwatch_retention,
            drain_timeout: std::time::Duration::from_secs(self.cloudwatch_drain.unwrap_or(30)),
        })
    }
}

/// The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// The capture to write (classic pcap, Ethernet).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Stop past this many file bytes (suffixes K, M, G: powers of 1024).
    #[arg(long, value_name = "N", conflicts_with = "packets")]
    pub bytes: Option<String>,
    /// Stop at this many packets (default 100000 when --bytes is not given).
    #[arg(long, value_name = "N")]
    pub packets: Option<u64>,
    /// The same seed writes the same capture.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Inject attacks and misuse, listed in FILE.truth.jsonl.
    #[arg(long)]
    pub anomalies: bool,
    /// Instead of the plant: N SYN-only connection attempts, each a
    /// distinct flow (a flow-table stress capture).
    #[arg(long, value_name = "N", conflicts_with_all = ["bytes", "packets", "anomalies"])]
    pub syn_flows: Option<u64>,
}

/// `1G`, `500M`, `64K` or plain bytes.
fn size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("--bytes {t:?}: use a number with K, M or G")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("--bytes {t:?}: use a number with K, M or G"))
}

fn synth(args: &SynthArgs) -> ExitCode {
    let bytes = match args.bytes.as_deref().map(size).transpose() {
        Ok(b) => b,
        Err(e) => return misuse(&e),
    };
    let cfg = otwatch_synth::Config {
        seed: args.seed,
        packets: args
            .packets
            .or(if bytes.is_none() { Some(100_000) } else { None }),
        bytes,
        anomalies: args.anomalies,
        ..otwatch_synth::Config::default()
    };
    let file = match std::fs::File::create(&args.output) {
        Ok(f) => std::io::BufWriter::with_capacity(1 << 20, f),
        Err(e) => return misuse(&format!("{}: {e}", args.output.display())),
    };
    let started = std::time::Instant::now();
    let result = match args.syn_flows {
        Some(n) => otwatch_synth::syn_flood(n, cfg.start_us, file),
        None => otwatch_synth::synthesize(&cfg, file),
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("otwatch: error: {}: {e}", args.output.display());
            return ExitCode::from(1);
        }
    };
    let total: u64 = summary.by_kind.values().map(|v| v.1).sum::<u64>().max(1);
    let kinds: Vec<String> = summary
        .by_kind
        .iter()
        .map(|(k, (n, b))| {
            format!(
                "{k} {:.1}% of packets, {:.1}% of bytes",
                *n as f64 * 100.0 / summary.packets.max(1) as f64,
                *b as f64 * 100.0 / total as f64
            )
        })
        .collect();
    eprintln!(
        "otwatch: wrote {} packets, {} bytes to {} in {:.1} s\n  {}",
        summary.packets,
        summary.bytes,
        args.output.display(),
        started.elapsed().as_secs_f64(),
        kinds.join("\n  ")
    );
    if args.anomalies {
        let mut truth = args.output.clone().into_os_string();
        truth.push(".truth.jsonl");
        let truth = PathBuf::from(truth);
        let text: String = summary.anomalies.iter().map(|a| a.json() + "\n").collect();
        if let Err(e) = std::fs::write(&truth, text) {
            eprintln!("otwatch: error: {}: {e}", truth.display());
            return ExitCode::from(1);
        }
        eprintln!(
            "otwatch: {} anomalies injected, listed in {}",
            summary.anomalies.len(),
            truth.display()
        );
    }
    ExitCode::SUCCESS
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Parse the file; print OK or its first error (file:line), exit 1.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// `otwatch live` (every setting can also come from `--config`; flags win).
#[derive(Args, Debug)]
pub struct LiveArgs {
    /// Interface to capture from (repeat for several).
    #[arg(long = "interface", short = 'i', value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// Configuration file (TOML); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// BPF filter, e.g. "not port 22".
    #[arg(long, value_name = "FILTER")]
    pub bpf: Option<String>,
    /// Bytes captured per packet (default 65535).
    #[arg(long, value_name = "BYTES")]
    pub snaplen: Option<u32>,
    /// Kernel capture buffer in MiB (default 32).
    #[arg(long, value_name = "MIB")]
    pub buffer_mib: Option<u32>,
    /// Deliver packets one by one (drops under load; off by default).
    #[arg(long)]
    pub immediate: bool,
    /// Directory for the logs (default otwatch-logs).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// json (default) or tsv.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Worker threads.
    #[arg(long, value_name = "N")]
    pub threads: Option<u16>,
    /// Rules file or folder (default rules/ when it exists).
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,
    /// Rule variables file.
    #[arg(long, value_name = "FILE")]
    pub vars: Option<PathBuf>,
    /// Do not load rules.
    #[arg(long)]
    pub no_rules: bool,
    /// Rule repeat suppression window, seconds (default 60).
    #[arg(long, value_name = "SECS")]
    pub alert_window: Option<u64>,
    /// Detect deviations from this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Learn a baseline for this long (e.g. 7d), save it, then detect.
    #[arg(long, value_name = "DURATION", conflicts_with = "baseline")]
    pub learn_for: Option<String>,
    /// Where --learn-for saves the baseline (default OUT/baseline.json).
    #[arg(long, value_name = "FILE")]
    pub learn_output: Option<PathBuf>,
    /// Rewrite known_devices.log this often (default 1h).
    #[arg(long, value_name = "DURATION")]
    pub inventory_interval: Option<String>,
    /// stats.log and capture_loss.log this often (default 60s).
    #[arg(long, value_name = "DURATION")]
    pub stats_interval: Option<String>,
    /// Capture loss (percent) that raises a notice (default 1).
    #[arg(long, value_name = "PERCENT")]
    pub loss_threshold: Option<f64>,
    /// Rotate the logs this often (e.g. 1h; default: never).
    #[arg(long, value_name = "DURATION")]
    pub rotate_interval: Option<String>,
    /// Rotate the logs past this many MiB.
    #[arg(long, value_name = "MIB")]
    pub rotate_size_mib: Option<u64>,
    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,
    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl LiveArgs {
    /// Flags over the config file over the defaults.
    pub fn settings(&self) -> Result<crate::live::LiveSettings, String> {
        use crate::config::duration;
        let c = match &self.config {
            Some(p) => crate::config::Config::load(p).map_err(|e| e.to_string())?,
            None => crate::config::Config::default(),
        };
        let interfaces = if self.interfaces.is_empty() {
            c.interface.clone().unwrap_or_default()
        } else {
            self.interfaces.clone()
        };
        if interfaces.is_empty() {
            return Err("no interface: give -i IFACE (or interface = [...] in the config)".into());
        }
        let dur = |flag: &Option<String>, file: &Option<String>, default: &str| {
            duration(flag.as_deref().or(file.as_deref()).unwrap_or(default))
        };
        let mut p = PipelineConfig::default();
        if let Some(t) = self.threads.or(c.threads) {
            if t == 0 {
                return Err("--threads: at least 1".into());
            }
            p.threads = usize::from(t);
        }
        p.out_dir = self
            .out
            .clone()
            .or(c.out.clone())
            .unwrap_or_else(|| PathBuf::from("otwatch-logs"));
        p.format = match self
            .log_format
            .as_deref()
            .or(c.log_format.as_deref())
            .unwrap_or("json")
        {
            "json" => LogFormat::Json,
            "tsv" => LogFormat::Tsv,
            f => return Err(format!("--log-format: expected json or tsv, found {f:?}")),
        };
        if let Some(m) = c.max_flows {
            p.flow.max_flows = usize::try_from(m).unwrap_or(usize::MAX);
        }
        let rules = if self.no_rules {
            None
        } else {
            self.rules
                .clone()
                .or(c.rules.clone())
                .or_else(|| Path::new("rules").is_dir().then(|| PathBuf::from("rules")))
        };
        let vars = self.vars.clone().or(c.vars.clone());
        let alert_window = self.alert_window.or(c.alert_window).unwrap_or(60);
        if let Some(r) = &rules {
            let set = crate::rules::load(r, vars.as_deref()).map_err(|e| e.to_string())?;
            p.observe.rules = Some((set, alert_window));
        }
        let baseline = self.baseline.clone().or(c.baseline.clone());
        if let Some(b) = &baseline {
            p.observe.baseline = Some(crate::baseline::Baseline::load(b)?);
        }
        if let Some(d) = self.learn_for.as_ref().or(c.learn_for.as_ref()) {
            let out = self
                .learn_output
                .clone()
                .or(c.learn_output.clone())
                .unwrap_or_else(|| p.out_dir.join("baseline.json"));
            p.observe.learn_for = Some((duration(d)?.as_secs().max(1), out));
        }
        let inventory = dur(&self.inventory_interval, &c.inventory_interval, "1h")?;
        p.observe.inventory_every = Some((p.out_dir.clone(), inventory.as_secs().max(1)));
        let mut cw = self.cloudwatch.clone();
        cw.cloudwatch_group = cw.cloudwatch_group.or(c.cloudwatch_group.clone());
        cw.cloudwatch_stream_prefix = cw
            .cloudwatch_stream_prefix
            .or(c.cloudwatch_stream_prefix.clone());
        cw.cloudwatch_endpoint = cw.cloudwatch_endpoint.or(c.cloudwatch_endpoint.clone());
        if cw.cloudwatch_logs.is_empty() {
            cw.cloudwatch_logs = c.cloudwatch_logs.clone().unwrap_or_default();
        }
        cw.cloudwatch_retention = cw.cloudwatch_retention.or(c.cloudwatch_retention);
        cw.spool_dir = cw.spool_dir.or(c.spool_dir.clone());
        cw.spool_mib = cw.spool_mib.or(c.spool_mib);
        cw.cloudwatch_drain = cw.cloudwatch_drain.or(c.cloudwatch_drain);
        cw.check()?;
        p.ship = cw.ship(&p.out_dir);
        let capture = crate::capture::LiveOptions {
            snaplen: self.snaplen.or(c.snaplen).unwrap_or(65535).min(262_144) as i32,
            buffer_size: (self.buffer_mib.or(c.buffer_mib).unwrap_or(32).min(2048) as i32) << 20,
            promiscuous: true,
            immediate: self.immediate || c.immediate.unwrap_or(false),
            bpf: self.bpf.clone().or(c.bpf.clone()),
        };
        let rotate_every = match self.rotate_interval.as_ref().or(c.rotate_interval.as_ref()) {
            Some(d) => Some(duration(d)?),
            None => None,
        };
        Ok(crate::live::LiveSettings {
            interfaces,
            capture,
            pipeline: p,
            rules,
            vars,
            alert_window,
            baseline,
            stats_every: dur(&self.stats_interval, &c.stats_interval, "60s")?,
            loss_threshold: self.loss_threshold.or(c.loss_threshold).unwrap_or(1.0),
            rotate_every,
            rotate_bytes: self.rotate_size_mib.or(c.rotate_size_mib).map(|m| m << 20),
            quiet: self.quiet,
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Parse every rule; print each error with its file, line, column and
    /// sid, and exit 1 if there is any.
    Check {
        /// A rules file or a folder of *.rules files.
        #[arg(value_name = "PATH", default_value = "rules")]
        path: PathBuf,
        /// Variables file (default: vars.conf beside the rules, if any).
        #[arg(long, value_name = "FILE")]
        vars: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct LearnArgs {
    /// Known-good capture files, read in the order given.
    #[arg(required = true, value_name = "PCAP")]
    pub pcaps: Vec<PathBuf>,
    /// The baseline file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Worker threads (the baseline is the same for any value).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct InventoryArgs {
    /// A log directory (its known_devices.log), a known_devices.log, or a
    /// baseline file.
    #[arg(value_name = "LOGS-OR-BASELINE")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::inventory::Format,
    /// Same as --format json.
    #[arg(long, conflicts_with_all = ["csv", "format"])]
    pub json: bool,
    /// Same as --format csv.
    #[arg(long, conflicts_with = "format")]
    pub csv: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// One JSON object per line, Zeek's JSON style (unset fields omitted).
    Json,
    /// Zeek's tab-separated format with #fields/#types headers.
    Tsv,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Capture files (pcap or pcapng), read in the order given.
    ///
    /// Example: otwatch analyze day1.pcap day2.pcapng
    #[arg(required = true, value_name = "PCAP")]
    pub pcaps: Vec<PathBuf>,

    /// Directory for the logs (created if missing).
    ///
    /// Example: --out /var/log/otwatch/run1
    #[arg(long, short = 'o', value_name = "DIR", default_value = "otwatch-logs")]
    pub out: PathBuf,

    /// Log format.
    ///
    /// Example: --log-format tsv
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "json")]
    pub log_format: FormatArg,

    /// Worker threads (default: the number of available cores). The logs are
    /// identical for any value.
    ///
    /// Example: --threads 4
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Most connections tracked at once; at the cap the connection closest to
    /// its timeout is logged early and counted as evicted.
    ///
    /// Example: --max-flows 200000
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_flows: u64,

    /// Idle timeout of TCP connections, in seconds (Zeek's default: 300).
    ///
    /// Example: --tcp-timeout 600
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub tcp_timeout: u32,

    /// Idle timeout of UDP flows, in seconds (Zeek's default: 60).
    ///
    /// Example: --udp-timeout 120
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub udp_timeout: u32,

    /// Idle timeout of ICMP and other IP flows, in seconds (Zeek's default: 60).
    ///
    /// Example: --icmp-timeout 30
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub icmp_timeout: u32,

    /// Out-of-order bytes buffered per TCP connection direction before the
    /// missing bytes are declared a gap.
    ///
    /// Example: --reassembly-cap 262144
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub reassembly_cap: u64,

    /// At most one cip_io.log row per CIP I/O connection and direction in
    /// this many seconds (cyclic I/O runs every few milliseconds); 0 logs
    /// every datagram, as the reference analyzer does.
    ///
    /// Example: --cip-io-interval 0
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub cip_io_interval: u32,

    /// Verify IP, TCP, UDP and ICMP checksums and ignore packets that fail,
    /// as Zeek does by default. Off by default because captures taken on a
    /// host carry offloaded, unfilled checksums (Zeek's -C behaviour).
    ///
    /// Example: --verify-checksums
    #[arg(long)]
    pub verify_checksums: bool,

    /// Also rewrite known_devices.log every this many seconds of traffic
    /// (as a live sensor does); it is written at the end of the run anyway.
    ///
    /// Example: --inventory-interval 3600
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub inventory_interval: Option<u64>,

    /// Rules: a file or a folder of *.rules (default: rules/ when it
    /// exists). A rule that does not parse stops the run before it starts.
    ///
    /// Example: --rules /etc/otwatch/rules
    #[arg(long, value_name = "PATH")]
    pub rules: Option<PathBuf>,

    /// Rule variables file (default: vars.conf beside the rules).
    ///
    /// Example: --vars site.vars
    #[arg(long, value_name = "FILE")]
    pub vars: Option<PathBuf>,

    /// Do not load any rules.
    #[arg(long, conflicts_with = "rules")]
    pub no_rules: bool,

    /// Repeats of a rule for the same source and destination within this
    /// many seconds are counted, not alerted.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub alert_window: u64,

    #[command(flatten)]
    pub cloudwatch: CloudWatchArgs,

    /// Also write the HTML report of the run to this file.
    ///
    /// Example: --report report.html
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Detect deviations from this baseline (alerts in notice.log).
    ///
    /// Example: --baseline baseline.json
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Polling anomaly: an interval this many times longer than the longest
    /// learned one (or shorter than the shortest divided by it).
    #[arg(long, value_name = "FACTOR", default_value_t = 4.0)]
    pub interval_factor: f64,

    /// Learned intervals a function needs before its timing is judged.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub min_interval_samples: u64,

    /// Silent edge: no traffic for this many learned periods ...
    #[arg(long, value_name = "FACTOR", default_value_t = 10.0)]
    pub silence_factor: f64,

    /// ... and at least this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub min_silence: u64,

    /// Show progress on stderr (default: only when stderr is a terminal).
    #[arg(long, overrides_with = "no_progress")]
    pub progress: bool,

    /// Never show progress.
    #[arg(long)]
    pub no_progress: bool,

    /// Print nothing on stderr unless something goes wrong.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl AnalyzeArgs {
    pub fn pipeline_config(&self) -> PipelineConfig {
        let mut cfg = PipelineConfig::default();
        if let Some(t) = self.threads {
            cfg.threads = usize::from(t);
        }
        cfg.out_dir = self.out.clone();
        cfg.format = match self.log_format {
            FormatArg::Json => LogFormat::Json,
            FormatArg::Tsv => LogFormat::Tsv,
        };
        cfg.flow.max_flows = usize::try_from(self.max_flows).unwrap_or(usize::MAX);
        cfg.flow.tcp_inactivity = crate::time::Micros::from_secs(i64::from(self.tcp_timeout));
        cfg.flow.udp_inactivity = crate::time::Micros::from_secs(i64::from(self.udp_timeout));
        cfg.flow.icmp_inactivity = crate::time::Micros::from_secs(i64::from(self.icmp_timeout));
        cfg.flow.other_inactivity = cfg.flow.icmp_inactivity;
        cfg.flow.reassembly_cap = usize::try_from(self.reassembly_cap).unwrap_or(usize::MAX);
        cfg.verify_checksums = self.verify_checksums;
        cfg.flow.analyzers.cip_io_interval =
            crate::time::Micros::from_secs(i64::from(self.cip_io_interval));
        cfg.progress =
            !self.quiet && !self.no_progress && (self.progress || std::io::stderr().is_terminal());
        cfg.observe.inventory_every = self.inventory_interval.map(|s| (self.out.clone(), s));
        cfg.ship = self.cloudwatch.ship(&self.out);
        cfg.observe.detect = crate::baseline::DetectConfig {
            interval_factor: self.interval_factor,
            min_interval_samples: self.min_interval_samples,
            silence_factor: self.silence_factor,
            min_silence_secs: self.min_silence,
        };
        cfg
    }
}

/// Checks that a capture argument is a readable capture file; the message
/// names the file and what is wrong with it.
pub fn check_input(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{}: no such file", path.display()),
        std::io::ErrorKind::PermissionDenied => format!("{}: permission denied", path.display()),
        _ => format!("{}: {e}", path.display()),
    })?;
    if meta.is_dir() {
        return Err(format!(
            "{}: is a directory; give the capture files inside it",
            path.display()
        ));
    }
    if let Err(e) = std::fs::File::open(path) {
        return Err(match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                format!("{}: permission denied", path.display())
            }
            _ => format!("{}: {e}", path.display()),
        });
    }
    FileSource::open(path)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Baseline { command } => baseline(command),
        Command::Inventory(args) => inventory(&args),
        Command::Rules { command } => rules(command),
        Command::Synth(args) => synth(&args),
        Command::Ship { cloudwatch } => {
            if let Err(e) = cloudwatch.check() {
                return misuse(&e);
            }
            if cloudwatch.spool_dir.is_none() {
                return misuse("ship: give --spool-dir");
            }
            let Some(cfg) = cloudwatch.ship(Path::new(".")) else {
                return misuse("ship: give --cloudwatch-group");
            };
            match crate::output::cloudwatch::Shipper::start(cfg) {
                Ok(s) => report_shipping(&s.finish()),
                Err(e) => misuse(&e),
            }
        }
        Command::Live(args) => match args.settings() {
            Ok(s) => crate::live::run(s),
            Err(e) => misuse(&e),
        },
        Command::Config {
            command: ConfigCommand::Check { file },
        } => match crate::config::Config::load(&file) {
            Ok(_) => {
                println!("{}: OK", file.display());
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in errors.0 {
                    eprintln!("otwatch: error: {e}");
                }
                ExitCode::from(1)
            }
        },
        Command::Report {
            logs,
            baseline,
            output,
        } => {
            let b = match baseline.as_deref().map(crate::baseline::Baseline::load) {
                Some(Err(e)) => return misuse(&e),
                Some(Ok(b)) => Some(b),
                None => None,
            };
            match write_report(&logs, b.as_ref(), &output) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => misuse(&e),
            }
        }
    }
}

/// Prints the shipping counters; failure (1) when events are left.
pub(crate) fn report_shipping(s: &crate::output::cloudwatch::ShipStats) -> ExitCode {
    eprintln!(
        "  cloudwatch: {} events sent in {} batches ({} retries, {} rejected, {} parked); {} left in the spool; {} dropped (spool full), {} dropped (spool write errors), {} corrupt segments",
        s.sent, s.batches, s.retries, s.rejected, s.parked, s.backlog, s.dropped_full, s.dropped_error, s.corrupt_segments
    );
    for e in &s.errors {
        eprintln!("otwatch: warning: {e}");
    }
    if s.truncated > 0 {
        eprintln!(
            "otwatch: warning: {} messages over 8 MiB were cut short for CloudWatch (marked \"[otwatch truncated N bytes]\"); the local logs hold them whole",
            s.truncated
        );
    }
    if s.parked > 0 {
        eprintln!(
            "otwatch: warning: CloudWatch refused {} events for good; they are kept in the spool directory's parked.jsonl",
            s.parked
        );
    }
    let lost = s.dropped_full + s.dropped_error;
    if lost > 0 {
        eprintln!(
            "otwatch: error: {lost} events were not spooled and will not reach CloudWatch ({} at the spool cap, {} on write errors); they are in the local logs",
            s.dropped_full, s.dropped_error
        );
        return ExitCode::from(1);
    }
    if s.backlog > 0 {
        eprintln!(
            "otwatch: warning: CloudWatch did not take every event; {} stay in the spool and are sent by the next run (or otwatch ship)",
            s.backlog
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn write_report(
    logs: &Path,
    baseline: Option<&crate::baseline::Baseline>,
    output: &Path,
) -> Result<(), String> {
    let html = crate::report::build(logs, baseline)?;
    std::fs::write(output, html).map_err(|e| format!("{}: {e}", output.display()))
}

fn rules(command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Check { path, vars } => match crate::rules::load(&path, vars.as_deref()) {
            Ok(set) => {
                println!("{}: {} rules OK", path.display(), set.rules.len());
                ExitCode::SUCCESS
            }
            Err(m) => {
                eprintln!("otwatch: error: {m}");
                ExitCode::from(1)
            }
        },
    }
}

/// A usage error: the message, exit status 2.
fn misuse(msg: &str) -> ExitCode {
    eprintln!("otwatch: error: {msg}");
    ExitCode::from(2)
}

fn inventory(args: &InventoryArgs) -> ExitCode {
    let devices = match crate::inventory::read_devices(&args.path) {
        Ok(d) => d,
        Err(e) => return misuse(&e),
    };
    let format = if args.json {
        crate::inventory::Format::Json
    } else if args.csv {
        crate::inventory::Format::Csv
    } else {
        args.format
    };
    print!(
        "{}",
        crate::inventory::print(&devices, format, &crate::inventory::RoleConfig::default())
    );
    ExitCode::SUCCESS
}

fn baseline(command: BaselineCommand) -> ExitCode {
    use crate::baseline::Baseline;
    match command {
        BaselineCommand::Learn(args) => {
            for p in &args.pcaps {
                if let Err(msg) = check_input(p) {
                    return misuse(&msg);
                }
            }
            let mut cfg = PipelineConfig::default();
            if let Some(t) = args.threads {
                cfg.threads = usize::from(t);
            }
            cfg.discard_logs = true;
            cfg.observe.learn = true;
            let outcome = pipeline::run_files(&args.pcaps, &cfg);
            if let Some(e) = outcome.error {
                eprintln!("otwatch: error: {e}");
                return ExitCode::from(1);
            }
            let dropped = outcome
                .observed
                .as_ref()
                .map_or((0, 0), |o| (o.inventory.dropped, o.edges_dropped));
            let Some(b) = outcome.observed.and_then(|o| o.baseline) else {
                eprintln!("otwatch: error: internal error: no baseline was learned");
                return ExitCode::from(1);
            };
            if let Err(e) = b.save(&args.output) {
                eprintln!("otwatch: error: {e}");
                return ExitCode::from(1);
            }
            if !args.quiet {
                eprintln!(
                    "otwatch: learned {} devices and {} edges from {} packets; wrote {}",
                    b.devices.len(),
                    b.edges.len(),
                    outcome.summary.decode.packets,
                    args.output.display()
                );
            }
            if dropped.0 + dropped.1 > 0 {
                eprintln!(
                    "otwatch: warning: tables full: {} observations of devices and {} of edges or functions not learned",
                    dropped.0, dropped.1
                );
            }
            ExitCode::SUCCESS
        }
        BaselineCommand::Merge { inputs, output } => {
            let mut merged: Option<Baseline> = None;
            for p in &inputs {
                match Baseline::load(p) {
                    Ok(b) => match merged.as_mut() {
                        Some(m) => m.merge(&b),
                        None => merged = Some(b),
                    },
                    Err(e) => return misuse(&e),
                }
            }
            let merged = merged.unwrap_or_default();
            match merged.save(&output) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("otwatch: error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        BaselineCommand::Show { file, format } => match Baseline::load(&file) {
            Ok(b) => {
                print!("{}", crate::baseline::show(&b, format));
                ExitCode::SUCCESS
            }
            Err(e) => misuse(&e),
        },
    }
}

fn analyze(args: &AnalyzeArgs) -> ExitCode {
    for p in &args.pcaps {
        if let Err(msg) = check_input(p) {
            eprintln!("otwatch: error: {msg}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = args.cloudwatch.check() {
        return misuse(&e);
    }
    let mut cfg = args.pipeline_config();
    let rules_path = match &args.rules {
        Some(p) => Some(p.clone()),
        None if !args.no_rules && Path::new("rules").is_dir() => Some(PathBuf::from("rules")),
        None => None,
    };
    if let Some(p) = rules_path {
        match crate::rules::load(&p, args.vars.as_deref()) {
            Ok(set) => cfg.observe.rules = Some((set, args.alert_window)),
            Err(e) => return misuse(&e.to_string()),
        }
    }
    if let Some(path) = &args.baseline {
        match crate::baseline::Baseline::load(path) {
            Ok(b) => cfg.observe.baseline = Some(b),
            Err(e) => return misuse(&e),
        }
    }
    let outcome = pipeline::run_files(&args.pcaps, &cfg);
    if !args.quiet {
        eprint!("{}", outcome.summary);
        if let Some(o) = &outcome.observed {
            eprint!("  devices: {}", o.inventory.devices.len());
            if o.snapshots > 0 {
                eprint!(" (known_devices.log rewritten {} times)", o.snapshots);
            }
            eprintln!();
            if let Some(r) = &o.rules {
                eprintln!(
                    "  rules: {} loaded, {} alerts ({} repeats suppressed, {} held by thresholds)",
                    r.rules, r.alerts, r.suppressed, r.thresholded
                );
            }
        }
        eprintln!("  logs written to {}", cfg.out_dir.display());
    }
    if let Some(n) = outcome
        .observed
        .as_ref()
        .map(|o| o.inventory.dropped)
        .filter(|n| *n > 0)
    {
        eprintln!(
            "otwatch: warning: inventory full ({} devices): {n} observations of other addresses not recorded",
            crate::inventory::MAX_DEVICES
        );
    }
    let shipping = outcome.shipped.as_ref().map(report_shipping);
    if outcome.error.is_none() {
        if let Some(path) = &args.report {
            if let Err(e) = write_report(&cfg.out_dir, cfg.observe.baseline.as_ref(), path) {
                eprintln!("otwatch: error: {e}");
                return ExitCode::from(1);
            }
            if !args.quiet {
                eprintln!("  report written to {}", path.display());
            }
        }
    }
    match outcome.error {
        None => shipping.unwrap_or(ExitCode::SUCCESS),
        Some(e) => {
            eprintln!("otwatch: error: {e}");
            ExitCode::from(1)
        }
    }
}
