//! OPC UA Binary events.

use crate::time::Ts;
use std::net::IpAddr;

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
