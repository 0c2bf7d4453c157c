//! Siemens S7comm over ISO-on-TCP (TCP 102): the TPKT packets and COTP
//! TPDUs an HMI and an engineering station exchange with an S7-300/400
//! CPU (Wireshark `packet-s7comm.c` layouts). Each function returns one
//! TPKT packet (or appends it to `out`).

/// A TPKT packet carrying one class 0 COTP DT TPDU that ends its TSDU.
pub fn dt(pdu: &[u8]) -> Vec<u8> {
    dt_part(pdu, true)
}

/// A TPKT packet carrying one class 0 COTP DT TPDU with `user_data`;
/// `eot`: it ends its TSDU (else the TSDU goes on in the next DT).
pub fn dt_part(user_data: &[u8], eot: bool) -> Vec<u8> {
    let mut p = Vec::with_capacity(user_data.len() + 7);
    p.extend_from_slice(&[0x03, 0x00]);
    p.extend_from_slice(&((user_data.len() + 7) as u16).to_be_bytes());
    p.extend_from_slice(&[0x02, 0xF0, if eot { 0x80 } else { 0x00 }]);
    p.extend_from_slice(user_data);
    p
}

/// COTP Connection Request (`confirm`: its Connection Confirm) with the
/// TSAPs of a PG/PC to rack 0, slot 2, and a 1024-byte TPDU size.
pub fn connect(confirm: bool) -> Vec<u8> {
    let code = if confirm { 0xD0 } else { 0xE0 };
    let (dst, src) = if confirm {
        ([0x00, 0x01], [0x00, 0x02])
    } else {
        ([0x00, 0x00], [0x00, 0x01])
    };
    let mut tpdu = vec![17, code, dst[0], dst[1], src[0], src[1], 0x00];
    tpdu.extend_from_slice(&[
        0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x02,
    ]);
    let mut p = vec![0x03, 0x00];
    p.extend_from_slice(&((tpdu.len() + 4) as u16).to_be_bytes());
    p.extend(tpdu);
    p
}

/// An S7comm PDU: header (an Ack_Data's with error class and code 0),
/// parameter and data blocks.
pub fn pdu(rosctr: u8, reference: u16, param: &[u8], data: &[u8]) -> Vec<u8> {
    let mut p = vec![0x32, rosctr, 0x00, 0x00];
    p.extend_from_slice(&reference.to_be_bytes());
    p.extend_from_slice(&(param.len() as u16).to_be_bytes());
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    if rosctr == ACK_DATA {
        p.extend_from_slice(&[0x00, 0x00]);
    }
    p.extend_from_slice(param);
    p.extend_from_slice(data);
    dt(&p)
}

pub const JOB: u8 = 0x01;
pub const ACK_DATA: u8 = 0x03;
pub const USERDATA: u8 = 0x07;

/// Setup Communication (0xF0): the job, or its answer, with a PDU size of
/// 480 bytes.
pub fn setup(reference: u16, answer: bool) -> Vec<u8> {
    let param = [0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0];
    pdu(if answer { ACK_DATA } else { JOB }, reference, &param, &[])
}

/// An S7ANY item of `bytes` bytes of data block `db` from byte `start`.
fn item(db: u16, start: u32, bytes: u16) -> [u8; 12] {
    let bits = (start * 8).to_be_bytes();
    let [b0, b1] = bytes.to_be_bytes();
    let [d0, d1] = db.to_be_bytes();
    [
        0x12, 0x0A, 0x10, 0x02, b0, b1, d0, d1, 0x84, bits[1], bits[2], bits[3],
    ]
}

/// Read Var of one item and its answer with `values`.
pub fn read_var(reference: u16, db: u16, start: u32, values: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut param = vec![0x04, 0x01];
    param.extend_from_slice(&item(db, start, values.len() as u16));
    let req = pdu(JOB, reference, &param, &[]);
    let mut data = vec![0xFF, 0x04];
    data.extend_from_slice(&((values.len() * 8) as u16).to_be_bytes());
    data.extend_from_slice(values);
    if values.len() % 2 == 1 {
        data.push(0);
    }
    (req, pdu(ACK_DATA, reference, &[0x04, 0x01], &data))
}

/// Write Var of one item and its answer (success).
pub fn write_var(reference: u16, db: u16, start: u32, values: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut param = vec![0x05, 0x01];
    param.extend_from_slice(&item(db, start, values.len() as u16));
    let mut data = vec![0x00, 0x04];
    data.extend_from_slice(&((values.len() * 8) as u16).to_be_bytes());
    data.extend_from_slice(values);
    let req = pdu(JOB, reference, &param, &data);
    (req, pdu(ACK_DATA, reference, &[0x05, 0x01], &[0xFF]))
}

/// Read SZL 0x0011 (module identification) and the CPU's answer: its
/// order number and firmware `version`.
pub fn read_szl_module(reference: u16, order: &str, version: [u8; 3]) -> (Vec<u8>, Vec<u8>) {
    let req_param = [0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00];
    let req = pdu(
        USERDATA,
        reference,
        &req_param,
        &[0xFF, 0x09, 0x00, 0x04, 0x00, 0x11, 0x00, 0x00],
    );
    let mut mlfb = [b' '; 20];
    for (m, b) in mlfb.iter_mut().zip(order.bytes()) {
        *m = b;
    }
    let mut list = vec![0x00, 0x11, 0x00, 0x00, 0x00, 28, 0x00, 0x02];
    list.extend_from_slice(&[0x00, 0x01]);
    list.extend_from_slice(&mlfb);
    list.extend_from_slice(&[0x00, 0xC0, 0x00, 0x04, 0x00, 0x01]);
    list.extend_from_slice(&[0x00, 0x07]);
    list.extend_from_slice(&[b' '; 20]);
    list.extend_from_slice(&[0x00, 0xC0, b'V', version[0], version[1], version[2]]);
    let mut data = vec![0xFF, 0x09];
    data.extend_from_slice(&(list.len() as u16).to_be_bytes());
    data.extend(list);
    let resp_param = [
        0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
    ];
    (req, pdu(USERDATA, reference, &resp_param, &data))
}

/// A block's file name: complete module (`_`), type, number, passive
/// file system.
fn filename(block_type: u8, number: u16) -> Vec<u8> {
    format!("_{block_type:02X}{number:05}P").into_bytes()
}

/// A program download of one block, as an engineering station sends it:
/// Request Download, Download Block (the CPU asks, the station answers
/// with the block), Download Ended, then PLC Control `_INSE` to activate
/// it. Returns (client, server) packets in exchange order.
pub fn download(
    reference: u16,
    block_type: u8,
    number: u16,
    code: &[u8],
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let name = filename(block_type, number);
    // Function, status, two unknown bytes, session id 0, file name.
    let transfer = |function: u8| {
        let mut p = vec![function, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00];
        p.push(name.len() as u8);
        p.extend_from_slice(&name);
        p
    };
    let mut request = transfer(0x1A);
    let lengths = format!("1{:06}{:06}", code.len() + 36, code.len());
    request.push(lengths.len() as u8);
    request.extend_from_slice(lengths.as_bytes());
    let block = transfer(0x1B);
    let mut block_data = (code.len() as u16).to_be_bytes().to_vec();
    block_data.extend_from_slice(&[0x00, 0xFB]);
    block_data.extend_from_slice(code);
    let ended = transfer(0x1C);
    // PLC Control _INSE with the block list ("0800001": type, number).
    let arg = format!("{block_type:02X}{number:05}");
    let mut control = vec![0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD];
    control.extend_from_slice(&((arg.len() + 2) as u16).to_be_bytes());
    control.extend_from_slice(&[0x00, 0x01]);
    control.extend_from_slice(arg.as_bytes());
    control.push(5);
    control.extend_from_slice(b"_INSE");
    vec![
        (
            pdu(JOB, reference, &request, &[]),
            pdu(ACK_DATA, reference, &[0x1A], &[]),
        ),
        (
            pdu(JOB, reference.wrapping_add(1), &block, &[]),
            pdu(
                ACK_DATA,
                reference.wrapping_add(1),
                &[0x1B, 0x00],
                &block_data,
            ),
        ),
        (
            pdu(JOB, reference.wrapping_add(2), &ended, &[]),
            pdu(ACK_DATA, reference.wrapping_add(2), &[0x1C], &[]),
        ),
        (
            pdu(JOB, reference.wrapping_add(3), &control, &[]),
            pdu(ACK_DATA, reference.wrapping_add(3), &[0x28], &[]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_frame_as_tpkt_with_their_lengths() {
        for p in [
            connect(false),
            connect(true),
            setup(0, false),
            setup(0, true),
            read_var(1, 1, 0, &[1, 2, 3]).1,
            write_var(1, 1, 0, &[1, 2]).0,
            read_szl_module(2, "6ES7 315-2EH14-0AB0", [3, 2, 6]).1,
        ] {
            assert_eq!(p[0], 3);
            assert_eq!(usize::from(u16::from_be_bytes([p[2], p[3]])), p.len());
        }
        let d = download(10, 0x08, 1, &[0x70; 40]);
        assert_eq!(d.len(), 4);
        assert!(d[3].0.ends_with(b"\x05_INSE"));
    }
}
