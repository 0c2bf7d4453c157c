//! The value of every setting no flag and no file gives. The command
//! line's help shows these, and a test holds them equal to the defaults of
//! the pipeline's own configuration types.

/// Log directory.
pub const OUT: &str = "otwatch-logs";
pub const LOG_FORMAT: &str = "json";

pub const MAX_FLOWS: u64 = 1_000_000;
pub const TCP_TIMEOUT_SECS: u32 = 300;
pub const UDP_TIMEOUT_SECS: u32 = 60;
pub const ICMP_TIMEOUT_SECS: u32 = 60;
pub const REASSEMBLY_CAP: u64 = 1 << 20;
pub const CIP_IO_INTERVAL_SECS: u32 = 60;

pub const ALERT_WINDOW_SECS: u64 = 60;
pub const INTERVAL_FACTOR: f64 = 4.0;
pub const MIN_INTERVAL_SAMPLES: u64 = 10;
pub const SILENCE_FACTOR: f64 = 10.0;
pub const MIN_SILENCE_SECS: u64 = 60;

/// `live` rewrites known_devices.log this often (`analyze` only at the end
/// unless asked).
pub const LIVE_INVENTORY_INTERVAL: &str = "1h";
pub const STATS_INTERVAL: &str = "60s";
/// Logs reach the disk at least this often (alerts and notices at once).
pub const FLUSH_INTERVAL: &str = "1s";
/// Percent of packets lost that raises a notice.
pub const LOSS_THRESHOLD: f64 = 1.0;
pub const SNAPLEN: u32 = 65535;
/// The largest snapshot length libpcap takes.
pub const MAX_SNAPLEN: u32 = 262_144;
pub const BUFFER_MIB: u32 = 32;
pub const MAX_BUFFER_MIB: u32 = 2048;

pub const SPOOL_MIB: u64 = 256;
/// CloudWatch refuses events older than 14 days, and an event's CloudWatch
/// time is when it was spooled: older segments could only be refused.
pub const SPOOL_MAX_AGE: &str = "14d";
pub const CLOUDWATCH_DRAIN_SECS: u64 = 30;
