//! Pure parsers for the OT protocols otwatch dissects: no I/O, no state, no
//! unsafe code. Each protocol gets a module (`modbus`, `enip`, `opcua`, `s7`
//! for ISO-on-TCP, COTP, S7comm and S7comm-plus, `dcerpc` for PROFINET IO
//! context management's connectionless DCE/RPC, `profinet` for its layer-2
//! frames and DCP, not yet read by an analyzer) with
//! one `parse_x(&[u8]) -> IResult<&[u8], X<'_>, Error>` per message; this
//! crate root holds what they share: the error type that carries context.
#![forbid(unsafe_code)]
// No panics by construction: parsers read attacker-controlled bytes, so
// they may not unwrap, index or slice unchecked, or overflow (tests may).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod dcerpc;
pub mod enip;
mod error;
mod flags;
pub mod modbus;
pub mod opcua;
pub mod profinet;
pub mod s7;

pub use error::{Error, ErrorKind, Layer};

/// The result type of every parser in this crate.
pub type IResult<'a, O> = nom::IResult<&'a [u8], O, Error>;
