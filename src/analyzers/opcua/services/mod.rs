//! Service bodies as events: each decoded body the logs show becomes an
//! owned, typed copy ([`crate::event::opcua::RequestBody`],
//! [`crate::event::opcua::ResponseBody`]) carrying the link ids of the
//! rows it gives, drawn in the order the rows are written. A body that
//! does not decode gives no body and a weird
//! (`opcua_binary_bad_service_body`); the summary (and a response's
//! status) is written either way. One module per service set.

mod attribute;
mod discovery;
mod method;
mod session;
mod subscription;
mod view;

use super::links::Links;
use super::own;
use crate::analyzers::Context;
use crate::event::opcua::{
    self as ev, Application, ApplicationDescription, Diagnostics, RequestBody, ResponseBody,
};
use crate::event::{Event, Head};
use otwatch_parsers::opcua::services::Body;
use otwatch_parsers::opcua::{Decoder, DiagnosticInfo};

pub(super) fn bad_body(e: otwatch_parsers::Error, cx: &mut Context<'_>) {
    cx.weird(
        "opcua_binary_bad_service_body",
        Some(e.to_string()),
        "OPCUA_BINARY",
    );
}

/// The diagnostics of a response's operations, with the link of their
/// status rows when one holds a status code (or a nested info).
fn diagnostics(infos: &[DiagnosticInfo<'_>], links: &mut Links<'_>) -> Diagnostics {
    let any = infos
        .iter()
        .any(|d| d.inner_status_code.is_some() || d.inner.is_some());
    Diagnostics {
        link: any.then(|| links.next()),
        infos: infos.iter().map(own::diagnostic_info).collect(),
    }
}

/// Decodes the body of service `id` (`d` after its header): `None` for a
/// service whose body the parsers do not know, or that did not decode
/// (weird), else the body. Emits the application a body describes.
fn decode<'a>(id: u32, d: &mut Decoder<'a>, head: &Head, cx: &mut Context<'_>) -> Option<Body<'a>> {
    let body = match Body::decode(id, d)? {
        Err(e) => {
            bad_body(e, cx);
            return None;
        }
        Ok(b) => b,
    };
    if let Some(app) = application(&body, head) {
        cx.event(app);
    }
    Some(body)
}

/// The body of the request of service `id`, `d` after its header.
pub fn request(
    id: u32,
    d: &mut Decoder<'_>,
    head: &Head,
    links: &mut Links<'_>,
    cx: &mut Context<'_>,
) -> Option<RequestBody> {
    Some(match decode(id, d, head, cx)? {
        Body::OpenSecureChannelRequest(b) => {
            RequestBody::OpenSecureChannel(session::open_secure_channel_request(&b))
        }
        Body::ActivateSessionRequest(b) => {
            RequestBody::ActivateSession(Box::new(session::activate_session_request(&b, cx)))
        }
        Body::CloseSessionRequest(b) => RequestBody::CloseSession(ev::CloseSessionRequest {
            delete_subscriptions: b.delete_subscriptions,
        }),
        Body::GetEndpointsRequest(b) => RequestBody::GetEndpoints(ev::GetEndpointsRequest {
            endpoint_url: own::text(b.endpoint_url),
        }),
        Body::CreateSessionRequest(b) => {
            RequestBody::CreateSession(Box::new(discovery::create_session_request(&b)))
        }
        Body::BrowseRequest(b) => RequestBody::Browse(view::browse_request(&b, links)),
        Body::BrowseNextRequest(b) => RequestBody::BrowseNext(ev::BrowseNextRequest {
            release_continuation_points: b.release_continuation_points,
        }),
        Body::ReadRequest(b) => RequestBody::Read(attribute::read_request(&b, links)),
        Body::WriteRequest(b) => RequestBody::Write(attribute::write_request(&b, links)),
        Body::CallRequest(b) => RequestBody::Call(method::call_request(&b)),
        Body::CreateMonitoredItemsRequest(b) => RequestBody::CreateMonitoredItems(
            subscription::create_monitored_items_request(&b, links),
        ),
        Body::CreateSubscriptionRequest(b) => {
            RequestBody::CreateSubscription(subscription::create_subscription_request(&b))
        }
        Body::PublishRequest(b) => RequestBody::Publish(ev::PublishRequest {
            acknowledgements: b.acknowledgements,
        }),
        // Decoded (a malformed one is a weird), logged in the summary row
        // by name: the reference has no log for them. (A response body
        // sent as a request is not one either.)
        _ => return None,
    })
}

/// The body of the response of service `id`, `d` after its header.
pub fn response(
    id: u32,
    d: &mut Decoder<'_>,
    head: &Head,
    links: &mut Links<'_>,
    cx: &mut Context<'_>,
) -> Option<ResponseBody> {
    Some(match decode(id, d, head, cx)? {
        Body::OpenSecureChannelResponse(b) => {
            ResponseBody::OpenSecureChannel(session::open_secure_channel_response(&b))
        }
        Body::ActivateSessionResponse(b) => {
            ResponseBody::ActivateSession(session::activate_session_response(&b, links))
        }
        Body::GetEndpointsResponse(b) => ResponseBody::GetEndpoints(ev::GetEndpointsResponse {
            endpoints: discovery::endpoints(&b.endpoints, links),
        }),
        Body::CreateSessionResponse(b) => {
            ResponseBody::CreateSession(Box::new(discovery::create_session_response(&b, links)))
        }
        Body::BrowseResponse(b) => ResponseBody::Browse(view::browse_response(&b, links)),
        Body::BrowseNextResponse(b) => ResponseBody::BrowseNext(view::browse_response(&b, links)),
        Body::ReadResponse(b) => ResponseBody::Read(attribute::read_response(&b, links)),
        Body::WriteResponse(b) => ResponseBody::Write(attribute::write_response(&b, links)),
        Body::CallResponse(b) => ResponseBody::Call(method::call_response(&b)),
        Body::CreateMonitoredItemsResponse(b) => ResponseBody::CreateMonitoredItems(
            subscription::create_monitored_items_response(&b, links),
        ),
        Body::CreateSubscriptionResponse(b) => {
            ResponseBody::CreateSubscription(subscription::create_subscription_response(&b))
        }
        Body::PublishResponse(b) => {
            ResponseBody::Publish(subscription::publish_response(&b, links))
        }
        _ => return None,
    })
}

/// How the sender of a CreateSession request, or of a GetEndpoints or
/// CreateSession response, describes its application (for the inventory).
fn application(body: &Body<'_>, head: &Head) -> Option<Event> {
    let a = match body {
        Body::CreateSessionRequest(b) => &b.client_description,
        Body::GetEndpointsResponse(b) => &b.endpoints.first()?.server,
        Body::CreateSessionResponse(b) => &b.server_endpoints.first()?.server,
        _ => return None,
    };
    let s = |u: otwatch_parsers::opcua::UaString<'_>| {
        u.bytes()
            .filter(|b| !b.is_empty())
            .map(|_| u.text().into_owned())
    };
    let (source, ..) = head.id.endpoints(head.dir);
    Some(Event::OpcUaApplication(Box::new(Application {
        ts: head.ts,
        host: source,
        application_uri: s(a.application_uri),
        product_uri: s(a.product_uri),
        application_name: a.application_name.text.and_then(s),
        application_type: a.application_type,
    })))
}

/// An ApplicationDescription as the events keep it.
fn application_description(
    a: &otwatch_parsers::opcua::services::ApplicationDescription<'_>,
) -> ApplicationDescription {
    ApplicationDescription {
        application_uri: own::text(a.application_uri),
        product_uri: own::text(a.product_uri),
        application_name_mask: a.application_name_mask,
        application_name: own::localized_text(&a.application_name),
        application_type: a.application_type,
        gateway_server_uri: own::text(a.gateway_server_uri),
        discovery_profile_uri: own::text(a.discovery_profile_uri),
    }
}
