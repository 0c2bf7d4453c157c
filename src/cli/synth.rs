//! `otwatch synth`: a synthetic, seeded OT capture.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// The plant's size: about N devices, each kind in the default
    /// plant's share (16 Modbus and 12 Logix PLCs, 36 I/O adapters, 6 HMIs,
    /// 2 engineering stations, 3 OPC UA clients, 20 IT hosts: 95). The
    /// flags below set a kind exactly.
    ///
    /// Example: --devices 1000
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub devices: Option<usize>,
    /// PLCs, 4 Modbus for each 3 Logix (at least 9).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub plcs: Option<usize>,
    /// I/O adapters, three per Logix PLC in turn.
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub io_adapters: Option<usize>,
    /// HMIs, each polling eight Modbus and four Logix PLCs (at least 1).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub hmis: Option<usize>,
    /// Engineering stations (at least 2).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub eng_stations: Option<usize>,
    /// OPC UA clients of the plant's OPC UA server (at least 1).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub opcua_clients: Option<usize>,
    /// IT workstations (DNS, web and TLS background; at least 1).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub it_hosts: Option<usize>,
    /// A Siemens cell of N S7-300 CPUs: every HMI polls two of them over
    /// S7comm (Read Var, occasional writes, a Read SZL per session), the
    /// engineering stations download a block to one every 10 minutes, and
    /// each CPU runs PROFINET cyclic I/O with two IO devices, identified
    /// by DCP every 10 minutes (default 0).
    #[arg(long, value_name = "N", help_heading = "Plant size")]
    pub s7_plcs: Option<usize>,
    /// Each IT workstation also opens file-share sessions (TCP 445) to N
    /// other workstations, in turn: a plant with many edges (default 0).
    ///
    /// Example: --devices 1000 --it-peers 40 (about 10,000 edges)
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Plant size"
    )]
    pub it_peers: usize,
}

impl SynthArgs {
    /// The plant's size from `--devices` and the per-kind flags.
    fn sizes(&self) -> Result<otwatch_synth::Sizes, String> {
        let mut s = self
            .devices
            .map_or_else(otwatch_synth::Sizes::default, otwatch_synth::Sizes::scaled);
        if let Some(n) = self.plcs {
            s.logix_plcs = n * 3 / 7;
            s.modbus_plcs = n - s.logix_plcs;
        }
        for (flag, field) in [
            (self.io_adapters, &mut s.io_adapters),
            (self.hmis, &mut s.hmis),
            (self.eng_stations, &mut s.eng_stations),
            (self.opcua_clients, &mut s.opcua_clients),
            (self.it_hosts, &mut s.it_hosts),
            (self.s7_plcs, &mut s.s7_plcs),
        ] {
            if let Some(n) = flag {
                *field = n;
            }
        }
        match s.too_small() {
            Some((flag, min)) => Err(format!(
                "{flag}: the plant needs at least {min} (the injected anomalies and the traffic use them)"
            )),
            None => Ok(s),
        }
    }
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

pub fn run(args: &SynthArgs) -> ExitCode {
    let bytes = match args.bytes.as_deref().map(size).transpose() {
        Ok(b) => b,
        Err(e) => return super::misuse(&e),
    };
    let sizes = match args.sizes() {
        Ok(s) => s,
        Err(e) => return super::misuse(&e),
    };
    let cfg = otwatch_synth::Config {
        seed: args.seed,
        sizes,
        packets: args
            .packets
            .or(if bytes.is_none() { Some(100_000) } else { None }),
        bytes,
        anomalies: args.anomalies,
        it_peers: args.it_peers,
        ..otwatch_synth::Config::default()
    };
    let file = match std::fs::File::create(&args.output) {
        Ok(f) => std::io::BufWriter::with_capacity(1 << 20, f),
        Err(e) => return super::misuse(&format!("{}: {e}", args.output.display())),
    };
    let started = std::time::Instant::now();
    let result = match args.syn_flows {
        Some(n) => otwatch_synth::syn_flood(n, cfg.start_us, file),
        None => otwatch_synth::synthesize(&cfg, file),
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{}: {e}", args.output.display());
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
    tracing::info!(
        "wrote {} packets, {} bytes to {} in {:.1} s\n  {}",
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
            tracing::error!("{}: {e}", truth.display());
            return ExitCode::from(1);
        }
        tracing::info!(
            "{} anomalies injected, listed in {}",
            summary.anomalies.len(),
            truth.display()
        );
    }
    ExitCode::SUCCESS
}
