//! `otwatch rules check`: every error of a rule set.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

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

pub fn run(command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Check { path, vars } => {
            match crate::rules::load(&path, vars.as_deref(), true) {
                Ok(set) => {
                    println!("{}: {} rules OK", path.display(), set.rules.len());
                    ExitCode::SUCCESS
                }
                Err(e) => super::failed(&e),
            }
        }
    }
}
