//! IT background traffic: DNS lookups, HTTP pages, TLS sessions (hello
//! exchange in clear, then encrypted application records).

use crate::rng::Rng;

const NAMES: [&str; 8] = [
    "historian.plant.local",
    "mes.plant.local",
    "updates.vendor.example",
    "time.plant.local",
    "intranet.corp.example",
    "mail.corp.example",
    "license.vendor.example",
    "wiki.corp.example",
];

fn qname(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// A DNS A query and its answer.
pub fn dns(rng: &mut Rng, answer: [u8; 4]) -> (Vec<u8>, Vec<u8>) {
    let id = rng.next_u64() as u16;
    let name = NAMES[rng.below(NAMES.len() as u64) as usize];
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    qname(&mut q, name);
    q.extend_from_slice(&[0, 1, 0, 1]);
    let mut r = q.clone();
    r[2] = 0x81;
    r[3] = 0x80;
    r[7] = 1; // one answer
    r.extend_from_slice(&[0xC0, 0x0C, 0, 1, 0, 1]);
    r.extend_from_slice(&300u32.to_be_bytes());
    r.extend_from_slice(&4u16.to_be_bytes());
    r.extend_from_slice(&answer);
    (q, r)
}

/// An HTTP GET and its response with a body of about `size` bytes.
pub fn http(rng: &mut Rng, size: usize) -> (Vec<u8>, Vec<u8>) {
    let page = rng.below(1000);
    let req = format!(
        "GET /reports/shift-{page}.html HTTP/1.1\r\nHost: mes.plant.local\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    let mut body = Vec::with_capacity(size + 64);
    body.extend_from_slice(b"<html><body><table>");
    let mut row = 0u32;
    while body.len() + 40 < size {
        body.extend_from_slice(
            format!("<tr><td>{row}</td><td>{}</td></tr>", rng.below(100_000)).as_bytes(),
        );
        row += 1;
    }
    body.extend_from_slice(b"</table></body></html>");
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    resp.extend_from_slice(&body);
    (req, resp)
}

fn record(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    out.push(kind);
    out.extend_from_slice(&[0x03, 0x03]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn random(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v.truncate(n);
    v
}

/// A TLS 1.2 ClientHello (with server name) for `host`.
pub fn tls_client_hello(rng: &mut Rng, host: &str) -> Vec<u8> {
    let mut ext = Vec::new();
    // server_name
    let mut sni = Vec::new();
    sni.extend_from_slice(&((host.len() + 3) as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(host.len() as u16).to_be_bytes());
    sni.extend_from_slice(host.as_bytes());
    ext.extend_from_slice(&0u16.to_be_bytes());
    ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    ext.extend_from_slice(&sni);
    let mut hello = Vec::new();
    hello.extend_from_slice(&[0x03, 0x03]);
    hello.extend_from_slice(&random(rng, 32));
    hello.push(0); // no session id
    let suites: [u16; 4] = [0xC02F, 0xC030, 0xC02B, 0x009C];
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // null compression
    hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    hello.extend_from_slice(&ext);
    let mut hs = vec![1];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut out = Vec::new();
    record(&mut out, 0x16, &hs);
    out
}

/// The server's ServerHello, then ChangeCipherSpec and its encrypted
/// Finished.
pub fn tls_server_hello(rng: &mut Rng) -> Vec<u8> {
    let mut hello = Vec::new();
    hello.extend_from_slice(&[0x03, 0x03]);
    hello.extend_from_slice(&random(rng, 32));
    hello.push(0);
    hello.extend_from_slice(&0xC02Fu16.to_be_bytes());
    hello.push(0);
    let mut hs = vec![2];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut out = Vec::new();
    record(&mut out, 0x16, &hs);
    record(&mut out, 0x14, &[1]);
    let fin = random(rng, 40);
    record(&mut out, 0x16, &fin);
    out
}

/// The client's ChangeCipherSpec and encrypted Finished.
pub fn tls_client_finish(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, 0x14, &[1]);
    let fin = random(rng, 40);
    record(&mut out, 0x16, &fin);
    out
}

/// Encrypted application data records holding about `size` bytes.
pub fn tls_data(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 64);
    let mut left = size.max(1);
    while left > 0 {
        let n = left.min(16_384);
        let body = random(rng, n);
        record(&mut out, 0x17, &body);
        left -= n;
    }
    out
}

/// An SMB2 NEGOTIATE request and response behind their NetBIOS session
/// headers (the opening of a Windows file-share session).
pub fn smb_negotiate(rng: &mut Rng) -> (Vec<u8>, Vec<u8>) {
    let message = |command_flags: u32, body: &[u8], rng: &mut Rng| {
        let mut m = Vec::with_capacity(128);
        m.extend_from_slice(b"\xfeSMB");
        m.extend_from_slice(&64u16.to_le_bytes()); // header length
        m.extend_from_slice(&[0; 6]); // credit charge, status
        m.extend_from_slice(&0u16.to_le_bytes()); // NEGOTIATE
        m.extend_from_slice(&1u16.to_le_bytes()); // credits
        m.extend_from_slice(&command_flags.to_le_bytes());
        m.extend_from_slice(&[0; 4]); // next command
        m.extend_from_slice(&rng.next_u64().to_le_bytes()); // message id
        m.extend_from_slice(&[0; 32]); // tree, session, signature
        m.extend_from_slice(body);
        let mut framed = (m.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&m);
        framed
    };
    // Dialects 2.02, 2.10, 3.0, 3.0.2, 3.1.1.
    let mut req = vec![36, 0, 5, 0, 1, 0, 0, 0, 0x7f, 0, 0, 0];
    req.extend_from_slice(&[0; 24]);
    for d in [0x0202u16, 0x0210, 0x0300, 0x0302, 0x0311] {
        req.extend_from_slice(&d.to_le_bytes());
    }
    let mut resp = vec![65, 0, 1, 0, 0x11, 0x03, 0, 0];
    resp.extend_from_slice(&[0; 56]);
    (message(0, &req, rng), message(1, &resp, rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_content_length_matches_the_body() {
        let (_, resp) = http(&mut Rng::new(1), 5000);
        let text = String::from_utf8(resp).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, body.len());
    }

    #[test]
    fn an_smb_negotiate_is_framed_by_its_netbios_length() {
        let (req, resp) = smb_negotiate(&mut Rng::new(7));
        for m in [&req, &resp] {
            let len = u32::from_be_bytes([m[0], m[1], m[2], m[3]]) as usize;
            assert_eq!(len + 4, m.len());
            assert_eq!(&m[4..8], b"\xfeSMB");
        }
    }
}
