//! `otwatch inventory`: the devices of a run or of a baseline.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InventoryArgs {
    /// A log directory (its known_devices.log), a known_devices.log, or a
    /// baseline file.
    #[arg(value_name = "LOGS-OR-BASELINE")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::inventory::Format,
    /// Same as --format json.
    #[arg(long, conflicts_with_all = ["csv", "format"])]
    pub json: bool,
    /// Same as --format csv.
    #[arg(long, conflicts_with = "format")]
    pub csv: bool,
}

pub fn run(args: &InventoryArgs) -> ExitCode {
    let devices = match crate::inventory::read_devices(&args.path) {
        Ok(d) => d,
        Err(e) => return super::misuse(&e),
    };
    let format = if args.json {
        crate::inventory::Format::Json
    } else if args.csv {
        crate::inventory::Format::Csv
    } else {
        args.format
    };
    super::print_out(&crate::inventory::print(
        &devices,
        format,
        &crate::inventory::RoleConfig::default(),
    ))
}
