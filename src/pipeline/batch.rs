//! Batches of decoded packets travelling from the capture thread to a worker.

use crate::decode::Decoded;
use crate::time::Ts;

/// One packet inside a batch. `decoded.payload_off` indexes the batch's
/// `data` buffer (only the L4 payload is copied, not the whole frame).
#[derive(Clone, Copy, Debug)]
pub struct BatchPacket {
    pub seq: u64,
    pub ts: Ts,
    /// The run's clock when this packet was read (latest time seen so far).
    pub now: Ts,
    /// The virtual shard of the packet's connection.
    pub shard: u16,
    pub decoded: Decoded,
}

/// The packets of one tick for one worker, with the tick's clock.
#[derive(Debug, Default)]
pub struct Batch {
    /// Tick number; every worker receives every tick, possibly empty.
    pub tick: u64,
    /// Number of the last packet read before the tick ended.
    pub last_seq: u64,
    /// Packet clock at the end of the tick (the latest timestamp seen).
    pub now: Ts,
    pub packets: Vec<BatchPacket>,
    pub data: Vec<u8>,
}

impl Batch {
    /// An empty batch with room for as much as `like` holds.
    pub fn with_capacity(like: &Batch) -> Batch {
        Batch {
            packets: Vec::with_capacity(like.packets.len()),
            data: Vec::with_capacity(like.data.len()),
            ..Batch::default()
        }
    }

    /// The same buffers, empty, for another tick.
    pub fn emptied(mut self) -> Batch {
        self.packets.clear();
        self.data.clear();
        Batch {
            packets: self.packets,
            data: self.data,
            ..Batch::default()
        }
    }

    pub fn push(&mut self, p: BatchPacket, payload: &[u8]) {
        let mut p = p;
        p.decoded.payload_off = self.data.len() as u32;
        p.decoded.payload_len = payload.len() as u32;
        self.data.extend_from_slice(payload);
        self.packets.push(p);
    }

    pub fn payload(&self, p: &BatchPacket) -> &[u8] {
        p.decoded.payload(&self.data)
    }
}
