use std::process::ExitCode;

fn main() -> ExitCode {
    otwatch::cli::main()
}
