//! Synthetic OT traffic for sizing and benchmarking: a seeded, realistic
//! plant (PLCs, HMIs, engineering stations, I/O adapters, an OPC UA server
//! and its clients, IT hosts) written as a classic pcap file. Every
//! message is built by the protocol modules below; `plant` schedules them
//! on correct TCP connections and UDP flows.

pub mod enip;
pub mod opcua;
