//! Settings through the binary: `config check` lists every problem of a
//! file at once (and `live` refuses the same file with the same lines);
//! `analyze` and `baseline learn` take a configuration file too, each
//! reading the keys it uses, with flags over the file.

mod common;

use common::*;
use std::path::Path;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `otwatch: error:` lines of a run.
fn errors(o: &std::process::Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter_map(|l| l.strip_prefix("otwatch: error: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn config_check_reports_every_problem_at_once() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("site.toml");
    std::fs::write(
        &f,
        "\
interface = [\"eth1\"]
bpf = \"tcp port 502 and bogus\"
rules = \"/nonexistent/rules\"
baseline = \"/nonexistent/baseline.json\"
learn_for = \"7d\"
rotate_interval = \"hourly\"
snap_len = 1
",
    )
    .unwrap();
    let o = otwatch()
        .args(["config", "check"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let file = f.display().to_string();
    let got = errors(&o);
    let want = [
        format!("{file}:2: bpf: BPF filter \"tcp port 502 and bogus\": libpcap error: "),
        format!("{file}:3: rules: /nonexistent/rules: no such file or directory"),
        format!("{file}:4: baseline: /nonexistent/baseline.json: no such file or directory"),
        format!(
            "{file}:4: baseline: cannot be given with learn_for ({file}:5): learn a baseline or \
             detect with a given one, not both"
        ),
        format!("{file}:6: rotate_interval: bad duration \"hourly\""),
        format!("{file}:7:1: unknown field `snap_len`"),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(&want) {
        assert!(g.starts_with(w.as_str()), "{g}\nexpected {w}");
    }
    // live refuses the same file with the same lines, as misuse.
    let l = otwatch()
        .args(["live", "--config"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(l.status.code(), Some(2));
    assert_eq!(errors(&l), got);
}

#[test]
fn config_check_says_ok_on_a_good_file() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b.json");
    learn_baseline(&pcap("modbus_example.pcap"), &b);
    let f = d.path().join("site.toml");
    std::fs::write(
        &f,
        format!(
            "interface = [\"eth1\"]\nbpf = \"tcp port 502\"\nrules = {:?}\nvars = {:?}\nbaseline = {:?}\n\
             tcp_timeout = 600\ncip_io_interval = 0\ninterval_factor = 3.5\n",
            repo().join("rules").display().to_string(),
            repo().join("rules/vars.conf").display().to_string(),
            b.display().to_string()
        ),
    )
    .unwrap();
    let o = otwatch()
        .args(["config", "check"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{}: OK\n", f.display())
    );
}

fn cip_io_rows(dir: &Path) -> usize {
    if dir.join("cip_io.log").exists() {
        std::fs::read_to_string(dir.join("cip_io.log"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count()
    } else {
        0
    }
}

#[test]
fn analyze_takes_a_config_file_and_flags_win_over_it() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("site.toml");
    // A live sensor's file: analyze ignores the capture keys (but for its
    // BPF filter, which it reads files with).
    std::fs::write(
        &f,
        "interface = [\"eth1\"]\nbpf = \"tcp or udp\"\nlearn_for = \"7d\"\n\
         cip_io_interval = 0\nlog_format = \"tsv\"\nno_rules = true\n",
    )
    .unwrap();
    let cap = pcap("enip_cip_example.pcap");
    let file_only = d.path().join("file");
    let o = analyze(
        &file_only,
        &["--config", f.to_str().unwrap()],
        std::slice::from_ref(&cap),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(cip_io_rows(&file_only), 398, "the file's CIP I/O interval");
    let tsv = std::fs::read_to_string(file_only.join("conn.log")).unwrap();
    assert!(tsv.starts_with("#separator"), "the file's log format");
    let flags = d.path().join("flags");
    let o = analyze(
        &flags,
        &[
            "--config",
            f.to_str().unwrap(),
            "--log-format",
            "json",
            "--cip-io-interval",
            "60",
        ],
        &[cap],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(cip_io_rows(&flags), 24, "the flag's CIP I/O interval");
    assert!(
        read_json_log(&flags.join("conn.log")).len() > 1,
        "the flag's format"
    );
}

#[test]
fn baseline_learn_takes_the_flow_settings_of_a_config_file() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("site.toml");
    // The flow, analyzer and rule keys matter to learning (the rules'
    // matches on normal traffic are learned); a baseline that is not there
    // is no concern of it, rules that are not there are an error.
    std::fs::write(
        &f,
        "interface = [\"eth1\"]\nbaseline = \"/nonexistent/b.json\"\nrules = \"/nonexistent\"\n\
         tcp_timeout = 600\nthreads = 2\n",
    )
    .unwrap();
    let out = d.path().join("b.json");
    let learn = |f: &Path| {
        otwatch()
            .args(["baseline", "learn", "-q", "--config"])
            .arg(f)
            .arg(pcap("plant-good.pcap"))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = learn(&f);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("site.toml:3: rules: /nonexistent: no such file or directory"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        &f,
        "interface = [\"eth1\"]\nbaseline = \"/nonexistent/b.json\"\n\
         tcp_timeout = 600\nthreads = 2\n",
    )
    .unwrap();
    let o = learn(&f);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
    // A file with problems is refused, naming them.
    std::fs::write(&f, "tcp_timeout = 0\nthreads = \"two\"\n").unwrap();
    let o = learn(&f);
    assert_eq!(o.status.code(), Some(2));
    let e = errors(&o);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].ends_with("site.toml:1: tcp_timeout: expected at least 1"),
        "{e:#?}"
    );
    assert!(e[1].contains("site.toml:2:11: invalid type"), "{e:#?}");
}
