//! `otwatch rules check`: every error of a rule set.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Parse every rule; print each error with its file, line, column and
    /// sid, and exit 1 if there is any.
    Check {
        /// A rules file or a folder of *.rules files (default: the pack
        /// built into otwatch).
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
        /// Variables file (default: the pack's, or vars.conf beside the
        /// rules).
        #[arg(long, value_name = "FILE")]
        vars: Option<PathBuf>,
    },
}

pub fn run(command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Check { path, vars } => {
            // What cannot be read is unusable input (2); rules that do
            // not load are the check's finding (1).
            for p in path.iter().chain(vars.iter()) {
                if let Err(e) = super::check_readable(p) {
                    return super::misuse(&e);
                }
            }
            let (source, name) = match path {
                Some(p) => {
                    let name = p.display().to_string();
                    (crate::rules::Source::Path(p), name)
                }
                None => (crate::rules::Source::Builtin, "builtin".to_string()),
            };
            match crate::rules::load(&source, None, vars.as_deref(), true) {
                Ok(set) => super::print_out(&format!("{name}: {} rules OK\n", set.rules.len())),
                Err(e) => super::failed(&e),
            }
        }
    }
}
