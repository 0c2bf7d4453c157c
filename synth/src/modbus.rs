//! Modbus/TCP application data units: MBAP header and the PDUs a polling
//! HMI and an engineering station use. Each function appends one ADU to
//! `out`, so several can share a segment.

fn mbap(out: &mut Vec<u8>, tid: u16, unit: u8, pdu_len: usize) {
    out.extend_from_slice(&tid.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&((pdu_len + 1) as u16).to_be_bytes());
    out.push(unit);
}

/// A read request (coils 1, discrete inputs 2, holding 3, input registers 4).
pub fn read_request(out: &mut Vec<u8>, tid: u16, unit: u8, func: u8, addr: u16, qty: u16) {
    mbap(out, tid, unit, 5);
    out.push(func);
    out.extend_from_slice(&addr.to_be_bytes());
    out.extend_from_slice(&qty.to_be_bytes());
}

/// The answer to a register read: `qty` registers from `seed`.
pub fn read_registers_response(
    out: &mut Vec<u8>,
    tid: u16,
    unit: u8,
    func: u8,
    qty: u16,
    seed: u16,
) {
    let n = usize::from(qty) * 2;
    mbap(out, tid, unit, 2 + n);
    out.push(func);
    out.push(n as u8);
    for i in 0..qty {
        out.extend_from_slice(&seed.wrapping_add(i.wrapping_mul(7)).to_be_bytes());
    }
}

/// The answer to a coil or input read: `qty` bits.
pub fn read_bits_response(out: &mut Vec<u8>, tid: u16, unit: u8, func: u8, qty: u16, seed: u8) {
    let n = usize::from(qty).div_ceil(8);
    mbap(out, tid, unit, 2 + n);
    out.push(func);
    out.push(n as u8);
    for i in 0..n {
        let mut b = seed.rotate_left(i as u32);
        if i + 1 == n && !qty.is_multiple_of(8) {
            b &= (1u8 << (qty % 8)) - 1; // unused high bits are zero
        }
        out.push(b);
    }
}

/// Write Single Register (6); the response is the same bytes.
pub fn write_single_register(out: &mut Vec<u8>, tid: u16, unit: u8, addr: u16, value: u16) {
    mbap(out, tid, unit, 5);
    out.push(6);
    out.extend_from_slice(&addr.to_be_bytes());
    out.extend_from_slice(&value.to_be_bytes());
}

/// Write Single Coil (5); the response is the same bytes.
pub fn write_single_coil(out: &mut Vec<u8>, tid: u16, unit: u8, addr: u16, on: bool) {
    mbap(out, tid, unit, 5);
    out.push(5);
    out.extend_from_slice(&addr.to_be_bytes());
    out.extend_from_slice(&(if on { 0xFF00u16 } else { 0 }).to_be_bytes());
}

/// Write Multiple Registers (16) request.
pub fn write_multiple_registers(out: &mut Vec<u8>, tid: u16, unit: u8, addr: u16, values: &[u16]) {
    mbap(out, tid, unit, 6 + values.len() * 2);
    out.push(16);
    out.extend_from_slice(&addr.to_be_bytes());
    out.extend_from_slice(&(values.len() as u16).to_be_bytes());
    out.push((values.len() * 2) as u8);
    for v in values {
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Write Multiple Registers (16) response.
pub fn write_multiple_response(out: &mut Vec<u8>, tid: u16, unit: u8, addr: u16, qty: u16) {
    mbap(out, tid, unit, 5);
    out.push(16);
    out.extend_from_slice(&addr.to_be_bytes());
    out.extend_from_slice(&qty.to_be_bytes());
}

/// An exception response to `func`.
pub fn exception(out: &mut Vec<u8>, tid: u16, unit: u8, func: u8, code: u8) {
    mbap(out, tid, unit, 2);
    out.push(func | 0x80);
    out.push(code);
}

/// Read Device Identification (43/14), basic objects.
pub fn device_id_request(out: &mut Vec<u8>, tid: u16, unit: u8) {
    mbap(out, tid, unit, 4);
    out.extend_from_slice(&[0x2B, 0x0E, 0x01, 0x00]);
}

/// Its answer: vendor name, product code, revision.
pub fn device_id_response(out: &mut Vec<u8>, tid: u16, unit: u8, objects: [&str; 3]) {
    let len: usize = 7 + objects.iter().map(|o| 2 + o.len()).sum::<usize>();
    mbap(out, tid, unit, len);
    out.extend_from_slice(&[0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 3]);
    for (id, o) in objects.iter().enumerate() {
        out.push(id as u8);
        out.push(o.len() as u8);
        out.extend_from_slice(o.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adus_have_consistent_lengths() {
        let mut v = Vec::new();
        read_request(&mut v, 1, 1, 3, 100, 10);
        read_registers_response(&mut v, 1, 1, 3, 10, 5);
        device_id_response(&mut v, 2, 1, ["ACME", "PLC-5", "1.2"]);
        // Walk the ADUs by their MBAP length.
        let mut at = 0;
        let mut n = 0;
        while at < v.len() {
            let len = usize::from(u16::from_be_bytes([v[at + 4], v[at + 5]]));
            at += 6 + len;
            n += 1;
        }
        assert_eq!((at, n), (v.len(), 3));
    }
}
