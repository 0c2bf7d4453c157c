//! Bad input gets one clear error line that names the file (and packet),
//! exit status 2 for unusable arguments and 1 for a run that failed part way,
//! and everything decoded before a failure is still written out.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run_on(path: &Path) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(&dir.path().join("logs"), &[], &[path.to_path_buf()]);
    (o, dir)
}

#[test]
fn missing_file_is_a_usage_error() {
    let (o, _d) = run_on(Path::new("/nonexistent/capture.pcap"));
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("/nonexistent/capture.pcap: no such file"), "{e}");
}

#[test]
fn directory_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let (o, _x) = run_on(d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn unreadable_file_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("secret.pcap");
    std::fs::copy(pcap("modbus_example.pcap"), &f).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = d.path().join("logs");
    // root reads any file, so run the sensor as an unprivileged user then.
    let o = if unsafe_is_root() {
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_otwatch"))
            .args(["analyze", "--quiet", "--out"])
            .arg(&out)
            .arg(&f)
            .output()
            .expect("setpriv (util-linux) runs the sensor as nobody")
    } else {
        analyze(&out, &[], std::slice::from_ref(&f))
    };
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("secret.pcap: permission denied"),
        "{}",
        stderr(&o)
    );
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn not_a_capture_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("notes.pcap");
    std::fs::write(&f, "this is not a capture file\n").unwrap();
    let (o, _x) = run_on(&f);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("notes.pcap: cannot read capture"), "{e}");
}

#[test]
fn unsupported_link_type_is_named() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("wifi.pcap");
    let mut w = PcapWriter::new(105, 65535);
    w.packet(1_000_000, &[0u8; 40]);
    w.write(&f);
    let (o, _x) = run_on(&f);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("wifi.pcap: unsupported link type 105 (IEEE802_11)"),
        "{e}"
    );
}

/// Offsets of the record headers of a classic pcap file.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offs = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        offs.push(at);
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    offs
}

fn truncated_copy(dir: &Path, cut_in_packet: usize) -> PathBuf {
    let bytes = std::fs::read(pcap("modbus-and-non-modbus-p502.pcap")).unwrap();
    let offs = record_offsets(&bytes);
    // Cut in the middle of the data of packet `cut_in_packet` (1-based).
    let cut = offs[cut_in_packet - 1] + 16 + 10;
    let f = dir.join("cut.pcap");
    std::fs::write(&f, &bytes[..cut]).unwrap();
    f
}

#[test]
fn truncated_file_names_the_packet_and_keeps_what_came_before() {
    let d = tempfile::tempdir().unwrap();
    let f = truncated_copy(d.path(), 40);
    let (o, x) = run_on(&f);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("cut.pcap: packet 40: "), "{e}");
    assert!(e.contains("truncated"), "{e}");
    // The 39 packets read were analysed and logged.
    let conns = read_json_log(&x.path().join("logs/conn.log"));
    assert!(!conns.is_empty());
    let stats = read_json_log(&x.path().join("logs/otwatch_stats.log"));
    assert_eq!(stats[0]["pkts_proc"], 39);
}

#[test]
fn corrupt_record_header_names_the_packet() {
    let d = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(pcap("modbus_example.pcap")).unwrap();
    let offs = record_offsets(&bytes);
    // Packet 5 claims a captured length far beyond any snaplen.
    let at = offs[4] + 8;
    bytes[at..at + 4].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let f = d.path().join("corrupt.pcap");
    std::fs::write(&f, &bytes).unwrap();
    let (o, x) = run_on(&f);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("corrupt.pcap: packet 5: "),
        "{}",
        stderr(&o)
    );
    let stats = read_json_log(&x.path().join("logs/otwatch_stats.log"));
    assert_eq!(stats[0]["pkts_proc"], 4);
}

/// Files are independent: a damaged file between two good ones is named
/// with the packet where it broke, and both good files are analyzed.
#[test]
fn a_damaged_file_is_named_and_the_next_ones_are_read() {
    let d = tempfile::tempdir().unwrap();
    let f = truncated_copy(d.path(), 10);
    let out = d.path().join("logs");
    let good = pcap("modbus_example.pcap");
    let o = analyze(&out, &[], &[good.clone(), f.clone(), good.clone()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    let name = f.file_name().unwrap().to_string_lossy().into_owned();
    assert!(e.contains("1 capture file(s) damaged"), "{e}");
    assert!(e.contains(&format!("{name}: packet 10: ")), "{e}");
    let stats = read_json_log(&out.join("otwatch_stats.log"));
    let one = {
        let plain = d.path().join("plain");
        assert!(analyze(&plain, &[], &[good]).status.success());
        read_json_log(&plain.join("otwatch_stats.log"))[0]["pkts_proc"]
            .as_u64()
            .unwrap()
    };
    // Both good files and the nine packets before the damage.
    assert_eq!(stats[0]["pkts_proc"].as_u64().unwrap(), 2 * one + 9);
    assert_eq!(stats[0]["files"], 3);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("otwatch_run.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["damaged"].as_array().unwrap().len(), 1);
}

#[test]
fn full_disk_is_an_error_naming_the_log() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("logs");
    std::fs::create_dir(&out).unwrap();
    let _disk = SmallDisk::mount(&out);
    let o = analyze(&out, &[], &[pcap("modbusBig.pcap")]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(".log") && e.contains("No space left on device"),
        "{e}"
    );
}

#[test]
fn unwritable_output_directory_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let o = analyze(&file.join("logs"), &[], &[pcap("modbus_example.pcap")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("plain-file/logs"), "{}", stderr(&o));
}

#[test]
fn misuse_exits_2() {
    for args in [
        vec![],
        vec!["analyze"],
        vec!["analyze", "--threads", "0", "x.pcap"],
        vec!["analyze", "--log-format", "xml", "x.pcap"],
        vec!["frobnicate"],
    ] {
        let o = otwatch().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn help_explains_options_with_examples() {
    let o = otwatch().args(["analyze", "--help"]).output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for opt in [
        "--out",
        "--log-format",
        "--threads",
        "--max-flows",
        "--tcp-timeout",
        "--reassembly-cap",
    ] {
        assert!(text.contains(opt), "help lacks {opt}");
    }
    assert!(text.matches("Example:").count() >= 8, "{text}");
}

/// `baseline learn` with a damaged file learns what it read, saves it and
/// says so (exit 1).
#[test]
fn baseline_learn_keeps_what_a_damaged_file_held() {
    let d = tempfile::tempdir().unwrap();
    let f = truncated_copy(d.path(), 40);
    let out = d.path().join("b.json");
    let o = otwatch()
        .args(["baseline", "learn", "-q"])
        .arg(&f)
        .arg(pcap("enip_cip_example.pcap"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("cut.pcap: packet 40: "), "{e}");
    assert!(e.contains("the baseline holds what was read"), "{e}");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let devices = b["devices"].as_array().map_or(0, Vec::len);
    // The damaged file's Modbus pair and the EtherNet/IP devices after it.
    assert!(devices > 2, "{devices} devices");
}
