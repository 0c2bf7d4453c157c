//! OPC UA Binary events: the summary of each message ([`Message`]: its
//! chunk headers, the OpenSecureChannel security header, and the request
//! and response halves with their headers), the decoded body of each
//! service request ([`Request`]) and response ([`Response`]), and the
//! applications that describe themselves ([`Application`]). Codes and
//! numbers only: service, attribute, status and type names belong to the
//! logs (`crate::logs::opcua`).
//!
//! # Link ids
//!
//! The logs tie rows together with ids (`opcua_link_id`,
//! `nodes_to_read_link_id`, `status_code_link_id`, ...). They are the
//! identities of row groups, so the analyzer assigns them when it builds
//! an event (per connection, in the order the rows were always made) and
//! the events carry them; the logs never make one. Each half of a
//! message has its link ([`Half::link`], the service rows' `head.link`);
//! a response's [`ResponseStatus::link`] names the status rows of its
//! service result; and each list a body logs on its own rows carries the
//! link its rows share (e.g. [`ReadRequest::nodes_link`]).
//!
//! # Values
//!
//! Everything is owned (events travel to the merge thread) and bounded
//! whatever the message's size: a value (Variant) keeps at most
//! [`MAX_ELEMENTS`] array elements or call arguments and [`MAX_TEXT`]
//! characters of a string, with the length of what was cut, as the value
//! columns of the logs show it.
//!
//! # Secrets
//!
//! Events never hold a secret: not the session's authentication token
//! (only its [`TokenForm`]), not a password or issued token (only that one
//! was sent: [`IdentityToken`]).
//!
//! # What detectors read
//!
//! * The security policy of a channel: [`Message::open`]'s
//!   `security_policy_uri` (the asymmetric header of OPN messages is in
//!   clear even on secured channels); its message security mode, when the
//!   body is in clear: [`OpenSecureChannelRequest::security_mode`].
//! * The identity a session is activated with:
//!   [`ActivateSessionRequest::token_kind`], [`user_name`], [`secret_sent`],
//!   [`encrypted`].
//! * What a client writes: [`WriteRequest::written`] (node and attribute
//!   ids); what it calls: [`CallRequest::calls`] (object and method ids).
//! * The service of each half: [`Half::service`] ([`ServiceId::numeric`]).
//!
//! [`user_name`]: ActivateSessionRequest::user_name
//! [`secret_sent`]: ActivateSessionRequest::secret_sent
//! [`encrypted`]: ActivateSessionRequest::encrypted

mod attribute;
mod discovery;
mod method;
mod session;
mod subscription;
mod types;
mod view;

pub use attribute::*;
pub use discovery::*;
pub use method::*;
pub use session::*;
pub use subscription::*;
pub use types::*;
pub use view::*;

use super::{ConnId, Head};
use crate::id::Id;
use crate::time::Ts;
use std::net::IpAddr;

pub use otwatch_parsers::opcua::{ChunkKind, MessageType};

/// How an OPC UA application described itself (the ApplicationDescription
/// of a CreateSession request, or of a server's endpoints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub ts: Ts,
    /// The host the description is about.
    pub host: IpAddr,
    pub application_uri: Option<String>,
    pub product_uri: Option<String>,
    pub application_name: Option<String>,
    /// 0 server, 1 client, 2 both, 3 discovery server.
    pub application_type: u32,
}

/// The fields of a Hello or an Acknowledge (OPC 10000-6, 7.1.2.3-4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub protocol_version: u32,
    pub receive_buffer_size: u32,
    pub send_buffer_size: u32,
    pub max_message_size: u32,
    pub max_chunk_count: u32,
    /// Hello only (`None` also for a null URL).
    pub endpoint_url: Option<String>,
}

/// The asymmetric security header of an OPN chunk (OPC 10000-6, 6.7.2.3),
/// in clear even on secured channels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenHeader {
    /// `http://opcfoundation.org/UA/SecurityPolicy#None`, `...#Basic256Sha256`.
    pub security_policy_uri: Option<String>,
    /// Its length as sent (-1 for null; the text is lossy where the bytes
    /// are not UTF-8).
    pub security_policy_uri_len: i64,
    pub sender_certificate: Option<Vec<u8>>,
    pub receiver_certificate_thumbprint: Option<Vec<u8>>,
}

/// The NodeId naming a message body's service (the id of its
/// `DefaultBinary` encoding), as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceId {
    /// The NodeId's encoding byte (0x00-0x02 are the numeric ones).
    pub encoding_mask: u8,
    pub namespace: u16,
    /// The numeric identifier, 0 for the other kinds.
    pub identifier: u32,
}

impl ServiceId {
    /// The service's numeric id in namespace 0 (`631` ReadRequest), the
    /// only form a standard service has.
    pub fn numeric(&self) -> Option<u32> {
        (self.namespace == 0 && self.encoding_mask <= 0x02).then_some(self.identifier)
    }
}

/// The form of a session's authentication token, a NodeId whose value is
/// the session's bearer secret (whoever holds it can use the session on
/// an unsecured channel): only its form is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The numeric 0 (the null token, before CreateSession: no secret).
    Null,
    Numeric,
    String,
    Guid,
    Opaque,
}

/// An authentication token as sent: encoding byte, namespace, and form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenForm {
    pub encoding: u8,
    pub namespace: u16,
    pub kind: TokenKind,
}

/// The RequestHeader fields of a request (OPC 10000-4, 7.33).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHeader {
    pub authentication_token: TokenForm,
    pub timestamp: DateTime,
    pub request_handle: u32,
    pub return_diagnostics: u32,
    pub audit_entry_id: Option<String>,
    pub timeout_hint: u32,
    /// The additional header's type id (numeric, 0 for the other kinds)
    /// and body encoding.
    pub additional_header_type: u32,
    pub additional_header_encoding: u8,
}

/// The ResponseHeader fields of a response (OPC 10000-4, 7.34).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHeader {
    pub timestamp: DateTime,
    pub request_handle: u32,
    pub service_result: u32,
    /// The link of the status rows of the service result (and of the
    /// inner codes of its diagnostics).
    pub status_link: Id,
    pub service_diagnostics_encoding: u8,
    pub additional_header_type: u32,
    pub additional_header_encoding: u8,
}

/// One half (request or response) of a secure-conversation message.
/// Fields are `None` where the body is encrypted or did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Half<H> {
    /// Ties the service rows of this half to the summary row.
    pub link: Id,
    /// The sizes of its chunks, added up.
    pub size: u32,
    pub sequence_number: Option<u32>,
    pub service: Option<ServiceId>,
    pub header: Option<H>,
    /// The body was decoded into its own event (an `OpcUaRequest` for a
    /// request half), which readers take the request from.
    pub body_emitted: bool,
}

impl<H> Half<H> {
    /// A half whose body is not decoded (yet).
    pub fn new(link: Id, size: u32, sequence_number: Option<u32>) -> Half<H> {
        Half {
            link,
            size,
            sequence_number,
            service: None,
            header: None,
            body_emitted: false,
        }
    }
}

/// One message (OPC 10000-6, 7.1 and 6.7): a HEL, ACK, ERR, RHE or CLO,
/// or an OPN or MSG request merged with its response (either alone when
/// it found no partner). `opcua_binary.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// When its first chunk came.
    pub ts: Ts,
    pub id: ConnId,
    pub message_type: MessageType,
    /// The kind of its last chunk.
    pub chunk: ChunkKind,
    /// The sizes of its chunks (both halves), added up.
    pub total_size: u64,
    /// ERR: the error code and reason.
    pub error: Option<u32>,
    pub reason: Option<String>,
    /// HEL and ACK.
    pub hello: Option<Hello>,
    /// The secure channel ids its chunks named (OPN, MSG, CLO), each once.
    pub secure_channel_ids: Vec<u32>,
    /// OPN.
    pub open: Option<OpenHeader>,
    /// Set when the sequence header is in clear.
    pub request_id: Option<u32>,
    pub request: Option<Half<RequestHeader>>,
    pub response: Option<Half<ResponseHeader>>,
}

/// A response's service result, its diagnostics and the link of their
/// status rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseStatus {
    pub link: Id,
    pub service_result: u32,
    pub diagnostics: DiagnosticInfo,
}

/// A decoded service request (its header decoded, its body one the logs
/// show).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// `head.link` is the request half's link.
    pub head: Head,
    pub body: RequestBody,
}

/// The body of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    OpenSecureChannel(OpenSecureChannelRequest),
    GetEndpoints(GetEndpointsRequest),
    CreateSession(Box<CreateSessionRequest>),
    ActivateSession(Box<ActivateSessionRequest>),
    CloseSession(CloseSessionRequest),
    Browse(BrowseRequest),
    BrowseNext(BrowseNextRequest),
    Read(ReadRequest),
    Write(WriteRequest),
    Call(CallRequest),
    CreateMonitoredItems(CreateMonitoredItemsRequest),
    CreateSubscription(CreateSubscriptionRequest),
    Publish(PublishRequest),
}

impl RequestBody {
    /// The service's name, without its `Request` suffix.
    pub fn service(&self) -> &'static str {
        match self {
            RequestBody::OpenSecureChannel(_) => "OpenSecureChannel",
            RequestBody::GetEndpoints(_) => "GetEndpoints",
            RequestBody::CreateSession(_) => "CreateSession",
            RequestBody::ActivateSession(_) => "ActivateSession",
            RequestBody::CloseSession(_) => "CloseSession",
            RequestBody::Browse(_) => "Browse",
            RequestBody::BrowseNext(_) => "BrowseNext",
            RequestBody::Read(_) => "Read",
            RequestBody::Write(_) => "Write",
            RequestBody::Call(_) => "Call",
            RequestBody::CreateMonitoredItems(_) => "CreateMonitoredItems",
            RequestBody::CreateSubscription(_) => "CreateSubscription",
            RequestBody::Publish(_) => "Publish",
        }
    }
}

/// A response whose ResponseHeader decoded, with its body when the
/// message was whole and the body is one the logs show and decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// `head.link` is the response half's link.
    pub head: Head,
    pub status: ResponseStatus,
    pub body: Option<ResponseBody>,
}

/// The body of a response.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseBody {
    OpenSecureChannel(OpenSecureChannelResponse),
    GetEndpoints(GetEndpointsResponse),
    CreateSession(Box<CreateSessionResponse>),
    ActivateSession(ActivateSessionResponse),
    Browse(BrowseResponse),
    BrowseNext(BrowseResponse),
    Read(ReadResponse),
    Write(WriteResponse),
    Call(CallResponse),
    CreateMonitoredItems(CreateMonitoredItemsResponse),
    CreateSubscription(CreateSubscriptionResponse),
    Publish(PublishResponse),
}
