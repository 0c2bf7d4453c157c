//! The sensor's configuration file (TOML): every setting the `live` flags
//! can give, under the same names with `_` for `-`. Flags override the
//! file. Unknown keys and bad values are errors naming the file, line and
//! column.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's settings; all optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub interface: Option<Vec<String>>,
    pub bpf: Option<String>,
    pub snaplen: Option<u32>,
    /// Kernel buffer, MiB.
    pub buffer_mib: Option<u32>,
    pub immediate: Option<bool>,
    pub out: Option<PathBuf>,
    pub log_format: Option<String>,
    pub threads: Option<u16>,
    pub max_flows: Option<u64>,
    pub rules: Option<PathBuf>,
    pub vars: Option<PathBuf>,
    pub alert_window: Option<u64>,
    pub baseline: Option<PathBuf>,
    pub learn_for: Option<String>,
    pub learn_output: Option<PathBuf>,
    pub inventory_interval: Option<String>,
    pub stats_interval: Option<String>,
    pub loss_threshold: Option<f64>,
    pub rotate_interval: Option<String>,
    pub rotate_size_mib: Option<u64>,
    pub cloudwatch_group: Option<String>,
    pub cloudwatch_stream_prefix: Option<String>,
    pub cloudwatch_endpoint: Option<String>,
    pub cloudwatch_logs: Option<Vec<String>>,
    pub cloudwatch_retention: Option<i32>,
    pub spool_dir: Option<PathBuf>,
    pub spool_mib: Option<u64>,
    pub cloudwatch_drain: Option<u64>,
}

/// `1h30m`, `90s`, `2d`, `500ms` or plain seconds, as a duration.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(n));
    }
    let mut total = std::time::Duration::ZERO;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: u64 = num
            .parse()
            .map_err(|_| format!("bad duration {t:?}: expected e.g. 30s, 5m, 1h, 2d"))?;
        num.clear();
        let part = match unit.as_str() {
            "ms" => Some(std::time::Duration::from_millis(n)),
            "s" => Some(std::time::Duration::from_secs(n)),
            "m" => n.checked_mul(60).map(std::time::Duration::from_secs),
            "h" => n.checked_mul(3600).map(std::time::Duration::from_secs),
            "d" => n.checked_mul(86_400).map(std::time::Duration::from_secs),
            u => return Err(format!("bad duration {t:?}: unknown unit {u:?}")),
        };
        total = part
            .and_then(|p| total.checked_add(p))
            .ok_or_else(|| format!("bad duration {t:?}: too long"))?;
    }
    if !num.is_empty() || total.is_zero() {
        return Err(format!("bad duration {t:?}: expected e.g. 30s, 5m, 1h, 2d"));
    }
    Ok(total)
}

impl Config {
    pub fn parse(text: &str, file: &Path) -> Result<Config, String> {
        let c: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|sp| {
                    // A span off a character boundary must not panic.
                    let before = text.get(..sp.start).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    (line, col)
                })
                .unwrap_or((1, 1));
            format!("{}:{line}:{col}: {}", file.display(), e.message())
        })?;
        c.check().map_err(|(key, m)| {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(1, |i| i + 1);
            format!("{}:{line}: {key}: {m}", file.display())
        })?;
        Ok(c)
    }

    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text, path)
    }

    /// Values TOML's types do not check.
    fn check(&self) -> Result<(), (&'static str, String)> {
        for (key, v) in [
            ("learn_for", &self.learn_for),
            ("inventory_interval", &self.inventory_interval),
            ("stats_interval", &self.stats_interval),
            ("rotate_interval", &self.rotate_interval),
        ] {
            if let Some(v) = v {
                duration(v).map_err(|m| (key, m))?;
            }
        }
        if let Some(f) = &self.log_format {
            if f != "json" && f != "tsv" {
                return Err(("log_format", format!("expected json or tsv, found {f:?}")));
            }
        }
        if self.threads == Some(0) {
            return Err(("threads", "expected at least 1".into()));
        }
        if self
            .loss_threshold
            .is_some_and(|t| !(0.0..=100.0).contains(&t))
        {
            return Err(("loss_threshold", "expected a percentage (0-100)".into()));
        }
        if self.interface.as_ref().is_some_and(Vec::is_empty) {
            return Err(("interface", "expected at least one interface".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90").unwrap().as_secs(), 90);
        assert_eq!(duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(duration("2d").unwrap().as_secs(), 172_800);
        assert_eq!(duration("500ms").unwrap().as_millis(), 500);
        assert!(duration("soon").is_err() && duration("5x").is_err());
        // Found by fuzzing: units that overflow are errors, not panics.
        assert!(duration("307445734561825861m")
            .unwrap_err()
            .contains("too long"));
        assert!(duration(&format!("{m}s{m}s", m = u64::MAX))
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let p = Path::new("otwatch.toml");
        let e = Config::parse("interface = [\"eth1\"]\nsnaplen = \"big\"\n", p).unwrap_err();
        assert!(e.starts_with("otwatch.toml:2:11: "), "{e}");
        let e = Config::parse("interfaces = [\"eth1\"]\n", p).unwrap_err();
        assert!(
            e.starts_with("otwatch.toml:1:1: ") && e.contains("unknown field"),
            "{e}"
        );
        let e = Config::parse("\nlearn_for = \"forever\"\n", p).unwrap_err();
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
}
