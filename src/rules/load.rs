//! A rule set as every mode loads it: the rules of a file or folder with
//! their variables (the given file, else `vars.conf` beside the rules).
//! As Suricata loads rules, a rule that cannot be used is skipped and
//! reported, and the others run; strict loading (`--strict-rules`,
//! `rules check`, like `suricata -T`) refuses the set instead.

use super::{RuleError, RuleSet, Vars};
use std::path::Path;

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

/// Loads the rules at `path` (a file, or a folder of `*.rules`) with their
/// variables. The rules that cannot be used are in the set's `skipped`;
/// `strict` refuses the set when there is any, listing them all.
pub fn load(path: &Path, vars: Option<&Path>, strict: bool) -> Result<RuleSet, LoadError> {
    let vars = vars_for(path, vars)?;
    let set = RuleSet::load(path, &vars).map_err(LoadError::Rules)?;
    if strict && !set.skipped.is_empty() {
        return Err(LoadError::Rules(set.skipped));
    }
    Ok(set)
}
