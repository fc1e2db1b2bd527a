//! Protocol versions and what depends on them: the floating-field header width (K2) and the maximum message size
//! (K14).
//!
//! Maximum message size, decided from §1 and K14 of the facts: the v9–v17 guides and two implementations give
//! 4329 bytes (header included); the v24 guide gives 12500. Version 20 widened the floating tag and length to two
//! bytes each, which is when fields (and so messages) could grow past the old limits, so this library **writes**
//! at most 4329 bytes below version 20 and at most 12500 from version 20 on. It **reads** up to 12500 bytes at any
//! version (lenient reader), and never more: a larger announced length is refused before anything is allocated.

/// Oldest protocol version this library supports (UCCE 7.x).
pub const MIN_VERSION: u32 = 13;
/// Newest protocol version this library supports (UCCE 15.0).
pub const MAX_VERSION: u32 = 25;
/// The version used when none is given (UCCE 12.6).
pub const DEFAULT_VERSION: u32 = 24;
/// First version with 2-byte floating tags and lengths.
pub const WIDE_FLOATING_FROM: u32 = 20;
/// Maximum message size, header included, written below version 20.
pub const MAX_MESSAGE_SIZE_V19: usize = 4329;
/// Maximum message size, header included, from version 20 (and the most this library ever reads).
pub const MAX_MESSAGE_SIZE: usize = 12500;

/// True for the versions this library supports (13–25).
pub const fn is_supported(version: u32) -> bool {
    version >= MIN_VERSION && version <= MAX_VERSION
}

/// The largest message (header included) this library writes at `version`.
pub const fn max_message_size(version: u32) -> usize {
    if version < WIDE_FLOATING_FROM {
        MAX_MESSAGE_SIZE_V19
    } else {
        MAX_MESSAGE_SIZE
    }
}

/// The encoding of a floating field's tag and length (§2.1, K2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloatWidth {
    /// Versions below 20: UCHAR tag, UCHAR length.
    Narrow,
    /// Version 20 and later: USHORT tag, USHORT length.
    Wide,
}

impl FloatWidth {
    /// The width used by `version`.
    pub const fn for_version(version: u32) -> Self {
        if version < WIDE_FLOATING_FROM {
            FloatWidth::Narrow
        } else {
            FloatWidth::Wide
        }
    }

    /// Bytes of tag + length.
    pub const fn header_len(self) -> usize {
        match self {
            FloatWidth::Narrow => 2,
            FloatWidth::Wide => 4,
        }
    }

    /// The header at the start of `part`: tag, data length and header length (`None` when it is cut short).
    #[inline]
    pub(crate) fn read_header(self, part: &[u8]) -> Option<(u16, usize, usize)> {
        match (self, part) {
            (FloatWidth::Narrow, [t, l, ..]) => Some((u16::from(*t), usize::from(*l), 2)),
            (FloatWidth::Wide, [t0, t1, l0, l1, ..]) => Some((
                u16::from_be_bytes([*t0, *t1]),
                usize::from(u16::from_be_bytes([*l0, *l1])),
                4,
            )),
            _ => None,
        }
    }

    /// Largest tag number (and largest data length) the width can carry.
    pub const fn max_value(self) -> usize {
        match self {
            FloatWidth::Narrow => 0xFF,
            FloatWidth::Wide => 0xFFFF,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_size_by_version() {
        assert_eq!(FloatWidth::for_version(13), FloatWidth::Narrow);
        assert_eq!(FloatWidth::for_version(19), FloatWidth::Narrow);
        assert_eq!(FloatWidth::for_version(20), FloatWidth::Wide);
        assert_eq!(FloatWidth::for_version(25), FloatWidth::Wide);
        assert_eq!(max_message_size(19), 4329);
        assert_eq!(max_message_size(20), 12500);
        assert!(is_supported(13) && is_supported(25) && !is_supported(12) && !is_supported(26));
    }
}
