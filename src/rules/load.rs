//! A rule set as every mode loads it: the default pack built into the
//! binary (the source tree's `rules/`), or the rules of a file or folder,
//! with their variables (the given file, else the pack's or the
//! `vars.conf` beside the rules), and the rules of a file or folder added
//! to either.
//! As Suricata loads rules, a rule that cannot be used is skipped and
//! reported, and the others run; strict loading (`--strict-rules`,
//! `rules check`, like `suricata -T`) refuses the set instead.

use super::{RuleError, RuleSet, Vars};
use std::path::{Path, PathBuf};

/// The default rule pack, built into the binary so that no run depends on
/// its working directory.
const BUILTIN: [(&str, &str); 7] = [
    ("baseline.rules", include_str!("../../rules/baseline.rules")),
    ("enip.rules", include_str!("../../rules/enip.rules")),
    ("modbus.rules", include_str!("../../rules/modbus.rules")),
    ("network.rules", include_str!("../../rules/network.rules")),
    ("opcua.rules", include_str!("../../rules/opcua.rules")),
    ("profinet.rules", include_str!("../../rules/profinet.rules")),
    ("s7comm.rules", include_str!("../../rules/s7comm.rules")),
];
const BUILTIN_VARS: &str = include_str!("../../rules/vars.conf");

/// Where the rules come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The default pack built into the binary (named `builtin:FILE`).
    Builtin,
    /// A rules file, or a folder of `*.rules`.
    Path(PathBuf),
}

/// Why a rule set was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The variables file cannot be read or parsed (the message names it).
    #[error("{0}")]
    Vars(String),
    /// The rules cannot be listed, or (strict) every rule that cannot be
    /// used.
    #[error("{} rule error(s):{}", .0.len(), listed(.0))]
    Rules(Vec<RuleError>),
}

fn listed(errors: &[RuleError]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

/// The variables for the rules at `rules`: `vars` when given, else
/// `vars.conf` in the rules folder (or beside the rules file), else none.
pub fn vars_for(rules: &Path, vars: Option<&Path>) -> Result<Vars, LoadError> {
    if let Some(v) = vars {
        return Vars::load(v).map_err(LoadError::Vars);
    }
    let dir = if rules.is_dir() {
        rules.to_path_buf()
    } else {
        rules.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let default = dir.join("vars.conf");
    if default.exists() {
        Vars::load(&default).map_err(LoadError::Vars)
    } else {
        Ok(Vars::default())
    }
}

/// Loads the rules of `source`, and those of `add` when given, with the
/// variables of `vars` (else the pack's, or `vars.conf` beside the rules).
/// The rules that cannot be used are in the set's `skipped`; `strict`
/// refuses the set when there is any, listing them all.
pub fn load(
    source: &Source,
    add: Option<&Path>,
    vars: Option<&Path>,
    strict: bool,
) -> Result<RuleSet, LoadError> {
    let vars = match (source, vars) {
        (Source::Path(p), v) => vars_for(p, v)?,
        (Source::Builtin, Some(v)) => Vars::load(v).map_err(LoadError::Vars)?,
        (Source::Builtin, None) => Vars::parse(BUILTIN_VARS)
            .map_err(|(line, m)| LoadError::Vars(format!("builtin:vars.conf:{line}: {m}")))?,
    };
    let mut set = match source {
        Source::Builtin => {
            let (mut rules, mut errors) = (Vec::new(), Vec::new());
            for (name, text) in BUILTIN {
                let (r, e) = RuleSet::parse(text, Path::new(&format!("builtin:{name}")), &vars);
                rules.extend(r);
                errors.extend(e);
            }
            RuleSet::of_parts(rules, errors)
        }
        Source::Path(p) => RuleSet::load(p, &vars).map_err(LoadError::Rules)?,
    };
    // Added rules join the set: their sids are checked against it.
    if let Some(a) = add {
        let extra = RuleSet::load(a, &vars).map_err(LoadError::Rules)?;
        set.rules.extend(extra.rules);
        set.skipped.extend(extra.skipped);
        set = RuleSet::of_parts(set.rules, set.skipped);
    }
    if strict && !set.skipped.is_empty() {
        return Err(LoadError::Rules(set.skipped));
    }
    Ok(set)
}
