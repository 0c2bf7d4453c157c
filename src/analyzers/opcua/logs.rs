//! The logs of CISA ICSNPP-opcua-binary, columns in the reference's order
//! (../shared/corpus/SCHEMAS.md): `opcua_binary.log`, the summary log (one
//! row per HEL, ACK, ERR and CLO message, one row per OPN or MSG request
//! merged with its response), and the per-service logs, whose rows carry
//! the `opcua_link_id` of the message they came from (the summary row's
//! `req_opcua_link_id` or `res_opcua_link_id`); its `status_code_link_id`
//! names the `opcua_binary_status_code_detail` row of the response's
//! service result.

use crate::analyzers::ConnId;
use crate::output::{field, Field, FieldType as T, LogRecord, Value};
use crate::time::Ts;

/// The HEL / ACK fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloFields {
    pub version: u32,
    pub rcv_buf_size: u32,
    pub snd_buf_size: u32,
    pub max_msg_size: u32,
    pub max_chunk_cnt: u32,
    /// HEL only.
    pub endpoint_url: Option<String>,
}

/// The asymmetric security header of an OPN message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenFields {
    pub policy_uri: Option<String>,
    pub policy_uri_len: i64,
    /// Hex of the sender certificate and of the receiver thumbprint.
    pub snd_cert: Option<String>,
    pub snd_cert_len: i64,
    pub rcv_cert: Option<String>,
    pub rcv_cert_len: i64,
}

/// The service NodeId of a message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceId {
    pub encoding_mask: u8,
    pub namespace: u16,
    pub identifier: u32,
    pub name: Option<&'static str>,
}

/// The RequestHeader fields the reference logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFields {
    pub token_encoding: u8,
    /// Unset for the two-byte form, which has no namespace.
    pub token_namespace: Option<u16>,
    pub token_numeric: Option<u32>,
    pub token_string: Option<String>,
    pub token_guid: Option<String>,
    pub token_opaque: Option<String>,
    pub timestamp: Ts,
    pub request_handle: u32,
    pub return_diag: u32,
    pub audit_entry_id: Option<String>,
    pub timeout_hint: u32,
    pub add_hdr_type_id: u32,
    pub add_hdr_enc_mask: u8,
}

/// The ResponseHeader fields the reference logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseFields {
    pub timestamp: Ts,
    pub request_handle: u32,
    /// Links the `opcua_binary_status_code_detail` row of the service
    /// result.
    pub status_link: String,
    pub service_diag_encoding: u8,
    pub add_hdr_type_id: u32,
    pub add_hdr_enc_mask: u8,
}

/// One side (request or response) of a secure-conversation row. Fields
/// are `None` where the body is encrypted or could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Half<H> {
    /// Ties the service-log rows of this message to the summary row.
    pub link: String,
    pub msg_size: u32,
    pub seq_number: Option<u32>,
    pub service: Option<ServiceId>,
    pub header: Option<H>,
}

impl<H> Half<H> {
    /// A half whose body is not decoded (yet).
    pub fn new(link: String, msg_size: u32, seq_number: Option<u32>) -> Half<H> {
        Half {
            link,
            msg_size,
            seq_number,
            service: None,
            header: None,
        }
    }
}

/// A row of `opcua_binary.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcuaRecord {
    pub ts: Ts,
    pub id: ConnId,
    pub msg_type: &'static str,
    pub is_final: &'static str,
    pub total_size: u64,
    pub error: Option<u32>,
    pub reason: Option<String>,
    pub hello: Option<HelloFields>,
    pub sec_channel_id: Vec<u64>,
    pub open: Option<OpenFields>,
    pub request_id: Option<u32>,
    pub req: Option<Half<RequestFields>>,
    pub res: Option<Half<ResponseFields>>,
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

fn text(v: &Option<String>) -> Value<'static> {
    v.clone().map_or(Value::Unset, Value::Str)
}

fn service(out: &mut dyn crate::output::Sink<'_>, s: Option<&ServiceId>) {
    out.push(count(s.map(|s| s.encoding_mask)));
    out.push(count(s.map(|s| s.namespace)));
    out.push(count(s.map(|s| s.identifier)));
    out.push(s.and_then(|s| s.name).map_or(Value::Unset, Value::Ref));
}

impl LogRecord for OpcuaRecord {
    const PATH: &'static str = "opcua_binary";
    fn fields() -> &'static [Field] {
        &FIELDS
    }
    fn ts(&self) -> Ts {
        self.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        out.push(Value::Time(self.ts));
        out.push(Value::Ref(&self.id.uid));
        out.push(Value::Addr(self.id.orig_h));
        out.push(Value::Port(self.id.orig_p));
        out.push(Value::Addr(self.id.resp_h));
        out.push(Value::Port(self.id.resp_p));
        out.push(Value::Ref(self.msg_type));
        out.push(Value::Ref(self.is_final));
        out.push(Value::Count(self.total_size));
        out.push(count(self.error));
        out.push(text(&self.reason));
        let h = self.hello.as_ref();
        out.push(count(h.map(|h| h.version)));
        out.push(count(h.map(|h| h.rcv_buf_size)));
        out.push(count(h.map(|h| h.snd_buf_size)));
        out.push(count(h.map(|h| h.max_msg_size)));
        out.push(count(h.map(|h| h.max_chunk_cnt)));
        out.push(h.map_or(Value::Unset, |h| text(&h.endpoint_url)));
        out.push(if self.sec_channel_id.is_empty() {
            Value::Unset
        } else {
            Value::Counts(self.sec_channel_id.clone())
        });
        let o = self.open.as_ref();
        out.push(o.map_or(Value::Unset, |o| Value::Int(o.policy_uri_len)));
        out.push(o.map_or(Value::Unset, |o| text(&o.policy_uri)));
        out.push(o.map_or(Value::Unset, |o| Value::Int(o.snd_cert_len)));
        out.push(o.map_or(Value::Unset, |o| text(&o.snd_cert)));
        out.push(o.map_or(Value::Unset, |o| Value::Int(o.rcv_cert_len)));
        out.push(o.map_or(Value::Unset, |o| text(&o.rcv_cert)));
        out.push(count(self.request_id));

        let req = self.req.as_ref();
        out.push(req.map_or(Value::Unset, |r| Value::Ref(&r.link)));
        out.push(count(req.map(|r| r.msg_size)));
        out.push(count(req.and_then(|r| r.seq_number)));
        service(out, req.and_then(|r| r.service.as_ref()));
        let rh = req.and_then(|r| r.header.as_ref());
        out.push(rh.map_or(Value::Unset, |h| {
            Value::Str(format!("0x{:02x}", h.token_encoding))
        }));
        out.push(count(rh.and_then(|h| h.token_namespace)));
        out.push(count(rh.and_then(|h| h.token_numeric)));
        out.push(rh.map_or(Value::Unset, |h| text(&h.token_string)));
        out.push(rh.map_or(Value::Unset, |h| text(&h.token_guid)));
        out.push(rh.map_or(Value::Unset, |h| text(&h.token_opaque)));
        out.push(rh.map_or(Value::Unset, |h| Value::Time(h.timestamp)));
        out.push(count(rh.map(|h| h.request_handle)));
        out.push(count(rh.map(|h| h.return_diag)));
        out.push(rh.map_or(Value::Unset, |h| text(&h.audit_entry_id)));
        out.push(count(rh.map(|h| h.timeout_hint)));
        out.push(count(rh.map(|h| h.add_hdr_type_id)));
        out.push(count(rh.map(|h| h.add_hdr_enc_mask)));

        let res = self.res.as_ref();
        out.push(res.map_or(Value::Unset, |r| Value::Ref(&r.link)));
        out.push(count(res.map(|r| r.msg_size)));
        out.push(count(res.and_then(|r| r.seq_number)));
        service(out, res.and_then(|r| r.service.as_ref()));
        let sh = res.and_then(|r| r.header.as_ref());
        out.push(sh.map_or(Value::Unset, |h| Value::Time(h.timestamp)));
        out.push(count(sh.map(|h| h.request_handle)));
        out.push(sh.map_or(Value::Unset, |h| Value::Ref(&h.status_link)));
        out.push(count(sh.map(|h| h.service_diag_encoding)));
        out.push(count(sh.map(|h| h.add_hdr_type_id)));
        out.push(count(sh.map(|h| h.add_hdr_enc_mask)));
    }
}

/// The columns every OPC UA service log starts with: the connection, the
/// sender and receiver of the message, and its link id.
pub type Head = crate::analyzers::MessageHead;

const HEAD: [Field; 12] = crate::analyzers::message_head_fields("opcua_link_id");

crate::columns_after!(
    OPEN_SECURE_CHANNEL_FIELDS,
    HEAD,
    12,
    [
        field("client_proto_ver", T::Count),
        field("sec_token_request_type", T::Count),
        field("message_security_mode", T::Count),
        field("client_nonce", T::String),
        field("req_lifetime", T::Count),
        field("server_proto_ver", T::Count),
        field("sec_token_sec_channel_id", T::Count),
        field("sec_token_id", T::Count),
        field("sec_token_created_at", T::Time),
        field("sec_token_revised_time", T::Count),
        field("server_nonce", T::String),
    ]
);

/// The request half of an `opcua_binary_opensecure_channel` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    pub client_proto_ver: u32,
    pub request_type: u32,
    pub security_mode: u32,
    pub client_nonce: Vec<u8>,
    pub req_lifetime: u32,
}

/// The response half of an `opcua_binary_opensecure_channel` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenResponse {
    pub server_proto_ver: u32,
    pub channel_id: u32,
    pub token_id: u32,
    pub created_at: Ts,
    pub revised_lifetime: u32,
    pub server_nonce: Vec<u8>,
}

/// A row of `opcua_binary_opensecure_channel.log`: one OpenSecureChannel
/// request or response (nonces are empty on unsecured channels, and on
/// secured ones the body is never decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenSecureChannelRecord {
    Request(Head, OpenRequest),
    Response(Head, OpenResponse),
}

impl LogRecord for OpenSecureChannelRecord {
    const PATH: &'static str = "opcua_binary_opensecure_channel";
    fn fields() -> &'static [Field] {
        &OPEN_SECURE_CHANNEL_FIELDS
    }
    fn ts(&self) -> Ts {
        match self {
            OpenSecureChannelRecord::Request(h, _) | OpenSecureChannelRecord::Response(h, _) => {
                h.ts
            }
        }
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        match self {
            OpenSecureChannelRecord::Request(h, r) => {
                crate::analyzers::head_values(h, out);
                out.push(Value::Count(r.client_proto_ver.into()));
                out.push(Value::Count(r.request_type.into()));
                out.push(Value::Count(r.security_mode.into()));
                out.push(Value::BytesRef(&r.client_nonce));
                out.push(Value::Count(r.req_lifetime.into()));
                out.extend(std::iter::repeat_n(Value::Unset, 6));
            }
            OpenSecureChannelRecord::Response(h, r) => {
                crate::analyzers::head_values(h, out);
                out.extend(std::iter::repeat_n(Value::Unset, 5));
                out.push(Value::Count(r.server_proto_ver.into()));
                out.push(Value::Count(r.channel_id.into()));
                out.push(Value::Count(r.token_id.into()));
                out.push(Value::Time(r.created_at));
                out.push(Value::Count(r.revised_lifetime.into()));
                out.push(Value::BytesRef(&r.server_nonce));
            }
        }
    }
}

crate::columns_after!(
    ACTIVATE_SESSION_FIELDS,
    HEAD,
    12,
    [
        field("client_algorithm", T::String),
        field("client_signature", T::String),
        field("ext_obj_type_id_encoding_mask", T::String),
        field("ext_obj_type_id_namespace_idx", T::Count),
        field("ext_obj_type_id_numeric", T::Count),
        field("ext_obj_type_id_string", T::String),
        field("ext_obj_type_id_guid", T::String),
        field("ext_obj_type_id_opaque", T::String),
        field("ext_obj_type_id_str", T::String),
        field("ext_obj_encoding", T::String),
        field("ext_obj_policy_id", T::String),
        field("ext_obj_user_name", T::String),
        field("ext_obj_password", T::String),
        field("ext_obj_encryption_algorithom", T::String),
        field("ext_obj_certificate_data", T::String),
        field("ext_obj_token_data", T::String),
        field("user_token_algorithm", T::String),
        field("user_token_signature", T::String),
        field("server_nonce", T::String),
    ]
);

/// The request half of an `opcua_binary_activate_session` row. Secrets
/// (password, issued token data) are never held: only the
/// [`crate::analyzers::opcua::REDACTED`] marker when one was sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivateRequest {
    pub client_algorithm: Option<String>,
    pub client_signature: Option<String>,
    pub token_type_encoding: u8,
    pub token_type_namespace: u16,
    pub token_type_numeric: Option<u32>,
    pub token_type_other: Option<String>,
    pub token_type_name: Option<&'static str>,
    pub token_encoding: u8,
    pub policy_id: Option<String>,
    pub user_name: Option<String>,
    pub password: Option<&'static str>,
    pub encryption_algorithm: Option<String>,
    pub certificate_data: Option<String>,
    pub token_data: Option<&'static str>,
    pub user_token_algorithm: Option<String>,
    pub user_token_signature: Option<String>,
}

/// A row of `opcua_binary_activate_session.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivateSessionRecord {
    Request(Head, Box<ActivateRequest>),
    /// The response: the server nonce, `0x` and hex.
    Response(Head, Option<String>),
}

fn static_text(v: Option<&'static str>) -> Value<'static> {
    v.map_or(Value::Unset, Value::Ref)
}

impl LogRecord for ActivateSessionRecord {
    const PATH: &'static str = "opcua_binary_activate_session";
    fn fields() -> &'static [Field] {
        &ACTIVATE_SESSION_FIELDS
    }
    fn ts(&self) -> Ts {
        match self {
            ActivateSessionRecord::Request(h, _) | ActivateSessionRecord::Response(h, _) => h.ts,
        }
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        match self {
            ActivateSessionRecord::Request(h, r) => {
                crate::analyzers::head_values(h, out);
                out.push(text(&r.client_algorithm));
                out.push(text(&r.client_signature));
                out.push(Value::Str(format!("0x{:02x}", r.token_type_encoding)));
                out.push(Value::Count(r.token_type_namespace.into()));
                out.push(count(r.token_type_numeric));
                // String, Guid and opaque type ids do not occur for the
                // standard tokens; any other form is shown in the string
                // column in NodeId text form.
                out.push(text(&r.token_type_other));
                out.push(Value::Unset);
                out.push(Value::Unset);
                out.push(static_text(r.token_type_name));
                out.push(Value::Str(format!("0x{:02x}", r.token_encoding)));
                out.push(text(&r.policy_id));
                out.push(text(&r.user_name));
                out.push(static_text(r.password));
                out.push(text(&r.encryption_algorithm));
                out.push(text(&r.certificate_data));
                out.push(static_text(r.token_data));
                out.push(text(&r.user_token_algorithm));
                out.push(text(&r.user_token_signature));
                out.push(Value::Unset);
            }
            ActivateSessionRecord::Response(h, nonce) => {
                crate::analyzers::head_values(h, out);
                out.extend(std::iter::repeat_n(Value::Unset, 18));
                out.push(text(nonce));
            }
        }
    }
}

crate::columns_after!(
    CLOSE_SESSION_FIELDS,
    HEAD,
    12,
    [field("del_subscriptions", T::Bool)]
);

/// A row of `opcua_binary_close_session.log`: one CloseSession request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseSessionRecord {
    pub head: Head,
    pub delete_subscriptions: bool,
}

impl LogRecord for CloseSessionRecord {
    const PATH: &'static str = "opcua_binary_close_session";
    fn fields() -> &'static [Field] {
        &CLOSE_SESSION_FIELDS
    }
    fn ts(&self) -> Ts {
        self.head.ts
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        crate::analyzers::head_values(&self.head, out);
        out.push(Value::Bool(self.delete_subscriptions));
    }
}

crate::columns_after!(
    CREATE_SUBSCRIPTION_FIELDS,
    HEAD,
    12,
    [
        field("requested_publishing_interval", T::Count),
        field("requested_lifetime_count", T::Count),
        field("requested_max_keep_alive_count", T::Count),
        field("max_notifications_per_publish", T::Count),
        field("publishing_enabled", T::Bool),
        field("priority", T::Count),
        field("subscription_id", T::Count),
        field("revised_publishing_interval", T::Count),
        field("revised_lifetime_count", T::Count),
        field("revised_max_keep_alive_count", T::Count),
    ]
);

/// A row of `opcua_binary_create_subscription.log`. Publishing intervals
/// are Doubles on the wire and whole milliseconds in the reference's
/// columns (fractions are cut).
#[derive(Clone, Debug, PartialEq)]
pub enum CreateSubscriptionRecord {
    Request(
        Head,
        otwatch_parsers::opcua::services::CreateSubscriptionRequest,
    ),
    Response(
        Head,
        otwatch_parsers::opcua::services::CreateSubscriptionResponse,
    ),
}

/// Milliseconds as a whole count (negative and NaN intervals, which a
/// server revises anyway, show as 0).
fn whole_ms(ms: f64) -> Value<'static> {
    Value::Count(ms as u64)
}

impl LogRecord for CreateSubscriptionRecord {
    const PATH: &'static str = "opcua_binary_create_subscription";
    fn fields() -> &'static [Field] {
        &CREATE_SUBSCRIPTION_FIELDS
    }
    fn ts(&self) -> Ts {
        match self {
            CreateSubscriptionRecord::Request(h, _) | CreateSubscriptionRecord::Response(h, _) => {
                h.ts
            }
        }
    }
    fn values<'a>(&'a self, out: &mut dyn crate::output::Sink<'a>) {
        match self {
            CreateSubscriptionRecord::Request(h, r) => {
                crate::analyzers::head_values(h, out);
                out.push(whole_ms(r.requested_publishing_interval));
                out.push(Value::Count(r.requested_lifetime_count.into()));
                out.push(Value::Count(r.requested_max_keep_alive_count.into()));
                out.push(Value::Count(r.max_notifications_per_publish.into()));
                out.push(Value::Bool(r.publishing_enabled));
                out.push(Value::Count(r.priority.into()));
                out.extend(std::iter::repeat_n(Value::Unset, 4));
            }
            CreateSubscriptionRecord::Response(h, r) => {
                crate::analyzers::head_values(h, out);
                out.extend(std::iter::repeat_n(Value::Unset, 6));
                out.push(Value::Count(r.subscription_id.into()));
                out.push(whole_ms(r.revised_publishing_interval));
                out.push(Value::Count(r.revised_lifetime_count.into()));
                out.push(Value::Count(r.revised_max_keep_alive_count.into()));
            }
        }
    }
}
