//! One rule per kind of setting value. The configuration file's checks and
//! the settings resolver (for values given as flags) both call these, so a
//! value is judged the same wherever it is given.

use std::time::Duration;

/// `1h30m`, `90s`, `2d`, `500ms` or plain seconds, as a duration longer
/// than zero.
pub fn duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let expected = || format!("bad duration {t:?}: expected e.g. 30s, 5m, 1h, 2d");
    if let Ok(n) = t.parse::<u64>() {
        return if n == 0 {
            Err(expected())
        } else {
            Ok(Duration::from_secs(n))
        };
    }
    let mut total = Duration::ZERO;
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
        let n: u64 = num.parse().map_err(|_| expected())?;
        num.clear();
        let part = match unit.as_str() {
            "ms" => Some(Duration::from_millis(n)),
            "s" => Some(Duration::from_secs(n)),
            "m" => n.checked_mul(60).map(Duration::from_secs),
            "h" => n.checked_mul(3600).map(Duration::from_secs),
            "d" => n.checked_mul(86_400).map(Duration::from_secs),
            u => return Err(format!("bad duration {t:?}: unknown unit {u:?}")),
        };
        total = part
            .and_then(|p| total.checked_add(p))
            .ok_or_else(|| format!("bad duration {t:?}: too long"))?;
    }
    if !num.is_empty() || total.is_zero() {
        return Err(expected());
    }
    Ok(total)
}

/// `json` or `tsv`.
pub fn log_format(f: &str) -> Result<crate::output::LogFormat, String> {
    match f {
        "json" => Ok(crate::output::LogFormat::Json),
        "tsv" => Ok(crate::output::LogFormat::Tsv),
        _ => Err(format!("expected json or tsv, found {f:?}")),
    }
}

/// Most worker threads.
pub const MAX_THREADS: u16 = 256;

pub fn threads(n: u16) -> Result<(), String> {
    match n {
        0 => Err("expected at least 1".into()),
        n if n > MAX_THREADS => Err(format!("expected at most {MAX_THREADS}")),
        _ => Ok(()),
    }
}

/// Counts, sizes and timeouts where zero would mean nothing works.
pub fn at_least_one(n: u64) -> Result<(), String> {
    if n == 0 {
        Err("expected at least 1".into())
    } else {
        Ok(())
    }
}

/// A capture loss that raises a notice.
pub fn percent(p: f64) -> Result<(), String> {
    if (0.0..=100.0).contains(&p) {
        Ok(())
    } else {
        Err("expected a percentage (0-100)".into())
    }
}

/// A multiplier of learned timing (the detection thresholds).
pub fn factor(f: f64) -> Result<(), String> {
    if f.is_finite() && f > 0.0 {
        Ok(())
    } else {
        Err(format!("expected a number above 0, found {f}"))
    }
}

/// A log CloudWatch may be sent besides alerts and notices (or `all`).
pub fn log_name(l: &str) -> Result<(), String> {
    let l = l.trim();
    if l == "all" || crate::output::LOG_NAMES.contains(&l) {
        Ok(())
    } else {
        Err(format!(
            "no log is called {l:?}; logs: all, {}",
            crate::output::LOG_NAMES.join(", ")
        ))
    }
}

/// A CloudWatch Logs group name (CreateLogGroup's rules).
pub fn log_group(g: &str) -> Result<(), String> {
    if g.is_empty()
        || g.len() > 512
        || !g
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
    {
        Err("1-512 characters of a-z, A-Z, 0-9, _ - / . #".into())
    } else {
        Ok(())
    }
}

/// The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn retention(days: i32) -> Result<(), String> {
    if RETENTION_DAYS.contains(&days) {
        Ok(())
    } else {
        Err(format!(
            "CloudWatch keeps events for one of {RETENTION_DAYS:?} days"
        ))
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
        // Zero is no interval, whichever way it is spelled.
        assert!(duration("0").is_err() && duration("0s").is_err());
        // Found by fuzzing: units that overflow are errors, not panics.
        assert!(duration("307445734561825861m")
            .unwrap_err()
            .contains("too long"));
        assert!(duration(&format!("{m}s{m}s", m = u64::MAX))
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn ranges() {
        assert!(threads(0).is_err() && threads(257).is_err() && threads(256).is_ok());
        assert!(at_least_one(0).is_err() && at_least_one(1).is_ok());
        assert!(percent(-1.0).is_err() && percent(100.5).is_err() && percent(0.5).is_ok());
        for bad in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert!(factor(bad).is_err(), "{bad}");
        }
        assert!(factor(0.5).is_ok());
    }

    #[test]
    fn cloudwatch_names() {
        assert!(log_name(" conn ").is_ok() && log_name("all").is_ok());
        assert!(log_name("modbsu")
            .unwrap_err()
            .starts_with("no log is called \"modbsu\"; logs: all, alert,"));
        assert!(log_group("plant-a/line_1.#2").is_ok());
        assert!(log_group("").is_err() && log_group("bad group!").is_err());
        assert!(log_group(&"g".repeat(513)).is_err());
        assert!(retention(90).is_ok() && retention(10).is_err());
    }
}
