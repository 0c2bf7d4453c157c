//! Names the commit the binary is built from, for `otwatch --version`:
//! `OTWATCH_COMMIT` from the environment (a package built from a source
//! tarball sets it), else `git rev-parse`, else "unknown".

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=OTWATCH_COMMIT");
    let commit = std::env::var("OTWATCH_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    // Built again when HEAD moves: HEAD itself, the branch it names, and
    // the packed refs (the index is not watched: a `git add` would rebuild).
    // Only files that exist: cargo takes a missing one for changed.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let common = git(&["rev-parse", "--git-common-dir"]).unwrap_or_else(|| dir.clone());
        let mut watched = vec![
            Path::new(&dir).join("HEAD"),
            Path::new(&common).join("packed-refs"),
        ];
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(Path::new(&common).join(head));
        }
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rustc-env=OTWATCH_COMMIT={commit}");
}
