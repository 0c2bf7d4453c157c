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
