//! Connection-tracking settings: timeouts and caps.

use crate::time::Micros;

/// Timeouts follow Zeek's defaults (base/init-bare.zeek) so conn.log splits
/// connections where Zeek does.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowConfig {
    /// Live connections kept at most (across all workers); at the cap the
    /// connection closest to its idle timeout is evicted and logged.
    pub max_flows: usize,
    /// Out-of-order bytes buffered per connection direction.
    pub reassembly_cap: usize,
    pub tcp_inactivity: Micros,
    pub udp_inactivity: Micros,
    pub icmp_inactivity: Micros,
    pub other_inactivity: Micros,
    /// How long a connection stays after both sides closed (FIN).
    pub tcp_close_delay: Micros,
    /// How long a connection stays after a RST.
    pub tcp_reset_delay: Micros,
    /// How long an unanswered SYN waits before the attempt is logged.
    pub tcp_attempt_delay: Micros,
    /// How long a half-closed connection waits for the other FIN.
    pub tcp_partial_close_delay: Micros,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            max_flows: 1_000_000,
            reassembly_cap: 1 << 20,
            tcp_inactivity: Micros::from_secs(300),
            udp_inactivity: Micros::from_secs(60),
            icmp_inactivity: Micros::from_secs(60),
            other_inactivity: Micros::from_secs(60),
            tcp_close_delay: Micros::from_secs(5),
            tcp_reset_delay: Micros::from_secs(5),
            tcp_attempt_delay: Micros::from_secs(5),
            tcp_partial_close_delay: Micros::from_secs(3),
        }
    }
}
