//! Rule variables (`$HOME_NET`, `$ENG_WORKSTATIONS`, ...): a file of
//! `NAME = value` lines (Snort's `ipvar NAME value` / `portvar NAME value`
//! too), `#` comments. Values are address or port expressions, checked
//! where a rule uses them.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<String, String>);

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_string(), value.to_string());
    }

    /// Reads a vars file; errors name the file and line.
    pub fn load(path: &Path) -> Result<Vars, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Vars::parse(&text).map_err(|(line, m)| format!("{}:{line}: {m}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Vars, (usize, String)> {
        let mut v = Vars::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, value) = if let Some(rest) = line
                .strip_prefix("ipvar ")
                .or_else(|| line.strip_prefix("portvar "))
                .or_else(|| line.strip_prefix("var "))
            {
                rest.trim()
                    .split_once(char::is_whitespace)
                    .ok_or((i + 1, format!("expected NAME VALUE, found {line:?}")))?
            } else {
                line.split_once('=')
                    .ok_or((i + 1, format!("expected NAME = value, found {line:?}")))?
            };
            let name = name.trim().trim_start_matches('$');
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err((i + 1, format!("bad variable name {name:?}")));
            }
            v.set(name, value.trim());
        }
        Ok(v)
    }
}
