//! Batches of decoded packets travelling from the capture thread to a worker.

use crate::decode::Decoded;
use crate::flow::{FlowKey, Side};
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
    /// The connection's key and the sender's side of it, as the shard was
    /// picked by (made once, here).
    pub key: FlowKey,
    pub side: Side,
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
    /// The same buffers, empty, with room for as much as `like` holds
    /// (growing them packet by packet cost ~1 % of a run in reallocation
    /// copies). A buffer far larger than that is cut back: one burst (a
    /// bulk transfer on one shard, a tick of 64 KiB frames) would otherwise
    /// keep every pooled batch at its peak size for the rest of the run.
    /// `Batch::default().emptied_like(..)` is a fresh batch sized so.
    pub fn emptied_like(mut self, like: &Batch) -> Batch {
        fn fit<T>(v: &mut Vec<T>, need: usize) {
            v.clear();
            if v.capacity()
                > need
                    .saturating_mul(2)
                    .max(KEEP / std::mem::size_of::<T>().max(1))
            {
                v.shrink_to(need);
            }
            v.reserve(need);
        }
        /// Bytes of a buffer kept whatever the tick (small enough not to
        /// matter, large enough not to reallocate every tick).
        const KEEP: usize = 256 * 1024;
        fit(&mut self.packets, like.packets.len());
        fit(&mut self.data, like.data.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_batch_is_empty_and_cut_back_after_a_burst() {
        let mut burst = Batch::default();
        burst.data.extend(std::iter::repeat_n(0u8, 4 << 20));
        burst.tick = 9;
        let small = Batch {
            data: vec![0; 1000],
            ..Batch::default()
        };
        let b = burst.emptied_like(&small);
        assert!(b.data.is_empty() && b.packets.is_empty() && b.tick == 0);
        assert!(b.data.capacity() < 1 << 20, "{}", b.data.capacity());
        // A buffer near the tick's size is kept as it is.
        let mut usual = Batch::default();
        usual.data.reserve(2000);
        let cap = usual.data.capacity();
        assert_eq!(usual.emptied_like(&small).data.capacity(), cap);
        // A fresh batch, or a reused one too small, gets room for the tick.
        assert!(Batch::default().emptied_like(&small).data.capacity() >= 1000);
        let mut tiny = Batch::default();
        tiny.data.reserve(10);
        assert!(tiny.emptied_like(&small).data.capacity() >= 1000);
    }
}
