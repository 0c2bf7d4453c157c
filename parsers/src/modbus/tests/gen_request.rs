//! Generators of well-formed requests for the round-trip property tests:
//! every field in its spec range, so a parse must flag nothing.

use super::encode;
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// A generated request with its variable parts already encoded, so the
/// `Request` view can borrow them.
#[derive(Clone, Debug)]
pub enum Req {
    Read {
        code: u8,
        address: u16,
        quantity: u16,
    },
    SingleCoil {
        address: u16,
        on: bool,
    },
    SingleRegister {
        address: u16,
        value: u16,
    },
    NoFields {
        code: u8,
    },
    Diagnostics {
        sub: u16,
        data: Vec<u8>,
    },
    Coils {
        address: u16,
        quantity: u16,
        packed: Vec<u8>,
    },
    Registers {
        address: u16,
        bytes: Vec<u8>,
    },
    ReadFile {
        bytes: Vec<u8>,
    },
    WriteFile {
        bytes: Vec<u8>,
    },
    Mask {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ReadWrite {
        read_address: u16,
        read_quantity: u16,
        write_address: u16,
        bytes: Vec<u8>,
    },
    Fifo {
        address: u16,
    },
    DeviceId {
        code: u8,
        object: u8,
    },
    CanOpen {
        data: Vec<u8>,
    },
    Umas {
        key: u8,
        code: u8,
        data: Vec<u8>,
    },
    Unknown {
        code: u8,
        data: Vec<u8>,
    },
}

/// An address that leaves room for `quantity` items below 0x10000.
pub fn fit(address: u16, quantity: u16) -> u16 {
    let room = 0x1_0000u32 - u32::from(quantity);
    u16::try_from(u32::from(address).min(room)).unwrap_or(0)
}

pub fn count(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

pub fn quantity(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

pub fn unknown_code() -> impl Strategy<Value = u8> {
    (0u8..0x80).prop_filter("not parsed", |c| {
        matches!(FunctionCode::from(*c), FunctionCode::Unknown(_))
    })
}

pub fn request_gen() -> impl Strategy<Value = Req> {
    prop_oneof![
        (
            prop::sample::select(vec![1u8, 2]),
            1u16..=2000,
            any::<u16>()
        )
            .prop_map(|(code, q, a)| Req::Read {
                code,
                address: fit(a, q),
                quantity: q
            }),
        (prop::sample::select(vec![3u8, 4]), 1u16..=125, any::<u16>()).prop_map(|(code, q, a)| {
            Req::Read {
                code,
                address: fit(a, q),
                quantity: q,
            }
        }),
        (any::<u16>(), any::<bool>()).prop_map(|(address, on)| Req::SingleCoil { address, on }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(address, value)| Req::SingleRegister { address, value }),
        prop::sample::select(vec![0x07u8, 0x0B, 0x0C, 0x11])
            .prop_map(|code| Req::NoFields { code }),
        any::<u16>().prop_flat_map(|sub| {
            let word = DiagnosticSubFunction::from(sub).has_word_data();
            let data = if word {
                vec(any::<u8>(), 2..=2)
            } else {
                vec(any::<u8>(), 0..=250)
            };
            data.prop_map(move |data| Req::Diagnostics { sub, data })
        }),
        (vec(any::<bool>(), 1..=1968), any::<u16>()).prop_map(|(bits, a)| {
            let q = quantity(bits.len());
            Req::Coils {
                address: fit(a, q),
                quantity: q,
                packed: encode::pack_bits(&bits),
            }
        }),
        (vec(any::<u16>(), 1..=123), any::<u16>()).prop_map(|(values, a)| Req::Registers {
            address: fit(a, quantity(values.len())),
            bytes: encode::register_bytes(&values),
        }),
        vec((1u16.., 0u16..=0x270F, any::<u16>()), 1..=35).prop_map(|subs| {
            let mut bytes = Vec::new();
            for (file, record, len) in subs {
                bytes.push(6);
                bytes.extend(encode::register_bytes(&[file, record, len]));
            }
            Req::ReadFile { bytes }
        }),
        vec((1u16.., 0u16..=0x270F, vec(any::<u16>(), 0..=30)), 1..=3).prop_map(|recs| {
            let mut bytes = Vec::new();
            for (file, record, data) in recs {
                bytes.push(6);
                bytes.extend(encode::register_bytes(&[
                    file,
                    record,
                    quantity(data.len()),
                ]));
                bytes.extend(encode::register_bytes(&data));
            }
            Req::WriteFile { bytes }
        }),
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(address, and_mask, or_mask)| {
            Req::Mask {
                address,
                and_mask,
                or_mask,
            }
        }),
        (
            1u16..=125,
            any::<u16>(),
            any::<u16>(),
            vec(any::<u16>(), 1..=121)
        )
            .prop_map(|(rq, ra, wa, values)| Req::ReadWrite {
                read_address: fit(ra, rq),
                read_quantity: rq,
                write_address: fit(wa, quantity(values.len())),
                bytes: encode::register_bytes(&values),
            }),
        any::<u16>().prop_map(|address| Req::Fifo { address }),
        (1u8..=4, any::<u8>()).prop_map(|(code, object)| Req::DeviceId { code, object }),
        vec(any::<u8>(), 0..=251).prop_map(|data| Req::CanOpen { data }),
        (any::<u8>(), any::<u8>(), vec(any::<u8>(), 0..=250))
            .prop_map(|(key, code, data)| Req::Umas { key, code, data }),
        (unknown_code(), vec(any::<u8>(), 0..=252))
            .prop_map(|(code, data)| Req::Unknown { code, data }),
    ]
}

impl Req {
    pub fn view(&self) -> Request<'_> {
        use RequestBody as B;
        let mut v = Violations::NONE;
        let (code, body) = match self {
            Req::Read {
                code,
                address,
                quantity,
            } => {
                let (address, quantity) = (*address, *quantity);
                (
                    *code,
                    match code {
                        1 => B::ReadCoils { address, quantity },
                        2 => B::ReadDiscreteInputs { address, quantity },
                        3 => B::ReadHoldingRegisters { address, quantity },
                        _ => B::ReadInputRegisters { address, quantity },
                    },
                )
            }
            Req::SingleCoil { address, on } => (
                0x05,
                B::WriteSingleCoil {
                    address: *address,
                    value: if *on { 0xFF00 } else { 0 },
                },
            ),
            Req::SingleRegister { address, value } => (
                0x06,
                B::WriteSingleRegister {
                    address: *address,
                    value: *value,
                },
            ),
            Req::NoFields { code } => (
                *code,
                match code {
                    0x07 => B::ReadExceptionStatus,
                    0x0B => B::GetCommEventCounter,
                    0x0C => B::GetCommEventLog,
                    _ => B::ReportServerId,
                },
            ),
            Req::Diagnostics { sub, data } => (
                0x08,
                B::Diagnostics(Diagnostics {
                    sub_function: DiagnosticSubFunction::from(*sub),
                    data,
                }),
            ),
            Req::Coils {
                address,
                quantity,
                packed,
            } => (
                0x0F,
                B::WriteMultipleCoils {
                    address: *address,
                    quantity: *quantity,
                    byte_count: count(packed.len()),
                    coils: Coils::with_quantity(packed, *quantity),
                },
            ),
            Req::Registers { address, bytes } => (
                0x10,
                B::WriteMultipleRegisters {
                    address: *address,
                    quantity: quantity(bytes.len() / 2),
                    byte_count: count(bytes.len()),
                    registers: Registers::new(bytes),
                },
            ),
            Req::ReadFile { bytes } => (
                0x14,
                B::ReadFileRecord {
                    byte_count: count(bytes.len()),
                    sub_requests: FileSubRequests::parse(bytes, &mut v),
                },
            ),
            Req::WriteFile { bytes } => (
                0x15,
                B::WriteFileRecord {
                    byte_count: count(bytes.len()),
                    records: FileRecords::parse(bytes, &mut v),
                },
            ),
            Req::Mask {
                address,
                and_mask,
                or_mask,
            } => (
                0x16,
                B::MaskWriteRegister {
                    address: *address,
                    and_mask: *and_mask,
                    or_mask: *or_mask,
                },
            ),
            Req::ReadWrite {
                read_address,
                read_quantity,
                write_address,
                bytes,
            } => (
                0x17,
                B::ReadWriteMultipleRegisters {
                    read_address: *read_address,
                    read_quantity: *read_quantity,
                    write_address: *write_address,
                    write_quantity: quantity(bytes.len() / 2),
                    byte_count: count(bytes.len()),
                    registers: Registers::new(bytes),
                },
            ),
            Req::Fifo { address } => (0x18, B::ReadFifoQueue { address: *address }),
            Req::DeviceId { code, object } => (
                0x2B,
                B::Mei(MeiRequest::ReadDeviceId {
                    read_device_id_code: *code,
                    object_id: *object,
                }),
            ),
            Req::CanOpen { data } => (0x2B, B::Mei(MeiRequest::CanOpen(data))),
            Req::Umas { key, code, data } => (
                0x5A,
                B::Umas(Umas {
                    pairing_key: *key,
                    code: *code,
                    data,
                }),
            ),
            Req::Unknown { code, data } => (*code, B::Unknown(data)),
        };
        assert!(v.is_empty(), "generator made a flagged list: {v:?}");
        Request {
            code,
            body,
            violations: Violations::NONE,
        }
    }
}
