//! Service bodies (OPC 10000-4, chapter 5), decoded after the body's type
//! NodeId and its Request/ResponseHeader. Each `decode` reads the fields
//! in wire order from a [`Decoder`](super::Decoder) positioned after the
//! header; a body that ends early or carries an impossible length is an
//! error, never a panic. One module per service set of part 4.

mod attribute;
mod discovery;
mod method;
mod secure_channel;
mod session;
mod subscription;
mod view;

use super::Decoder;
use crate::Error;

pub use attribute::{
    ReadRequest, ReadResponse, ReadValueId, WriteRequest, WriteResponse, WriteValue,
};
pub use discovery::{
    ApplicationDescription, CreateSessionRequest, CreateSessionResponse, EndpointDescription,
    FindServersRequest, FindServersResponse, GetEndpointsRequest, GetEndpointsResponse,
    UserTokenPolicy,
};
pub use method::{CallMethodRequest, CallMethodResult, CallRequest, CallResponse};
pub use secure_channel::{
    ChannelSecurityToken, OpenSecureChannelRequest, OpenSecureChannelResponse,
};
pub use session::{
    ActivateSessionRequest, ActivateSessionResponse, CloseSessionRequest, SignatureData,
    UserIdentityToken,
};
pub use subscription::{
    CreateMonitoredItemsRequest, CreateMonitoredItemsResponse, CreateSubscriptionRequest,
    CreateSubscriptionResponse, DataChangeNotification, MonitoredItemCreateRequest,
    MonitoredItemCreateResult, MonitoredItemNotification, MonitoringParameters,
    NotificationMessage, PublishRequest, PublishResponse, DATA_CHANGE_NOTIFICATION,
};
pub use view::{
    BrowseDescription, BrowseNextRequest, BrowsePath, BrowsePathResult, BrowseRequest,
    BrowseResponse, BrowseResult, ReferenceDescription, RelativePathElement,
    TranslateBrowsePathsRequest, TranslateBrowsePathsResponse,
};

/// A decoded service body: every request and response this module knows,
/// named by its binary encoding id.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Body<'a> {
    /// ServiceFault: the ResponseHeader says it all.
    ServiceFault,
    /// OpenSecureChannelRequest.
    OpenSecureChannelRequest(OpenSecureChannelRequest<'a>),
    /// OpenSecureChannelResponse.
    OpenSecureChannelResponse(OpenSecureChannelResponse<'a>),
    /// GetEndpointsRequest.
    GetEndpointsRequest(GetEndpointsRequest<'a>),
    /// GetEndpointsResponse.
    GetEndpointsResponse(GetEndpointsResponse<'a>),
    /// FindServersRequest.
    FindServersRequest(FindServersRequest<'a>),
    /// FindServersResponse.
    FindServersResponse(FindServersResponse<'a>),
    /// CreateSessionRequest.
    CreateSessionRequest(CreateSessionRequest<'a>),
    /// CreateSessionResponse.
    CreateSessionResponse(CreateSessionResponse<'a>),
    /// ActivateSessionRequest.
    ActivateSessionRequest(ActivateSessionRequest<'a>),
    /// ActivateSessionResponse.
    ActivateSessionResponse(ActivateSessionResponse<'a>),
    /// CloseSessionRequest.
    CloseSessionRequest(CloseSessionRequest),
    /// BrowseRequest.
    BrowseRequest(BrowseRequest<'a>),
    /// BrowseResponse.
    BrowseResponse(BrowseResponse<'a>),
    /// BrowseNextRequest.
    BrowseNextRequest(BrowseNextRequest<'a>),
    /// BrowseNextResponse.
    BrowseNextResponse(BrowseResponse<'a>),
    /// TranslateBrowsePathsRequest.
    TranslateBrowsePathsRequest(TranslateBrowsePathsRequest<'a>),
    /// TranslateBrowsePathsResponse.
    TranslateBrowsePathsResponse(TranslateBrowsePathsResponse<'a>),
    /// ReadRequest.
    ReadRequest(ReadRequest<'a>),
    /// ReadResponse.
    ReadResponse(ReadResponse<'a>),
    /// WriteRequest.
    WriteRequest(WriteRequest<'a>),
    /// WriteResponse.
    WriteResponse(WriteResponse<'a>),
    /// CallRequest.
    CallRequest(CallRequest<'a>),
    /// CallResponse.
    CallResponse(CallResponse<'a>),
    /// CreateMonitoredItemsRequest.
    CreateMonitoredItemsRequest(CreateMonitoredItemsRequest<'a>),
    /// CreateMonitoredItemsResponse.
    CreateMonitoredItemsResponse(CreateMonitoredItemsResponse<'a>),
    /// CreateSubscriptionRequest.
    CreateSubscriptionRequest(CreateSubscriptionRequest),
    /// CreateSubscriptionResponse.
    CreateSubscriptionResponse(CreateSubscriptionResponse),
    /// PublishRequest.
    PublishRequest(PublishRequest),
    /// PublishResponse.
    PublishResponse(PublishResponse<'a>),
}

impl<'a> Body<'a> {
    /// Decodes the body of service `id` from `d`, positioned after the
    /// Request/ResponseHeader; `None` for a service this module does not
    /// decode (it is then known by its NodeId and name only).
    pub fn decode(id: u32, d: &mut Decoder<'a>) -> Option<Result<Body<'a>, Error>> {
        Self::decode_known(id, d).transpose()
    }

    fn decode_known(id: u32, d: &mut Decoder<'a>) -> Result<Option<Body<'a>>, Error> {
        Ok(Some(match id {
            ids::SERVICE_FAULT => Body::ServiceFault,
            ids::OPEN_SECURE_CHANNEL_REQUEST => {
                Body::OpenSecureChannelRequest(OpenSecureChannelRequest::decode(d)?)
            }
            ids::OPEN_SECURE_CHANNEL_RESPONSE => {
                Body::OpenSecureChannelResponse(OpenSecureChannelResponse::decode(d)?)
            }
            ids::GET_ENDPOINTS_REQUEST => {
                Body::GetEndpointsRequest(GetEndpointsRequest::decode(d)?)
            }
            ids::GET_ENDPOINTS_RESPONSE => {
                Body::GetEndpointsResponse(GetEndpointsResponse::decode(d)?)
            }
            ids::FIND_SERVERS_REQUEST => Body::FindServersRequest(FindServersRequest::decode(d)?),
            ids::FIND_SERVERS_RESPONSE => {
                Body::FindServersResponse(FindServersResponse::decode(d)?)
            }
            ids::CREATE_SESSION_REQUEST => {
                Body::CreateSessionRequest(CreateSessionRequest::decode(d)?)
            }
            ids::CREATE_SESSION_RESPONSE => {
                Body::CreateSessionResponse(CreateSessionResponse::decode(d)?)
            }
            ids::ACTIVATE_SESSION_REQUEST => {
                Body::ActivateSessionRequest(ActivateSessionRequest::decode(d)?)
            }
            ids::ACTIVATE_SESSION_RESPONSE => {
                Body::ActivateSessionResponse(ActivateSessionResponse::decode(d)?)
            }
            ids::CLOSE_SESSION_REQUEST => {
                Body::CloseSessionRequest(CloseSessionRequest::decode(d)?)
            }
            ids::BROWSE_REQUEST => Body::BrowseRequest(BrowseRequest::decode(d)?),
            ids::BROWSE_RESPONSE => Body::BrowseResponse(BrowseResponse::decode(d)?),
            ids::BROWSE_NEXT_REQUEST => Body::BrowseNextRequest(BrowseNextRequest::decode(d)?),
            ids::BROWSE_NEXT_RESPONSE => Body::BrowseNextResponse(BrowseResponse::decode(d)?),
            ids::TRANSLATE_BROWSE_PATHS_REQUEST => {
                Body::TranslateBrowsePathsRequest(TranslateBrowsePathsRequest::decode(d)?)
            }
            ids::TRANSLATE_BROWSE_PATHS_RESPONSE => {
                Body::TranslateBrowsePathsResponse(TranslateBrowsePathsResponse::decode(d)?)
            }
            ids::READ_REQUEST => Body::ReadRequest(ReadRequest::decode(d)?),
            ids::READ_RESPONSE => Body::ReadResponse(ReadResponse::decode(d)?),
            ids::WRITE_REQUEST => Body::WriteRequest(WriteRequest::decode(d)?),
            ids::WRITE_RESPONSE => Body::WriteResponse(WriteResponse::decode(d)?),
            ids::CALL_REQUEST => Body::CallRequest(CallRequest::decode(d)?),
            ids::CALL_RESPONSE => Body::CallResponse(CallResponse::decode(d)?),
            ids::CREATE_MONITORED_ITEMS_REQUEST => {
                Body::CreateMonitoredItemsRequest(CreateMonitoredItemsRequest::decode(d)?)
            }
            ids::CREATE_MONITORED_ITEMS_RESPONSE => {
                Body::CreateMonitoredItemsResponse(CreateMonitoredItemsResponse::decode(d)?)
            }
            ids::CREATE_SUBSCRIPTION_REQUEST => {
                Body::CreateSubscriptionRequest(CreateSubscriptionRequest::decode(d)?)
            }
            ids::CREATE_SUBSCRIPTION_RESPONSE => {
                Body::CreateSubscriptionResponse(CreateSubscriptionResponse::decode(d)?)
            }
            ids::PUBLISH_REQUEST => Body::PublishRequest(PublishRequest::decode(d)?),
            ids::PUBLISH_RESPONSE => Body::PublishResponse(PublishResponse::decode(d)?),
            _ => return Ok(None),
        }))
    }
}

/// Binary encoding ids (namespace 0) of the bodies decoded here.
pub mod ids {
    /// ServiceFault: a ResponseHeader and nothing else.
    pub const SERVICE_FAULT: u32 = 397;
    /// FindServersRequest.
    pub const FIND_SERVERS_REQUEST: u32 = 422;
    /// FindServersResponse.
    pub const FIND_SERVERS_RESPONSE: u32 = 425;
    /// GetEndpointsRequest.
    pub const GET_ENDPOINTS_REQUEST: u32 = 428;
    /// GetEndpointsResponse.
    pub const GET_ENDPOINTS_RESPONSE: u32 = 431;
    /// OpenSecureChannelRequest.
    pub const OPEN_SECURE_CHANNEL_REQUEST: u32 = 446;
    /// OpenSecureChannelResponse.
    pub const OPEN_SECURE_CHANNEL_RESPONSE: u32 = 449;
    /// CreateSessionRequest.
    pub const CREATE_SESSION_REQUEST: u32 = 461;
    /// CreateSessionResponse.
    pub const CREATE_SESSION_RESPONSE: u32 = 464;
    /// ActivateSessionRequest.
    pub const ACTIVATE_SESSION_REQUEST: u32 = 467;
    /// ActivateSessionResponse.
    pub const ACTIVATE_SESSION_RESPONSE: u32 = 470;
    /// CloseSessionRequest.
    pub const CLOSE_SESSION_REQUEST: u32 = 473;
    /// BrowseRequest.
    pub const BROWSE_REQUEST: u32 = 527;
    /// BrowseResponse.
    pub const BROWSE_RESPONSE: u32 = 530;
    /// BrowseNextRequest.
    pub const BROWSE_NEXT_REQUEST: u32 = 533;
    /// BrowseNextResponse.
    pub const BROWSE_NEXT_RESPONSE: u32 = 536;
    /// TranslateBrowsePathsToNodeIdsRequest.
    pub const TRANSLATE_BROWSE_PATHS_REQUEST: u32 = 554;
    /// TranslateBrowsePathsToNodeIdsResponse.
    pub const TRANSLATE_BROWSE_PATHS_RESPONSE: u32 = 557;
    /// ReadRequest.
    pub const READ_REQUEST: u32 = 631;
    /// ReadResponse.
    pub const READ_RESPONSE: u32 = 634;
    /// WriteRequest.
    pub const WRITE_REQUEST: u32 = 673;
    /// WriteResponse.
    pub const WRITE_RESPONSE: u32 = 676;
    /// CallRequest.
    pub const CALL_REQUEST: u32 = 712;
    /// CallResponse.
    pub const CALL_RESPONSE: u32 = 715;
    /// CreateMonitoredItemsRequest.
    pub const CREATE_MONITORED_ITEMS_REQUEST: u32 = 751;
    /// CreateMonitoredItemsResponse.
    pub const CREATE_MONITORED_ITEMS_RESPONSE: u32 = 754;
    /// CreateSubscriptionRequest.
    pub const CREATE_SUBSCRIPTION_REQUEST: u32 = 787;
    /// CreateSubscriptionResponse.
    pub const CREATE_SUBSCRIPTION_RESPONSE: u32 = 790;
    /// PublishRequest.
    pub const PUBLISH_REQUEST: u32 = 826;
    /// PublishResponse.
    pub const PUBLISH_RESPONSE: u32 = 829;
    /// AnonymousIdentityToken, binary encoding.
    pub const ANONYMOUS_IDENTITY_TOKEN: u32 = 321;
    /// UserNameIdentityToken, binary encoding.
    pub const USER_NAME_IDENTITY_TOKEN: u32 = 324;
    /// X509IdentityToken, binary encoding.
    pub const X509_IDENTITY_TOKEN: u32 = 327;
    /// IssuedIdentityToken, binary encoding.
    pub const ISSUED_IDENTITY_TOKEN: u32 = 940;
}

#[cfg(test)]
mod tests;
