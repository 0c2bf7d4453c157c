//! The floor of any libpcap-based sensor: read every packet of a capture
//! with libpcap and do nothing else. `make bench` prints it beside
//! otwatch's own figures.
//!
//! Usage: cargo run --release --example pcap_floor -- FILE

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: pcap_floor FILE");
        std::process::exit(2);
    };
    let mut cap = match pcap::Capture::from_file(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pcap_floor: {path}: {e}");
            std::process::exit(1);
        }
    };
    let t = Instant::now();
    let (mut packets, mut bytes) = (0u64, 0u64);
    loop {
        match cap.next_packet() {
            Ok(p) => {
                packets += 1;
                bytes += u64::from(p.header.len);
            }
            Err(pcap::Error::NoMorePackets) => break,
            Err(e) => {
                eprintln!("pcap_floor: {path}: packet {}: {e}", packets + 1);
                std::process::exit(1);
            }
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "libpcap read only: {packets} packets, {bytes} bytes in {s:.2} s: {:.2} M packets/s, {:.2} Gbit/s",
        packets as f64 / s / 1e6,
        bytes as f64 * 8.0 / s / 1e9
    );
}
