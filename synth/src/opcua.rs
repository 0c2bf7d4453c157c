//! OPC UA Binary messages (UACP and secure conversation with SecurityPolicy None).
