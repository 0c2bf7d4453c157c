//! Unit tests on real chunks (from the open62541 traces of
//! cisagov/icsnpp-opcua-binary, `tests/traces/`, as printed by tshark) and
//! on hand-built encodings of every built-in type; property tests that no
//! byte string panics the framer, the chunk parser or the decoder.

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test vector is hex"))
        .collect()
}

/// `open62541_client-server-getEndpoints.pcap` frame 5: the client's Hello.
const HEL: &str = "48454c463800000000000000ffff0000ffff00000000000000000000
    180000006f70632e7463703a2f2f6c6f63616c686f73743a34383430";
/// Frame 7: the server's Acknowledge.
const ACK: &str = "41434b461c00000000000000ffff0000ffff00000000000000000000";
/// Frame 9: OpenSecureChannel request, policy None.
const OPN: &str = "4f504e4684000000000000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f
    72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100be01
    000060acd99b5595d7010000000000000000ffffffff00000000000000000000000000000001000000ffffffff
    c0270900";
/// Frame 17: CloseSecureChannel request.
const CLO: &str = "434c4f4639000000080000000800000003000000030000000100c4010000eec3d99b5595d701
    0100000000000000ffffffff10270000000000";
/// `open62541_client-server_mainloop-hasInnerDiagInfohasAddlInfo.pcap`
/// frame 33: OpenSecureChannel response whose ResponseHeader carries a
/// DiagnosticInfo with an inner DiagnosticInfo and additional info.
const OPN_DIAG: &str =
    "4f504e46bc000000020000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f53
    65637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100c101a0588fa6b7e2d5
    010000000000000000600000018070190000004c4f4f4b3a20494e4e4552204144444954494f4e20494e464f00
    000280600000038060000004802000000580ffffffff000000000000000200000002000000ce578fa6b7e2d501
    c0270900ffffffff";

fn complete(bytes: &[u8]) -> RawChunk<'_> {
    match frame(bytes) {
        Frame::Complete(c) => c,
        other => panic!("not a complete chunk: {other:?}"),
    }
}

#[test]
fn hello_and_acknowledge() {
    let b = hex(HEL);
    let raw = complete(&b);
    assert_eq!(raw.header.message_type, MessageType::Hello);
    assert_eq!(raw.consumed, 56);
    assert!(probe(&b));
    let Chunk::Hello(h) = parse_chunk(&raw).unwrap() else {
        panic!("not a Hello")
    };
    assert_eq!(h.protocol_version, 0);
    assert_eq!(h.receive_buffer_size, 65_535);
    assert_eq!(h.send_buffer_size, 65_535);
    assert_eq!((h.max_message_size, h.max_chunk_count), (0, 0));
    assert_eq!(h.endpoint_url.text(), "opc.tcp://localhost:4840");

    let b = hex(ACK);
    let Chunk::Acknowledge(a) = parse_chunk(&complete(&b)).unwrap() else {
        panic!("not an Acknowledge")
    };
    assert_eq!(a.receive_buffer_size, 65_535);
}

#[test]
fn open_secure_channel_request_in_clear() {
    let b = hex(OPN);
    let raw = complete(&b);
    assert_eq!(raw.header.chunk, ChunkKind::Final);
    let Chunk::Secure(s) = parse_chunk(&raw).unwrap() else {
        panic!("not a secure chunk")
    };
    assert_eq!(s.secure_channel_id, 0);
    let SecurityHeader::Asymmetric(a) = s.security else {
        panic!("OPN has an asymmetric header")
    };
    assert!(a.is_policy_none());
    assert_eq!(a.security_policy_uri.text(), POLICY_NONE);
    assert!(a.sender_certificate.bytes().is_none());
    let (seq, body) = SequenceHeader::split(s.payload).unwrap();
    assert_eq!((seq.sequence_number, seq.request_id), (1, 1));
    let mut d = Decoder::new(body);
    // OpenSecureChannelRequest_Encoding_DefaultBinary, four-byte NodeId.
    assert_eq!(d.node_id().unwrap().ns0_numeric(), Some(446));
    let h = RequestHeader::decode(&mut d).unwrap();
    assert_eq!(h.authentication_token, NodeId::NULL);
    assert_eq!(h.request_handle, 0);
    assert_eq!(h.timeout_hint, 0);
    assert!(h.audit_entry_id.is_null());
    let b = services::OpenSecureChannelRequest::decode(&mut d).unwrap();
    assert_eq!(b.client_protocol_version, 0);
    assert_eq!(b.request_type, 0, "Issue");
    assert_eq!(b.security_mode, 1, "None");
    assert!(b.client_nonce.is_empty());
    assert_eq!(b.requested_lifetime, 600_000);
    assert!(d.is_empty());
}

#[test]
fn close_secure_channel_has_a_symmetric_header() {
    let b = hex(CLO);
    let Chunk::Secure(s) = parse_chunk(&complete(&b)).unwrap() else {
        panic!("not a secure chunk")
    };
    assert_eq!(s.secure_channel_id, 8);
    assert_eq!(s.security, SecurityHeader::Symmetric { token_id: 8 });
    let (seq, body) = SequenceHeader::split(s.payload).unwrap();
    assert_eq!((seq.sequence_number, seq.request_id), (3, 3));
    let mut d = Decoder::new(body);
    assert_eq!(d.node_id().unwrap().ns0_numeric(), Some(452));
}

#[test]
fn response_header_with_nested_diagnostics() {
    let b = hex(OPN_DIAG);
    let Chunk::Secure(s) = parse_chunk(&complete(&b)).unwrap() else {
        panic!("not a secure chunk")
    };
    let (_, body) = SequenceHeader::split(s.payload).unwrap();
    let mut d = Decoder::new(body);
    assert_eq!(d.node_id().unwrap().ns0_numeric(), Some(449));
    let h = ResponseHeader::decode(&mut d).unwrap();
    let info = &h.service_diagnostics;
    assert_eq!(info.inner_status_code, Some(0x8001_0000));
    let inner = info.inner.as_deref().expect("an inner DiagnosticInfo");
    assert_eq!(
        inner.additional_info.map(|s| s.text().into_owned()),
        Some("LOOK: INNER ADDITION INFO".to_owned())
    );
    assert_eq!(inner.inner_status_code, Some(0x8002_0000));
    assert!(inner.inner.is_some());
    let b = services::OpenSecureChannelResponse::decode(&mut d).unwrap();
    assert_eq!(b.server_protocol_version, 0);
    assert_eq!(b.security_token.channel_id, 2);
    assert_eq!(b.security_token.token_id, 2);
    assert_eq!(b.security_token.revised_lifetime, 600_000);
    assert!(d.is_empty());
}

#[test]
fn framing_asks_for_what_is_missing_and_rejects_garbage() {
    let b = hex(HEL);
    assert_eq!(frame(&b[..3]), Frame::NeedMore(5));
    assert_eq!(frame(&b[..20]), Frame::NeedMore(36));
    // Two chunks in one buffer: the first is framed alone.
    let two: Vec<u8> = [hex(ACK), hex(HEL)].concat();
    assert_eq!(complete(&two).consumed, 28);
    // Unknown type, bad chunk letter, intermediate HEL, size 4, size 2^31.
    for bad in [
        "474554202f20485454502f312e310d0a",
        "4d53475838000000",
        "48454c4338000000",
        "4d53474604000000",
        "4d53474600000080",
    ] {
        assert!(
            matches!(frame(&hex(bad)), Frame::Invalid(_)),
            "{bad} was accepted"
        );
        assert!(!probe(&hex(bad)));
    }
    // A MSG chunk is OPC UA but does not open a connection.
    assert!(!probe(&hex(CLO)));
}

#[test]
fn truncated_fields_name_the_layer_and_offset() {
    let mut b = hex(HEL);
    b.truncate(40);
    b[4] = 40;
    let e = parse_chunk(&complete(&b)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "OPC UA transport: string length 24 at offset 20 exceeds the limit of 8"
    );
}

#[test]
fn node_id_encodings() {
    let cases: [(&str, &str); 6] = [
        ("0055", "i=85"),
        ("01022b00", "ns=2;i=43"),
        ("0201003f420f00", "ns=1;i=999999"),
        ("030200030000002f4162", "ns=2;s=/Ab"),
        (
            "040100 78563412 3412 7856 0102030405060708",
            "ns=1;g=12345678-1234-5678-0102-030405060708",
        ),
        ("050300 02000000 beef", "ns=3;b=beef"),
    ];
    for (wire, text) in cases {
        let b = hex(wire);
        let mut d = Decoder::new(&b);
        assert_eq!(d.node_id().unwrap().to_string(), text);
        assert!(d.is_empty(), "{wire} left bytes");
    }
    // The ExpandedNodeId flags are refused in a NodeId, and read in an
    // ExpandedNodeId: namespace URI, then server index.
    let b = hex("c055 03000000 75726e 07000000");
    assert!(Decoder::new(&b).node_id().is_err());
    let e = Decoder::new(&b).expanded_node_id().unwrap();
    assert_eq!(e.node_id.ns0_numeric(), Some(0x55));
    assert_eq!(
        e.namespace_uri.map(|s| s.text().into_owned()),
        Some("urn".into())
    );
    assert_eq!(e.server_index, Some(7));
    assert!(Decoder::new(&hex("0600")).node_id().is_err());
}

#[test]
fn strings_distinguish_null_from_empty() {
    let b = hex("ffffffff 00000000 02000000 c328");
    let mut d = Decoder::new(&b);
    assert!(d.string().unwrap().is_null());
    let empty = d.string().unwrap();
    assert!(!empty.is_null() && empty.text().is_empty());
    // Not UTF-8: data, shown with a replacement character.
    assert_eq!(d.string().unwrap().text(), "\u{fffd}(");
    // Negative lengths other than -1 are invalid.
    assert!(Decoder::new(&hex("feffffff")).string().is_err());
}

#[test]
fn localized_text_qualified_name_extension_object() {
    let b = hex("03 02000000 656e 02000000 6869  0200 03000000 466f6f");
    let mut d = Decoder::new(&b);
    let lt = d.localized_text().unwrap();
    assert_eq!(lt.locale.unwrap().text(), "en");
    assert_eq!(lt.text.unwrap().text(), "hi");
    let qn = d.qualified_name().unwrap();
    assert_eq!((qn.namespace, qn.name.text().as_ref()), (2, "Foo"));

    // A binary UserNameIdentityToken body (i=324) stays bytes.
    let b = hex("01004401 01 03000000 aabbcc");
    let x = Decoder::new(&b).extension_object().unwrap();
    assert_eq!(x.type_id.ns0_numeric(), Some(324));
    assert_eq!(
        x.body,
        ExtensionBody::Binary(ByteString(Some(&[0xaa, 0xbb, 0xcc])))
    );
    assert!(Decoder::new(&hex("0000 03")).extension_object().is_err());
}

#[test]
fn variants_scalars_arrays_and_data_values() {
    // Int32 scalar 5; Boolean array [true, false] with dimensions [2].
    let b = hex("06 05000000  c1 02000000 01 00 01000000 02000000");
    let mut d = Decoder::new(&b);
    assert_eq!(d.variant().unwrap(), Variant::Scalar(Scalar::Int32(5)));
    assert_eq!(
        d.variant().unwrap(),
        Variant::Array {
            element: BuiltinType::Boolean,
            values: Some(vec![Scalar::Boolean(true), Scalar::Boolean(false)]),
            dimensions: Some(vec![2]),
        }
    );
    assert!(d.is_empty());

    // DataValue: Double 1.5, status Good, source timestamp.
    let b = hex("05 0b 000000000000f83f 0100000000000000");
    let dv = Decoder::new(&b).data_value().unwrap();
    assert_eq!(dv.value, Some(Variant::Scalar(Scalar::Double(1.5))));
    assert_eq!(dv.source_timestamp, Some(1));
    assert_eq!(dv.status, None);

    // An array of Variants holding a nested array.
    let b = hex("98 01000000 83 01000000 07");
    let Variant::Array { values, .. } = Decoder::new(&b).variant().unwrap() else {
        panic!("not an array")
    };
    assert!(matches!(values.as_deref(), Some([Scalar::Variant(_)])));

    // Refused: reserved type 26, a scalar Variant of Variant, dimensions
    // without an array, a non-empty Null array.
    for bad in ["1a", "18 06 00000000", "46 05000000", "80 03000000"] {
        assert!(Decoder::new(&hex(bad)).variant().is_err(), "{bad} accepted");
    }
}

#[test]
fn hostile_lengths_and_depths_fail_without_allocating() {
    // An Int32 array that claims 2^31 - 1 elements in 8 bytes.
    let b = hex("86 ffffff7f 0000000000000000");
    let e = Decoder::new(&b).variant().unwrap_err();
    assert!(e.to_string().contains("array length 2147483647"), "{e}");
    // A ByteString that claims more than is there.
    assert!(Decoder::new(&hex("10000000 00")).byte_string().is_err());
    // DiagnosticInfos nested past the cap.
    let deep = hex(&"40".repeat(usize::from(MAX_DEPTH) + 1));
    let e = Decoder::new(&deep).diagnostic_info().unwrap_err();
    assert!(e.to_string().contains("nesting depth"), "{e}");
    // Exactly at the cap is fine.
    let mut ok = hex(&"40".repeat(usize::from(MAX_DEPTH) - 1));
    ok.push(0);
    assert!(Decoder::new(&ok).diagnostic_info().is_ok());
    // Variants of arrays of Variants past the cap.
    let deep = hex(&"98 01000000 ".repeat(usize::from(MAX_DEPTH) + 1));
    assert!(Decoder::new(&deep).variant().is_err());
}

#[test]
fn guid_prints_in_registry_form() {
    let b = hex("8a5796c4 fe0d 8f4b 870a745238c6aeae");
    let g = Decoder::new(&b).guid().unwrap();
    assert_eq!(g.to_string(), "C496578A-0DFE-4B8F-870A-745238C6AEAE");
}

#[test]
fn builtin_type_ids_round_trip() {
    for id in 0..=25u8 {
        let t = BuiltinType::from_id(id).unwrap();
        assert_eq!(t.id(), id);
    }
    assert_eq!(BuiltinType::from_id(26), None);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Frame::Complete(raw) = frame(&bytes) {
            prop_assert!(raw.consumed <= bytes.len());
            if let Ok(Chunk::Secure(s)) = parse_chunk(&raw) {
                let _ = SequenceHeader::split(s.payload);
            }
        }
        let _ = probe(&bytes);
        let mut d = Decoder::new(&bytes);
        let _ = d.variant();
        let _ = Decoder::new(&bytes).data_value();
        let _ = Decoder::new(&bytes).diagnostic_info();
        let _ = Decoder::new(&bytes).expanded_node_id();
        let _ = RequestHeader::decode(&mut Decoder::new(&bytes));
        let _ = ResponseHeader::decode(&mut Decoder::new(&bytes));
    }

    #[test]
    fn chunk_bodies_of_every_type_never_panic(
        ty in 0usize..7,
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let types: [&[u8; 3]; 7] = [b"HEL", b"ACK", b"ERR", b"RHE", b"OPN", b"MSG", b"CLO"];
        let mut b = types[ty].to_vec();
        b.push(b'F');
        b.extend_from_slice(&((body.len() + 8) as u32).to_le_bytes());
        b.extend_from_slice(&body);
        let Frame::Complete(raw) = frame(&b) else {
            return Err(TestCaseError::fail("a well-sized chunk must frame"));
        };
        let _ = parse_chunk(&raw);
    }
}

#[test]
fn user_identity_tokens_decode_by_type() {
    use services::UserIdentityToken as U;
    // UserNameIdentityToken: policy "p", user "u", password "pw", no
    // encryption algorithm.
    let b = hex("01004401 01 14000000 01000000 70 01000000 75 02000000 7077 ffffffff");
    let x = Decoder::new(&b).extension_object().unwrap();
    assert_eq!(x.type_id_encoding, 0x01);
    let t = U::decode(&x).unwrap().unwrap();
    let U::UserName {
        user_name,
        password,
        encryption_algorithm,
        ..
    } = t
    else {
        panic!("not a user name token")
    };
    assert_eq!(user_name.text(), "u");
    assert_eq!(password.len(), 2);
    assert!(encryption_algorithm.is_null());
    // Anonymous; a type this module does not know; a token cut short.
    let b = hex("01004101 01 05000000 01000000 61");
    let x = Decoder::new(&b).extension_object().unwrap();
    assert!(matches!(
        U::decode(&x).unwrap().unwrap(),
        U::Anonymous { .. }
    ));
    let b = hex("0100ff00 01 00000000");
    assert!(U::decode(&Decoder::new(&b).extension_object().unwrap()).is_none());
    let b = hex("01004401 01 02000000 0100");
    assert!(U::decode(&Decoder::new(&b).extension_object().unwrap())
        .unwrap()
        .is_err());
}

#[test]
fn resync_finds_the_next_chunk_of_the_channel() {
    let chunk = hex(CLO);
    // Garbage, then a chunk: found at its start, on its channel (8) or
    // when the channel is not known; not on another channel.
    let mut stream = b"\x01MSGFxx garbage MSGF\x02\x00\x00\x00".to_vec();
    let at = stream.len();
    stream.extend_from_slice(&chunk);
    assert_eq!(resync(&stream, Some(8)), Some(at));
    assert_eq!(resync(&stream, None), Some(at));
    assert_eq!(resync(&stream, Some(9)), None);
    // A header cut after fewer than RESYNC_KEEP bytes is not a match yet.
    assert_eq!(resync(&chunk[..RESYNC_KEEP - 1], None), None);
    assert_eq!(resync(&chunk[..RESYNC_KEEP], None), Some(0));
    // Only secure-conversation chunks: a Hello does not qualify.
    assert_eq!(resync(&hex(HEL), None), None);
}
