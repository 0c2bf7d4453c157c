//! What the packages install beside the binary, made from the command
//! line itself so that they never drift from it: shell completions and
//! man pages. And the message of an internal error.

use super::{failed, Cli};
use std::path::Path;
use std::process::ExitCode;

/// `otwatch completions SHELL`: the script on standard output.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command_with_defaults();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "otwatch", &mut script);
    super::print_out(&String::from_utf8_lossy(&script))
}

/// `otwatch manpages DIR`: `otwatch.1` and `otwatch-SUB.1` (and
/// `otwatch-SUB-SUBSUB.1`) for every visible subcommand.
pub fn manpages(dir: &Path) -> ExitCode {
    let cmd = Cli::command_with_defaults().version(super::VERSION);
    let made = std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir));
    match made {
        Ok(()) => {
            let n = std::fs::read_dir(dir).map_or(0, |d| d.count());
            super::print_out(&format!("{}: {n} man pages\n", dir.display()))
        }
        Err(e) => failed(&format!("{}: {e}", dir.display())),
    }
}

/// Writes the JSON Schema of every log into a folder (`docs/schemas/`),
/// one `<log>.json` each.
pub fn schemas(dir: &Path) -> ExitCode {
    let made = std::fs::create_dir_all(dir).and_then(|()| {
        let all = crate::logs::schema::all();
        for (name, schema) in &all {
            let mut text = serde_json::to_string_pretty(schema).map_err(std::io::Error::other)?;
            text.push('\n');
            std::fs::write(dir.join(format!("{name}.json")), text)?;
        }
        Ok(all.len())
    });
    match made {
        Ok(n) => super::print_out(&format!("{}: {n} log schemas\n", dir.display())),
        Err(e) => failed(&format!("{}: {e}", dir.display())),
    }
}

/// An internal error (a bug) says so in one line with the version, the
/// message and where in otwatch's source it happened, without the build
/// machine's paths.
pub fn panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", source_path(l.file()), l.line()))
            .unwrap_or_default();
        eprintln!(
            "otwatch: internal error{place}: {msg} (otwatch {}; please report it)",
            super::VERSION
        );
    }));
}

/// A source path without the build machine's folders: a dependency's path
/// from its crate folder (`name-1.2.3/src/lib.rs`), otwatch's as it is.
fn source_path(file: &str) -> &str {
    match file.rfind("/registry/src/") {
        Some(i) => {
            let rest = &file[i + "/registry/src/".len()..];
            rest.split_once('/')
                .map_or(rest, |(_, crate_path)| crate_path)
        }
        None if file.starts_with('/') => file.rsplit('/').next().unwrap_or(file),
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::source_path;

    #[test]
    fn source_paths_lose_the_build_machines_folders() {
        assert_eq!(source_path("src/cli/mod.rs"), "src/cli/mod.rs");
        assert_eq!(
            source_path(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pcap-2.5.0/src/lib.rs"
            ),
            "pcap-2.5.0/src/lib.rs"
        );
        assert_eq!(source_path("/rustc/abc/library/core/src/x.rs"), "x.rs");
    }
}
