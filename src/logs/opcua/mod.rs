//! The logs of CISA ICSNPP-opcua-binary, columns in the reference's order
//! (docs/logs.md), projected from the OPC UA events: `opcua_binary.log`,
//! the summary log (one row per [`Message`]), and the service logs, one
//! module per service set, whose rows carry the `opcua_link_id` of the
//! message half they came from (the summary row's `req_opcua_link_id` or
//! `res_opcua_link_id`); the summary's `status_code_link_id` names the
//! `opcua_binary_status_code_detail` rows of the response's service
//! result. Every response gives status rows (its service result,
//! per-operation results, inner codes of diagnostics). Call and Publish
//! have logs of otwatch's own, and the value columns are otwatch's.

mod attribute;
mod discovery;
mod method;
mod names;
mod row;
mod session;
mod status;
mod status_names;
mod subscription;
mod value;
mod view;

pub use names::service_name;

use crate::event::opcua::{
    ChunkKind, Half, Message, Request, RequestBody, RequestHeader, Response, ResponseBody,
    ResponseHeader, ServiceId, TokenKind,
};
use crate::output::{field, DynLog, Field, FieldType as T, LogRecord, Sink, Value};
use crate::time::Ts;
use row::Rows;

/// The OPC UA logs and their columns (for their schemas).
pub(crate) fn logs() -> Vec<(&'static str, &'static [Field])> {
    let mut v: Vec<(&'static str, &'static [Field])> = vec![
        (Message::PATH, <Message as LogRecord>::fields()),
        (
            status::StatusRow::PATH,
            <status::StatusRow as LogRecord>::fields(),
        ),
    ];
    for l in attribute::LOGS
        .iter()
        .chain(&discovery::LOGS)
        .chain(&method::LOGS)
        .chain(&session::LOGS)
        .chain(&subscription::LOGS)
        .chain(&view::LOGS)
    {
        v.push((l.path, l.fields));
    }
    v
}
use status::Source;

/// What a logged secret is replaced with.
pub const REDACTED: &str = "(redacted)";

/// The rows of a decoded request body.
pub fn request_rows(r: &Request, out: &mut dyn FnMut(&dyn DynLog)) {
    let rows = &mut Rows::new(&r.head, out);
    match &r.body {
        RequestBody::OpenSecureChannel(b) => session::open_secure_channel_request(rows, b),
        RequestBody::ActivateSession(b) => session::activate_session_request(rows, b),
        RequestBody::CloseSession(b) => session::close_session_request(rows, b),
        RequestBody::GetEndpoints(b) => discovery::get_endpoints_request(rows, b),
        RequestBody::CreateSession(b) => discovery::create_session_request(rows, b),
        RequestBody::Browse(b) => view::browse_request(rows, b),
        RequestBody::BrowseNext(b) => view::browse_next_request(rows, b),
        RequestBody::Read(b) => attribute::read_request(rows, b),
        RequestBody::Write(b) => attribute::write_request(rows, b),
        RequestBody::Call(b) => method::call_request(rows, b),
        RequestBody::CreateMonitoredItems(b) => {
            subscription::create_monitored_items_request(rows, b)
        }
        RequestBody::CreateSubscription(b) => subscription::create_subscription_request(rows, b),
        RequestBody::Publish(b) => subscription::publish_request(rows, b),
    }
}

/// The rows of a response: the status rows of its service result (and of
/// the inner codes of its diagnostics), then those of its body.
pub fn response_rows(r: &Response, out: &mut dyn FnMut(&dyn DynLog)) {
    let rows = &mut Rows::new(&r.head, out);
    let s = &r.status;
    rows.status(&s.link, Source::ResponseHeader, s.service_result);
    rows.diagnostic(&s.link, Source::ResponseHeader, &s.diagnostics);
    let Some(body) = &r.body else { return };
    match body {
        ResponseBody::OpenSecureChannel(b) => session::open_secure_channel_response(rows, b),
        ResponseBody::ActivateSession(b) => session::activate_session_response(rows, b),
        ResponseBody::GetEndpoints(b) => discovery::get_endpoints_response(rows, b),
        ResponseBody::CreateSession(b) => discovery::create_session_response(rows, b),
        ResponseBody::Browse(b) => view::browse_response(rows, "BrowseResponse", b),
        ResponseBody::BrowseNext(b) => view::browse_response(rows, "BrowseNextResponse", b),
        ResponseBody::Read(b) => attribute::read_response(rows, b),
        ResponseBody::Write(b) => attribute::write_response(rows, b),
        ResponseBody::Call(b) => method::call_response(rows, b),
        ResponseBody::CreateMonitoredItems(b) => {
            subscription::create_monitored_items_response(rows, b)
        }
        ResponseBody::CreateSubscription(b) => subscription::create_subscription_response(rows, b),
        ResponseBody::Publish(b) => subscription::publish_response(rows, b),
    }
}

static FIELDS: [Field; 58] = [
    field("ts", T::Time),
    field("uid", T::String),
    field("id.orig_h", T::Addr),
    field("id.orig_p", T::Port),
    field("id.resp_h", T::Addr),
    field("id.resp_p", T::Port),
    field("msg_type", T::String),
    field("is_final", T::String),
    field("total_size", T::Count),
    field("error", T::Count),
    field("reason", T::String),
    field("version", T::Count),
    field("rcv_buf_size", T::Count),
    field("snd_buf_size", T::Count),
    field("max_msg_size", T::Count),
    field("max_chunk_cnt", T::Count),
    field("endpoint_url", T::String),
    field("sec_channel_id", T::VectorCount),
    field("sec_policy_uri_len", T::Int),
    field("sec_policy_uri", T::String),
    field("snd_cert_len", T::Int),
    field("snd_cert", T::String),
    field("rcv_cert_len", T::Int),
    field("rcv_cert", T::String),
    field("request_id", T::Count),
    field("req_opcua_link_id", T::String),
    field("req_msg_size", T::Count),
    field("req_seq_number", T::Count),
    field("req_encoding_mask", T::Count),
    field("req_namespace_idx", T::Count),
    field("req_identifier", T::Count),
    field("req_identifier_str", T::String),
    field("req_hdr_node_id_type", T::String),
    field("req_hdr_node_id_namespace_idx", T::Count),
    field("req_hdr_node_id_numeric", T::Count),
    field("req_hdr_node_id_string", T::String),
    field("req_hdr_node_id_guid", T::String),
    field("req_hdr_node_id_opaque", T::String),
    field("req_hdr_timestamp", T::Time),
    field("req_hdr_request_handle", T::Count),
    field("req_hdr_return_diag", T::Count),
    field("req_hdr_audit_entry_id", T::String),
    field("req_hdr_timeout_hint", T::Count),
    field("req_hdr_add_hdr_type_id", T::Count),
    field("req_hdr_add_hdr_enc_mask", T::Count),
    field("res_opcua_link_id", T::String),
    field("res_msg_size", T::Count),
    field("res_seq_number", T::Count),
    field("res_encoding_mask", T::Count),
    field("res_namespace_idx", T::Count),
    field("res_identifier", T::Count),
    field("res_identifier_str", T::String),
    field("res_hdr_timestamp", T::Time),
    field("res_hdr_request_handle", T::Count),
    field("status_code_link_id", T::String),
    field("res_hdr_service_diag_encoding", T::Count),
    field("res_hdr_add_hdr_type_id", T::Count),
    field("res_hdr_add_hdr_enc_mask", T::Count),
];

fn count<N: Into<u64>>(v: Option<N>) -> Value<'static> {
    v.map_or(Value::Unset, |n| Value::Count(n.into()))
}

fn text(v: &Option<String>) -> Value<'_> {
    v.as_deref().map_or(Value::Unset, Value::Ref)
}

/// The length of a String or ByteString as the reference logs it: -1 for
/// null.
fn len<T>(v: &Option<Vec<T>>) -> Value<'static> {
    Value::Int(v.as_ref().map_or(-1, |b| b.len() as i64))
}

/// A certificate (thumbprint) in hex; empty is `(empty)`, null unset.
fn hex(v: &Option<Vec<u8>>) -> Value<'_> {
    v.as_deref().map_or(Value::Unset, Value::HexBytes)
}

/// The four columns of a half's service: its NodeId's encoding byte,
/// namespace and numeric identifier, and the service's name.
fn service(out: &mut dyn Sink<'_>, s: Option<&ServiceId>) {
    out.push(count(s.map(|s| s.encoding_mask)));
    out.push(count(s.map(|s| s.namespace)));
    out.push(count(s.map(|s| s.identifier)));
    out.push(row::name(
        s.and_then(ServiceId::numeric).and_then(service_name),
    ));
}

/// The request half's columns, from its link on.
fn request<'a>(out: &mut dyn Sink<'a>, req: Option<&'a Half<RequestHeader>>) {
    out.push(req.map_or(Value::Unset, |r| Value::Plain(&r.link)));
    out.push(count(req.map(|r| r.size)));
    out.push(count(req.and_then(|r| r.sequence_number)));
    service(out, req.and_then(|r| r.service.as_ref()));
    let Some(h) = req.and_then(|r| r.header.as_ref()) else {
        out.extend(std::iter::repeat_n(Value::Unset, 13));
        return;
    };
    let t = &h.authentication_token;
    out.push(row::byte(t.encoding));
    // The two-byte form has no namespace.
    out.push(count((t.encoding != 0).then_some(t.namespace)));
    // The token is the session's bearer secret: only its form is logged
    // (the null token, before CreateSession, is no secret and is shown).
    let redacted = Value::Plain(REDACTED);
    let (mut numeric, mut string, mut guid, mut opaque) =
        (Value::Unset, Value::Unset, Value::Unset, Value::Unset);
    match t.kind {
        TokenKind::Null => numeric = Value::Count(0),
        TokenKind::Numeric => {}
        TokenKind::String => string = redacted,
        TokenKind::Guid => guid = redacted,
        TokenKind::Opaque => opaque = redacted,
    }
    out.extend([numeric, string, guid, opaque]);
    out.push(Value::Time(h.timestamp.ts()));
    out.push(Value::Count(u64::from(h.request_handle)));
    out.push(Value::Count(u64::from(h.return_diagnostics)));
    // The reference prints a null audit id as an empty string.
    out.push(Value::Ref(h.audit_entry_id.as_deref().unwrap_or_default()));
    out.push(Value::Count(u64::from(h.timeout_hint)));
    out.push(Value::Count(u64::from(h.additional_header_type)));
    out.push(Value::Count(u64::from(h.additional_header_encoding)));
}

/// The response half's columns, from its link on.
fn response<'a>(out: &mut dyn Sink<'a>, res: Option<&'a Half<ResponseHeader>>) {
    out.push(res.map_or(Value::Unset, |r| Value::Plain(&r.link)));
    out.push(count(res.map(|r| r.size)));
    out.push(count(res.and_then(|r| r.sequence_number)));
    service(out, res.and_then(|r| r.service.as_ref()));
    let Some(h) = res.and_then(|r| r.header.as_ref()) else {
        out.extend(std::iter::repeat_n(Value::Unset, 6));
        return;
    };
    out.push(Value::Time(h.timestamp.ts()));
    out.push(Value::Count(u64::from(h.request_handle)));
    out.push(Value::Plain(&h.status_link));
    out.push(Value::Count(u64::from(h.service_diagnostics_encoding)));
    out.push(Value::Count(u64::from(h.additional_header_type)));
    out.push(Value::Count(u64::from(h.additional_header_encoding)));
}

/// A row of `opcua_binary.log`.
impl LogRecord for Message {
    const PATH: &'static str = "opcua_binary";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(Value::Ref(&self.id.uid));
        out.push(Value::Addr(self.id.orig_h));
        out.push(Value::Port(self.id.orig_p));
        out.push(Value::Addr(self.id.resp_h));
        out.push(Value::Port(self.id.resp_p));
        out.push(Value::Ref(self.message_type.as_str()));
        out.push(Value::Ref(match self.chunk {
            ChunkKind::Final => "F",
            ChunkKind::Intermediate => "C",
            ChunkKind::Abort => "A",
        }));
        out.push(Value::Count(self.total_size));
        out.push(count(self.error));
        out.push(text(&self.reason));
        let h = self.hello.as_ref();
        out.push(count(h.map(|h| h.protocol_version)));
        out.push(count(h.map(|h| h.receive_buffer_size)));
        out.push(count(h.map(|h| h.send_buffer_size)));
        out.push(count(h.map(|h| h.max_message_size)));
        out.push(count(h.map(|h| h.max_chunk_count)));
        out.push(h.map_or(Value::Unset, |h| text(&h.endpoint_url)));
        out.push(if self.secure_channel_ids.is_empty() {
            Value::Unset
        } else {
            Value::Counts(
                self.secure_channel_ids
                    .iter()
                    .map(|&c| u64::from(c))
                    .collect(),
            )
        });
        match &self.open {
            Some(o) => {
                out.push(Value::Int(o.security_policy_uri_len));
                out.push(text(&o.security_policy_uri));
                out.push(len(&o.sender_certificate));
                out.push(hex(&o.sender_certificate));
                out.push(len(&o.receiver_certificate_thumbprint));
                out.push(hex(&o.receiver_certificate_thumbprint));
            }
            None => out.extend(std::iter::repeat_n(Value::Unset, 6)),
        }
        out.push(count(self.request_id));
        request(out, self.request.as_ref());
        response(out, self.response.as_ref());
    }
}
