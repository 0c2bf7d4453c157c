//! OPC UA Binary messages (UACP and secure conversation with SecurityPolicy None).
//!
//! A [`UaChannel`] plays both ends of one opc.tcp connection: the client
//! that says Hello, opens a secure channel with SecurityPolicy None and
//! MessageSecurityMode None, creates and activates an anonymous session,
//! browses, reads, subscribes and closes; and the server that answers it.
//! Each method returns the bytes of one complete message (a single final
//! chunk, `F`) for the caller to put into TCP segments.
//!
//! Numbering follows what a real stack puts on the wire (OPC 10000-6,
//! 6.7.2): each side counts its own sequence numbers from 1, every request
//! takes the next RequestId and RequestHandle, and a response carries the
//! RequestId and RequestHandle of the most recent request of its kind, so
//! a client with several requests outstanding (a Read while a Publish
//! waits) is answered correctly. The server's ids (SecureChannelId,
//! TokenId, SessionId and AuthenticationToken, SubscriptionId) come from
//! the seed, so two channels built from different seeds do not collide
//! and the same seed always gives the same bytes.
//!
//! Field order and encoding ids follow OPC 10000-4 (services) and
//! OPC 10000-6 (binary encoding, NodeIds.csv). Everything is written into
//! one `Vec<u8>` sized up front; lengths (message size, ExtensionObject
//! bodies) are patched in place once known, so a message costs one
//! allocation.

/// Binary encoding NodeIds (namespace 0, `*_Encoding_DefaultBinary`) of
/// the bodies written here.
pub mod ids {
    /// OpenSecureChannelRequest.
    pub const OPEN_SECURE_CHANNEL_REQUEST: u32 = 446;
    /// OpenSecureChannelResponse.
    pub const OPEN_SECURE_CHANNEL_RESPONSE: u32 = 449;
    /// CloseSecureChannelRequest (no response: the server just closes).
    pub const CLOSE_SECURE_CHANNEL_REQUEST: u32 = 452;
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
    /// CloseSessionResponse.
    pub const CLOSE_SESSION_RESPONSE: u32 = 476;
    /// BrowseRequest.
    pub const BROWSE_REQUEST: u32 = 527;
    /// BrowseResponse.
    pub const BROWSE_RESPONSE: u32 = 530;
    /// ReadRequest.
    pub const READ_REQUEST: u32 = 631;
    /// ReadResponse.
    pub const READ_RESPONSE: u32 = 634;
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
    /// AnonymousIdentityToken (the ActivateSession user identity).
    pub const ANONYMOUS_IDENTITY_TOKEN: u32 = 321;
    /// DataChangeNotification (in a Publish NotificationMessage).
    pub const DATA_CHANGE_NOTIFICATION: u32 = 811;
}

/// The namespace of the plant's own nodes: index 0 is the OPC UA
/// namespace and 1 the server's, so application variables start at 2.
pub const NAMESPACE: u16 = 2;

/// The SecurityPolicyUri of unsecured channels.
pub const POLICY_NONE: &str = "http://opcfoundation.org/UA/SecurityPolicy#None";

const TRANSPORT_PROFILE: &str = "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";

/// 100 ns ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 116_444_736_000_000_000;

/// `now_us` (microseconds since the Unix epoch) as an OPC UA DateTime
/// (100 ns ticks since 1601-01-01 UTC).
pub fn date_time(now_us: i64) -> i64 {
    now_us.saturating_mul(10).saturating_add(UNIX_EPOCH_TICKS)
}

// What both ends announce in HEL/ACK: the common 64 KiB chunk buffers,
// no limit on message size or chunk count.
const BUFFER_SIZE: u32 = 65_536;

// Identities of the two applications. Neutral names: the traffic must look
// like a plant, not like any particular vendor's product.
const SERVER_URI: &str = "urn:plant-opcua:UaServer";
const SERVER_PRODUCT_URI: &str = "urn:plant-opcua:products:UaServer";
const SERVER_NAME: &str = "Plant OPC UA Server";
const CLIENT_URI: &str = "urn:plant-hmi:UaClient";
const CLIENT_PRODUCT_URI: &str = "urn:plant-hmi:products:UaClient";
const CLIENT_NAME: &str = "Plant HMI";
const SESSION_NAME: &str = "HMI session";
const LOCALE: &str = "en-US";
const ANONYMOUS_POLICY_ID: &str = "anonymous";

// Timing parameters as common clients request them, and servers grant.
const CHANNEL_LIFETIME_MS: u32 = 3_600_000;
const SESSION_TIMEOUT_MS: f64 = 1_200_000.0;
const TIMEOUT_HINT_MS: u32 = 10_000;
const PUBLISHING_INTERVAL_MS: f64 = 1_000.0;
const MAX_KEEP_ALIVE_COUNT: u32 = 10;
// The spec wants a lifetime of at least three keep-alive periods.
const LIFETIME_COUNT: u32 = 60 * MAX_KEEP_ALIVE_COUNT;
// A Publish waits at the server until there is something to send; clients
// give it longer than a keep-alive period before timing it out.
const PUBLISH_TIMEOUT_HINT_MS: u32 = 3 * MAX_KEEP_ALIVE_COUNT * PUBLISHING_INTERVAL_MS as u32;
const SAMPLING_INTERVAL_MS: f64 = 500.0;
const NONCE_LEN: usize = 32;
// How many unacknowledged NotificationMessages the server keeps for
// Republish (and lists in AvailableSequenceNumbers).
const RETRANSMIT_QUEUE: u32 = 16;

// AttributeId Value (OPC 10000-6, A.1).
const ATTRIBUTE_VALUE: u32 = 13;
// ReferenceTypes and the VariableType the browse results use (ns 0).
const HIERARCHICAL_REFERENCES: u32 = 33;
const HAS_COMPONENT: u32 = 47;
const BASE_DATA_VARIABLE_TYPE: u32 = 63;
const NODE_CLASS_VARIABLE: u32 = 2;
// BrowseResultMask All: every field of each ReferenceDescription.
const BROWSE_RESULT_ALL: u32 = 0x3F;
// TimestampsToReturn Source.
const TIMESTAMPS_SOURCE: u32 = 0;
// MessageSecurityMode None, SecurityTokenRequestType Issue,
// MonitoringMode Reporting, ApplicationType Server / Client,
// UserTokenType Anonymous.
const SECURITY_MODE_NONE: u32 = 1;
const REQUEST_TYPE_ISSUE: u32 = 0;
const MONITORING_REPORTING: u32 = 2;
const APPLICATION_SERVER: u32 = 0;
const APPLICATION_CLIENT: u32 = 1;
const TOKEN_ANONYMOUS: u32 = 0;

// Variant type Double, and the DataValue mask for value + source
// timestamp (status omitted means Good, which is how servers send it).
const VARIANT_DOUBLE: u8 = 11;
const DATA_VALUE_VALUE_SOURCE_TS: u8 = 0x01 | 0x04;
const ENCODED_DATA_VALUE_LEN: usize = 1 + 1 + 8 + 8;

// Room for the message header, the largest security header (OPN with the
// policy URI), the sequence header, the service NodeId and a
// Request/ResponseHeader with a GUID authentication token: body sizes are
// added to this.
const HEADERS_CAP: usize = 160;

/// The services whose responses look up their request.
#[derive(Clone, Copy)]
enum Service {
    Open,
    CreateSession,
    ActivateSession,
    Browse,
    Read,
    CreateSubscription,
    CreateMonitoredItems,
    Publish,
    CloseSession,
}
const SERVICES: usize = 9;

/// The numbers of a request that its response repeats.
#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    request_id: u32,
    request_handle: u32,
}

/// One client/server secure channel and session, numbering as a real stack does.
#[derive(Clone, Debug)]
pub struct UaChannel {
    endpoint_url: String,
    rng: u64,
    channel_id: u32,
    token_id: u32,
    /// Next SequenceNumber of each side.
    client_seq: u32,
    server_seq: u32,
    next_request_id: u32,
    next_request_handle: u32,
    pending: [Pending; SERVICES],
    /// SessionId and AuthenticationToken (both GUID NodeIds in ns 1),
    /// set by CreateSessionResponse.
    session_id: [u8; 16],
    auth_token: [u8; 16],
    /// Whether requests carry the authentication token: from
    /// CreateSessionResponse to CloseSessionResponse.
    session_open: bool,
    next_subscription_id: u32,
    subscription_id: u32,
    next_monitored_item_id: u32,
    /// Items in the last CreateMonitoredItemsRequest.
    items_requested: u32,
    /// Last NotificationMessage sequence number the server sent, and the
    /// last one the client acknowledged.
    notification_sent: u32,
    notification_acked: u32,
    /// Acknowledgements in the last PublishRequest (its response has one
    /// result for each).
    acks_in_publish: u32,
}

/// Takes the next value of a counter that never sends 0 (0 means "none"
/// for request ids and handles, and the spec restarts sequence numbers
/// below 1024 once they near the top of the range).
fn next(counter: &mut u32) -> u32 {
    let v = *counter;
    *counter = if v >= u32::MAX - 1024 { 1 } else { v + 1 };
    v
}

impl UaChannel {
    /// `seed` varies the ids (channel id, token, session/auth token numbers) deterministically.
    pub fn new(seed: u64, endpoint_url: &str) -> UaChannel {
        let mut rng = seed ^ 0x6F70_632E_7463_7021;
        let mut small = |range: u64| (crate::rng::splitmix64(&mut rng) % range) as u32 + 1;
        // Servers number channels and tokens from a counter that has run
        // for a while; clients start their request handles anywhere.
        let channel_id = small(1_000_000);
        let token_id = small(1_000);
        let next_subscription_id = small(100_000);
        let next_monitored_item_id = small(100_000);
        let next_request_handle = small(1_000);
        UaChannel {
            endpoint_url: endpoint_url.to_owned(),
            rng,
            channel_id,
            token_id,
            client_seq: 1,
            server_seq: 1,
            next_request_id: 1,
            next_request_handle,
            pending: [Pending::default(); SERVICES],
            session_id: [0; 16],
            auth_token: [0; 16],
            session_open: false,
            next_subscription_id,
            subscription_id: 0,
            next_monitored_item_id,
            items_requested: 0,
            notification_sent: 0,
            notification_acked: 0,
            acks_in_publish: 0,
        }
    }

    /// The SecureChannelId the server assigns in its OpenSecureChannel
    /// response (the OPN request itself carries 0).
    pub fn channel_id(&self) -> u32 {
        self.channel_id
    }

    /// The TokenId of the channel's security token.
    pub fn token_id(&self) -> u32 {
        self.token_id
    }

    /// The SubscriptionId of the last CreateSubscription response (0 before).
    pub fn subscription_id(&self) -> u32 {
        self.subscription_id
    }

    /// The endpoint URL the client connects to.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    /// HEL (protocol 0, 65536 buffers, max message 0, max chunks 0, endpoint url).
    pub fn hello(&mut self) -> Vec<u8> {
        let mut b = begin(b"HEL", 8 + 24 + self.endpoint_url.len());
        transport_limits(&mut b);
        b.string(&self.endpoint_url);
        seal(b)
    }

    /// ACK: the server accepts the client's limits.
    pub fn acknowledge(&mut self) -> Vec<u8> {
        let mut b = begin(b"ACK", 8 + 20);
        transport_limits(&mut b);
        seal(b)
    }

    /// OPN with an OpenSecureChannelRequest: policy None, Issue, mode None.
    pub fn open_request(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::Open),
            b"OPN",
            ids::OPEN_SECURE_CHANNEL_REQUEST,
            now_us,
            24,
        );
        b.u32(0); // ClientProtocolVersion
        b.u32(REQUEST_TYPE_ISSUE);
        b.u32(SECURITY_MODE_NONE);
        b.null(); // ClientNonce: policy None has no nonce
        b.u32(CHANNEL_LIFETIME_MS);
        seal(b)
    }

    /// OPN with the OpenSecureChannelResponse that issues the channel's token.
    pub fn open_response(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.response(
            Service::Open,
            b"OPN",
            ids::OPEN_SECURE_CHANNEL_RESPONSE,
            now_us,
            32,
        );
        b.u32(0); // ServerProtocolVersion
        b.u32(self.channel_id);
        b.u32(self.token_id);
        b.i64(date_time(now_us)); // CreatedAt
        b.u32(CHANNEL_LIFETIME_MS);
        b.null(); // ServerNonce
        seal(b)
    }

    /// CreateSessionRequest from the HMI client, with a fresh nonce.
    pub fn create_session_request(&mut self, now_us: i64) -> Vec<u8> {
        let cap = 160 + self.endpoint_url.len() + NONCE_LEN;
        let mut b = self.request(
            Some(Service::CreateSession),
            b"MSG",
            ids::CREATE_SESSION_REQUEST,
            now_us,
            cap,
        );
        // ClientDescription.
        b.string(CLIENT_URI);
        b.string(CLIENT_PRODUCT_URI);
        b.localized_text(LOCALE, CLIENT_NAME);
        b.u32(APPLICATION_CLIENT);
        b.null(); // GatewayServerUri
        b.null(); // DiscoveryProfileUri
        b.null(); // DiscoveryUrls: a client has none
        b.null(); // ServerUri: unknown to a client that did not discover
        b.string(&self.endpoint_url);
        b.string(SESSION_NAME);
        self.nonce(&mut b);
        b.null(); // ClientCertificate: not needed with policy None
        b.f64(SESSION_TIMEOUT_MS);
        b.u32(0); // MaxResponseMessageSize: no limit
        seal(b)
    }

    /// CreateSessionResponse with new SessionId and AuthenticationToken
    /// and the server's one endpoint (policy None, anonymous users).
    pub fn create_session_response(&mut self, now_us: i64) -> Vec<u8> {
        let cap = 420 + 2 * self.endpoint_url.len() + NONCE_LEN;
        let mut b = self.response(
            Service::CreateSession,
            b"MSG",
            ids::CREATE_SESSION_RESPONSE,
            now_us,
            cap,
        );
        self.session_id = self.guid();
        self.auth_token = self.guid();
        self.session_open = true;
        b.guid_node(1, &self.session_id);
        b.guid_node(1, &self.auth_token);
        b.f64(SESSION_TIMEOUT_MS);
        self.nonce(&mut b);
        b.null(); // ServerCertificate
        b.array_len(1); // ServerEndpoints
        self.endpoint_description(&mut b);
        b.null(); // ServerSoftwareCertificates
        b.null(); // ServerSignature.Algorithm
        b.null(); // ServerSignature.Signature
        b.u32(0); // MaxRequestMessageSize: no limit
        seal(b)
    }

    /// ActivateSessionRequest with an AnonymousIdentityToken.
    pub fn activate_session_request(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::ActivateSession),
            b"MSG",
            ids::ACTIVATE_SESSION_REQUEST,
            now_us,
            64,
        );
        b.null(); // ClientSignature.Algorithm: nothing to sign with policy None
        b.null(); // ClientSignature.Signature
        b.null(); // ClientSoftwareCertificates
        b.array_len(1); // LocaleIds
        b.string(LOCALE);
        b.numeric_node(0, ids::ANONYMOUS_IDENTITY_TOKEN);
        let body = b.begin_extension_body();
        b.string(ANONYMOUS_POLICY_ID);
        b.end_length(body);
        b.null(); // UserTokenSignature.Algorithm
        b.null(); // UserTokenSignature.Signature
        seal(b)
    }

    /// ActivateSessionResponse with the nonce for the next activation.
    pub fn activate_session_response(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.response(
            Service::ActivateSession,
            b"MSG",
            ids::ACTIVATE_SESSION_RESPONSE,
            now_us,
            48,
        );
        self.nonce(&mut b);
        b.null(); // Results: no software certificates were sent
        b.null(); // DiagnosticInfos
        seal(b)
    }

    /// ReadRequest of the Value attribute of numeric NodeIds in
    /// [`NAMESPACE`], source timestamps only.
    pub fn read_request(&mut self, now_us: i64, nodes: &[u32]) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::Read),
            b"MSG",
            ids::READ_REQUEST,
            now_us,
            16 + nodes.len() * 21,
        );
        b.f64(0.0); // MaxAge: read the device, not a cache
        b.u32(TIMESTAMPS_SOURCE);
        b.array_len(nodes.len());
        for &node in nodes {
            read_value_id(&mut b, node);
        }
        seal(b)
    }

    /// ReadResponse: one Double DataValue (status Good, source timestamp
    /// `now_us`) per value.
    pub fn read_response(&mut self, now_us: i64, values: &[f64]) -> Vec<u8> {
        let mut b = self.response(
            Service::Read,
            b"MSG",
            ids::READ_RESPONSE,
            now_us,
            8 + values.len() * ENCODED_DATA_VALUE_LEN,
        );
        let ts = date_time(now_us);
        b.array_len(values.len());
        for &v in values {
            b.double_data_value(v, ts);
        }
        b.null(); // DiagnosticInfos
        seal(b)
    }

    /// BrowseRequest: the forward hierarchical references of one node of
    /// [`NAMESPACE`], every result field.
    pub fn browse_request(&mut self, now_us: i64, node: u32) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::Browse),
            b"MSG",
            ids::BROWSE_REQUEST,
            now_us,
            48,
        );
        // View: the whole address space.
        b.numeric_node(0, 0);
        b.i64(0);
        b.u32(0);
        b.u32(0); // RequestedMaxReferencesPerNode: no limit
        b.array_len(1);
        b.numeric_node(NAMESPACE, node);
        b.u32(0); // BrowseDirection Forward
        b.numeric_node(0, HIERARCHICAL_REFERENCES);
        b.boolean(true); // IncludeSubtypes
        b.u32(0); // NodeClassMask: all classes
        b.u32(BROWSE_RESULT_ALL);
        seal(b)
    }

    /// BrowseResponse: one ReferenceDescription per child, each a
    /// variable of [`NAMESPACE`] (HasComponent, BaseDataVariableType) with
    /// its name as BrowseName and DisplayName.
    pub fn browse_response(&mut self, now_us: i64, children: &[(u32, &str)]) -> Vec<u8> {
        let names: usize = children.iter().map(|(_, n)| 2 * n.len()).sum();
        let mut b = self.response(
            Service::Browse,
            b"MSG",
            ids::BROWSE_RESPONSE,
            now_us,
            24 + names + children.len() * 40,
        );
        b.array_len(1); // Results
        b.u32(0); // StatusCode Good
        b.null(); // ContinuationPoint: all references fit
        b.array_len(children.len());
        for &(node, name) in children {
            b.numeric_node(0, HAS_COMPONENT);
            b.boolean(true); // IsForward
                             // An ExpandedNodeId without URI or server index is encoded
                             // exactly as a NodeId.
            b.numeric_node(NAMESPACE, node);
            b.u16(NAMESPACE); // BrowseName
            b.string(name);
            b.localized_text("", name);
            b.u32(NODE_CLASS_VARIABLE);
            b.numeric_node(0, BASE_DATA_VARIABLE_TYPE);
        }
        b.null(); // DiagnosticInfos
        seal(b)
    }

    /// CreateSubscriptionRequest: 1 s publishing, keep-alive every 10
    /// intervals.
    pub fn create_subscription_request(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::CreateSubscription),
            b"MSG",
            ids::CREATE_SUBSCRIPTION_REQUEST,
            now_us,
            24,
        );
        b.f64(PUBLISHING_INTERVAL_MS);
        b.u32(LIFETIME_COUNT);
        b.u32(MAX_KEEP_ALIVE_COUNT);
        b.u32(0); // MaxNotificationsPerPublish: no limit
        b.boolean(true); // PublishingEnabled
        b.u8(0); // Priority
        seal(b)
    }

    /// CreateSubscriptionResponse granting what was asked, with a new
    /// SubscriptionId.
    pub fn create_subscription_response(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.response(
            Service::CreateSubscription,
            b"MSG",
            ids::CREATE_SUBSCRIPTION_RESPONSE,
            now_us,
            24,
        );
        self.subscription_id = next(&mut self.next_subscription_id);
        self.notification_sent = 0;
        self.notification_acked = 0;
        b.u32(self.subscription_id);
        b.f64(PUBLISHING_INTERVAL_MS);
        b.u32(LIFETIME_COUNT);
        b.u32(MAX_KEEP_ALIVE_COUNT);
        seal(b)
    }

    /// CreateMonitoredItemsRequest on the current subscription: the Value
    /// of each node of [`NAMESPACE`], reporting. Each item's ClientHandle
    /// is its node number, so the changes given to
    /// [`publish_response`](Self::publish_response) name nodes directly.
    pub fn create_monitored_items_request(&mut self, now_us: i64, nodes: &[u32]) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::CreateMonitoredItems),
            b"MSG",
            ids::CREATE_MONITORED_ITEMS_REQUEST,
            now_us,
            16 + nodes.len() * 48,
        );
        self.items_requested = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
        b.u32(self.subscription_id);
        b.u32(TIMESTAMPS_SOURCE);
        b.array_len(nodes.len());
        for &node in nodes {
            read_value_id(&mut b, node);
            b.u32(MONITORING_REPORTING);
            b.u32(node); // ClientHandle
            b.f64(SAMPLING_INTERVAL_MS);
            b.empty_extension(); // Filter: the default data change filter
            b.u32(1); // QueueSize
            b.boolean(true); // DiscardOldest
        }
        seal(b)
    }

    /// CreateMonitoredItemsResponse: every item created as requested.
    pub fn create_monitored_items_response(&mut self, now_us: i64) -> Vec<u8> {
        let items = self.items_requested;
        let mut b = self.response(
            Service::CreateMonitoredItems,
            b"MSG",
            ids::CREATE_MONITORED_ITEMS_RESPONSE,
            now_us,
            8 + items as usize * 23,
        );
        b.array_len(items as usize);
        for _ in 0..items {
            b.u32(0); // StatusCode Good
            b.u32(next(&mut self.next_monitored_item_id));
            b.f64(SAMPLING_INTERVAL_MS);
            b.u32(1); // RevisedQueueSize
            b.empty_extension(); // FilterResult
        }
        b.null(); // DiagnosticInfos
        seal(b)
    }

    /// PublishRequest, acknowledging the last NotificationMessage the
    /// server sent (if not acknowledged yet), as clients do.
    pub fn publish_request(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::Publish),
            b"MSG",
            ids::PUBLISH_REQUEST,
            now_us,
            16,
        );
        if self.notification_sent > self.notification_acked {
            b.array_len(1);
            b.u32(self.subscription_id);
            b.u32(self.notification_sent);
            self.notification_acked = self.notification_sent;
            self.acks_in_publish = 1;
        } else {
            b.array_len(0);
            self.acks_in_publish = 0;
        }
        seal(b)
    }

    /// PublishResponse of the current subscription. With changes
    /// (ClientHandle, value), the NotificationMessage holds one
    /// DataChangeNotification and takes the next sequence number; without,
    /// it is a keep-alive that announces the next number and holds no
    /// data.
    pub fn publish_response(&mut self, now_us: i64, changes: &[(u32, f64)]) -> Vec<u8> {
        let mut b = self.response(
            Service::Publish,
            b"MSG",
            ids::PUBLISH_RESPONSE,
            now_us,
            64 + 4 * RETRANSMIT_QUEUE as usize + changes.len() * (4 + ENCODED_DATA_VALUE_LEN),
        );
        let ts = date_time(now_us);
        let sequence_number = self.notification_sent.wrapping_add(1).max(1);
        if !changes.is_empty() {
            self.notification_sent = sequence_number;
        }
        b.u32(self.subscription_id);
        // AvailableSequenceNumbers: the messages not acknowledged yet,
        // oldest first, as far back as the retransmission queue goes.
        let last = self.notification_sent;
        let first = (self.notification_acked.saturating_add(1))
            .max(last.saturating_sub(RETRANSMIT_QUEUE - 1))
            .max(1);
        let available = if last >= first { last - first + 1 } else { 0 };
        b.array_len(available as usize);
        for n in first..=last {
            b.u32(n);
        }
        b.boolean(false); // MoreNotifications
        b.u32(sequence_number);
        b.i64(ts); // PublishTime
        if changes.is_empty() {
            b.array_len(0);
        } else {
            b.array_len(1);
            b.numeric_node(0, ids::DATA_CHANGE_NOTIFICATION);
            let body = b.begin_extension_body();
            b.array_len(changes.len()); // MonitoredItems
            for &(handle, value) in changes {
                b.u32(handle);
                b.double_data_value(value, ts);
            }
            b.null(); // DiagnosticInfos
            b.end_length(body);
        }
        // Results: one per acknowledgement in the request.
        if self.acks_in_publish == 0 {
            b.null();
        } else {
            b.array_len(self.acks_in_publish as usize);
            for _ in 0..self.acks_in_publish {
                b.u32(0);
            }
        }
        b.null(); // DiagnosticInfos
        seal(b)
    }

    /// CloseSessionRequest, deleting the session's subscriptions.
    pub fn close_session_request(&mut self, now_us: i64) -> Vec<u8> {
        let mut b = self.request(
            Some(Service::CloseSession),
            b"MSG",
            ids::CLOSE_SESSION_REQUEST,
            now_us,
            1,
        );
        b.boolean(true); // DeleteSubscriptions
        seal(b)
    }

    /// CloseSessionResponse; later requests carry no session token.
    pub fn close_session_response(&mut self, now_us: i64) -> Vec<u8> {
        let b = self.response(
            Service::CloseSession,
            b"MSG",
            ids::CLOSE_SESSION_RESPONSE,
            now_us,
            0,
        );
        self.session_open = false;
        self.subscription_id = 0;
        seal(b)
    }

    /// CLO with a CloseSecureChannelRequest (the server answers by closing
    /// the connection).
    pub fn close_channel(&mut self, now_us: i64) -> Vec<u8> {
        let b = self.request(None, b"CLO", ids::CLOSE_SECURE_CHANNEL_REQUEST, now_us, 0);
        seal(b)
    }

    /// Starts a client message: message header, security and sequence
    /// headers, the service NodeId and the RequestHeader, with the next
    /// RequestId and RequestHandle (remembered for the response).
    fn request(
        &mut self,
        service: Option<Service>,
        kind: &[u8; 3],
        type_id: u32,
        now_us: i64,
        body_cap: usize,
    ) -> Vec<u8> {
        let request_id = next(&mut self.next_request_id);
        let request_handle = next(&mut self.next_request_handle);
        if let Some(s) = service {
            self.pending[s as usize] = Pending {
                request_id,
                request_handle,
            };
        }
        let sequence_number = next(&mut self.client_seq);
        let mut b = begin(kind, HEADERS_CAP + body_cap);
        // The client learns the channel id from the OPN response, so its
        // OPN request (Issue) names channel 0.
        let channel = if kind == b"OPN" { 0 } else { self.channel_id };
        self.security_header(&mut b, kind, channel);
        b.u32(sequence_number);
        b.u32(request_id);
        b.numeric_node(0, type_id);
        // Only session services carry the session's token; channel
        // services and CreateSession (which obtains it) send a null one.
        if self.session_open && kind == b"MSG" {
            b.guid_node(1, &self.auth_token);
        } else {
            b.numeric_node(0, 0);
        }
        b.i64(date_time(now_us));
        b.u32(request_handle);
        b.u32(0); // ReturnDiagnostics: none
        b.null(); // AuditEntryId
        b.u32(if type_id == ids::PUBLISH_REQUEST {
            PUBLISH_TIMEOUT_HINT_MS
        } else {
            TIMEOUT_HINT_MS
        });
        b.empty_extension(); // AdditionalHeader
        b
    }

    /// Starts a server message answering the last request of `service`:
    /// headers, the service NodeId and the ResponseHeader (Good).
    fn response(
        &mut self,
        service: Service,
        kind: &[u8; 3],
        type_id: u32,
        now_us: i64,
        body_cap: usize,
    ) -> Vec<u8> {
        let p = self.pending[service as usize];
        let sequence_number = next(&mut self.server_seq);
        let mut b = begin(kind, HEADERS_CAP + body_cap);
        self.security_header(&mut b, kind, self.channel_id);
        b.u32(sequence_number);
        b.u32(p.request_id);
        b.numeric_node(0, type_id);
        b.i64(date_time(now_us));
        b.u32(p.request_handle);
        b.u32(0); // ServiceResult Good
        b.u8(0); // ServiceDiagnostics: empty
        b.null(); // StringTable
        b.empty_extension(); // AdditionalHeader
        b
    }

    /// SecureChannelId and the security header: asymmetric (policy URI,
    /// no certificates) for OPN, the token id for MSG and CLO.
    fn security_header(&self, b: &mut Vec<u8>, kind: &[u8; 3], channel: u32) {
        b.u32(channel);
        if kind == b"OPN" {
            b.string(POLICY_NONE);
            b.null(); // SenderCertificate
            b.null(); // ReceiverCertificateThumbprint
        } else {
            b.u32(self.token_id);
        }
    }

    /// EndpointDescription of the one endpoint: policy None, anonymous.
    fn endpoint_description(&self, b: &mut Vec<u8>) {
        b.string(&self.endpoint_url);
        b.string(SERVER_URI);
        b.string(SERVER_PRODUCT_URI);
        b.localized_text(LOCALE, SERVER_NAME);
        b.u32(APPLICATION_SERVER);
        b.null(); // GatewayServerUri
        b.null(); // DiscoveryProfileUri
        b.array_len(1); // DiscoveryUrls
        b.string(&self.endpoint_url);
        b.null(); // ServerCertificate
        b.u32(SECURITY_MODE_NONE);
        b.string(POLICY_NONE);
        b.array_len(1); // UserIdentityTokens
        b.string(ANONYMOUS_POLICY_ID);
        b.u32(TOKEN_ANONYMOUS);
        b.null(); // IssuedTokenType
        b.null(); // IssuerEndpointUrl
        b.null(); // SecurityPolicyUri: the endpoint's
        b.string(TRANSPORT_PROFILE);
        b.u8(1); // SecurityLevel: lowest non-zero, as for an unsecured endpoint
    }

    /// A random-looking nonce ByteString, from the seeded generator.
    fn nonce(&mut self, b: &mut Vec<u8>) {
        b.i32(NONCE_LEN as i32);
        for _ in 0..NONCE_LEN / 8 {
            b.extend_from_slice(&crate::rng::splitmix64(&mut self.rng).to_le_bytes());
        }
    }

    /// A version-4 GUID in wire order (Data1..Data3 little-endian).
    fn guid(&mut self) -> [u8; 16] {
        let mut g = [0u8; 16];
        g[..8].copy_from_slice(&crate::rng::splitmix64(&mut self.rng).to_le_bytes());
        g[8..].copy_from_slice(&crate::rng::splitmix64(&mut self.rng).to_le_bytes());
        // Data3's top nibble (byte 7 on the wire) is the version, Data4[0]
        // carries the RFC 4122 variant.
        g[7] = (g[7] & 0x0F) | 0x40;
        g[8] = (g[8] & 0x3F) | 0x80;
        g
    }
}

/// A ReadValueId for the Value of a node of [`NAMESPACE`].
fn read_value_id(b: &mut Vec<u8>, node: u32) {
    b.numeric_node(NAMESPACE, node);
    b.u32(ATTRIBUTE_VALUE);
    b.null(); // IndexRange
    b.u16(0); // DataEncoding: default
    b.null();
}

/// The five UInt32 limits HEL and ACK share.
fn transport_limits(b: &mut Vec<u8>) {
    b.u32(0); // ProtocolVersion
    b.u32(BUFFER_SIZE); // ReceiveBufferSize
    b.u32(BUFFER_SIZE); // SendBufferSize
    b.u32(0); // MaxMessageSize: no limit
    b.u32(0); // MaxChunkCount: no limit
}

/// A buffer of `cap` bytes with the message header of a final chunk. The
/// size field holds `cap` until [`seal`] writes the real size, so debug
/// builds can check that the estimate held (one allocation per message).
fn begin(kind: &[u8; 3], cap: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(cap);
    b.extend_from_slice(kind);
    b.push(b'F');
    b.extend_from_slice(&u32::try_from(cap).unwrap_or(u32::MAX).to_le_bytes());
    b
}

/// Writes the MessageSize now that the chunk is complete.
fn seal(mut b: Vec<u8>) -> Vec<u8> {
    debug_assert!(
        b.len() <= u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize,
        "{} message of {} bytes outgrew its capacity estimate",
        String::from_utf8_lossy(&b[..3]),
        b.len()
    );
    let size = u32::try_from(b.len()).unwrap_or(u32::MAX);
    b[4..8].copy_from_slice(&size.to_le_bytes());
    b
}

/// The OPC UA binary encoding of the built-in types (OPC 10000-6, 5.2),
/// appended in place.
trait Put {
    fn u8(&mut self, v: u8);
    fn u16(&mut self, v: u16);
    fn u32(&mut self, v: u32);
    fn i32(&mut self, v: i32);
    fn i64(&mut self, v: i64);
    fn f64(&mut self, v: f64);
    fn boolean(&mut self, v: bool);
    /// A String (Int32 length, UTF-8 bytes).
    fn string(&mut self, s: &str);
    /// Length -1: a null String or ByteString, or a null array.
    fn null(&mut self);
    /// The Int32 length of an array.
    fn array_len(&mut self, n: usize);
    /// A numeric NodeId in its most compact form, as stacks send them.
    fn numeric_node(&mut self, ns: u16, id: u32);
    /// A GUID NodeId.
    fn guid_node(&mut self, ns: u16, guid: &[u8; 16]);
    /// LocalizedText with text and, when not empty, a locale.
    fn localized_text(&mut self, locale: &str, text: &str);
    /// An ExtensionObject with no body (null TypeId, encoding 0).
    fn empty_extension(&mut self);
    /// The binary-body mark and a length placeholder of an
    /// ExtensionObject whose TypeId was just written; returns where the
    /// length goes, for [`Put::end_length`].
    fn begin_extension_body(&mut self) -> usize;
    /// Patches the Int32 length at `at` to the bytes written after it.
    fn end_length(&mut self, at: usize);
    /// A DataValue holding a Double with its source timestamp.
    fn double_data_value(&mut self, v: f64, source_ts: i64);
}

impl Put for Vec<u8> {
    #[inline]
    fn u8(&mut self, v: u8) {
        self.push(v);
    }
    #[inline]
    fn u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn i32(&mut self, v: i32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn i64(&mut self, v: i64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn f64(&mut self, v: f64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    #[inline]
    fn boolean(&mut self, v: bool) {
        self.push(u8::from(v));
    }
    #[inline]
    fn string(&mut self, s: &str) {
        self.i32(i32::try_from(s.len()).unwrap_or(i32::MAX));
        self.extend_from_slice(s.as_bytes());
    }
    #[inline]
    fn null(&mut self) {
        self.i32(-1);
    }
    #[inline]
    fn array_len(&mut self, n: usize) {
        self.i32(i32::try_from(n).unwrap_or(i32::MAX));
    }
    #[inline]
    fn numeric_node(&mut self, ns: u16, id: u32) {
        if ns == 0 && id <= 0xFF {
            self.extend_from_slice(&[0x00, id as u8]);
        } else if ns <= 0xFF && id <= 0xFFFF {
            self.extend_from_slice(&[0x01, ns as u8]);
            self.u16(id as u16);
        } else {
            self.push(0x02);
            self.u16(ns);
            self.u32(id);
        }
    }
    #[inline]
    fn guid_node(&mut self, ns: u16, guid: &[u8; 16]) {
        self.push(0x04);
        self.u16(ns);
        self.extend_from_slice(guid);
    }
    #[inline]
    fn localized_text(&mut self, locale: &str, text: &str) {
        if locale.is_empty() {
            self.push(0x02);
        } else {
            self.push(0x03);
            self.string(locale);
        }
        self.string(text);
    }
    #[inline]
    fn empty_extension(&mut self) {
        self.extend_from_slice(&[0x00, 0x00, 0x00]);
    }
    #[inline]
    fn begin_extension_body(&mut self) -> usize {
        self.push(0x01);
        let at = self.len();
        self.i32(0);
        at
    }
    #[inline]
    fn end_length(&mut self, at: usize) {
        let n = self.len() - at - 4;
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        self[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }
    #[inline]
    fn double_data_value(&mut self, v: f64, source_ts: i64) {
        self.push(DATA_VALUE_VALUE_SOURCE_TS);
        self.push(VARIANT_DOUBLE);
        self.f64(v);
        self.i64(source_ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_parsers::opcua::services::{
        ActivateSessionRequest, Body, DataChangeNotification, UserIdentityToken,
    };
    use otwatch_parsers::opcua::{
        frame, parse_chunk, service_kind, Chunk, ChunkKind, Decoder, Frame, Identifier,
        MessageType, NodeId, RequestHeader, ResponseHeader, Scalar, SecurityHeader, SequenceHeader,
        ServiceKind, Variant,
    };
    use std::collections::HashMap;

    const URL: &str = "opc.tcp://10.10.1.20:4840";
    const T0: i64 = 1_700_000_000_000_000;

    /// One message of a session: who sent it and its bytes.
    struct Sent {
        from_client: bool,
        bytes: Vec<u8>,
    }

    /// A whole session, as a client and server exchange it: the services
    /// the plant uses, two Publish rounds (data, then keep-alive, with the
    /// acknowledgement in between) and the orderly close.
    fn session(seed: u64) -> Vec<Sent> {
        let mut ch = UaChannel::new(seed, URL);
        let mut out = Vec::new();
        let mut t = T0;
        let mut push = |from_client: bool, bytes: Vec<u8>, t: &mut i64| {
            *t += 1_500;
            out.push(Sent { from_client, bytes });
        };
        push(true, ch.hello(), &mut t);
        push(false, ch.acknowledge(), &mut t);
        push(true, ch.open_request(t), &mut t);
        push(false, ch.open_response(t), &mut t);
        push(true, ch.create_session_request(t), &mut t);
        push(false, ch.create_session_response(t), &mut t);
        push(true, ch.activate_session_request(t), &mut t);
        push(false, ch.activate_session_response(t), &mut t);
        push(true, ch.browse_request(t, 1000), &mut t);
        let children = [
            (1001, "Tank1.Level"),
            (1002, "Pump1.Speed"),
            (70_000, "Valve3.Pos"),
        ];
        push(false, ch.browse_response(t, &children), &mut t);
        push(true, ch.read_request(t, &[1001, 1002, 70_000]), &mut t);
        push(false, ch.read_response(t, &[42.5, 1480.0, -0.25]), &mut t);
        push(true, ch.create_subscription_request(t), &mut t);
        push(false, ch.create_subscription_response(t), &mut t);
        push(
            true,
            ch.create_monitored_items_request(t, &[1001, 1002]),
            &mut t,
        );
        push(false, ch.create_monitored_items_response(t), &mut t);
        push(true, ch.publish_request(t), &mut t);
        push(
            false,
            ch.publish_response(t, &[(1001, 42.75), (1002, 1475.5)]),
            &mut t,
        );
        push(true, ch.publish_request(t), &mut t);
        push(false, ch.publish_response(t, &[]), &mut t);
        push(true, ch.close_session_request(t), &mut t);
        push(false, ch.close_session_response(t), &mut t);
        push(true, ch.close_channel(t), &mut t);
        out
    }

    /// Frames `bytes` as exactly one final chunk whose size field is its
    /// length, and types it.
    fn chunk(bytes: &[u8]) -> (MessageType, Chunk<'_>) {
        let Frame::Complete(raw) = frame(bytes) else {
            panic!("not a whole chunk: {bytes:02x?}")
        };
        assert_eq!(raw.consumed, bytes.len(), "one chunk, nothing after it");
        assert_eq!(raw.header.size as usize, bytes.len(), "size field");
        assert_eq!(raw.header.chunk, ChunkKind::Final);
        let t = raw.header.message_type;
        (t, parse_chunk(&raw).expect("chunk headers parse"))
    }

    /// A secure-conversation message, decoded down to its service body.
    struct Decoded<'a> {
        kind: MessageType,
        channel: u32,
        token: Option<u32>,
        sequence: SequenceHeader,
        service: u32,
        request: Option<RequestHeader<'a>>,
        response: Option<ResponseHeader<'a>>,
        body: Option<Body<'a>>,
    }

    fn decode(bytes: &[u8]) -> Decoded<'_> {
        let (kind, c) = chunk(bytes);
        let Chunk::Secure(s) = c else {
            panic!("{kind:?} is not a secure-conversation chunk")
        };
        let token = match s.security {
            SecurityHeader::Symmetric { token_id } => Some(token_id),
            SecurityHeader::Asymmetric(a) => {
                assert!(a.is_policy_none());
                assert_eq!(a.sender_certificate.bytes(), None);
                assert_eq!(a.receiver_certificate_thumbprint.bytes(), None);
                None
            }
        };
        let (sequence, body) = SequenceHeader::split(s.payload).unwrap();
        let mut d = Decoder::new(body);
        let service = d.node_id().unwrap().ns0_numeric().expect("ns 0 type id");
        let service_kind = service_kind(service).expect("a known service");
        let (request, response) = if service_kind == ServiceKind::Request {
            (Some(RequestHeader::decode(&mut d).unwrap()), None)
        } else {
            (None, Some(ResponseHeader::decode(&mut d).unwrap()))
        };
        let body = Body::decode(service, &mut d).map(|r| r.expect("body decodes"));
        assert!(
            d.is_empty(),
            "i={service}: {} bytes left over",
            d.rest().len()
        );
        Decoded {
            kind,
            channel: s.secure_channel_id,
            token,
            sequence,
            service,
            request,
            response,
            body,
        }
    }

    fn ns2(n: u32) -> NodeId<'static> {
        NodeId {
            namespace: NAMESPACE,
            identifier: Identifier::Numeric(n),
        }
    }

    #[test]
    fn date_time_counts_ticks_from_1601() {
        assert_eq!(date_time(0), 116_444_736_000_000_000);
        assert_eq!(date_time(1), 116_444_736_000_000_010);
        // 2024-01-01T00:00:00Z.
        assert_eq!(date_time(1_704_067_200_000_000), 133_485_408_000_000_000);
    }

    #[test]
    fn hello_and_acknowledge_carry_the_limits() {
        let s = session(1);
        let (t, Chunk::Hello(h)) = chunk(&s[0].bytes) else {
            panic!("HEL")
        };
        assert_eq!(t, MessageType::Hello);
        assert_eq!(
            (
                h.protocol_version,
                h.receive_buffer_size,
                h.send_buffer_size,
                h.max_message_size,
                h.max_chunk_count
            ),
            (0, 65_536, 65_536, 0, 0)
        );
        assert_eq!(h.endpoint_url.text(), URL);
        let (t, Chunk::Acknowledge(a)) = chunk(&s[1].bytes) else {
            panic!("ACK")
        };
        assert_eq!(t, MessageType::Acknowledge);
        assert_eq!(
            (a.receive_buffer_size, a.send_buffer_size),
            (65_536, 65_536)
        );
    }

    /// Every secure message decodes with the project's parser, to the end
    /// of its body; numbering and ids are those of one real channel.
    #[test]
    fn whole_session_decodes_and_numbers_like_a_stack() {
        let seed = 7;
        let s = session(seed);
        let ch = UaChannel::new(seed, URL);
        let expected = [
            (MessageType::Open, 446),
            (MessageType::Open, 449),
            (MessageType::Message, 461),
            (MessageType::Message, 464),
            (MessageType::Message, 467),
            (MessageType::Message, 470),
            (MessageType::Message, 527),
            (MessageType::Message, 530),
            (MessageType::Message, 631),
            (MessageType::Message, 634),
            (MessageType::Message, 787),
            (MessageType::Message, 790),
            (MessageType::Message, 751),
            (MessageType::Message, 754),
            (MessageType::Message, 826),
            (MessageType::Message, 829),
            (MessageType::Message, 826),
            (MessageType::Message, 829),
            (MessageType::Message, 473),
            (MessageType::Message, 476),
            (MessageType::Close, 452),
        ];
        assert_eq!(s.len(), expected.len() + 2);

        let mut client_seq = 0;
        let mut server_seq = 0;
        let mut last_request_id = 0;
        // RequestId -> (RequestHandle, service) of requests not answered yet.
        let mut open: HashMap<u32, (u32, u32)> = HashMap::new();
        let mut auth: Option<NodeId> = None;
        for (m, &(kind, service)) in s[2..].iter().zip(&expected) {
            let d = decode(&m.bytes);
            assert_eq!((d.kind, d.service), (kind, service));
            let name = format!("i={service}");
            assert!(service_kind(service).is_some(), "{name}: a known service");
            // Sequence numbers: from 1, one more per message, per side.
            let seq = if m.from_client {
                &mut client_seq
            } else {
                &mut server_seq
            };
            *seq += 1;
            assert_eq!(d.sequence.sequence_number, *seq, "{name} sequence");
            // Channel and token: the client opens on channel 0, then all
            // messages use what the server issued.
            match (kind, m.from_client) {
                (MessageType::Open, true) => assert_eq!(d.channel, 0),
                _ => assert_eq!(d.channel, ch.channel_id(), "{name} channel"),
            }
            if kind != MessageType::Open {
                assert_eq!(d.token, Some(ch.token_id()), "{name} token");
            }
            if let Some(h) = &d.request {
                assert!(m.from_client);
                assert!(d.sequence.request_id > last_request_id, "{name} request id");
                last_request_id = d.sequence.request_id;
                assert_eq!(h.timeout_hint, if service == 826 { 30_000 } else { 10_000 });
                // The session token rides on session services only.
                let carries_token = !matches!(service, 446 | 452 | 461);
                if carries_token {
                    assert_eq!(Some(h.authentication_token), auth, "{name} token");
                    assert_eq!(h.authentication_token_encoding, 0x04);
                } else {
                    assert_eq!(h.authentication_token, NodeId::NULL, "{name} token");
                }
                if service != 452 {
                    open.insert(d.sequence.request_id, (h.request_handle, service));
                }
            }
            if let Some(h) = &d.response {
                assert!(!m.from_client);
                let (handle, asked) = open
                    .remove(&d.sequence.request_id)
                    .expect("answers an open request");
                assert_eq!(h.request_handle, handle, "{name} echoes the handle");
                assert_eq!(asked + 3, service, "{name} answers its own request");
                assert_eq!(h.service_result, 0);
                assert_eq!(h.service_diagnostics_mask, 0);
            }
            match d.body {
                Some(Body::OpenSecureChannelRequest(r)) => {
                    assert_eq!(
                        (r.client_protocol_version, r.request_type, r.security_mode),
                        (0, 0, 1)
                    );
                    assert_eq!(r.requested_lifetime, 3_600_000);
                }
                Some(Body::OpenSecureChannelResponse(r)) => {
                    assert_eq!(r.security_token.channel_id, ch.channel_id());
                    assert_eq!(r.security_token.token_id, ch.token_id());
                    assert!(r.security_token.created_at > date_time(T0));
                }
                Some(Body::CreateSessionRequest(r)) => {
                    assert_eq!(r.client_description.application_type, 1);
                    assert_eq!(r.endpoint_url.text(), URL);
                    assert_eq!(r.client_nonce.len(), 32);
                }
                Some(Body::CreateSessionResponse(r)) => {
                    assert_eq!(r.session_id.encoding, 0x04);
                    assert_ne!(r.session_id.node_id, r.authentication_token.node_id);
                    assert_eq!(r.authentication_token.node_id.namespace, 1);
                    auth = Some(r.authentication_token.node_id);
                    assert_eq!(r.server_nonce.len(), 32);
                    let [e] = &r.server_endpoints[..] else {
                        panic!("one endpoint")
                    };
                    assert_eq!(e.endpoint_url.text(), URL);
                    assert_eq!(e.server.application_type, 0);
                    assert_eq!(e.server.discovery_urls.len(), 1);
                    assert_eq!(
                        (e.security_mode, e.security_policy_uri.text()),
                        (1, POLICY_NONE.into())
                    );
                    let [p] = &e.user_identity_tokens[..] else {
                        panic!("one token policy")
                    };
                    assert_eq!((p.policy_id.text(), p.token_type), ("anonymous".into(), 0));
                    assert!(e
                        .transport_profile_uri
                        .text()
                        .ends_with("uatcp-uasc-uabinary"));
                }
                Some(Body::ActivateSessionRequest(ActivateSessionRequest {
                    user_identity_token,
                    locale_ids,
                    ..
                })) => {
                    let token = UserIdentityToken::decode(&user_identity_token)
                        .expect("a known token type")
                        .unwrap();
                    let UserIdentityToken::Anonymous { policy_id } = token else {
                        panic!("anonymous, not {token:?}")
                    };
                    assert_eq!(policy_id.text(), "anonymous");
                    assert_eq!(locale_ids.len(), 1);
                }
                Some(Body::ActivateSessionResponse(r)) => assert_eq!(r.server_nonce.len(), 32),
                Some(Body::BrowseRequest(r)) => {
                    let [n] = &r.nodes_to_browse[..] else {
                        panic!("one node")
                    };
                    assert_eq!(n.node_id.node_id, ns2(1000));
                    assert_eq!(n.reference_type_id.node_id.ns0_numeric(), Some(33));
                    assert_eq!(n.result_mask, 0x3F);
                }
                Some(Body::BrowseResponse(r)) => {
                    let refs = &r.results[0].references;
                    let got: Vec<_> = refs
                        .iter()
                        .map(|x| (x.node_id.node_id, x.browse_name.name.text().into_owned()))
                        .collect();
                    assert_eq!(
                        got,
                        [
                            (ns2(1001), "Tank1.Level".to_owned()),
                            (ns2(1002), "Pump1.Speed".to_owned()),
                            (ns2(70_000), "Valve3.Pos".to_owned())
                        ]
                    );
                    // Ids past 16 bits need the full numeric encoding.
                    assert_eq!(refs[0].node_id.encoding, 0x01);
                    assert_eq!(refs[2].node_id.encoding, 0x02);
                    assert!(refs.iter().all(|x| x.node_class == 2 && x.is_forward));
                    assert_eq!(
                        refs[1].display_name.text.map(|t| t.text().into_owned()),
                        Some("Pump1.Speed".to_owned())
                    );
                }
                Some(Body::ReadRequest(r)) => {
                    let nodes: Vec<_> = r.nodes_to_read.iter().map(|n| n.node_id.node_id).collect();
                    assert_eq!(nodes, [ns2(1001), ns2(1002), ns2(70_000)]);
                    assert!(r.nodes_to_read.iter().all(|n| n.attribute_id == 13));
                    assert_eq!(r.timestamps_to_return, 0);
                }
                Some(Body::ReadResponse(r)) => {
                    let values: Vec<_> = r.results.iter().map(|(_, v)| v.value.clone()).collect();
                    assert_eq!(
                        values,
                        [42.5, 1480.0, -0.25].map(|v| Some(Variant::Scalar(Scalar::Double(v))))
                    );
                    for (mask, v) in &r.results {
                        assert_eq!(*mask, 0x05);
                        assert_eq!(v.status.unwrap_or(0), 0, "Good");
                        assert!(v.source_timestamp.is_some());
                    }
                }
                Some(Body::CreateSubscriptionRequest(r)) => {
                    assert_eq!(r.requested_publishing_interval, 1000.0);
                    assert!(r.requested_lifetime_count >= 3 * r.requested_max_keep_alive_count);
                    assert!(r.publishing_enabled);
                }
                Some(Body::CreateSubscriptionResponse(r)) => {
                    assert_ne!(r.subscription_id, 0);
                }
                Some(Body::CreateMonitoredItemsRequest(r)) => {
                    assert_ne!(r.subscription_id, 0);
                    let handles: Vec<_> = r
                        .items_to_create
                        .iter()
                        .map(|i| i.requested_parameters.client_handle)
                        .collect();
                    assert_eq!(handles, [1001, 1002]);
                }
                Some(Body::CreateMonitoredItemsResponse(r)) => {
                    assert_eq!(r.results.len(), 2);
                    assert_ne!(
                        r.results[0].monitored_item_id,
                        r.results[1].monitored_item_id
                    );
                }
                Some(Body::PublishRequest(_)) | Some(Body::PublishResponse(_)) => {
                    // Checked by publish_acknowledges_and_keeps_alive.
                }
                Some(Body::CloseSessionRequest(r)) => assert!(r.delete_subscriptions),
                Some(other) => panic!("unexpected body {other:?}"),
                // The parser has no body for these: the header is all there is.
                None => assert!(matches!(service, 452 | 476), "{name} has a body"),
            }
        }
        assert!(open.is_empty(), "every request answered");
    }

    #[test]
    fn publish_acknowledges_and_keeps_alive() {
        let s = session(3);
        let publishes: Vec<_> = s
            .iter()
            .map(|m| decode_owned_publish(&m.bytes))
            .filter(|p| p.is_some())
            .collect();
        let [Some(Pub::Request(first_acks)), Some(Pub::Response(data)), Some(Pub::Request(second_acks)), Some(Pub::Response(keep_alive))] =
            &publishes[..]
        else {
            panic!("two publish rounds")
        };
        assert!(first_acks.is_empty(), "nothing to acknowledge yet");
        assert_eq!(data.sequence_number, 1);
        assert_eq!(data.available, [1]);
        assert_eq!(data.results, 0);
        assert_eq!(
            data.changes,
            [(1001, 42.75), (1002, 1475.5)],
            "one DataChangeNotification"
        );
        assert_eq!(*second_acks, [(data.subscription_id, 1)]);
        // A keep-alive names the next number, holds no data, and answers
        // the acknowledgement.
        assert_eq!(keep_alive.sequence_number, 2);
        assert!(keep_alive.changes.is_empty() && !keep_alive.has_data);
        assert!(keep_alive.available.is_empty());
        assert_eq!(keep_alive.results, 1);
        assert_eq!(keep_alive.subscription_id, data.subscription_id);
    }

    struct PublishSeen {
        subscription_id: u32,
        sequence_number: u32,
        available: Vec<u32>,
        has_data: bool,
        changes: Vec<(u32, f64)>,
        results: usize,
    }

    enum Pub {
        Request(Vec<(u32, u32)>),
        Response(PublishSeen),
    }

    fn decode_owned_publish(bytes: &[u8]) -> Option<Pub> {
        if bytes.starts_with(b"HEL") || bytes.starts_with(b"ACK") {
            return None;
        }
        match decode(bytes).body? {
            Body::PublishRequest(r) => Some(Pub::Request(r.acknowledgements)),
            Body::PublishResponse(r) => {
                let data = &r.notification_message.notification_data;
                let mut changes = Vec::new();
                for x in data {
                    let c = DataChangeNotification::decode(x).expect("a DataChangeNotification");
                    for i in c.unwrap().monitored_items {
                        let Some(Variant::Scalar(Scalar::Double(v))) = i.value.value else {
                            panic!("a Double")
                        };
                        assert!(i.value.source_timestamp.is_some());
                        changes.push((i.client_handle, v));
                    }
                }
                Some(Pub::Response(PublishSeen {
                    subscription_id: r.subscription_id,
                    sequence_number: r.notification_message.sequence_number,
                    available: r.available_sequence_numbers,
                    has_data: !data.is_empty(),
                    changes,
                    results: r.results.len(),
                }))
            }
            _ => None,
        }
    }

    /// A response answers the latest request of its own kind, even with
    /// another request (a waiting Publish) in between.
    #[test]
    fn responses_pair_with_their_own_requests() {
        let mut ch = UaChannel::new(11, URL);
        for b in [ch.hello(), ch.acknowledge()] {
            chunk(&b);
        }
        ch.open_request(T0);
        ch.open_response(T0);
        let publish = decode(&ch.publish_request(T0)).sequence.request_id;
        let read_q = ch.read_request(T0, &[5]);
        let read_q = decode(&read_q);
        let read_r = ch.read_response(T0, &[1.0]);
        let read_r = decode(&read_r);
        let publish_r = ch.publish_response(T0, &[]);
        let publish_r = decode(&publish_r);
        assert_eq!(read_r.sequence.request_id, read_q.sequence.request_id);
        assert_eq!(
            read_r.response.unwrap().request_handle,
            read_q.request.unwrap().request_handle
        );
        assert_eq!(publish_r.sequence.request_id, publish);
        assert_ne!(publish, read_q.sequence.request_id);
    }

    #[test]
    fn seeds_vary_ids_and_nothing_else() {
        let a: Vec<_> = session(5).into_iter().map(|m| m.bytes).collect();
        let b: Vec<_> = session(5).into_iter().map(|m| m.bytes).collect();
        assert_eq!(a, b, "deterministic");
        let c: Vec<_> = session(6).into_iter().map(|m| m.bytes).collect();
        assert_ne!(a, c);
        // Same structure: every message the same length.
        let lens = |v: &[Vec<u8>]| v.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(lens(&a), lens(&c));
        let ids: std::collections::HashSet<_> = (0..50)
            .map(|seed| UaChannel::new(seed, URL).channel_id())
            .collect();
        assert!(ids.len() >= 49, "channel ids differ between seeds");
    }

    #[test]
    fn empty_lists_and_big_node_ids_encode() {
        let mut ch = UaChannel::new(2, URL);
        ch.open_request(T0);
        ch.open_response(T0);
        let q = ch.read_request(T0, &[]);
        let Some(Body::ReadRequest(r)) = decode(&q).body else {
            panic!("read")
        };
        assert!(r.nodes_to_read.is_empty());
        let q = ch.read_request(T0, &[u32::MAX]);
        let Some(Body::ReadRequest(r)) = decode(&q).body else {
            panic!("read")
        };
        assert_eq!(r.nodes_to_read[0].node_id.encoding, 0x02);
        assert_eq!(r.nodes_to_read[0].node_id.node_id, ns2(u32::MAX));
        let p = ch.browse_response(T0, &[]);
        let Some(Body::BrowseResponse(r)) = decode(&p).body else {
            panic!("browse")
        };
        assert!(r.results[0].references.is_empty());
    }

    #[test]
    fn capacity_estimates_hold_for_large_messages() {
        // `seal` asserts (in this debug build) that no message outgrew the
        // capacity it was allocated with; long names and lists probe the
        // per-item estimates.
        let url = format!("opc.tcp://{}:4840", "plant-opcua-server".repeat(12));
        let mut ch = UaChannel::new(9, &url);
        let long = "Area1.Line2.Cell3.".repeat(20);
        let children: Vec<_> = (0..50).map(|i| (i * 100_000, long.as_str())).collect();
        let nodes: Vec<u32> = (0..300).map(|i| i * 100_000).collect();
        let values: Vec<f64> = (0..300).map(f64::from).collect();
        let changes: Vec<_> = (0..300).map(|i| (i, 0.5)).collect();
        let mut msgs = vec![
            ch.hello(),
            ch.acknowledge(),
            ch.open_request(T0),
            ch.open_response(T0),
            ch.create_session_request(T0),
            ch.create_session_response(T0),
            ch.activate_session_request(T0),
            ch.activate_session_response(T0),
            ch.browse_request(T0, u32::MAX),
            ch.browse_response(T0, &children),
            ch.read_request(T0, &nodes),
            ch.read_response(T0, &values),
            ch.create_subscription_request(T0),
            ch.create_subscription_response(T0),
            ch.create_monitored_items_request(T0, &nodes),
            ch.create_monitored_items_response(T0),
        ];
        // More unacknowledged messages than the retransmission queue holds.
        for _ in 0..20 {
            msgs.push(ch.publish_response(T0, &changes));
        }
        msgs.push(ch.publish_request(T0));
        msgs.push(ch.publish_response(T0, &[]));
        msgs.push(ch.close_session_request(T0));
        msgs.push(ch.close_session_response(T0));
        msgs.push(ch.close_channel(T0));
        for m in &msgs[2..] {
            decode(m);
        }
    }

    // --- tshark: Wireshark's dissector must find nothing wrong ---------

    const CLIENT: ([u8; 6], [u8; 4], u16) = ([0x02, 0, 0, 0, 0, 0x0a], [10, 10, 1, 10], 49_731);
    const SERVER: ([u8; 6], [u8; 4], u16) = ([0x02, 0, 0, 0, 0, 0x14], [10, 10, 1, 20], 4840);

    /// A classic pcap file of one TCP connection carrying `msgs`:
    /// handshake, one segment per message, FIN exchange.
    fn pcap(msgs: &[Sent]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        out.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
        out.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        let mut t = T0;
        let (mut cseq, mut sseq) = (0x1000_0000u32, 0x2000_0000u32);
        let mut record =
            |out: &mut Vec<u8>, from_client: bool, f: Flags, seq, ack, payload: &[u8]| {
                t += 700;
                let (src, dst) = if from_client {
                    (CLIENT, SERVER)
                } else {
                    (SERVER, CLIENT)
                };
                let mut b = etherparse::PacketBuilder::ethernet2(src.0, dst.0)
                    .ipv4(src.1, dst.1, 64)
                    .tcp(src.2, dst.2, seq, 64_240);
                if f.syn {
                    b = b.syn();
                }
                if f.fin {
                    b = b.fin();
                }
                if !payload.is_empty() {
                    b = b.psh();
                }
                if let Some(a) = ack {
                    b = b.ack(a);
                }
                let mut pkt = Vec::with_capacity(b.size(payload.len()));
                b.write(&mut pkt, payload).unwrap();
                let len = pkt.len() as u32;
                out.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
                out.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&pkt);
            };
        let syn = Flags {
            syn: true,
            fin: false,
        };
        let fin = Flags {
            syn: false,
            fin: true,
        };
        let none = Flags {
            syn: false,
            fin: false,
        };
        record(&mut out, true, syn, cseq, None, &[]);
        cseq += 1;
        record(&mut out, false, syn, sseq, Some(cseq), &[]);
        sseq += 1;
        record(&mut out, true, none, cseq, Some(sseq), &[]);
        for m in msgs {
            let n = m.bytes.len() as u32;
            if m.from_client {
                record(&mut out, true, none, cseq, Some(sseq), &m.bytes);
                cseq += n;
            } else {
                record(&mut out, false, none, sseq, Some(cseq), &m.bytes);
                sseq += n;
            }
        }
        record(&mut out, true, fin, cseq, Some(sseq), &[]);
        cseq += 1;
        record(&mut out, false, fin, sseq, Some(cseq), &[]);
        sseq += 1;
        record(&mut out, true, none, cseq, Some(sseq), &[]);
        out
    }

    #[derive(Clone, Copy)]
    struct Flags {
        syn: bool,
        fin: bool,
    }

    fn tshark(file: &std::path::Path, args: &[&str]) -> String {
        let out = std::process::Command::new("tshark")
            .arg("-r")
            .arg(file)
            .args(args)
            .output()
            .expect("tshark runs");
        assert!(
            out.status.success(),
            "tshark {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn tshark_dissects_a_whole_session_cleanly() {
        // `make test-deps` installs tshark; without it this test fails.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "otwatch-synth-opcua-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("session.pcap");
        let msgs = session(21);
        std::fs::write(&file, pcap(&msgs)).unwrap();

        let bad = tshark(
            &file,
            &[
                "-Y",
                "_ws.malformed || _ws.expert.severity >= error",
                "-T",
                "fields",
                "-e",
                "frame.number",
            ],
        );
        let types = tshark(
            &file,
            &["-Y", "opcua", "-T", "fields", "-e", "opcua.transport.type"],
        );
        let services = tshark(
            &file,
            &[
                "-Y",
                "opcua.servicenodeid.numeric",
                "-T",
                "fields",
                "-e",
                "opcua.servicenodeid.numeric",
                "-e",
                "opcua.RequestHandle",
            ],
        );
        let doubles = tshark(
            &file,
            &["-Y", "opcua.Double", "-T", "fields", "-e", "opcua.Double"],
        );
        // The control: the same session with the ReadResponse cut short
        // (its size field still agreeing) must be flagged, or the empty
        // answer above would prove nothing.
        let mut broken = session(21);
        let read = &mut broken[11].bytes;
        assert!(read.starts_with(b"MSGF"));
        read.truncate(read.len() - 6);
        let size = read.len() as u32;
        read[4..8].copy_from_slice(&size.to_le_bytes());
        let control = dir.join("broken.pcap");
        std::fs::write(&control, pcap(&broken)).unwrap();
        let flagged = tshark(
            &control,
            &[
                "-Y",
                "_ws.malformed || _ws.expert.severity >= error",
                "-T",
                "fields",
                "-e",
                "frame.number",
            ],
        );
        std::fs::remove_dir_all(&dir).unwrap();
        // Frame 15: three handshake segments, then the twelfth message.
        assert_eq!(flagged.trim(), "15", "the cut ReadResponse is flagged");

        assert_eq!(
            bad.trim(),
            "",
            "frames tshark flags as malformed or in error"
        );
        let types: Vec<_> = types.lines().collect();
        assert_eq!(types.len(), msgs.len(), "one OPC UA message per segment");
        assert_eq!(&types[..3], ["HEL", "ACK", "OPN"]);
        assert_eq!(types.last(), Some(&"CLO"));
        let rows: Vec<(u32, u32)> = services
            .lines()
            .map(|l| {
                let (id, handle) = l.split_once('\t').expect("two fields");
                (id.parse().unwrap(), handle.parse().unwrap())
            })
            .collect();
        let ids: Vec<_> = rows.iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            [
                446, 449, 461, 464, 467, 470, 527, 530, 631, 634, 787, 790, 751, 754, 826, 829,
                826, 829, 473, 476, 452
            ]
        );
        // Each response shows the handle of the request just before it.
        for pair in rows[..20].chunks(2) {
            assert_eq!(pair[0].1, pair[1].1, "handle echoed: {pair:?}");
        }
        // Read results and the published changes, as Wireshark reads them.
        let doubles: Vec<&str> = doubles.lines().collect();
        assert_eq!(doubles, ["42.5,1480,-0.25", "42.75,1475.5"]);
    }
}
