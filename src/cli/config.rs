//! `otwatch config check`: every problem `live` would refuse to start on.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Check the file as `otwatch live --config FILE` would: TOML, keys and
    /// values, the BPF filter, the rules, variables and baseline it names,
    /// settings that exclude each other. Prints FILE: OK, or every problem
    /// (file:line) and exits 1.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(command: ConfigCommand) -> ExitCode {
    match command {
        ConfigCommand::Check { file } => match super::check_readable(&file) {
            Err(e) => super::misuse(&e),
            Ok(_) => check(&file),
        },
    }
}

/// Exit 1 when the file has problems (each on its line), 0 when not.
fn check(file: &std::path::Path) -> ExitCode {
    match crate::settings::check_file(file) {
        Ok(()) => super::print_out(&format!("{}: OK\n", file.display())),
        Err(errors) => {
            super::print_errors(&errors);
            ExitCode::from(1)
        }
    }
}
