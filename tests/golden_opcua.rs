//! Golden tests: otwatch's `opcua_binary.log` against CISA
//! ICSNPP-opcua-binary's for the same captures
//! (../shared/corpus/icsnpp-opcua-binary, baselines copied into
//! `tests/golden/`), compared as the corpus README says: every column but
//! `ts`, `uid` and the two header timestamps (masked in the baselines), row
//! by row in file order, with the same uid grouping. The reference files
//! have no header; their 55 columns are those of SCHEMAS.md.

mod common;

use common::*;
use std::collections::BTreeMap;

const COLUMNS: [&str; 55] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "msg_type",
    "is_final",
    "total_size",
    "error",
    "reason",
    "version",
    "rcv_buf_size",
    "snd_buf_size",
    "max_msg_size",
    "max_chunk_cnt",
    "endpoint_url",
    "sec_channel_id",
    "sec_policy_uri_len",
    "sec_policy_uri",
    "snd_cert_len",
    "snd_cert",
    "rcv_cert_len",
    "rcv_cert",
    "request_id",
    "req_msg_size",
    "req_seq_number",
    "req_encoding_mask",
    "req_namespace_idx",
    "req_identifier",
    "req_identifier_str",
    "req_hdr_node_id_type",
    "req_hdr_node_id_namespace_idx",
    "req_hdr_node_id_numeric",
    "req_hdr_node_id_string",
    "req_hdr_node_id_guid",
    "req_hdr_node_id_opaque",
    "req_hdr_timestamp",
    "req_hdr_request_handle",
    "req_hdr_return_diag",
    "req_hdr_audit_entry_id",
    "req_hdr_timeout_hint",
    "req_hdr_add_hdr_type_id",
    "req_hdr_add_hdr_enc_mask",
    "res_msg_size",
    "res_seq_number",
    "res_encoding_mask",
    "res_namespace_idx",
    "res_identifier",
    "res_identifier_str",
    "res_hdr_timestamp",
    "res_hdr_request_handle",
    "res_hdr_service_diag_encoding",
    "res_hdr_add_hdr_type_id",
    "res_hdr_add_hdr_enc_mask",
];

/// The columns that carry a session's authentication token.
const TOKEN_COLUMNS: [&str; 3] = [
    "req_hdr_node_id_string",
    "req_hdr_node_id_guid",
    "req_hdr_node_id_opaque",
];

/// Drops the columns the baselines mask.
fn unmasked(mut rows: Vec<BTreeMap<String, String>>) -> Vec<BTreeMap<String, String>> {
    for r in &mut rows {
        r.remove("req_hdr_timestamp");
        r.remove("res_hdr_timestamp");
        r.remove("sec_token_created_at");
    }
    rows
}

/// The own columns of `opcua_binary_opensecure_channel.log` (SCHEMAS.md).
const OPN_COLUMNS: [&str; 11] = [
    "client_proto_ver",
    "sec_token_request_type",
    "message_security_mode",
    "client_nonce",
    "req_lifetime",
    "server_proto_ver",
    "sec_token_sec_channel_id",
    "sec_token_id",
    "sec_token_created_at",
    "sec_token_revised_time",
    "server_nonce",
];

/// (ours, the reference's) `opcua_binary_opensecure_channel` rows.
fn open_channel_rows(trace: &str) -> (Rows, Rows) {
    let d = run_tsv(&format!("{trace}.pcap"));
    (
        unmasked(ours(d.path(), "opcua_binary_opensecure_channel")),
        unmasked(reference(
            trace,
            "opcua_binary_opensecure_channel",
            Some(&service_columns(&OPN_COLUMNS)),
        )),
    )
}

#[test]
fn icsnpp_opcua_opensecure_channel() {
    let mut n = 0;
    for (trace, rows) in [
        ("open62541_client-server_mainloop", 4),
        (
            "open62541_client-server_mainloop-not-localhost-non-standard-port",
            4,
        ),
        ("opcua_with-gap", 2),
        ("opcua_with-gap_with-handshake", 6),
    ] {
        let (ours, theirs) = open_channel_rows(trace);
        assert_eq!(compare(trace, &ours, &theirs), rows);
        n += rows;
    }
    assert_eq!(n, 16);
}

#[test]
fn service_rows_link_to_their_summary_row() {
    let d = run_tsv("open62541_client-server_mainloop.pcap");
    let summary = ours(d.path(), "opcua_binary");
    let rows = ours(d.path(), "opcua_binary_opensecure_channel");
    assert_eq!(rows.len(), 4);
    for r in rows {
        let link = &r["opcua_link_id"];
        let side = if r["is_orig"] == "T" {
            "req_opcua_link_id"
        } else {
            "res_opcua_link_id"
        };
        let row = summary
            .iter()
            .find(|s| &s[side] == link)
            .unwrap_or_else(|| panic!("no summary row has {side} {link}"));
        assert_eq!(row["msg_type"], "OPN");
        assert_eq!(row["uid"], r["uid"]);
    }
}

/// Deliberate difference (README, "OPC UA Binary"): the reference logs the
/// session's authentication token, a bearer secret; we log `(redacted)`
/// in its place. Applied to the reference rows before comparing; every
/// other column is compared as is.
fn redacted(mut rows: Vec<BTreeMap<String, String>>) -> Vec<BTreeMap<String, String>> {
    for r in &mut rows {
        for c in TOKEN_COLUMNS {
            if let Some(v) = r.get_mut(c) {
                if v != "-" {
                    *v = "(redacted)".into();
                }
            }
        }
    }
    rows
}

/// (ours, the reference's) rows of one capture.
type Rows = Vec<BTreeMap<String, String>>;

fn both(trace: &str) -> (Rows, Rows) {
    let d = run_tsv(&format!("{trace}.pcap"));
    let ours = unmasked(ours(d.path(), "opcua_binary"));
    let theirs = redacted(unmasked(reference(trace, "opcua_binary", Some(&COLUMNS))));
    // Our own header must name the reference's columns, in order.
    let head = std::fs::read_to_string(d.path().join("opcua_binary.log")).unwrap();
    let fields = head
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .expect("a #fields line");
    let named: Vec<&str> = fields.split('\t').filter(|c| !skip(c)).collect();
    let expected: Vec<&str> = COLUMNS.iter().copied().filter(|c| !skip(c)).collect();
    assert_eq!(named, expected);
    (ours, theirs)
}

#[test]
fn icsnpp_opcua_basic() {
    // GetEndpoints on one connection; a full session (CreateSession,
    // ActivateSession, AddNodes, Browse, Read, Write, Call, subscriptions,
    // Publish, CloseSession) on the other, over IPv6.
    let (ours, theirs) = both("open62541_client-server_mainloop");
    assert_eq!(compare("opcua_binary basic", &ours, &theirs), 37);
}

#[test]
fn icsnpp_opcua_no_handshake() {
    // The capture starts mid-session: no HEL, ACK or OPN; the first
    // message is a response whose request is missing, written when the
    // connection ends.
    let (ours, theirs) = both("open62541_client-server_mainloop-no-handshake");
    assert_eq!(compare("opcua_binary no-handshake", &ours, &theirs), 29);
}

#[test]
fn icsnpp_opcua_non_standard_port() {
    // The server listens on 48010: found by the client's Hello.
    let (ours, theirs) = both("open62541_client-server_mainloop-not-localhost-non-standard-port");
    assert_eq!(
        compare("opcua_binary non-standard-port", &ours, &theirs),
        37
    );
    let d = run_tsv("open62541_client-server_mainloop-not-localhost-non-standard-port.pcap");
    let services: Vec<String> = ours_conn_services(d.path());
    assert!(services.iter().any(|s| s == "opcua-binary"), "{services:?}");
}

fn ours_weird_names(dir: &std::path::Path) -> Vec<String> {
    ours(dir, "weird")
        .into_iter()
        .map(|r| r["name"].clone())
        .collect()
}

fn ours_conn_services(dir: &std::path::Path) -> Vec<String> {
    ours(dir, "conn")
        .into_iter()
        .filter_map(|r| r.get("service").cloned())
        .collect()
}

/// Deliberate difference (README, "OPC UA Binary"): after bytes are lost
/// in one direction, the reference stops parsing the whole connection; we
/// look for the next chunk of the same secure channel in that direction
/// and go on from there (weirds `opcua_binary_lost_sync` and
/// `opcua_binary_resync` say so), while the other direction is never
/// interrupted. `opcua_with-gap.pcap` misses 1,460 bytes of the server's
/// stream in the CreateSession response: the reference logs HEL, ACK, OPN
/// and one unanswered CreateSessionRequest; we log the same three first
/// rows, the same unanswered CreateSessionRequest (its response was in the
/// lost bytes), and the session's 84 later requests (ActivateSession,
/// Read, CreateSubscription, Publish, ...), all but the last two Publish
/// requests (pending when the capture ends) with their responses.
#[test]
fn icsnpp_opcua_data_gap_resynchronises_after_the_gap() {
    let (ours, theirs) = both("opcua_with-gap");
    assert_eq!(theirs.len(), 4);
    assert_eq!(ours.len(), 88);
    let create = |rows: &[BTreeMap<String, String>]| -> Rows {
        rows.iter()
            .filter(|r| r["req_identifier_str"] == "CreateSessionRequest")
            .cloned()
            .collect()
    };
    assert_eq!(compare("data-gap first rows", &ours[..3], &theirs[..3]), 3);
    assert_eq!(
        compare("data-gap CreateSession", &create(&ours), &create(&theirs)),
        1
    );
    let answered = ours[3..]
        .iter()
        .filter(|r| r["res_identifier_str"] != "-")
        .count();
    assert_eq!(answered, 84 - 2, "every later request but the last two");
    let d = run_tsv("opcua_with-gap.pcap");
    let weirds: Vec<String> = ours_weird_names(d.path());
    assert_eq!(weirds, ["opcua_binary_lost_sync", "opcua_binary_resync"]);
    // With two more connections after it, each with its own handshake,
    // those are logged exactly as the reference logs them (the first
    // connection's rows are those above, its unanswered requests written
    // when the capture ends).
    let (ours, theirs) = both("opcua_with-gap_with-handshake");
    assert_eq!(theirs.len(), 41);
    assert_eq!(ours.len(), 88 + 37);
    let later = |rows: &[BTreeMap<String, String>]| -> Rows {
        rows.iter()
            .filter(|r| r["id.orig_h"] != "192.168.11.33")
            .cloned()
            .collect()
    };
    assert_eq!(
        compare(
            "opcua_binary data-gap_with-handshake",
            &later(&ours),
            &later(&theirs)
        ),
        37
    );
}

#[test]
fn session_tokens_never_reach_the_logs() {
    // The token of the mainloop session, as the reference prints it (wire
    // byte order) and in the registry form: in no log, in no format.
    for format in ["tsv", "json"] {
        let mut redactions = 0;
        for (name, text) in mainloop_logs(format) {
            let lower = text.to_lowercase();
            assert!(!lower.contains("39121615-46f3-6d34-fecf-fcbfbacb4c14"));
            assert!(!lower.contains("15161239-f346-346d-fecf-fcbfbacb4c14"));
            assert!(!lower.contains("fcbfbacb4c14"));
            if name == "opcua_binary" {
                redactions += text.matches("(redacted)").count();
            }
        }
        assert_eq!(
            redactions, 26,
            "{format}: one per request after CreateSession"
        );
    }
}

/// (log name, text) of every log of the mainloop capture in `format`.
fn mainloop_logs(format: &str) -> Vec<(String, String)> {
    let d = tempfile::tempdir().unwrap();
    let out = analyze(
        d.path(),
        &["--log-format", format],
        &[pcap("open62541_client-server_mainloop.pcap")],
    );
    assert!(out.status.success());
    std::fs::read_dir(d.path())
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn encrypted_sessions_are_logged_without_decoded_names() {
    let d = run_tsv("open62541_client-server_encrypted.pcap");
    let rows = ours(d.path(), "opcua_binary");
    let secured: Vec<_> = rows
        .iter()
        .filter(|r| r["msg_type"] != "HEL" && r["msg_type"] != "ACK")
        .filter(|r| r["request_id"] == "-")
        .collect();
    // The Basic128Rsa15 channel: 2 OPN + 8 MSG + 1 CLO chunks, each its
    // own row with sizes and channel id but no service or header.
    assert_eq!(secured.len(), 11, "{rows:#?}");
    for r in &secured {
        assert_eq!(r["req_identifier_str"], "-");
        assert_eq!(r["res_identifier_str"], "-");
        assert_ne!(r["sec_channel_id"], "-");
    }
    let opn: Vec<_> = secured.iter().filter(|r| r["msg_type"] == "OPN").collect();
    assert_eq!(opn.len(), 2);
    assert!(opn
        .iter()
        .all(|r| r["sec_policy_uri"].ends_with("#Basic128Rsa15") && r["snd_cert_len"] != "-1"));
}

/// The own columns of `opcua_binary_activate_session.log` (SCHEMAS.md),
/// without the link ids the tests cut.
const ACTIVATE_COLUMNS: [&str; 19] = [
    "client_algorithm",
    "client_signature",
    "ext_obj_type_id_encoding_mask",
    "ext_obj_type_id_namespace_idx",
    "ext_obj_type_id_numeric",
    "ext_obj_type_id_string",
    "ext_obj_type_id_guid",
    "ext_obj_type_id_opaque",
    "ext_obj_type_id_str",
    "ext_obj_encoding",
    "ext_obj_policy_id",
    "ext_obj_user_name",
    "ext_obj_password",
    "ext_obj_encryption_algorithom",
    "ext_obj_certificate_data",
    "ext_obj_token_data",
    "user_token_algorithm",
    "user_token_signature",
    "server_nonce",
];

/// Two deliberate differences, applied to the reference rows before
/// comparing (README, "OPC UA Binary"): the reference logs the password
/// (here `password`, sent in clear); we log `(redacted)`, and the
/// encryption-algorithm column says whether it was encrypted. And the
/// reference cuts the server nonce to 24 bytes and `...`; we log all of it
/// (checked to start with the reference's bytes).
#[test]
fn icsnpp_opcua_activate_session() {
    let n = compare_service_log_with(
        "opcua_binary_activate_session",
        &ACTIVATE_COLUMNS,
        |o, t| {
            if t["ext_obj_password"] != "-" {
                t.insert("ext_obj_password".into(), "(redacted)".into());
            }
            if let Some(prefix) = t["server_nonce"].strip_suffix("...") {
                assert!(o["server_nonce"].starts_with(prefix), "nonce");
                t.insert("server_nonce".into(), o["server_nonce"].clone());
            }
        },
    );
    assert_eq!(n, 8);
}

#[test]
fn passwords_never_reach_the_logs() {
    // The mainloop client logs in as user1 with the password "password",
    // in clear on a None channel. No value of any log may hold it.
    for format in ["tsv", "json"] {
        let mut user_names = 0;
        for (_, text) in mainloop_logs(format) {
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                // Column names (ext_obj_password) are keys, not values.
                let values = line.replace("\"ext_obj_password\":", "");
                assert!(!values.contains("password"), "{format}: {line}");
                user_names += usize::from(values.contains("user1"));
            }
        }
        assert_eq!(user_names, 1, "{format}: the user name is logged");
    }
}

/// A service log's columns: the common head, then its own.
fn service_columns(tail: &[&'static str]) -> Vec<&'static str> {
    MESSAGE_HEAD.iter().chain(tail).copied().collect()
}

/// Compares one service log over the four baselines that have it, leaving
/// out the gap connection (which differs on purpose, see above).
fn compare_service_log(log: &str, tail: &[&'static str]) -> usize {
    compare_service_log_with(log, tail, |_, _| {})
}

/// The same, after `adjust` has brought each reference row (second
/// argument) in line with a deliberate difference, given our row (first).
fn compare_service_log_with(
    log: &str,
    tail: &[&'static str],
    adjust: impl Fn(&BTreeMap<String, String>, &mut BTreeMap<String, String>),
) -> usize {
    let columns = service_columns(tail);
    let complete = |rows: Rows| -> Rows {
        rows.into_iter()
            .filter(|r| r["id.orig_h"] != "192.168.11.33")
            .collect()
    };
    let mut n = 0;
    for trace in [
        "open62541_client-server_mainloop",
        "open62541_client-server_mainloop-not-localhost-non-standard-port",
        "open62541_client-server_mainloop-no-handshake",
        "opcua_with-gap_with-handshake",
    ] {
        let d = run_tsv(&format!("{trace}.pcap"));
        let ours = complete(ours(d.path(), log));
        let mut theirs = complete(reference(trace, log, Some(&columns)));
        assert_eq!(ours.len(), theirs.len(), "{trace} {log}");
        for (o, t) in ours.iter().zip(theirs.iter_mut()) {
            adjust(o, t);
        }
        n += compare(&format!("{trace} {log}"), &ours, &theirs);
    }
    n
}

#[test]
fn icsnpp_opcua_close_session() {
    // The reference logs the request only.
    let n = compare_service_log("opcua_binary_close_session", &["del_subscriptions"]);
    assert_eq!(n, 4);
}

#[test]
fn icsnpp_opcua_create_subscription() {
    let n = compare_service_log(
        "opcua_binary_create_subscription",
        &[
            "requested_publishing_interval",
            "requested_lifetime_count",
            "requested_max_keep_alive_count",
            "max_notifications_per_publish",
            "publishing_enabled",
            "priority",
            "subscription_id",
            "revised_publishing_interval",
            "revised_lifetime_count",
            "revised_max_keep_alive_count",
        ],
    );
    assert_eq!(n, 8);
}
/// `opcua_binary_status_code_detail.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const STATUS_CODE_DETAIL_COLUMNS: [&str; 20] = [
    "source",
    "source_str",
    "source_level",
    "status_code",
    "severity",
    "severity_str",
    "sub_code",
    "sub_code_str",
    "structure_changed",
    "semantics_changed",
    "info_type",
    "info_type_str",
    "limit_bits",
    "limit_bits_str",
    "overflow",
    "historian_bits",
    "historian_bits_str",
    "historianPartial",
    "historianExtraData",
    "historianMultiValue",
];

/// `opcua_binary_get_endpoints.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const GET_ENDPOINTS_COLUMNS: [&str; 1] = ["endpoint_url"];

/// `opcua_binary_get_endpoints_description.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const GET_ENDPOINTS_DESCRIPTION_COLUMNS: [&str; 16] = [
    "endpoint_uri",
    "application_uri",
    "product_uri",
    "encoding_mask",
    "locale",
    "text",
    "application_type",
    "gateway_server_uri",
    "discovery_profile_uri",
    "discovery_profile_link_id",
    "cert_size",
    "server_cert",
    "message_security_mode",
    "security_policy_uri",
    "transport_profile_uri",
    "security_level",
];

/// `opcua_binary_get_endpoints_user_token.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const GET_ENDPOINTS_USER_TOKEN_COLUMNS: [&str; 5] = [
    "user_token_policy_id",
    "user_token_type",
    "user_token_issued_type",
    "user_token_endpoint_url",
    "user_token_sec_policy_uri",
];

/// `opcua_binary_create_session.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const CREATE_SESSION_COLUMNS: [&str; 35] = [
    "application_uri",
    "product_uri",
    "encoding_mask",
    "locale",
    "text",
    "application_type",
    "gateway_server_uri",
    "discovery_profile_uri",
    "server_uri",
    "endpoint_url",
    "session_name",
    "client_nonce",
    "client_cert_size",
    "client_cert",
    "req_session_timeout",
    "max_res_msg_size",
    "session_id_encoding_mask",
    "session_id_namespace_idx",
    "session_id_numeric",
    "session_id_string",
    "session_id_guid",
    "session_id_opaque",
    "auth_token_encoding_mask",
    "auth_token_namespace_idx",
    "auth_token_numeric",
    "auth_token_string",
    "auth_token_guid",
    "auth_token_opaque",
    "revised_session_timeout",
    "server_nonce",
    "server_cert_size",
    "server_cert",
    "algorithm",
    "signature",
    "max_req_msg_size",
];

/// `opcua_binary_create_session_endpoints.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const CREATE_SESSION_ENDPOINTS_COLUMNS: [&str; 16] = [
    "endpoint_url",
    "application_uri",
    "product_uri",
    "encoding_mask",
    "locale",
    "text",
    "application_type",
    "gateway_server_uri",
    "discovery_profile_uri",
    "discovery_profile_link_id",
    "cert_size",
    "server_cert",
    "message_security_mode",
    "security_policy_uri",
    "transport_profile_uri",
    "security_level",
];

/// `opcua_binary_create_session_user_token.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const CREATE_SESSION_USER_TOKEN_COLUMNS: [&str; 5] = [
    "user_token_policy_id",
    "user_token_type",
    "user_token_issued_type",
    "user_token_endpoint_url",
    "user_token_sec_policy_uri",
];

/// `opcua_binary_browse.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const BROWSE_COLUMNS: [&str; 11] = [
    "browse_service_type",
    "browse_view_id_encoding_mask",
    "browse_view_id_namespace_idx",
    "browse_view_id_numeric",
    "browse_view_id_string",
    "browse_view_id_guid",
    "browse_view_id_opaque",
    "browse_view_description_timestamp",
    "browse_view_description_view_version",
    "req_max_ref_nodes",
    "browse_next_release_continuation_point",
];

/// `opcua_binary_browse_description.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const BROWSE_DESCRIPTION_COLUMNS: [&str; 16] = [
    "browse_description_encoding_mask",
    "browse_description_namespace_idx",
    "browse_description_numeric",
    "browse_description_string",
    "browse_description_guid",
    "browse_description_opaque",
    "browse_direction",
    "browse_description_ref_encoding_mask",
    "browse_description_ref_namespace_idx",
    "browse_description_ref_numeric",
    "browse_description_ref_string",
    "browse_description_ref_guid",
    "browse_description_ref_opaque",
    "browse_description_include_subtypes",
    "browse_node_class_mask",
    "browse_result_mask",
];

/// `opcua_binary_browse_result.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const BROWSE_RESULT_COLUMNS: [&str; 1] = ["browse_result_continuation_point"];

/// `opcua_binary_browse_response_references.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const BROWSE_RESPONSE_REFERENCES_COLUMNS: [&str; 29] = [
    "browse_response_ref_encoding_mask",
    "browse_response_ref_namespace_idx",
    "browse_response_ref_numeric",
    "browse_response_ref_string",
    "browse_response_ref_guid",
    "browse_response_ref_opaque",
    "browse_response_is_forward",
    "browse_response_ref_type_encoding_mask",
    "browse_response_ref_type_namespace_idx",
    "browse_response_ref_type_numeric",
    "browse_response_ref_type_string",
    "browse_response_ref_type_guid",
    "browse_response_ref_type_opaque",
    "browse_response_ref_type_namespace_uri",
    "browse_response_ref_type_server_idx",
    "browse_response_ref_name_idx",
    "browse_response_ref_name",
    "browse_response_display_name_mask",
    "browse_response_display_name_locale",
    "browse_response_display_name_text",
    "browse_response_node_class",
    "browse_response_type_def_encoding_mask",
    "browse_response_type_def_namespace_idx",
    "browse_response_type_def_numeric",
    "browse_response_type_def_string",
    "browse_response_type_def_guid",
    "browse_response_type_def_opaque",
    "browse_response_type_def_namespace_uri",
    "browse_response_type_def_server_idx",
];

/// `opcua_binary_read.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const READ_COLUMNS: [&str; 3] = [
    "max_age",
    "timestamps_to_return",
    "timestamps_to_return_str",
];

/// `opcua_binary_read_nodes_to_read.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const READ_NODES_TO_READ_COLUMNS: [&str; 11] = [
    "node_id_encoding_mask",
    "node_id_namespace_idx",
    "node_id_numeric",
    "node_id_string",
    "node_id_guid",
    "node_id_opaque",
    "attribute_id",
    "attribute_id_str",
    "index_range",
    "data_encoding_name_idx",
    "data_encoding_name",
];

/// `opcua_binary_read_results.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const READ_RESULTS_COLUMNS: [&str; 6] = [
    "level",
    "data_value_encoding_mask",
    "source_timestamp",
    "source_pico_sec",
    "server_timestamp",
    "server_pico_sec",
];

/// `opcua_binary_write.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const WRITE_COLUMNS: [&str; 14] = [
    "node_id_encoding_mask",
    "node_id_namespace_idx",
    "node_id_numeric",
    "node_id_string",
    "node_id_guid",
    "node_id_opaque",
    "attribute_id",
    "attribute_id_str",
    "index_range",
    "data_value_encoding_mask",
    "source_timestamp",
    "source_pico_sec",
    "server_timestamp",
    "server_pico_sec",
];

/// `opcua_binary_create_monitored_items.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const CREATE_MONITORED_ITEMS_COLUMNS: [&str; 3] = [
    "subscription_id",
    "timestamps_to_return",
    "timestamps_to_return_str",
];

/// `opcua_binary_create_monitored_items_create_item.log`'s own columns (SCHEMAS.md), without the link ids the tests cut.
const CREATE_MONITORED_ITEMS_CREATE_ITEM_COLUMNS: [&str; 26] = [
    "item_to_monitor_node_id_encoding_mask",
    "item_to_monitor_node_id_namespace_idx",
    "item_to_monitor_node_id_numeric",
    "item_to_monitor_node_id_string",
    "item_to_monitor_node_id_guid",
    "item_to_monitor_node_id_opaque",
    "item_to_monitor_attribute_id",
    "item_to_monitor_index_range",
    "item_to_monitor_namespace_idx",
    "item_to_monitor_name",
    "monitoring_mode",
    "monitoring_parameters_client_handle",
    "monitoring_parameters_sampling_interval",
    "monitoring_parameters_queue_size",
    "monitoring_parameters_discard_oldest",
    "monitoring_parameters_filter_info_type_id_node_id_encoding_mask",
    "monitoring_parameters_filter_info_type_id_node_id_namespace_idx",
    "monitoring_parameters_filter_info_type_id_node_id_numeric",
    "monitoring_parameters_filter_info_type_id_node_id_string",
    "monitoring_parameters_filter_info_type_id_node_id_guid",
    "monitoring_parameters_filter_info_type_id_node_id_opaque",
    "monitoring_parameters_filter_info_type_id_string",
    "monitoring_parameters_filter_info_type_id_encoding",
    "monitored_item_index_id",
    "monitoring_parameters_revised_sampling_interval",
    "monitoring_parameters_revised_queue_size",
];

/// A GUID the reference printed in wire byte order, in the registry form
/// we print (OPC 10000-6, 5.1.3: Data1-Data3 are little-endian on the
/// wire). Deliberate difference (README): ours is the form UaExpert and
/// Wireshark show.
fn registry_guid(wire: &str) -> String {
    let hex: String = wire.chars().filter(|c| *c != '-').collect();
    let b: Vec<&str> = (0..16).map(|i| &hex[2 * i..2 * i + 2]).collect();
    format!(
        "{}{}{}{}-{}{}-{}{}-{}{}-{}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10..].concat()
    )
}

/// Brings a reference row of any service log in line with our deliberate
/// differences (README, "OPC UA Binary"): GUIDs in registry form, the
/// session's authentication token redacted, nonces whole where the
/// reference cuts them to 24 bytes and `...`, and the time columns the
/// baselines mask left out of the comparison.
fn normalized(o: &BTreeMap<String, String>, t: &mut BTreeMap<String, String>) {
    for (k, v) in t.iter_mut() {
        if k.ends_with("_guid") && v != "-" {
            *v = registry_guid(v);
        }
        let token =
            k.starts_with("auth_token_") && !k.ends_with("encoding_mask") && !k.ends_with("_idx");
        if token && v != "-" && v != "0" {
            *v = "(redacted)".into();
        }
        if let Some(prefix) = v.strip_suffix("...") {
            assert!(o[k].starts_with(prefix), "{k}: {} vs {v}", o[k]);
            *v = o[k].clone();
        }
    }
    for k in [
        "browse_view_description_timestamp",
        "source_timestamp",
        "server_timestamp",
    ] {
        if t.get(k).map(String::as_str) == Some("XXXXXXXXXX.XXXXXX") {
            t.remove(k);
        }
    }
}

fn golden_service(log: &str, tail: &[&'static str]) -> usize {
    compare_service_log_with(log, tail, normalized)
}

#[test]
fn registry_guids_swap_the_first_three_groups() {
    assert_eq!(
        registry_guid("39121615-46f3-6d34-fecf-fcbfbacb4c14"),
        "15161239-f346-346d-fecf-fcbfbacb4c14"
    );
}

#[test]
fn icsnpp_opcua_status_code_detail() {
    let n = golden_service(
        "opcua_binary_status_code_detail",
        &STATUS_CODE_DETAIL_COLUMNS,
    );
    assert_eq!(n, 145);
}

/// Row counts of a family of service logs (a parent and its child logs).
fn golden_family(logs: &[(&str, &[&'static str])]) -> Vec<usize> {
    logs.iter()
        .map(|(log, tail)| golden_service(log, tail))
        .collect()
}

#[test]
fn icsnpp_opcua_get_endpoints() {
    let n = golden_family(&[
        ("opcua_binary_get_endpoints", &GET_ENDPOINTS_COLUMNS),
        (
            "opcua_binary_get_endpoints_description",
            &GET_ENDPOINTS_DESCRIPTION_COLUMNS,
        ),
        (
            "opcua_binary_get_endpoints_user_token",
            &GET_ENDPOINTS_USER_TOKEN_COLUMNS,
        ),
    ]);
    assert_eq!(n, [13, 7, 14]);
}

#[test]
fn icsnpp_opcua_create_session() {
    let n = golden_family(&[
        ("opcua_binary_create_session", &CREATE_SESSION_COLUMNS),
        (
            "opcua_binary_create_session_endpoints",
            &CREATE_SESSION_ENDPOINTS_COLUMNS,
        ),
        (
            "opcua_binary_create_session_user_token",
            &CREATE_SESSION_USER_TOKEN_COLUMNS,
        ),
    ]);
    assert_eq!(n, [8, 4, 8]);
}

#[test]
fn icsnpp_opcua_browse() {
    let n = golden_family(&[
        ("opcua_binary_browse", &BROWSE_COLUMNS),
        (
            "opcua_binary_browse_description",
            &BROWSE_DESCRIPTION_COLUMNS,
        ),
        ("opcua_binary_browse_result", &BROWSE_RESULT_COLUMNS),
        (
            "opcua_binary_browse_response_references",
            &BROWSE_RESPONSE_REFERENCES_COLUMNS,
        ),
    ]);
    assert_eq!(n, [16, 8, 8, 60]);
}

#[test]
fn icsnpp_opcua_read_and_write() {
    let n = golden_family(&[
        ("opcua_binary_read", &READ_COLUMNS),
        (
            "opcua_binary_read_nodes_to_read",
            &READ_NODES_TO_READ_COLUMNS,
        ),
        ("opcua_binary_read_results", &READ_RESULTS_COLUMNS),
        ("opcua_binary_write", &WRITE_COLUMNS),
    ]);
    assert_eq!(n, [8, 4, 4, 16]);
}

#[test]
fn icsnpp_opcua_create_monitored_items() {
    let n = golden_family(&[
        (
            "opcua_binary_create_monitored_items",
            &CREATE_MONITORED_ITEMS_COLUMNS,
        ),
        (
            "opcua_binary_create_monitored_items_create_item",
            &CREATE_MONITORED_ITEMS_CREATE_ITEM_COLUMNS,
        ),
    ]);
    assert_eq!(n, [8, 8]);
}

#[test]
fn icsnpp_opcua_data_gap_service_logs() {
    // Before the server's stream loses 1,460 bytes: the OpenSecureChannel
    // response's service result and the client's CreateSession request
    // (the response is in the lost bytes), as the reference logs them;
    // after it, the reference logs nothing more and we go on (above).
    let d = run_tsv("opcua_with-gap.pcap");
    let mut n = 0;
    for (log, tail) in [
        (
            "opcua_binary_status_code_detail",
            &STATUS_CODE_DETAIL_COLUMNS[..],
        ),
        ("opcua_binary_create_session", &CREATE_SESSION_COLUMNS[..]),
    ] {
        let ours = ours(d.path(), log);
        let mut theirs = reference("opcua_with-gap", log, Some(&service_columns(tail)));
        assert_eq!(theirs.len(), 1, "{log}");
        normalized(&ours[0], &mut theirs[0]);
        n += compare(log, &ours[..1], &theirs);
    }
    assert_eq!(n, 2);
}
