//! Generators of well-formed responses for the round-trip property tests:
//! every field in its spec range, so a parse must flag nothing.

use super::encode;
use super::gen_request::{count, quantity, unknown_code};
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// A generated response, variable parts encoded.
#[derive(Clone, Debug)]
pub enum Resp {
    Bits {
        code: u8,
        bytes: Vec<u8>,
    },
    Registers {
        code: u8,
        bytes: Vec<u8>,
    },
    Echo {
        code: u8,
        a: u16,
        b: u16,
    },
    Mask {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
    ExceptionStatus {
        status: u8,
    },
    EventLog {
        status: u16,
        events: u16,
        messages: u16,
        log: Vec<u8>,
    },
    ServerId {
        data: Vec<u8>,
    },
    ReadFile {
        bytes: Vec<u8>,
    },
    Fifo {
        bytes: Vec<u8>,
    },
    DeviceId {
        code: u8,
        conformity: u8,
        more: u8,
        next: u8,
        objects: Vec<u8>,
        n: u8,
    },
    Exception {
        code: u8,
        exception: u8,
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

pub fn response_gen() -> impl Strategy<Value = Resp> {
    prop_oneof![
        (
            prop::sample::select(vec![1u8, 2]),
            vec(any::<u8>(), 1..=250)
        )
            .prop_map(|(code, bytes)| Resp::Bits { code, bytes }),
        (
            prop::sample::select(vec![3u8, 4, 0x17]),
            vec(any::<u16>(), 1..=125)
        )
            .prop_map(|(code, v)| Resp::Registers {
                code,
                bytes: encode::register_bytes(&v)
            }),
        (
            prop::sample::select(vec![0x06u8, 0x0B, 0x0F, 0x10]),
            any::<u16>(),
            any::<u16>()
        )
            .prop_map(|(code, a, b)| Resp::Echo { code, a, b }),
        (any::<u16>(), any::<bool>()).prop_map(|(a, on)| Resp::Echo {
            code: 0x05,
            a,
            b: if on { 0xFF00 } else { 0 },
        }),
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(address, and_mask, or_mask)| {
            Resp::Mask {
                address,
                and_mask,
                or_mask,
            }
        }),
        any::<u8>().prop_map(|status| Resp::ExceptionStatus { status }),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            vec(any::<u8>(), 0..=64)
        )
            .prop_map(|(status, events, messages, log)| Resp::EventLog {
                status,
                events,
                messages,
                log
            }),
        vec(any::<u8>(), 0..=251).prop_map(|data| Resp::ServerId { data }),
        vec(vec(any::<u16>(), 0..=20), 1..=5).prop_map(|subs| {
            let mut bytes = Vec::new();
            for regs in subs {
                bytes.push(count(regs.len() * 2 + 1));
                bytes.push(6);
                bytes.extend(encode::register_bytes(&regs));
            }
            Resp::ReadFile { bytes }
        }),
        vec(any::<u16>(), 0..=31).prop_map(|v| Resp::Fifo {
            bytes: encode::register_bytes(&v)
        }),
        (
            1u8..=4,
            prop::sample::select(vec![1u8, 2, 3, 0x81, 0x82, 0x83]),
            prop::sample::select(vec![0u8, 0xFF]),
            any::<u8>(),
            vec((any::<u8>(), vec(any::<u8>(), 0..=20)), 0..=10),
        )
            .prop_map(|(code, conformity, more, next, objs)| {
                let mut objects = Vec::new();
                for (id, value) in &objs {
                    objects.push(*id);
                    objects.push(count(value.len()));
                    objects.extend_from_slice(value);
                }
                Resp::DeviceId {
                    code,
                    conformity,
                    more,
                    next,
                    objects,
                    n: count(objs.len()),
                }
            }),
        (1u8..0x80, any::<u8>()).prop_map(|(code, exception)| Resp::Exception {
            code: code | 0x80,
            exception
        }),
        (any::<u8>(), any::<u8>(), vec(any::<u8>(), 0..=250))
            .prop_map(|(key, code, data)| Resp::Umas { key, code, data }),
        (unknown_code(), vec(any::<u8>(), 0..=252))
            .prop_map(|(code, data)| Resp::Unknown { code, data }),
    ]
}

impl Resp {
    pub fn view(&self) -> Response<'_> {
        use ResponseBody as B;
        let mut v = Violations::NONE;
        let (code, body) = match self {
            Resp::Bits { code, bytes } => {
                let byte_count = count(bytes.len());
                let bits = Coils::new(bytes);
                (
                    *code,
                    if *code == 1 {
                        B::ReadCoils {
                            byte_count,
                            coils: bits,
                        }
                    } else {
                        B::ReadDiscreteInputs {
                            byte_count,
                            inputs: bits,
                        }
                    },
                )
            }
            Resp::Registers { code, bytes } => {
                let byte_count = count(bytes.len());
                let registers = Registers::new(bytes);
                (
                    *code,
                    match code {
                        3 => B::ReadHoldingRegisters {
                            byte_count,
                            registers,
                        },
                        4 => B::ReadInputRegisters {
                            byte_count,
                            registers,
                        },
                        _ => B::ReadWriteMultipleRegisters {
                            byte_count,
                            registers,
                        },
                    },
                )
            }
            Resp::Echo { code, a, b } => {
                let (a, b) = (*a, *b);
                (
                    *code,
                    match code {
                        0x05 => B::WriteSingleCoil {
                            address: a,
                            value: b,
                        },
                        0x06 => B::WriteSingleRegister {
                            address: a,
                            value: b,
                        },
                        0x0B => B::GetCommEventCounter {
                            status: a,
                            event_count: b,
                        },
                        0x0F => B::WriteMultipleCoils {
                            address: a,
                            quantity: b,
                        },
                        _ => B::WriteMultipleRegisters {
                            address: a,
                            quantity: b,
                        },
                    },
                )
            }
            Resp::Mask {
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
            Resp::ExceptionStatus { status } => (0x07, B::ReadExceptionStatus { status: *status }),
            Resp::EventLog {
                status,
                events,
                messages,
                log,
            } => (
                0x0C,
                B::GetCommEventLog {
                    byte_count: count(log.len() + 6),
                    status: *status,
                    event_count: *events,
                    message_count: *messages,
                    events: log,
                },
            ),
            Resp::ServerId { data } => (
                0x11,
                B::ReportServerId {
                    byte_count: count(data.len()),
                    data,
                },
            ),
            Resp::ReadFile { bytes } => (
                0x14,
                B::ReadFileRecord {
                    byte_count: count(bytes.len()),
                    sub_responses: FileSubResponses::parse(bytes, &mut v),
                },
            ),
            Resp::Fifo { bytes } => (
                0x18,
                B::ReadFifoQueue {
                    byte_count: quantity(bytes.len() + 2),
                    fifo_count: quantity(bytes.len() / 2),
                    registers: Registers::new(bytes),
                },
            ),
            Resp::DeviceId {
                code,
                conformity,
                more,
                next,
                objects,
                n,
            } => (
                0x2B,
                B::Mei(MeiResponse::ReadDeviceId(DeviceIdentification {
                    read_device_id_code: *code,
                    conformity_level: *conformity,
                    more_follows: *more,
                    next_object_id: *next,
                    number_of_objects: *n,
                    objects: DeviceObjects::new(objects),
                })),
            ),
            Resp::Exception { code, exception } => (*code, B::Exception(ExceptionCode(*exception))),
            Resp::Umas { key, code, data } => (
                0x5A,
                B::Umas(Umas {
                    pairing_key: *key,
                    code: *code,
                    data,
                }),
            ),
            Resp::Unknown { code, data } => (*code, B::Unknown(data)),
        };
        assert!(v.is_empty(), "generator made a flagged list: {v:?}");
        Response {
            code,
            body,
            violations: Violations::NONE,
        }
    }
}
