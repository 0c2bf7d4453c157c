//! The rule engine: Suricata-style rules (`alert modbus $HOME_NET any ->
//! $OT_CONTROLLERS 502 (msg:"..."; modbus: function 8, subfunction 1;
//! sid:N; rev:N;)`) with Suricata's Modbus and ENIP/CIP keywords, OPC UA
//! and baseline keywords of our own, thresholds and detection filters,
//! evaluated on the observations of the merged record stream. Matches
//! become `alert.log` records and `notice.log` rows.

mod ast;
mod checks;
mod enip;
mod eval;
mod load;
mod modbus;
mod parse;
pub mod payload;
mod uint;
mod vars;

pub use ast::{Addrs, Cond, Ports, Proto, Rule, Threshold, ThresholdKind};
pub use checks::RuleChecks;
pub use eval::{Engine, EngineStats};
pub use load::{load, vars_for, LoadError, Source};
pub use parse::{baseline_kinds, KEYWORDS};
pub use vars::Vars;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A rule that cannot be used: file, line, column, the rule's sid when
/// it was read, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub sid: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if let Some(sid) = self.sid {
            write!(f, "sid {sid}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A loaded rule set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The rules that could not be used, each with its place and why
    /// (skipped, as Suricata skips them, unless loading is strict).
    pub skipped: Vec<RuleError>,
}

impl RuleSet {
    /// A set of these rules, none skipped.
    pub fn of(rules: Vec<Rule>) -> RuleSet {
        RuleSet {
            rules,
            skipped: Vec::new(),
        }
    }
}

/// The physical lines a rule was read from: (offset in the rule text,
/// line number, column of that offset).
type LineMap = Vec<(usize, usize, usize)>;

/// Rules of one file: joins `\\` continuations, skips comments and blank
/// lines.
fn split(text: &str) -> Vec<(String, LineMap)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut map: LineMap = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        let indent = raw.len() - trimmed.len();
        if cur.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        let (body, more) = match trimmed.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (trimmed.trim_end(), false),
        };
        map.push((cur.len(), i + 1, indent + 1));
        cur.push_str(body);
        if more {
            cur.push(' ');
        } else {
            out.push((std::mem::take(&mut cur), std::mem::take(&mut map)));
        }
    }
    if !cur.is_empty() {
        out.push((cur, map));
    }
    out
}

fn locate(map: &LineMap, offset: usize) -> (usize, usize) {
    let (start, line, col) = map
        .iter()
        .rev()
        .find(|(o, _, _)| *o <= offset)
        .copied()
        .unwrap_or((0, 1, 1));
    (line, col + offset - start)
}

impl RuleSet {
    /// Parses the rules of one file's text.
    pub fn parse(text: &str, file: &Path, vars: &Vars) -> (Vec<Rule>, Vec<RuleError>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (rule_text, map) in split(text) {
            let line = map.first().map_or(1, |m| m.1);
            match parse::rule(&rule_text, vars, file, line) {
                Ok(r) => rules.push(r),
                Err((e, sid)) => {
                    let (line, column) = locate(&map, e.offset);
                    errors.push(RuleError {
                        file: file.to_path_buf(),
                        line,
                        column,
                        sid,
                        message: e.message,
                    });
                }
            }
        }
        (rules, errors)
    }

    /// The `*.rules` files of `path` (a file, or a folder read in name
    /// order).
    pub fn files(path: &Path) -> Result<Vec<PathBuf>, String> {
        if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "rules"))
                .collect();
            v.sort();
            Ok(v)
        } else if path.exists() {
            Ok(vec![path.to_path_buf()])
        } else {
            Err(format!("{}: no such file or directory", path.display()))
        }
    }

    /// The rules of `path`, and every rule it holds that cannot be used (a
    /// parse error, an unreadable file, a sid used before) in `skipped`.
    /// Only a path that cannot be listed is an error.
    pub fn load(path: &Path, vars: &Vars) -> Result<RuleSet, Vec<RuleError>> {
        let files = RuleSet::files(path).map_err(|m| {
            vec![RuleError {
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                sid: None,
                message: m,
            }]
        })?;
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for f in files {
            match std::fs::read_to_string(&f) {
                Ok(text) => {
                    let (r, e) = RuleSet::parse(&text, &f, vars);
                    rules.extend(r);
                    errors.extend(e);
                }
                Err(e) => errors.push(RuleError {
                    file: f.clone(),
                    line: 0,
                    column: 0,
                    sid: None,
                    message: e.to_string(),
                }),
            }
        }
        Ok(RuleSet::of_parts(rules, errors))
    }

    /// A set of `rules` read in order and the `errors` of those that could
    /// not be read: a sid used before is skipped too (Suricata keeps the
    /// first), and the skipped are listed by place.
    pub fn of_parts(rules: Vec<Rule>, mut errors: Vec<RuleError>) -> RuleSet {
        let mut seen: BTreeMap<u32, (PathBuf, usize)> = BTreeMap::new();
        let mut kept = Vec::with_capacity(rules.len());
        for r in rules {
            if let Some((f, l)) = seen.get(&r.sid) {
                errors.push(RuleError {
                    file: r.file.clone(),
                    line: r.line,
                    column: 1,
                    sid: Some(r.sid),
                    message: format!("duplicate sid, first used at {}:{l}", f.display()),
                });
            } else {
                seen.insert(r.sid, (r.file.clone(), r.line));
                kept.push(r);
            }
        }
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        RuleSet {
            rules: kept,
            skipped: errors,
        }
    }
}

#[cfg(test)]
mod tests;
