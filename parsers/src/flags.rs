//! The set operations every spec-violation type shares. Each protocol keeps
//! its own `Violations(u32)` type (so Modbus and EtherNet/IP flags cannot
//! be mixed) with its own flag constants and name table; this macro gives
//! them one implementation of the rest.

/// Implements the set operations, `names` (from `$names`, one weird name
/// per bit, in bit order), `BitOr`, `BitOrAssign` and `Debug` (the names)
/// for a `struct $ty(u32)` flag set.
macro_rules! violation_set {
    ($ty:ident, $names:path) => {
        impl $ty {
            /// The raw bits.
            pub const fn bits(self) -> u32 {
                self.0
            }

            /// True when no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// True when every flag of `other` is set here.
            pub const fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }

            /// Sets the flags of `other`.
            pub fn insert(&mut self, other: $ty) {
                self.0 |= other.0;
            }

            /// Sets the flags of `other` when `cond` holds.
            pub fn set_if(&mut self, cond: bool, other: $ty) {
                if cond {
                    self.insert(other);
                }
            }

            /// How many flags are set.
            pub const fn len(self) -> usize {
                self.0.count_ones() as usize
            }

            /// The weird names of the flags that are set, in bit order.
            pub fn names(&self) -> impl Iterator<Item = &'static str> {
                let bits = self.0;
                $names
                    .iter()
                    .enumerate()
                    .filter(move |(i, _)| {
                        u32::try_from(*i)
                            .ok()
                            .and_then(|i| 1u32.checked_shl(i))
                            .is_some_and(|b| bits & b != 0)
                    })
                    .map(|(_, n)| *n)
            }
        }

        impl std::ops::BitOr for $ty {
            type Output = $ty;
            fn bitor(self, rhs: $ty) -> $ty {
                $ty(self.0 | rhs.0)
            }
        }

        impl std::ops::BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: $ty) {
                self.0 |= rhs.0;
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_set().entries(self.names()).finish()
            }
        }
    };
}

pub(crate) use violation_set;
