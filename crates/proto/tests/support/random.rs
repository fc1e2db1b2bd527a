//! A small deterministic random source for the property tests, and the value builders the generated
//! `test_support.rs` calls. Values respect the protocol version: no field that the version cannot carry.

#![allow(dead_code, clippy::cast_possible_truncation)]

use bytes::Bytes;
use cti_proto::{CtiString, NamedArray, NamedVariable, RawBytes, RawField, Secret, SecretString};

/// Random values for one message at one protocol version.
pub struct Gen {
    state: u64,
    /// Protocol version the values must fit.
    pub version: u32,
    /// Printable ASCII only (for JSON tests) instead of any non-NUL byte.
    pub ascii: bool,
    /// Credentials left empty (their JSON form is redacted).
    pub no_secrets: bool,
}

impl Gen {
    pub fn new(seed: u64, version: u32) -> Self {
        Gen {
            state: seed ^ 0x9E37_79B9_7F4A_7C15,
            version,
            ascii: false,
            no_secrets: false,
        }
    }

    pub fn for_json(seed: u64, version: u32) -> Self {
        Gen {
            ascii: true,
            no_secrets: true,
            ..Gen::new(seed, version)
        }
    }

    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    pub fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    pub fn u32(&mut self) -> u32 {
        self.next() as u32
    }
    pub fn i32(&mut self) -> i32 {
        self.next() as i32
    }
    pub fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// A length in `0..=max`.
    pub fn len(&mut self, max: usize) -> usize {
        (self.next() % (max as u64 + 1)) as usize
    }

    /// Mostly a named value, sometimes `None` (then the caller uses a raw number).
    pub fn known<T: Copy>(&mut self, all: &[(&'static str, T)]) -> Option<T> {
        if all.is_empty() || self.next() % 4 == 0 {
            return None;
        }
        all.get(self.len(all.len() - 1)).map(|(_, v)| *v)
    }

    /// Tags above 255 exist only from version 20.
    pub fn allows_tag(&self, tag: u16) -> bool {
        self.version >= 20 || tag <= 255
    }

    fn text(&mut self, max_len: usize) -> Vec<u8> {
        let n = self.len(max_len.min(48));
        (0..n)
            .map(|_| {
                if self.ascii {
                    0x20 + (self.next() % 95) as u8
                } else {
                    1 + (self.next() % 255) as u8
                }
            })
            .collect()
    }

    /// A STRING value fitting `max` (which includes the NUL).
    pub fn string(&mut self, max: usize) -> CtiString {
        let t = self.text(max.saturating_sub(1));
        CtiString::from_bytes(t)
    }

    pub fn unspec(&mut self, max: usize) -> RawBytes {
        let n = self.len(max.min(48));
        RawBytes(Bytes::from((0..n).map(|_| self.u8()).collect::<Vec<u8>>()))
    }

    pub fn secret(&mut self, max: usize) -> Secret {
        if self.no_secrets {
            return Secret::default();
        }
        Secret::new(self.unspec(max).0)
    }

    pub fn secret_string(&mut self, max: usize) -> SecretString {
        if self.no_secrets {
            return SecretString::default();
        }
        let s = self.string(max);
        SecretString::new(s)
    }

    pub fn named_var(&mut self) -> NamedVariable {
        let name = self.string(33);
        let value = self.string(211);
        NamedVariable::new(name, value)
    }

    pub fn named_array(&mut self) -> NamedArray {
        let index = self.u8();
        let name = self.string(33);
        let value = self.string(211);
        NamedArray::new(index, name, value)
    }

    /// Sometimes one field with a tag no message defines (111..=120 are reserved), kept as unknown.
    pub fn unknown_fields(&mut self) -> Vec<RawField> {
        if self.next() % 4 != 0 {
            return Vec::new();
        }
        let tag = 111 + (self.next() % 10) as u16;
        vec![RawField {
            tag,
            data: self.unspec(16),
        }]
    }
}
