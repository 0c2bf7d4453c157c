//! EtherNet/IP and CIP messages (encapsulation, CPF, explicit and implicit messaging).
//!
//! Everything here returns the application bytes of one message: the
//! 24-byte encapsulation header and its command data for TCP 44818 (and
//! the ListIdentity datagram on UDP 44818), or the Common Packet Format of
//! an implicit I/O datagram on UDP 2222. The caller puts them into TCP
//! segments or UDP datagrams.
//!
//! * [`EnipSession`] is the state of one explicit-messaging session between
//!   a client (an HMI, an engineering station, a scanner) and a target: the
//!   session handle, the sender context of the last request, the connection
//!   ids and triad of the Forward Opens, the class-3 sequence count. Each
//!   `*_request` starts an exchange and the matching `*_response` answers it,
//!   so the two must be called in pairs, request first.
//! * [`IoConnection`] produces the cyclic class-1 datagrams of one direction
//!   of an I/O connection.
//!
//! Speed: every builder has an `_into` twin that appends to a caller's
//! buffer, so a generator can reuse one `Vec` for millions of messages;
//! length fields are written as zero and patched once the body is known, so
//! no message is built twice and no field allocates. The `Vec`-returning
//! forms allocate exactly once. A message must fit in one encapsulation
//! packet (65,511 bytes of data); building a longer one panics, as it is a
//! caller's bug (real tag reads stay far below, around 500 bytes).
//!
//! Field layouts follow CIP Volume 2 (encapsulation 2-3, commands 2-4,
//! Common Packet Format 2-6, implicit messaging 3-3) and CIP Volume 1
//! (message router 2-4, Connection Manager 3-5.5, Identity object 5A-2,
//! EPATH appendix C-1); the Logix tag services (Read Tag 0x4C, Write Tag
//! 0x4D) are the Rockwell ones every Logix client speaks.

/// TCP (and UDP, for ListIdentity) port of explicit messaging.
pub const ENIP_PORT: u16 = 44818;
/// UDP port of implicit (I/O) messaging.
pub const IO_PORT: u16 = 2222;

/// Encapsulation commands (Vol 2, 2-3.2).
pub mod command {
    /// ListIdentity (2-4.2).
    pub const LIST_IDENTITY: u16 = 0x0063;
    /// RegisterSession (2-4.4).
    pub const REGISTER_SESSION: u16 = 0x0065;
    /// UnRegisterSession (2-4.5).
    pub const UNREGISTER_SESSION: u16 = 0x0066;
    /// SendRRData (2-4.7): unconnected request/reply.
    pub const SEND_RR_DATA: u16 = 0x006F;
    /// SendUnitData (2-4.8): connected (class 3) messages.
    pub const SEND_UNIT_DATA: u16 = 0x0070;
}

/// CIP service codes used here (Vol 1, appendix A; 3-5.5; Logix).
pub mod service {
    /// Get_Attributes_All (A-4.1).
    pub const GET_ATTRIBUTES_ALL: u8 = 0x01;
    /// Read Tag (Logix, on the Symbol object by name).
    pub const READ_TAG: u8 = 0x4C;
    /// Write Tag (Logix).
    pub const WRITE_TAG: u8 = 0x4D;
    /// Forward_Close (Connection Manager, 3-5.5.3).
    pub const FORWARD_CLOSE: u8 = 0x4E;
    /// Unconnected_Send (Connection Manager, 3-5.5.4).
    pub const UNCONNECTED_SEND: u8 = 0x52;
    /// Forward_Open (Connection Manager, 3-5.5.2).
    pub const FORWARD_OPEN: u8 = 0x54;
    /// Set in every reply's service byte (Vol 1, 2-4.2).
    pub const REPLY: u8 = 0x80;
}

/// CIP general status 0x05, "path destination unknown": what a Logix
/// controller answers for a tag it does not have.
pub const STATUS_PATH_DESTINATION_UNKNOWN: u8 = 0x05;
/// The CIP elementary data type DINT (32-bit signed integer).
pub const DINT: u16 = 0x00C4;

const HEADER_LEN: usize = 24;
/// Largest command data an encapsulation header can announce with the
/// whole packet in 65,535 bytes (Vol 2, 2-3.1).
const MAX_DATA_LEN: usize = 65_511;

// CPF item type ids (Vol 2, 2-6.1).
const ITEM_NULL: u16 = 0x0000;
const ITEM_LIST_IDENTITY: u16 = 0x000C;
const ITEM_CONNECTED_ADDRESS: u16 = 0x00A1;
const ITEM_CONNECTED_DATA: u16 = 0x00B1;
const ITEM_UNCONNECTED_DATA: u16 = 0x00B2;
const ITEM_SEQUENCED_ADDRESS: u16 = 0x8002;

// Objects addressed (Vol 1, 5-1).
const CLASS_IDENTITY: u8 = 0x01;
const CLASS_MESSAGE_ROUTER: u8 = 0x02;
const CLASS_ASSEMBLY: u8 = 0x04;
const CLASS_CONNECTION_MANAGER: u8 = 0x06;

// Priority/time tick and timeout ticks of the Connection Manager services
// (3-5.5.1.3): a 1,024 ms tick (2^10), 5 ticks (about 5 s) for an
// Unconnected_Send and 14 (about 14 s) for a Forward_Open: timeouts of the
// order clients use, so the traffic looks ordinary.
const UNCONNECTED_TICK: u8 = 0x0A;
const UNCONNECTED_TIMEOUT_TICKS: u8 = 0x05;
const OPEN_TICK: u8 = 0x0A;
const OPEN_TIMEOUT_TICKS: u8 = 0x0E;

/// What a device says about itself (ListIdentity, Get_Attribute_All of the Identity object).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    /// Attribute 1: vendor id (1 is Rockwell Automation/Allen-Bradley).
    pub vendor_id: u16,
    /// Attribute 2: device type (14 programmable logic controller, 12
    /// communications adapter, 43 generic device).
    pub device_type: u16,
    /// Attribute 3: vendor-assigned product code.
    pub product_code: u16,
    /// Attribute 4: revision, major and minor.
    pub revision: (u8, u8),
    /// Attribute 5: status word.
    pub status: u16,
    /// Attribute 6: serial number.
    pub serial: u32,
    /// Attribute 7: product name, a SHORT_STRING (at most 255 bytes are
    /// sent; the spec allows 32).
    pub product_name: String,
    /// Attribute 8: state (3 operational).
    pub state: u8,
    /// The device's IPv4 address, which the ListIdentity reply carries in
    /// its socket address.
    pub ip: [u8; 4],
}

/// The two connection ids and the triad of one Forward_Open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Connection {
    /// O->T id: chosen by the target in the reply.
    o_t_id: u32,
    /// T->O id: chosen by the originator in the request.
    t_o_id: u32,
    /// Connection serial number (the triad's first field).
    serial: u16,
    /// Requested (and granted) packet interval, both directions, in µs.
    rpi_us: u32,
}

/// What the most recent request was, for the response to answer it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pending {
    /// Its sender context, echoed by the target (Vol 2, 2-3.1).
    context: [u8; 8],
    /// Its session handle, echoed likewise.
    handle: u32,
    /// The connection a Forward_Open / Forward_Close is about.
    io: bool,
}

/// One explicit-messaging TCP session between a client (HMI, engineering station) and a PLC on 44818.
///
/// Seeded and deterministic: the same seed and the same calls give the same
/// bytes. Requests and responses alternate; each response answers the most
/// recent request with its sender context and session handle, and its CIP
/// reply service is the request's with the reply bit 0x80.
#[derive(Clone, Debug)]
pub struct EnipSession {
    /// splitmix64 state: session handles, connection ids, serials.
    rng: u64,
    /// Session handle of the registered session (0 before RegisterSession
    /// is answered and after UnRegisterSession).
    session_handle: u32,
    /// High half of every sender context: fixed per client, so one
    /// client's contexts look alike, as a real client's do.
    context_tag: u32,
    /// Low half: counts requests.
    context_counter: u32,
    pending: Pending,
    /// Originator vendor id and serial number (the triad's other fields).
    originator_vendor: u16,
    originator_serial: u32,
    /// The class-3 explicit connection (to the Message Router).
    explicit: Connection,
    /// The class-1 I/O connection (to the assemblies).
    io: Connection,
    /// Class-3 sequence count of the most recent connected request.
    sequence_count: u16,
}

impl EnipSession {
    /// A new, unregistered session; `seed` fixes every handle, id and
    /// serial it will use.
    pub fn new(seed: u64) -> EnipSession {
        let mut rng = seed;
        let a = crate::rng::splitmix64(&mut rng);
        let b = crate::rng::splitmix64(&mut rng);
        EnipSession {
            rng,
            session_handle: 0,
            context_tag: (a >> 32) as u32,
            context_counter: a as u32,
            pending: Pending::default(),
            // Any vendor id ODVA has handed out (0x100-0x3FF) is a
            // plausible originator; it only has to stay the same.
            originator_vendor: 0x0100 | (b as u16 & 0x03FF),
            originator_serial: (b >> 32) as u32,
            explicit: Connection::default(),
            io: Connection::default(),
            sequence_count: (b >> 16) as u16,
        }
    }

    /// The session handle in use (0 when not registered).
    pub fn session_handle(&self) -> u32 {
        self.session_handle
    }

    /// O->T and T->O connection ids of the class-3 connection (zero before
    /// the first Forward_Open is answered).
    pub fn explicit_connection_ids(&self) -> (u32, u32) {
        (self.explicit.o_t_id, self.explicit.t_o_id)
    }

    /// O->T and T->O connection ids of the class-1 I/O connection, for the
    /// two [`IoConnection`]s (zero before [`io_forward_open_response`](Self::io_forward_open_response)).
    pub fn io_connection_ids(&self) -> (u32, u32) {
        (self.io.o_t_id, self.io.t_o_id)
    }

    /// A non-zero random id (connection ids and session handles of 0 mean
    /// "none" on the wire).
    fn nonzero_u32(&mut self) -> u32 {
        loop {
            let v = crate::rng::splitmix64(&mut self.rng) as u32;
            if v != 0 {
                return v;
            }
        }
    }

    /// Starts a request: a fresh sender context, remembered for the reply.
    fn request_header(&mut self, out: &mut Vec<u8>, command: u16, handle: u32) -> usize {
        self.context_counter = self.context_counter.wrapping_add(1);
        let mut context = [0u8; 8];
        context[..4].copy_from_slice(&self.context_counter.to_le_bytes());
        context[4..].copy_from_slice(&self.context_tag.to_le_bytes());
        self.pending.context = context;
        self.pending.handle = handle;
        begin_encap(out, command, handle, &context)
    }

    /// Starts the reply to the pending request.
    fn reply_header(&self, out: &mut Vec<u8>, command: u16) -> usize {
        begin_encap(out, command, self.pending.handle, &self.pending.context)
    }

    // ---- RegisterSession / UnRegisterSession (Vol 2, 2-4.4, 2-4.5) ----

    /// RegisterSession request: session handle 0, protocol version 1.
    pub fn register_session_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 4);
        self.register_session_request_into(&mut out);
        out
    }

    /// [`register_session_request`](Self::register_session_request), appended to `out`.
    pub fn register_session_request_into(&mut self, out: &mut Vec<u8>) {
        let start = self.request_header(out, command::REGISTER_SESSION, 0);
        put_u16(out, 1); // protocol version
        put_u16(out, 0); // options flags
        end_encap(out, start);
    }

    /// RegisterSession reply: assigns the session handle used afterwards.
    pub fn register_session_response(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 4);
        self.register_session_response_into(&mut out);
        out
    }

    /// [`register_session_response`](Self::register_session_response), appended to `out`.
    pub fn register_session_response_into(&mut self, out: &mut Vec<u8>) {
        self.session_handle = self.nonzero_u32();
        self.pending.handle = self.session_handle;
        let start = self.reply_header(out, command::REGISTER_SESSION);
        put_u16(out, 1);
        put_u16(out, 0);
        end_encap(out, start);
    }

    /// UnRegisterSession: no data and no reply; the session handle is
    /// dropped, so a later RegisterSession gets a new one.
    pub fn unregister_session(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        self.unregister_session_into(&mut out);
        out
    }

    /// [`unregister_session`](Self::unregister_session), appended to `out`.
    pub fn unregister_session_into(&mut self, out: &mut Vec<u8>) {
        let start = self.request_header(out, command::UNREGISTER_SESSION, self.session_handle);
        end_encap(out, start);
        self.session_handle = 0;
    }

    // ---- ListIdentity (Vol 2, 2-4.2) ----

    /// ListIdentity request: no data and no session needed, so it is also
    /// valid as a UDP 44818 (broadcast) datagram.
    pub fn list_identity_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        self.list_identity_request_into(&mut out);
        out
    }

    /// [`list_identity_request`](Self::list_identity_request), appended to `out`.
    pub fn list_identity_request_into(&mut self, out: &mut Vec<u8>) {
        let start = self.request_header(out, command::LIST_IDENTITY, 0);
        end_encap(out, start);
    }

    /// ListIdentity reply: one identity item (type 0x0C) with the socket
    /// address the device listens on (its `ip`, port 44818).
    pub fn list_identity_response(&mut self, id: &Identity) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 48 + id.product_name.len());
        self.list_identity_response_into(id, &mut out);
        out
    }

    /// [`list_identity_response`](Self::list_identity_response), appended to `out`.
    pub fn list_identity_response_into(&mut self, id: &Identity, out: &mut Vec<u8>) {
        let start = self.reply_header(out, command::LIST_IDENTITY);
        put_u16(out, 1); // item count
        put_u16(out, ITEM_LIST_IDENTITY);
        let item = placeholder_u16(out);
        put_u16(out, 1); // encapsulation protocol version
                         // sockaddr_in, the one big-endian structure of EtherNet/IP (2-6.3.3).
        out.extend_from_slice(&2u16.to_be_bytes()); // AF_INET
        out.extend_from_slice(&ENIP_PORT.to_be_bytes());
        out.extend_from_slice(&id.ip);
        out.extend_from_slice(&[0; 8]);
        put_identity(out, id);
        patch_len(out, item);
        end_encap(out, start);
    }

    // ---- Unconnected messaging: SendRRData (Vol 2, 2-4.7) ----

    /// Starts a SendRRData request; returns the encapsulation start and
    /// the position of the Unconnected data item's length.
    fn rr_request(&mut self, out: &mut Vec<u8>) -> (usize, usize) {
        let start = self.request_header(out, command::SEND_RR_DATA, self.session_handle);
        (start, rr_items(out, 0))
    }

    fn rr_reply(&self, out: &mut Vec<u8>) -> (usize, usize) {
        let start = self.reply_header(out, command::SEND_RR_DATA);
        (start, rr_items(out, 0))
    }

    /// SendRRData with Unconnected Send (0x52) to the Message Router carrying Read Tag (0x4C), symbolic segment tag name, element count.
    ///
    /// The Unconnected_Send goes to the Connection Manager (class 6,
    /// instance 1), which routes the embedded Read Tag out of port 1
    /// (the backplane) to slot 0, where the controller's Message Router
    /// resolves the name. Tag names are Logix names: dotted members
    /// (`Program:Main.Counter`, one ANSI symbol segment per part) and
    /// numeric array subscripts (`Levels[3]`, `Grid[1,2]`, member segments).
    ///
    /// # Panics
    /// When a name part is longer than 255 bytes or a subscript is not a
    /// number.
    pub fn read_tag_request(&mut self, tag: &str, elements: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 48 + tag.len() + 8);
        self.read_tag_request_into(tag, elements, &mut out);
        out
    }

    /// [`read_tag_request`](Self::read_tag_request), appended to `out`.
    pub fn read_tag_request_into(&mut self, tag: &str, elements: u16, out: &mut Vec<u8>) {
        let (start, item) = self.rr_request(out);
        let embedded = begin_unconnected_send(out);
        put_read_tag(out, tag, elements);
        end_unconnected_send(out, embedded);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// The Read Tag reply (0xCC): data type DINT and the values. It comes
    /// back unwrapped: the reply to an Unconnected_Send is the embedded
    /// request's (Vol 1, 3-5.5.4).
    pub fn read_tag_response(&mut self, values: &[i32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 22 + 4 * values.len());
        self.read_tag_response_into(values, &mut out);
        out
    }

    /// [`read_tag_response`](Self::read_tag_response), appended to `out`.
    pub fn read_tag_response_into(&mut self, values: &[i32], out: &mut Vec<u8>) {
        let (start, item) = self.rr_reply(out);
        put_read_tag_reply(out, values);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// Write Tag (0x4D) through Unconnected_Send, like
    /// [`read_tag_request`](Self::read_tag_request): data type DINT,
    /// element count, the values.
    ///
    /// # Panics
    /// As [`read_tag_request`](Self::read_tag_request), and when the
    /// message does not fit in one encapsulation packet.
    pub fn write_tag_request(&mut self, tag: &str, values: &[i32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 52 + tag.len() + 8 + 4 * values.len());
        self.write_tag_request_into(tag, values, &mut out);
        out
    }

    /// [`write_tag_request`](Self::write_tag_request), appended to `out`.
    pub fn write_tag_request_into(&mut self, tag: &str, values: &[i32], out: &mut Vec<u8>) {
        let (start, item) = self.rr_request(out);
        let embedded = begin_unconnected_send(out);
        let path = begin_request(out, service::WRITE_TAG);
        put_tag_path(out, tag);
        end_path(out, path);
        put_u16(out, DINT);
        put_u16(out, len16(values.len()));
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        end_unconnected_send(out, embedded);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// The successful Write Tag reply (0xCD, no data).
    pub fn write_tag_response(&mut self) -> Vec<u8> {
        self.write_tag_error_response(0)
    }

    /// [`write_tag_response`](Self::write_tag_response), appended to `out`.
    pub fn write_tag_response_into(&mut self, out: &mut Vec<u8>) {
        self.write_tag_error_response_into(0, out);
    }

    /// A Write Tag reply with a general status (e.g.
    /// [`STATUS_PATH_DESTINATION_UNKNOWN`]) and no additional status.
    pub fn write_tag_error_response(&mut self, general_status: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 20);
        self.write_tag_error_response_into(general_status, &mut out);
        out
    }

    /// [`write_tag_error_response`](Self::write_tag_error_response), appended to `out`.
    pub fn write_tag_error_response_into(&mut self, general_status: u8, out: &mut Vec<u8>) {
        let (start, item) = self.rr_reply(out);
        put_reply_head(out, service::WRITE_TAG, general_status);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// Get_Attribute_All (0x01) of Identity class 1 instance 1.
    ///
    /// Sent to the device itself (no Unconnected_Send), as a scanner or an
    /// inventory tool asks the module it is talking to.
    pub fn get_attribute_all_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 22);
        self.get_attribute_all_request_into(&mut out);
        out
    }

    /// [`get_attribute_all_request`](Self::get_attribute_all_request), appended to `out`.
    pub fn get_attribute_all_request_into(&mut self, out: &mut Vec<u8>) {
        let (start, item) = self.rr_request(out);
        let path = begin_request(out, service::GET_ATTRIBUTES_ALL);
        out.extend_from_slice(&[0x20, CLASS_IDENTITY, 0x24, 0x01]);
        end_path(out, path);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// The Get_Attributes_All reply (0x81): Identity attributes 1 to 8.
    pub fn get_attribute_all_response(&mut self, id: &Identity) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 36 + id.product_name.len());
        self.get_attribute_all_response_into(id, &mut out);
        out
    }

    /// [`get_attribute_all_response`](Self::get_attribute_all_response), appended to `out`.
    pub fn get_attribute_all_response_into(&mut self, id: &Identity, out: &mut Vec<u8>) {
        let (start, item) = self.rr_reply(out);
        put_reply_head(out, service::GET_ATTRIBUTES_ALL, 0);
        put_identity(out, id);
        patch_len(out, item);
        end_encap(out, start);
    }

    // ---- Connection Manager: Forward_Open / Forward_Close (Vol 1, 3-5.5) ----

    /// Forward Open (0x54) / Forward Close (0x4E) to the Connection Manager (class 6, instance 1): a class-3 explicit connection.
    ///
    /// Point to point both ways, low priority, variable size up to 504
    /// bytes, transport class 3 with application trigger, connection path
    /// port 1 slot 0 then the Message Router. The T->O id is chosen here;
    /// the target picks the O->T id in its reply.
    pub fn forward_open_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 52);
        self.forward_open_request_into(&mut out);
        out
    }

    /// [`forward_open_request`](Self::forward_open_request), appended to `out`.
    pub fn forward_open_request_into(&mut self, out: &mut Vec<u8>) {
        self.explicit = Connection {
            o_t_id: 0,
            t_o_id: self.nonzero_u32(),
            serial: crate::rng::splitmix64(&mut self.rng) as u16,
            rpi_us: 2_000_000,
        };
        // Point to point (0x4000), low priority, variable (0x0200), 504 bytes.
        let params = 0x4000 | 0x0200 | 504;
        let open = OpenParams {
            o_t_params: params,
            t_o_params: params,
            // Server transport (0x80), application object trigger (0x20), class 3.
            transport: 0xA3,
            path: &[0x01, 0x00, 0x20, CLASS_MESSAGE_ROUTER, 0x24, 0x01],
        };
        self.pending.io = false;
        let c = self.explicit;
        self.forward_open_into(&c, &open, out);
    }

    /// The successful Forward_Open reply (0xD4): the O->T id the target
    /// chose, the T->O id, the triad, the granted intervals.
    pub fn forward_open_response(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 30);
        self.forward_open_response_into(&mut out);
        out
    }

    /// [`forward_open_response`](Self::forward_open_response) (or
    /// [`io_forward_open_response`](Self::io_forward_open_response), as the
    /// request was), appended to `out`.
    pub fn forward_open_response_into(&mut self, out: &mut Vec<u8>) {
        let o_t = self.nonzero_u32();
        let c = if self.pending.io {
            &mut self.io
        } else {
            &mut self.explicit
        };
        c.o_t_id = o_t;
        let c = *c;
        let (start, item) = self.rr_reply(out);
        put_reply_head(out, service::FORWARD_OPEN, 0);
        put_u32(out, c.o_t_id);
        put_u32(out, c.t_o_id);
        self.put_triad(out, c.serial);
        put_u32(out, c.rpi_us); // O->T actual packet interval
        put_u32(out, c.rpi_us); // T->O actual packet interval
        out.extend_from_slice(&[0, 0]); // application reply size 0, reserved
        patch_len(out, item);
        end_encap(out, start);
    }

    /// Forward_Close of the class-3 connection: its triad and connection
    /// path.
    pub fn forward_close_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 28);
        self.forward_close_request_into(&mut out);
        out
    }

    /// [`forward_close_request`](Self::forward_close_request), appended to `out`.
    pub fn forward_close_request_into(&mut self, out: &mut Vec<u8>) {
        self.pending.io = false;
        let serial = self.explicit.serial;
        self.forward_close_into(
            serial,
            &[0x01, 0x00, 0x20, CLASS_MESSAGE_ROUTER, 0x24, 0x01],
            out,
        );
    }

    /// The successful Forward_Close reply (0xCE): the triad.
    pub fn forward_close_response(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 14);
        self.forward_close_response_into(&mut out);
        out
    }

    /// [`forward_close_response`](Self::forward_close_response) (or the
    /// I/O one, as the request was), appended to `out`.
    pub fn forward_close_response_into(&mut self, out: &mut Vec<u8>) {
        let serial = if self.pending.io {
            self.io.serial
        } else {
            self.explicit.serial
        };
        let (start, item) = self.rr_reply(out);
        put_reply_head(out, service::FORWARD_CLOSE, 0);
        self.put_triad(out, serial);
        out.extend_from_slice(&[0, 0]); // application reply size 0, reserved
        patch_len(out, item);
        end_encap(out, start);
    }

    /// Forward_Open of a class-1 I/O connection to a generic adapter's
    /// assemblies (configuration instance 151, output 150, input 100), as
    /// a scanner opens it: cyclic, point to point both ways, scheduled
    /// priority, fixed sizes (`o_t_bytes` of output data plus the 2-byte
    /// sequence count and 4-byte run/idle header; `t_o_bytes` of input
    /// data plus the sequence count), `rpi_us` both ways. The datagrams
    /// then come from [`IoConnection`]s on [`io_connection_ids`](Self::io_connection_ids).
    pub fn io_forward_open_request(
        &mut self,
        o_t_bytes: u16,
        t_o_bytes: u16,
        rpi_us: u32,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 52);
        self.io_forward_open_request_into(o_t_bytes, t_o_bytes, rpi_us, &mut out);
        out
    }

    /// [`io_forward_open_request`](Self::io_forward_open_request), appended to `out`.
    ///
    /// # Panics
    /// When a size with its headers exceeds the 511 bytes a Forward_Open
    /// can announce.
    pub fn io_forward_open_request_into(
        &mut self,
        o_t_bytes: u16,
        t_o_bytes: u16,
        rpi_us: u32,
        out: &mut Vec<u8>,
    ) {
        let size = |n: u16| {
            assert!(n <= 0x1FF, "I/O connection size {n} above 511 bytes");
            n
        };
        self.io = Connection {
            o_t_id: 0,
            t_o_id: self.nonzero_u32(),
            serial: crate::rng::splitmix64(&mut self.rng) as u16,
            rpi_us,
        };
        // Point to point (0x4000), scheduled priority (0x0800), fixed size.
        let open = OpenParams {
            o_t_params: 0x4000 | 0x0800 | size(o_t_bytes.saturating_add(6)),
            t_o_params: 0x4000 | 0x0800 | size(t_o_bytes.saturating_add(2)),
            // Client transport, cyclic trigger, class 1.
            transport: 0x01,
            path: &IO_PATH,
        };
        self.pending.io = true;
        let c = self.io;
        self.forward_open_into(&c, &open, out);
    }

    /// The reply to [`io_forward_open_request`](Self::io_forward_open_request).
    pub fn io_forward_open_response(&mut self) -> Vec<u8> {
        self.forward_open_response()
    }

    /// Forward_Close of the class-1 I/O connection.
    pub fn io_forward_close_request(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 16 + 28);
        self.io_forward_close_request_into(&mut out);
        out
    }

    /// [`io_forward_close_request`](Self::io_forward_close_request), appended to `out`.
    pub fn io_forward_close_request_into(&mut self, out: &mut Vec<u8>) {
        self.pending.io = true;
        let serial = self.io.serial;
        self.forward_close_into(serial, &IO_PATH, out);
    }

    /// The reply to [`io_forward_close_request`](Self::io_forward_close_request).
    pub fn io_forward_close_response(&mut self) -> Vec<u8> {
        self.forward_close_response()
    }

    fn put_triad(&self, out: &mut Vec<u8>, serial: u16) {
        put_u16(out, serial);
        put_u16(out, self.originator_vendor);
        put_u32(out, self.originator_serial);
    }

    fn forward_open_into(&mut self, c: &Connection, open: &OpenParams<'_>, out: &mut Vec<u8>) {
        let (start, item) = self.rr_request(out);
        let path = begin_request(out, service::FORWARD_OPEN);
        out.extend_from_slice(&[0x20, CLASS_CONNECTION_MANAGER, 0x24, 0x01]);
        end_path(out, path);
        out.extend_from_slice(&[OPEN_TICK, OPEN_TIMEOUT_TICKS]);
        put_u32(out, c.o_t_id);
        put_u32(out, c.t_o_id);
        self.put_triad(out, c.serial);
        // Timeout multiplier 2 (x16 the RPI), then three reserved bytes.
        out.extend_from_slice(&[2, 0, 0, 0]);
        put_u32(out, c.rpi_us);
        put_u16(out, open.o_t_params);
        put_u32(out, c.rpi_us);
        put_u16(out, open.t_o_params);
        out.push(open.transport);
        out.push(path_words(open.path));
        out.extend_from_slice(open.path);
        patch_len(out, item);
        end_encap(out, start);
    }

    fn forward_close_into(&mut self, serial: u16, conn_path: &[u8], out: &mut Vec<u8>) {
        let (start, item) = self.rr_request(out);
        let path = begin_request(out, service::FORWARD_CLOSE);
        out.extend_from_slice(&[0x20, CLASS_CONNECTION_MANAGER, 0x24, 0x01]);
        end_path(out, path);
        out.extend_from_slice(&[OPEN_TICK, OPEN_TIMEOUT_TICKS]);
        self.put_triad(out, serial);
        // Unlike Forward_Open, a reserved byte follows the path size.
        out.extend_from_slice(&[path_words(conn_path), 0]);
        out.extend_from_slice(conn_path);
        patch_len(out, item);
        end_encap(out, start);
    }

    // ---- Connected explicit messaging: SendUnitData (Vol 2, 2-4.8) ----

    /// Connected explicit messaging over the open connection: SendUnitData (0x70), connected address item 0xA1 + connected data item 0xB1 with the sequence count, carrying Read Tag.
    ///
    /// Sent on the O->T connection id with the next sequence count; one
    /// element. The sender context is zero, as SendUnitData has no reply
    /// to match it with (real clients leave it so).
    ///
    /// # Panics
    /// As [`read_tag_request`](Self::read_tag_request).
    pub fn connected_read_request(&mut self, tag: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 30 + tag.len() + 8);
        self.connected_read_request_into(tag, &mut out);
        out
    }

    /// [`connected_read_request`](Self::connected_read_request), appended to `out`.
    pub fn connected_read_request_into(&mut self, tag: &str, out: &mut Vec<u8>) {
        self.sequence_count = self.sequence_count.wrapping_add(1);
        self.pending.context = [0; 8];
        self.pending.handle = self.session_handle;
        let start = begin_encap(out, command::SEND_UNIT_DATA, self.session_handle, &[0; 8]);
        let item = unit_items(out, self.explicit.o_t_id, self.sequence_count);
        put_read_tag(out, tag, 1);
        patch_len(out, item);
        end_encap(out, start);
    }

    /// The connected Read Tag reply: on the T->O connection id, echoing
    /// the request's sequence count.
    pub fn connected_read_response(&mut self, values: &[i32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 30 + 4 * values.len());
        self.connected_read_response_into(values, &mut out);
        out
    }

    /// [`connected_read_response`](Self::connected_read_response), appended to `out`.
    pub fn connected_read_response_into(&mut self, values: &[i32], out: &mut Vec<u8>) {
        let start = self.reply_header(out, command::SEND_UNIT_DATA);
        let item = unit_items(out, self.explicit.t_o_id, self.sequence_count);
        put_read_tag_reply(out, values);
        patch_len(out, item);
        end_encap(out, start);
    }
}

/// The variable parts of a Forward_Open.
struct OpenParams<'a> {
    o_t_params: u16,
    t_o_params: u16,
    transport: u8,
    path: &'a [u8],
}

/// Connection path of the class-1 connection: Assembly class, the
/// configuration instance, then the consumed (O->T, output) and produced
/// (T->O, input) connection points.
const IO_PATH: [u8; 8] = [0x20, CLASS_ASSEMBLY, 0x24, 151, 0x2C, 150, 0x2C, 100];

/// Cyclic implicit I/O on UDP 2222 (class-1 connection): CPF with a sequenced address item (0x8002: connection id + sequence number) and a connected data item (0x00B1) with a 16-bit sequence count and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoConnection {
    /// The connection id of this direction (O->T or T->O, from the
    /// Forward_Open).
    pub connection_id: u32,
    /// Run (true) or idle: bit 0 of the run/idle header.
    pub run: bool,
    /// Encapsulation sequence number of the next datagram.
    sequence: u32,
    /// CIP sequence count of the next datagram.
    count: u16,
}

impl IoConnection {
    /// The first datagram is sequence 1, count 1; the connection runs.
    pub fn new(connection_id: u32) -> IoConnection {
        IoConnection {
            connection_id,
            run: true,
            sequence: 1,
            count: 1,
        }
    }

    /// Appends the next datagram payload (with a run/idle header of 4 bytes when `run_idle` is true, as O->T data usually has) into `out` (cleared first) — called millions of times, so no allocation.
    ///
    /// Every cyclic production is new data, so the encapsulation sequence
    /// number and the 16-bit CIP sequence count both advance each time
    /// (both wrap). `out` only grows when `data` is longer than before.
    pub fn next_packet(&mut self, data: &[u8], run_idle: bool, out: &mut Vec<u8>) {
        out.clear();
        let headers = if run_idle { 6 } else { 2 };
        let item_len = len16(data.len().saturating_add(headers));
        let mut head = [0u8; 28];
        head[0..2].copy_from_slice(&2u16.to_le_bytes());
        head[2..4].copy_from_slice(&ITEM_SEQUENCED_ADDRESS.to_le_bytes());
        head[4..6].copy_from_slice(&8u16.to_le_bytes());
        head[6..10].copy_from_slice(&self.connection_id.to_le_bytes());
        head[10..14].copy_from_slice(&self.sequence.to_le_bytes());
        head[14..16].copy_from_slice(&ITEM_CONNECTED_DATA.to_le_bytes());
        head[16..18].copy_from_slice(&item_len.to_le_bytes());
        head[18..20].copy_from_slice(&self.count.to_le_bytes());
        head[20..24].copy_from_slice(&u32::from(self.run).to_le_bytes());
        let used = if run_idle { 24 } else { 20 };
        out.extend_from_slice(&head[..used]);
        out.extend_from_slice(data);
        self.sequence = self.sequence.wrapping_add(1);
        self.count = self.count.wrapping_add(1);
    }
}

// ---- byte helpers ----

#[inline]
fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[inline]
fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A length for a 16-bit field.
///
/// # Panics
/// Above 65,535: a message that long cannot be carried, so building one
/// is a caller's bug.
fn len16(n: usize) -> u16 {
    match u16::try_from(n) {
        Ok(v) => v,
        Err(_) => panic!("EtherNet/IP length {n} does not fit in 16 bits"),
    }
}

/// Writes a zero 16-bit length and returns where, for [`patch_len`].
#[inline]
fn placeholder_u16(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0, 0]);
    at
}

/// Sets the 16-bit length at `at` to the bytes written after it.
#[inline]
fn patch_len(out: &mut [u8], at: usize) {
    let n = len16(out.len() - at - 2);
    out[at..at + 2].copy_from_slice(&n.to_le_bytes());
}

/// Writes an encapsulation header with length 0 (status 0, options 0);
/// returns its start for [`end_encap`].
fn begin_encap(out: &mut Vec<u8>, command: u16, handle: u32, context: &[u8; 8]) -> usize {
    let start = out.len();
    let mut h = [0u8; HEADER_LEN];
    h[0..2].copy_from_slice(&command.to_le_bytes());
    h[4..8].copy_from_slice(&handle.to_le_bytes());
    h[12..20].copy_from_slice(context);
    out.extend_from_slice(&h);
    start
}

/// Patches the header's length to the command data written since.
fn end_encap(out: &mut [u8], start: usize) {
    let n = out.len() - start - HEADER_LEN;
    assert!(n <= MAX_DATA_LEN, "EtherNet/IP packet data of {n} bytes");
    out[start + 2..start + 4].copy_from_slice(&len16(n).to_le_bytes());
}

/// SendRRData data up to the CIP message: interface handle 0 (CIP),
/// timeout, two items (Null address, Unconnected data). Returns the
/// Unconnected data item's length position.
fn rr_items(out: &mut Vec<u8>, timeout: u16) -> usize {
    let mut d = [0u8; 16];
    d[4..6].copy_from_slice(&timeout.to_le_bytes());
    d[6..8].copy_from_slice(&2u16.to_le_bytes());
    d[8..10].copy_from_slice(&ITEM_NULL.to_le_bytes());
    d[12..14].copy_from_slice(&ITEM_UNCONNECTED_DATA.to_le_bytes());
    out.extend_from_slice(&d);
    out.len() - 2
}

/// SendUnitData data up to the CIP message: interface handle 0, timeout 0,
/// Connected address item, Connected data item starting with the sequence
/// count. Returns the Connected data item's length position.
fn unit_items(out: &mut Vec<u8>, connection_id: u32, sequence_count: u16) -> usize {
    let mut d = [0u8; 22];
    d[6..8].copy_from_slice(&2u16.to_le_bytes());
    d[8..10].copy_from_slice(&ITEM_CONNECTED_ADDRESS.to_le_bytes());
    d[10..12].copy_from_slice(&4u16.to_le_bytes());
    d[12..16].copy_from_slice(&connection_id.to_le_bytes());
    d[16..18].copy_from_slice(&ITEM_CONNECTED_DATA.to_le_bytes());
    d[20..22].copy_from_slice(&sequence_count.to_le_bytes());
    out.extend_from_slice(&d);
    out.len() - 4
}

/// Writes a request's service and a zero path size; returns the path
/// size's position for [`end_path`].
#[inline]
fn begin_request(out: &mut Vec<u8>, service: u8) -> usize {
    out.extend_from_slice(&[service, 0]);
    out.len() - 1
}

/// Patches the path size (in 16-bit words) to the path written since.
#[inline]
fn end_path(out: &mut [u8], at: usize) {
    let bytes = out.len() - at - 1;
    debug_assert!(bytes & 1 == 0, "EPATH must be padded to words");
    out[at] = u8::try_from(bytes / 2).unwrap_or(u8::MAX);
}

/// Size in words of a padded path that fits a size byte.
fn path_words(path: &[u8]) -> u8 {
    u8::try_from(path.len() / 2).unwrap_or(u8::MAX)
}

/// A reply's service, reserved byte, general status and additional status
/// size 0 (Vol 1, 2-4.2).
#[inline]
fn put_reply_head(out: &mut Vec<u8>, request_service: u8, general_status: u8) {
    out.extend_from_slice(&[request_service | service::REPLY, 0, general_status, 0]);
}

/// Starts an Unconnected_Send to the Connection Manager up to the embedded
/// message; returns the embedded size's position for
/// [`end_unconnected_send`].
fn begin_unconnected_send(out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&[
        service::UNCONNECTED_SEND,
        2, // path size: two words
        0x20,
        CLASS_CONNECTION_MANAGER,
        0x24,
        0x01,
        UNCONNECTED_TICK,
        UNCONNECTED_TIMEOUT_TICKS,
    ]);
    placeholder_u16(out)
}

/// Patches the embedded message size, pads an odd message to a word
/// (Vol 1, 3-5.5.4: the pad is not counted) and appends the route path:
/// port 1 (backplane), link address 0 (slot 0).
fn end_unconnected_send(out: &mut Vec<u8>, size_at: usize) {
    patch_len(out, size_at);
    if (out.len() - size_at) % 2 == 1 {
        out.push(0);
    }
    out.extend_from_slice(&[1, 0, 0x01, 0x00]); // route path size 1 word, reserved, port 1 slot 0
}

/// A Read Tag request: service, symbolic path, element count.
fn put_read_tag(out: &mut Vec<u8>, tag: &str, elements: u16) {
    let path = begin_request(out, service::READ_TAG);
    put_tag_path(out, tag);
    end_path(out, path);
    put_u16(out, elements);
}

/// A successful Read Tag reply with DINT values.
fn put_read_tag_reply(out: &mut Vec<u8>, values: &[i32]) {
    put_reply_head(out, service::READ_TAG, 0);
    put_u16(out, DINT);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Identity attributes 1 to 8 (Vol 1, 5A-2.2): the layout the ListIdentity
/// item and the Get_Attributes_All reply share.
fn put_identity(out: &mut Vec<u8>, id: &Identity) {
    put_u16(out, id.vendor_id);
    put_u16(out, id.device_type);
    put_u16(out, id.product_code);
    out.extend_from_slice(&[id.revision.0, id.revision.1]);
    put_u16(out, id.status);
    put_u32(out, id.serial);
    let name = id.product_name.as_bytes();
    let name = &name[..name.len().min(255)];
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.push(id.state);
}

/// A Logix tag name as a padded EPATH (Vol 1, C-1.4.5): an ANSI extended
/// symbol segment (0x91, length, name, pad to a word) per dotted part, and
/// a member segment (0x28 / 0x29 / 0x2A, by width) per array subscript.
fn put_tag_path(out: &mut Vec<u8>, tag: &str) {
    for part in tag.split('.') {
        let (name, subscripts) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']')),
            None => (part, ""),
        };
        let bytes = name.as_bytes();
        let len = match u8::try_from(bytes.len()) {
            Ok(n) => n,
            Err(_) => panic!("tag name part of {} bytes (at most 255)", bytes.len()),
        };
        out.extend_from_slice(&[0x91, len]);
        out.extend_from_slice(bytes);
        if len % 2 == 1 {
            out.push(0);
        }
        for s in subscripts
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let index: u32 = match s.parse() {
                Ok(i) => i,
                Err(_) => panic!("tag subscript {s:?} in {tag:?} is not a number"),
            };
            put_member(out, index);
        }
    }
}

/// The narrowest member segment for `index`; 16- and 32-bit forms carry a
/// pad byte after the segment type (padded EPATH, C-1.4.2).
fn put_member(out: &mut Vec<u8>, index: u32) {
    if let Ok(i) = u8::try_from(index) {
        out.extend_from_slice(&[0x28, i]);
    } else if let Ok(i) = u16::try_from(index) {
        out.extend_from_slice(&[0x29, 0]);
        put_u16(out, i);
    } else {
        out.extend_from_slice(&[0x2A, 0]);
        put_u32(out, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_parsers::enip::cip::{
        self as wire_cip, Checked, Request as CipRequest, RequestBody, Response as CipResponse,
        ResponseBody, Segment,
    };
    use otwatch_parsers::enip::{Body, Datagram, Item, Message, RegisterSession};

    fn plc() -> Identity {
        Identity {
            vendor_id: 1,
            device_type: 14,
            product_code: 166,
            revision: (32, 11),
            status: 0x3160,
            serial: 0x00C0_FFEE,
            product_name: "1756-L83E/B".to_string(),
            state: 3,
            ip: [10, 0, 0, 20],
        }
    }

    /// Reads a whole message through the parsers' view: command as
    /// expected, length field equal to the data, and no violation anywhere
    /// by its checked form.
    fn whole(p: &[u8], command: u16) -> Message<'_> {
        let m = Message::new(p).unwrap_or_else(|e| panic!("{e} in {p:02x?}"));
        let h = m.header();
        assert_eq!(h.packet_len(), p.len(), "{p:02x?}");
        assert_eq!(h.command, command, "{p:02x?}");
        assert_eq!(usize::from(h.length), p.len() - HEADER_LEN);
        assert_eq!((h.status, h.options), (0, 0));
        match m.check() {
            Ok(v) => assert!(v.is_empty(), "{v:?} in {p:02x?}"),
            Err(e) => panic!("{e} in {p:02x?}"),
        }
        m
    }

    /// The CIP message a SendRRData / SendUnitData carries, as the view
    /// reads it: the connection id of its Connected address item and the
    /// sequence count of its Connected data item, for connected messages.
    struct Payload<'a> {
        connection_id: Option<u32>,
        sequence_count: Option<u16>,
        message: wire_cip::Message<'a>,
    }

    fn payload<'a>(m: &Message<'a>, from_target: bool) -> Payload<'a> {
        let Body::SendData(Ok(s)) = m.body(from_target) else {
            panic!("not SendRRData / SendUnitData: {m:?}");
        };
        let mut connection_id = None;
        for item in s.items {
            match item.unwrap_or_else(|e| panic!("{e}")) {
                Item::ConnectedAddress(id) => connection_id = Some(id),
                Item::ConnectedData {
                    sequence_count,
                    message,
                } => {
                    return Payload {
                        connection_id,
                        sequence_count: Some(sequence_count),
                        message,
                    }
                }
                Item::UnconnectedData(message) => {
                    return Payload {
                        connection_id,
                        sequence_count: None,
                        message,
                    }
                }
                _ => {}
            }
        }
        panic!("no CIP message in {m:?}");
    }

    /// The CIP request a SendRRData / SendUnitData carries, by its checked
    /// form, without violations; the view reads the same service.
    fn cip_request<'a>(m: &Message<'a>) -> CipRequest<'a> {
        let c = payload(m, false).message;
        match c.check() {
            Ok(Checked::Request(r)) => {
                assert!(r.violations.is_empty(), "{:?}", r.violations);
                assert_eq!(r.service, c.service());
                r
            }
            other => panic!("expected a CIP request: {other:?}"),
        }
    }

    /// The CIP reply a message carries, typed by the request it answers,
    /// without violations; its service is the request's | 0x80.
    fn cip_reply<'a>(m: &Message<'a>, request: &CipRequest<'_>) -> CipResponse<'a> {
        let c = payload(m, true).message;
        let ctx = request.context();
        let r = c
            .check_reply_to(&ctx)
            .unwrap_or_else(|e| panic!("reply did not parse: {e}"));
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        let answered = ctx.routed.unwrap_or(ctx.request).service;
        assert_eq!(r.service, answered | 0x80);
        assert_eq!(c.status().map(|s| s.general), Some(r.general_status));
        r
    }

    /// An I/O datagram through the parsers' view, well-formed by its
    /// checked form.
    fn io_datagram(b: &[u8]) -> Datagram<'_> {
        let io = Datagram::new(b).unwrap_or_else(|e| panic!("{e}"));
        assert!(io.check().is_empty(), "{:?}", io.check());
        io
    }

    /// The embedded request of an Unconnected_Send to the Connection
    /// Manager, routed out of port 1 to slot 0.
    fn routed<'a>(r: &CipRequest<'a>) -> CipRequest<'a> {
        assert_eq!(r.service, service::UNCONNECTED_SEND);
        assert_eq!((r.class(), r.path.instance()), (Some(6), Some(1)));
        let RequestBody::UnconnectedSend(u) = r.body else {
            panic!("not an Unconnected_Send: {:?}", r.body);
        };
        assert_eq!(
            (u.priority_time_tick, u.timeout_ticks),
            (UNCONNECTED_TICK, UNCONNECTED_TIMEOUT_TICKS)
        );
        assert_eq!(usize::from(u.message_size), u.message.len());
        let route: Vec<_> = u.route_path.segments().collect();
        assert_eq!(
            route,
            vec![Ok(Segment::Port {
                port: 1,
                link_address: &[0][..]
            })]
        );
        let inner = u.request().unwrap_or_else(|e| panic!("{e}"));
        assert!(inner.violations.is_empty(), "{:?}", inner.violations);
        inner
    }

    fn symbols<'a>(r: &CipRequest<'a>) -> Vec<&'a [u8]> {
        r.path.symbols().collect()
    }

    /// A registered session, its handle checked.
    fn registered(seed: u64) -> EnipSession {
        let mut s = EnipSession::new(seed);
        let req = s.register_session_request();
        let rsp = s.register_session_response();
        let q = whole(&req, command::REGISTER_SESSION);
        let a = whole(&rsp, command::REGISTER_SESSION);
        let expect = RegisterSession {
            protocol_version: 1,
            options: 0,
        };
        for (m, from_target) in [(&q, false), (&a, true)] {
            let Body::RegisterSession(Ok(r)) = m.body(from_target) else {
                panic!("{m:?}");
            };
            assert_eq!(r, expect);
        }
        assert_eq!(q.header().session_handle, 0);
        assert_ne!(a.header().session_handle, 0);
        assert_eq!(a.header().session_handle, s.session_handle());
        assert_eq!(a.header().sender_context, q.header().sender_context);
        s
    }

    #[test]
    fn register_and_unregister_session() {
        let mut s = registered(1);
        let handle = s.session_handle();
        let un = s.unregister_session();
        let m = whole(&un, command::UNREGISTER_SESSION);
        assert!(matches!(m.body(false), Body::Empty));
        assert_eq!(m.header().session_handle, handle);
        assert_eq!(un.len(), HEADER_LEN);
        assert_eq!(s.session_handle(), 0);
        // A new registration gets a new handle.
        s.register_session_request();
        s.register_session_response();
        assert_ne!(s.session_handle(), handle);
    }

    #[test]
    fn list_identity_round_trips_the_identity() {
        let mut s = EnipSession::new(2);
        let id = plc();
        let req = s.list_identity_request();
        let rsp = s.list_identity_response(&id);
        let q = whole(&req, command::LIST_IDENTITY);
        assert!(matches!(q.body(false), Body::Empty));
        assert_eq!(req.len(), HEADER_LEN);
        let a = whole(&rsp, command::LIST_IDENTITY);
        assert_eq!(a.header().sender_context, q.header().sender_context);
        assert_eq!(a.header().session_handle, q.header().session_handle);
        let Body::List(list) = a.body(true) else {
            panic!("{a:?}");
        };
        assert_eq!(list.item_count(), Some(1));
        let items: Vec<_> = list.collect();
        let [Ok(Item::ListIdentity(li))] = items.as_slice() else {
            panic!("{items:?}");
        };
        assert_eq!(li.protocol_version, 1);
        assert!(li.socket_address.is_valid());
        assert_eq!(li.socket_address.port, ENIP_PORT);
        assert_eq!(li.socket_address.addr.octets(), id.ip);
        let got = li.identity;
        assert_eq!(
            (got.vendor_id, got.device_type, got.product_code),
            (id.vendor_id, id.device_type, id.product_code)
        );
        assert_eq!((got.revision.major, got.revision.minor), id.revision);
        assert_eq!((got.status, got.serial_number), (id.status, id.serial));
        assert_eq!(got.product_name, id.product_name.as_bytes());
        assert_eq!(li.state, id.state);
    }

    #[test]
    fn read_tag_through_unconnected_send() {
        let mut s = registered(3);
        // Odd and even embedded message sizes (the odd one is padded),
        // dotted names and subscripts of every width.
        for (tag, names, members) in [
            ("Counter", vec!["Counter"], vec![]),
            ("Line1", vec!["Line1"], vec![]),
            (
                "Program:Main.Levels[3]",
                vec!["Program:Main", "Levels"],
                vec![3],
            ),
            ("Grid[300,70000]", vec!["Grid"], vec![300, 70_000]),
        ] {
            let req = s.read_tag_request(tag, 4);
            let values = [7, -1, i32::MAX, i32::MIN];
            let rsp = s.read_tag_response(&values);
            let q = whole(&req, command::SEND_RR_DATA);
            assert_eq!(q.header().session_handle, s.session_handle());
            let outer = cip_request(&q);
            // The view reads the carried request as the checked form does.
            let carried = payload(&q, false).message.routed();
            assert_eq!(carried.map(|r| r.service), Some(service::READ_TAG));
            assert_eq!(carried.map(|r| r.path.symbolic), Some(true));
            let r = routed(&outer);
            assert_eq!(r.service, service::READ_TAG);
            assert!(r.path.is_symbolic());
            assert_eq!(r.naming_class(), Some(wire_cip::class::SYMBOL));
            let want: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
            assert_eq!(symbols(&r), want, "{tag}");
            let got_members: Vec<u32> = r
                .path
                .segments()
                .filter_map(|seg| match seg {
                    Ok(Segment::Logical { value, .. }) => Some(value),
                    _ => None,
                })
                .collect();
            assert_eq!(got_members, members, "{tag}");
            assert_eq!(r.data, &4u16.to_le_bytes());

            let a = whole(&rsp, command::SEND_RR_DATA);
            assert_eq!(a.header().sender_context, q.header().sender_context);
            assert_eq!(a.header().session_handle, q.header().session_handle);
            let reply = cip_reply(&a, &outer);
            assert_eq!(reply.service, service::READ_TAG | service::REPLY);
            assert!(reply.is_success());
            let mut data = DINT.to_le_bytes().to_vec();
            values
                .iter()
                .for_each(|v| data.extend_from_slice(&v.to_le_bytes()));
            assert_eq!(reply.data, data.as_slice());
        }
    }

    #[test]
    fn write_tag_and_its_replies() {
        let mut s = registered(4);
        let values = [1, 2, 3];
        let req = s.write_tag_request("Setpoint", &values);
        let rsp = s.write_tag_response();
        let q = whole(&req, command::SEND_RR_DATA);
        let outer = cip_request(&q);
        let r = routed(&outer);
        assert_eq!(r.service, service::WRITE_TAG);
        assert_eq!(r.naming_class(), Some(wire_cip::class::SYMBOL));
        assert_eq!(symbols(&r), vec![&b"Setpoint"[..]]);
        let mut data = vec![0xC4, 0x00, 3, 0];
        values
            .iter()
            .for_each(|v| data.extend_from_slice(&v.to_le_bytes()));
        assert_eq!(r.data, data.as_slice());
        let a = whole(&rsp, command::SEND_RR_DATA);
        assert_eq!(a.header().sender_context, q.header().sender_context);
        let reply = cip_reply(&a, &outer);
        assert_eq!((reply.service, reply.general_status), (0xCD, 0));
        assert!(reply.data.is_empty());

        let req = s.write_tag_request("NoSuchTag", &[5]);
        let rsp = s.write_tag_error_response(STATUS_PATH_DESTINATION_UNKNOWN);
        let q = whole(&req, command::SEND_RR_DATA);
        let a = whole(&rsp, command::SEND_RR_DATA);
        assert_eq!(a.header().sender_context, q.header().sender_context);
        let outer = cip_request(&q);
        let reply = cip_reply(&a, &outer);
        assert_eq!((reply.service, reply.general_status), (0xCD, 0x05));
        assert_eq!(reply.additional_status_size, 0);
    }

    #[test]
    fn get_attribute_all_of_the_identity() {
        let mut s = registered(5);
        let id = plc();
        let req = s.get_attribute_all_request();
        let rsp = s.get_attribute_all_response(&id);
        let q = whole(&req, command::SEND_RR_DATA);
        let r = cip_request(&q);
        assert_eq!(r.service, service::GET_ATTRIBUTES_ALL);
        assert_eq!((r.class(), r.path.instance()), (Some(1), Some(1)));
        assert!(r.data.is_empty());
        let a = whole(&rsp, command::SEND_RR_DATA);
        assert_eq!(a.header().sender_context, q.header().sender_context);
        let reply = cip_reply(&a, &r);
        let ResponseBody::Identity(attrs) = reply.body else {
            panic!("{:?}", reply.body);
        };
        let got = attrs.identity;
        assert_eq!(got.vendor_id, id.vendor_id);
        assert_eq!(got.device_type, id.device_type);
        assert_eq!(got.product_code, id.product_code);
        assert_eq!((got.revision.major, got.revision.minor), id.revision);
        assert_eq!(got.status, id.status);
        assert_eq!(got.serial_number, id.serial);
        assert_eq!(got.product_name_lossy(), id.product_name);
        assert_eq!(attrs.state, Some(id.state));
        assert!(attrs.rest.is_empty());
    }

    #[test]
    fn forward_open_connected_reads_and_forward_close() {
        let mut s = registered(6);
        let req = s.forward_open_request();
        let rsp = s.forward_open_response();
        let q = whole(&req, command::SEND_RR_DATA);
        let r = cip_request(&q);
        assert_eq!(r.service, service::FORWARD_OPEN);
        assert_eq!((r.class(), r.path.instance()), (Some(6), Some(1)));
        let RequestBody::ForwardOpen(f) = r.body else {
            panic!("{:?}", r.body);
        };
        assert_eq!(f.transport.class(), 3);
        assert!(f.transport.is_server());
        assert_eq!(f.o_t_parameters.size(), 504);
        assert!(f.o_t_parameters.variable_size());
        assert_eq!(f.connection_path.class(), Some(2));
        let port: Vec<_> = f.connection_path.segments().take(1).collect();
        assert_eq!(
            port,
            vec![Ok(Segment::Port {
                port: 1,
                link_address: &[0][..]
            })]
        );
        let a = whole(&rsp, command::SEND_RR_DATA);
        assert_eq!(a.header().sender_context, q.header().sender_context);
        let reply = cip_reply(&a, &r);
        let ResponseBody::ForwardOpen(fo) = reply.body else {
            panic!("{:?}", reply.body);
        };
        let (o_t, t_o) = s.explicit_connection_ids();
        assert_ne!(o_t, 0);
        assert_eq!((fo.o_t_connection_id, fo.t_o_connection_id), (o_t, t_o));
        assert_eq!(fo.t_o_connection_id, f.t_o_connection_id);
        assert_eq!(fo.triad, f.triad);
        assert_eq!((fo.o_t_api, fo.t_o_api), (f.o_t_rpi, f.t_o_rpi));

        let mut last = None;
        for values in [[10], [11]] {
            let req = s.connected_read_request("Motor.Speed");
            let rsp = s.connected_read_response(&values);
            let q = whole(&req, command::SEND_UNIT_DATA);
            let p = payload(&q, false);
            assert_eq!(p.connection_id, Some(o_t));
            let seq = p.sequence_count.unwrap_or_default();
            if let Some(prev) = last {
                assert_eq!(seq, u16::wrapping_add(prev, 1));
            }
            last = Some(seq);
            let r = cip_request(&q);
            assert_eq!(r.service, service::READ_TAG);
            assert_eq!(symbols(&r), vec![&b"Motor"[..], b"Speed"]);
            assert_eq!(r.data, &1u16.to_le_bytes());
            let a = whole(&rsp, command::SEND_UNIT_DATA);
            assert_eq!(a.header().session_handle, s.session_handle());
            assert_eq!(a.header().sender_context, q.header().sender_context);
            let p = payload(&a, true);
            assert_eq!(p.connection_id, Some(t_o));
            assert_eq!(p.sequence_count, Some(seq));
            let reply = cip_reply(&a, &r);
            assert_eq!(reply.data[2..], values[0].to_le_bytes());
        }

        let req = s.forward_close_request();
        let rsp = s.forward_close_response();
        let q = whole(&req, command::SEND_RR_DATA);
        let r = cip_request(&q);
        assert_eq!(r.service, service::FORWARD_CLOSE);
        let RequestBody::ForwardClose(fc) = r.body else {
            panic!("{:?}", r.body);
        };
        assert_eq!(fc.triad, f.triad);
        assert_eq!(fc.connection_path, f.connection_path);
        let a = whole(&rsp, command::SEND_RR_DATA);
        let reply = cip_reply(&a, &r);
        let ResponseBody::ForwardClose(fcr) = reply.body else {
            panic!("{:?}", reply.body);
        };
        assert_eq!(fcr.triad, f.triad);
    }

    #[test]
    fn io_connection_open_and_datagrams() {
        let mut s = registered(7);
        let req = s.io_forward_open_request(8, 16, 10_000);
        let rsp = s.io_forward_open_response();
        let q = whole(&req, command::SEND_RR_DATA);
        let r = cip_request(&q);
        let RequestBody::ForwardOpen(f) = r.body else {
            panic!("{:?}", r.body);
        };
        assert_eq!(f.transport.class(), 1);
        assert_eq!(f.transport.trigger(), 0);
        assert_eq!((f.o_t_parameters.size(), f.t_o_parameters.size()), (14, 18));
        assert_eq!((f.o_t_rpi, f.t_o_rpi), (10_000, 10_000));
        assert_eq!(f.connection_path.class(), Some(4));
        assert_eq!(f.connection_path.connection_point(), Some(150));
        let a = whole(&rsp, command::SEND_RR_DATA);
        let ResponseBody::ForwardOpen(fo) = cip_reply(&a, &r).body else {
            panic!()
        };
        let (o_t, t_o) = s.io_connection_ids();
        assert_eq!((fo.o_t_connection_id, fo.t_o_connection_id), (o_t, t_o));
        // The explicit connection is untouched.
        assert_eq!(s.explicit_connection_ids(), (0, 0));

        let mut out_conn = IoConnection::new(o_t);
        let mut in_conn = IoConnection::new(t_o);
        let mut buf = Vec::new();
        let output = [0xA5u8; 8];
        let input = [0x5Au8; 16];
        for i in 0..3u32 {
            out_conn.next_packet(&output, true, &mut buf);
            let io = io_datagram(&buf);
            assert_eq!((io.connection_id(), io.sequence_number()), (o_t, 1 + i));
            let d = io.split(true, true).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(d.sequence_count, Some(1 + i as u16));
            assert_eq!(d.is_run(), Some(true));
            assert_eq!(d.application, &output);
            assert_eq!(buf.len(), 24 + output.len());

            in_conn.next_packet(&input, false, &mut buf);
            let io = io_datagram(&buf);
            assert_eq!((io.connection_id(), io.sequence_number()), (t_o, 1 + i));
            let d = io.split(true, false).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(d.sequence_count, Some(1 + i as u16));
            assert_eq!(d.application, &input);
        }
        // The buffer is reused: no reallocation once it is big enough.
        let ptr = buf.as_ptr();
        for _ in 0..1000 {
            out_conn.next_packet(&output, true, &mut buf);
        }
        assert_eq!(buf.as_ptr(), ptr);
        out_conn.run = false;
        out_conn.next_packet(&output, true, &mut buf);
        let d = io_datagram(&buf)
            .split(true, true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.is_run(), Some(false));

        let req = s.io_forward_close_request();
        let rsp = s.io_forward_close_response();
        let q = whole(&req, command::SEND_RR_DATA);
        let r = cip_request(&q);
        let RequestBody::ForwardClose(fc) = r.body else {
            panic!()
        };
        assert_eq!(fc.triad, f.triad);
        let a = whole(&rsp, command::SEND_RR_DATA);
        let ResponseBody::ForwardClose(fcr) = cip_reply(&a, &r).body else {
            panic!()
        };
        assert_eq!(fcr.triad, f.triad);
    }

    #[test]
    fn same_seed_same_bytes_and_into_appends() {
        let run = |seed| {
            let mut s = registered(seed);
            let mut all = Vec::new();
            s.read_tag_request_into("A", 1, &mut all);
            s.read_tag_response_into(&[1], &mut all);
            s.forward_open_request_into(&mut all);
            s.forward_open_response_into(&mut all);
            s.connected_read_request_into("B", &mut all);
            s.connected_read_response_into(&[2], &mut all);
            (s.session_handle(), all)
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9).0, run(10).0);
        // Appended messages frame back to back.
        let (_, all) = run(9);
        let mut at = 0;
        let mut n = 0;
        while at < all.len() {
            let m = Message::new(&all[at..]).unwrap_or_else(|e| panic!("at {at}: {e}"));
            let len = m.header().packet_len();
            let one = &all[at..at + len];
            assert_eq!(
                Message::new(one).and_then(|m| m.check()),
                Ok(Default::default())
            );
            at += len;
            n += 1;
        }
        assert_eq!(n, 6);
    }

    // ---- tshark: Wireshark's dissectors agree ----

    /// A classic pcap (microsecond timestamps, Ethernet) built in memory.
    struct Pcap {
        bytes: Vec<u8>,
        usec: u64,
    }

    impl Pcap {
        fn new() -> Pcap {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
            bytes.extend_from_slice(&2u16.to_le_bytes());
            bytes.extend_from_slice(&4u16.to_le_bytes());
            bytes.extend_from_slice(&[0; 8]); // thiszone, sigfigs
            bytes.extend_from_slice(&65_535u32.to_le_bytes());
            bytes.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
            Pcap {
                bytes,
                usec: 1_700_000_000_000_000,
            }
        }

        fn record(&mut self, frame: &[u8]) {
            self.usec += 1_000;
            let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
            let secs = u32::try_from(self.usec / 1_000_000).unwrap_or(0);
            let usecs = u32::try_from(self.usec % 1_000_000).unwrap_or(0);
            for v in [secs, usecs, len, len] {
                self.bytes.extend_from_slice(&v.to_le_bytes());
            }
            self.bytes.extend_from_slice(frame);
        }
    }

    #[derive(Clone, Copy)]
    struct Host {
        mac: [u8; 6],
        ip: [u8; 4],
    }

    const HMI: Host = Host {
        mac: [0x02, 0, 0, 0, 0, 0x0A],
        ip: [10, 0, 0, 10],
    };
    const PLC: Host = Host {
        mac: [0x02, 0, 0, 0, 0, 0x14],
        ip: [10, 0, 0, 20],
    };

    /// One TCP connection from HMI:`port` to PLC:44818 with correct
    /// sequence and acknowledgement numbers.
    struct Tcp {
        port: u16,
        seq: [u32; 2],
    }

    #[derive(Clone, Copy)]
    enum Flags {
        Syn,
        SynAck,
        Ack,
        PshAck,
        FinAck,
    }

    impl Tcp {
        /// Sends from the HMI (`to_plc`) or the PLC; SYN and FIN count one.
        fn send(&mut self, pcap: &mut Pcap, to_plc: bool, flags: Flags, payload: &[u8]) {
            let (src, dst, sp, dp, me, peer) = if to_plc {
                (HMI, PLC, self.port, ENIP_PORT, 0, 1)
            } else {
                (PLC, HMI, ENIP_PORT, self.port, 1, 0)
            };
            let b = etherparse::PacketBuilder::ethernet2(src.mac, dst.mac)
                .ipv4(src.ip, dst.ip, 64)
                .tcp(sp, dp, self.seq[me], 64_240);
            let b = match flags {
                Flags::Syn => b.syn(),
                Flags::SynAck => b.syn().ack(self.seq[peer]),
                Flags::Ack => b.ack(self.seq[peer]),
                Flags::PshAck => b.psh().ack(self.seq[peer]),
                Flags::FinAck => b.fin().ack(self.seq[peer]),
            };
            let mut frame = Vec::new();
            b.write(&mut frame, payload)
                .unwrap_or_else(|e| panic!("{e}"));
            pcap.record(&frame);
            let extra = u32::from(matches!(flags, Flags::Syn | Flags::SynAck | Flags::FinAck));
            let n = u32::try_from(payload.len()).unwrap_or(0);
            self.seq[me] = self.seq[me].wrapping_add(n + extra);
        }

        fn exchange(&mut self, pcap: &mut Pcap, request: &[u8], reply: &[u8]) {
            self.send(pcap, true, Flags::PshAck, request);
            self.send(pcap, false, Flags::PshAck, reply);
        }
    }

    fn udp(pcap: &mut Pcap, src: Host, dst: Host, ports: (u16, u16), payload: &[u8]) {
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2(src.mac, dst.mac)
            .ipv4(src.ip, dst.ip, 64)
            .udp(ports.0, ports.1)
            .write(&mut frame, payload)
            .unwrap_or_else(|e| panic!("{e}"));
        pcap.record(&frame);
    }

    /// A capture of one session with every message this module builds,
    /// and the I/O connection ids (O->T, T->O).
    fn session_pcap() -> (Vec<u8>, (u32, u32)) {
        let mut pcap = Pcap::new();
        let mut s = EnipSession::new(42);
        let id = plc();

        // ListIdentity as a UDP datagram first, as discovery does.
        let q = s.list_identity_request();
        let a = s.list_identity_response(&id);
        udp(&mut pcap, HMI, PLC, (50_001, ENIP_PORT), &q);
        udp(&mut pcap, PLC, HMI, (ENIP_PORT, 50_001), &a);

        let mut t = Tcp {
            port: 50_000,
            seq: [0x1000_0000, 0x2000_0000],
        };
        t.send(&mut pcap, true, Flags::Syn, &[]);
        t.send(&mut pcap, false, Flags::SynAck, &[]);
        t.send(&mut pcap, true, Flags::Ack, &[]);
        let q = s.register_session_request();
        let a = s.register_session_response();
        t.exchange(&mut pcap, &q, &a);
        let q = s.list_identity_request();
        let a = s.list_identity_response(&id);
        t.exchange(&mut pcap, &q, &a);
        let q = s.get_attribute_all_request();
        let a = s.get_attribute_all_response(&id);
        t.exchange(&mut pcap, &q, &a);
        let q = s.read_tag_request("Program:Main.Levels[3]", 2);
        let a = s.read_tag_response(&[100, -200]);
        t.exchange(&mut pcap, &q, &a);
        let q = s.read_tag_request("Tank1", 1);
        let a = s.read_tag_response(&[42]);
        t.exchange(&mut pcap, &q, &a);
        let q = s.write_tag_request("Setpoint", &[1500]);
        let a = s.write_tag_response();
        t.exchange(&mut pcap, &q, &a);
        let q = s.write_tag_request("NoSuchTag", &[1]);
        let a = s.write_tag_error_response(STATUS_PATH_DESTINATION_UNKNOWN);
        t.exchange(&mut pcap, &q, &a);
        let q = s.forward_open_request();
        let a = s.forward_open_response();
        t.exchange(&mut pcap, &q, &a);
        for v in 0..2 {
            let q = s.connected_read_request("Motor.Speed");
            let a = s.connected_read_response(&[v]);
            t.exchange(&mut pcap, &q, &a);
        }
        // The class-1 connection, then its cyclic I/O both ways.
        let q = s.io_forward_open_request(8, 16, 10_000);
        let a = s.io_forward_open_response();
        t.exchange(&mut pcap, &q, &a);
        let (o_t, t_o) = s.io_connection_ids();
        let mut out_conn = IoConnection::new(o_t);
        let mut in_conn = IoConnection::new(t_o);
        let mut buf = Vec::new();
        for i in 0..4u8 {
            out_conn.next_packet(&[i; 8], true, &mut buf);
            udp(&mut pcap, HMI, PLC, (IO_PORT, IO_PORT), &buf);
            in_conn.next_packet(&[i; 16], false, &mut buf);
            udp(&mut pcap, PLC, HMI, (IO_PORT, IO_PORT), &buf);
        }
        let q = s.io_forward_close_request();
        let a = s.io_forward_close_response();
        t.exchange(&mut pcap, &q, &a);
        let q = s.forward_close_request();
        let a = s.forward_close_response();
        t.exchange(&mut pcap, &q, &a);
        let q = s.unregister_session();
        t.send(&mut pcap, true, Flags::PshAck, &q);
        t.send(&mut pcap, false, Flags::Ack, &[]);
        t.send(&mut pcap, true, Flags::FinAck, &[]);
        t.send(&mut pcap, false, Flags::FinAck, &[]);
        t.send(&mut pcap, true, Flags::Ack, &[]);
        (pcap.bytes, (o_t, t_o))
    }

    fn tshark(file: &std::path::Path, args: &[&str]) -> String {
        let out = std::process::Command::new("tshark")
            .arg("-r")
            .arg(file)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tshark (Wireshark 4) is needed for this test: {e}"));
        assert!(
            out.status.success(),
            "tshark {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn tshark_decodes_every_message_cleanly() {
        let path = std::env::temp_dir().join(format!(
            "otwatch-synth-enip-{}-{:?}.pcap",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
        ));
        let (pcap, (o_t, t_o)) = session_pcap();
        std::fs::write(&path, pcap).unwrap_or_else(|e| panic!("{e}"));
        let bad = tshark(
            &path,
            &[
                "-Y",
                "_ws.malformed || _ws.expert.severity >= error",
                "-T",
                "fields",
                "-e",
                "frame.number",
            ],
        );
        let fields = tshark(
            &path,
            &[
                "-T",
                "fields",
                "-E",
                "separator=;",
                "-e",
                "enip.command",
                "-e",
                "cip.sc",
                "-e",
                "cip.rr",
                "-e",
                "cip.genstat",
                "-e",
                "enip.cpf.sai.connid",
                "-e",
                "enip.fwd_open_in",
                "-e",
                "cipio.data",
            ],
        );
        std::fs::remove_file(&path).ok();
        assert!(bad.trim().is_empty(), "frames tshark flags: {bad}");

        let rows: Vec<Vec<&str>> = fields.lines().map(|l| l.split(';').collect()).collect();
        // Encapsulation command, CIP service (tshark masks the reply bit
        // and shows it as cip.rr), direction, general status; an
        // Unconnected_Send request shows both its own and the embedded
        // service.
        let explicit: Vec<String> = rows
            .iter()
            .filter(|r| !r[0].is_empty())
            .map(|r| r[..4].join(";"))
            .collect();
        let rr = |sc: &str, reply: bool| {
            if reply {
                format!("0x006f;{sc};0x01;0x00")
            } else {
                format!("0x006f;{sc};0x00;")
            }
        };
        let routed = |sc: &str| format!("0x006f;0x52,{sc};0x00,0x00,0x00;");
        let mut expected = vec![
            "0x0063;;;".to_string(), // UDP ListIdentity
            "0x0063;;;".to_string(),
            "0x0065;;;".to_string(),
            "0x0065;;;".to_string(),
            "0x0063;;;".to_string(),
            "0x0063;;;".to_string(),
            rr("0x01", false),
            rr("0x01", true),
            routed("0x4c"),
            rr("0x4c", true),
            routed("0x4c"),
            rr("0x4c", true),
            routed("0x4d"),
            rr("0x4d", true),
            routed("0x4d"),
            "0x006f;0x4d;0x01;0x05".to_string(),
            "0x006f;0x54;0x00,0x00;".to_string(),
            "0x006f;0x54;0x01,0x01;0x00".to_string(),
        ];
        for _ in 0..2 {
            expected.push("0x0070;0x4c;0x00;".to_string());
            expected.push("0x0070;0x4c;0x01;0x00".to_string());
        }
        expected.push("0x006f;0x54;0x00,0x00;".to_string());
        expected.push("0x006f;0x54;0x01,0x01;0x00".to_string());
        for _ in 0..2 {
            expected.push("0x006f;0x4e;0x00,0x00;".to_string());
            expected.push("0x006f;0x4e;0x01,0x01;0x00".to_string());
        }
        expected.push("0x0066;;;".to_string());
        assert_eq!(explicit, expected, "{fields}");

        // The connected messages and the I/O are tied to their Forward
        // Open (enip.fwd_open_in), and tshark strips the I/O headers the
        // Forward Open announced: only the application data is left.
        let forward_open_frames: Vec<String> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r[1] == "0x54" && r[2] == "0x00,0x00")
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        assert_eq!(forward_open_frames.len(), 2);
        for r in rows.iter().filter(|r| r[0] == "0x0070") {
            assert_eq!(r[5], forward_open_frames[0], "{r:?}");
        }
        let io: Vec<&Vec<&str>> = rows.iter().filter(|r| !r[4].is_empty()).collect();
        assert_eq!(io.len(), 8, "{fields}");
        for (i, r) in io.iter().enumerate() {
            let round = i / 2;
            let (id, data) = if i % 2 == 0 {
                (o_t, format!("{round:02x}").repeat(8))
            } else {
                (t_o, format!("{round:02x}").repeat(16))
            };
            assert_eq!(r[4], format!("0x{id:08x}"), "{r:?}");
            assert_eq!(r[5], forward_open_frames[1], "{r:?}");
            assert_eq!(r[6], data, "{r:?}");
        }
    }
}
