//! The shared behaviour of the generated symbolic types (see `constants`): every enumeration is a newtype over its
//! wire integer, so unknown numbers survive a round trip; known values carry Cisco's name for display and JSON.

/// Parses a JSON/CLI number given as text: decimal or `0x` hex.
pub(crate) fn parse_number(s: &str) -> Option<u64> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => t.replace('_', "").parse().ok(),
    }
}

/// Debug/Display/From/FixedWire/serde for an enumeration newtype (`name()` / `from_name()` are generated).
/// JSON: the Cisco name when known, the bare number otherwise; reading accepts either (and numeric text).
macro_rules! impl_enum {
    ($t:ident, $repr:ty) => {
        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({})", stringify!($t), self.0),
                }
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = $crate::constants::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_name(s.trim())
                    .or_else(|| {
                        $crate::symbolic::parse_number(s)
                            .and_then(|n| <$repr>::try_from(n).ok())
                            .map(Self)
                    })
                    .ok_or_else(|| $crate::constants::UnknownName {
                        type_name: stringify!($t),
                        text: s.to_owned(),
                    })
            }
        }
        $crate::symbolic::impl_common!($t, $repr);
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_u64(u64::from(self.0)),
                }
            }
        }
    };
}

/// Debug/From/FixedWire/bit operations/serde for a bit-mask newtype. JSON: the number; reading also accepts
/// names joined by `|` (e.g. `"BEGIN_CALL_MASK|END_CALL_MASK"`).
macro_rules! impl_mask {
    ($t:ident, $repr:ty) => {
        impl $t {
            /// The raw bits.
            pub const fn bits(self) -> $repr {
                self.0
            }
            /// True when every bit of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
            /// True when any bit of `other` is set.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }
            /// True when no bit is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
            /// The bits that have no name in the tables (e.g. for E_CTI_INVALID_SERVICE_MASK checks).
            pub const fn unknown_bits(self) -> $repr {
                self.0 & !Self::KNOWN.0
            }
            /// The names of the set bits, in table order.
            pub fn names(self) -> Vec<&'static str> {
                Self::ALL
                    .iter()
                    .filter(|(_, v)| v.0 != 0 && self.contains(*v))
                    .map(|(n, _)| *n)
                    .collect()
            }
        }
        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut parts: Vec<String> = self.names().into_iter().map(str::to_owned).collect();
                if self.unknown_bits() != 0 {
                    parts.push(format!("{:#x}", self.unknown_bits()));
                }
                if parts.is_empty() {
                    return f.write_str("0");
                }
                f.write_str(&parts.join(" | "))
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = $crate::constants::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut bits: $repr = 0;
                for part in s.split(['|', ',', '+']) {
                    let p = part.trim();
                    let v = Self::from_name(p)
                        .map(|v| v.0)
                        .or_else(|| {
                            $crate::symbolic::parse_number(p)
                                .and_then(|n| <$repr>::try_from(n).ok())
                        })
                        .ok_or_else(|| $crate::constants::UnknownName {
                            type_name: stringify!($t),
                            text: p.to_owned(),
                        })?;
                    bits |= v;
                }
                Ok(Self(bits))
            }
        }
        impl ::std::ops::BitOr for $t {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                Self(self.0 | rhs.0)
            }
        }
        impl ::std::ops::BitOrAssign for $t {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }
        impl ::std::ops::BitAnd for $t {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }
        impl ::std::ops::Not for $t {
            type Output = Self;
            fn not(self) -> Self {
                Self(!self.0)
            }
        }
        $crate::symbolic::impl_common!($t, $repr);
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u64(u64::from(self.0))
            }
        }
    };
}

/// What enumerations and masks share: conversions, the wire form, and reading JSON (number or text).
macro_rules! impl_common {
    ($t:ident, $repr:ty) => {
        impl From<$repr> for $t {
            fn from(v: $repr) -> Self {
                Self(v)
            }
        }
        impl From<$t> for $repr {
            fn from(v: $t) -> Self {
                v.0
            }
        }
        impl $crate::wire::FixedWire for $t {
            const SIZE: usize = <$repr as $crate::wire::FixedWire>::SIZE;
            fn from_be_slice(data: &[u8]) -> Option<Self> {
                <$repr as $crate::wire::FixedWire>::from_be_slice(data).map(Self)
            }
            fn put(self, buf: &mut ::bytes::BytesMut) {
                $crate::wire::FixedWire::put(self.0, buf);
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a {} name or number", stringify!($t))
                    }
                    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<$t, E> {
                        <$repr>::try_from(v)
                            .map($t)
                            .map_err(|_| E::custom(format!("{v} does not fit {}", stringify!($t))))
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<$t, E> {
                        <$repr>::try_from(v)
                            .map($t)
                            .map_err(|_| E::custom(format!("{v} does not fit {}", stringify!($t))))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse::<$t>().map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

pub(crate) use {impl_common, impl_enum, impl_mask};

#[cfg(test)]
mod tests {
    use crate::constants::{AgentState, CallMsgMask, MessageType, StatusCode};

    #[test]
    fn names_numbers_and_unknown_values() {
        assert_eq!(AgentState::AGENT_STATE_AVAILABLE.0, 3);
        assert_eq!(AgentState(3).name(), Some("AGENT_STATE_AVAILABLE"));
        assert_eq!(
            AgentState::from_name("AGENT_STATE_TALKING"),
            Some(AgentState(4))
        );
        assert_eq!(AgentState(999).name(), None);
        assert_eq!(format!("{:?}", AgentState(999)), "AgentState(999)");
        assert_eq!(
            "AGENT_STATE_LOGOUT".parse::<AgentState>().ok(),
            Some(AgentState(1))
        );
        assert_eq!("0x10".parse::<StatusCode>().ok(), Some(StatusCode(16)));
        assert_eq!(MessageType::OPEN_REQ.0, 3);
        assert_eq!(MessageType(23).to_string(), "BEGIN_CALL_EVENT");
    }

    #[test]
    fn json_uses_names_when_known() {
        assert_eq!(
            serde_json::to_string(&AgentState(3)).ok().as_deref(),
            Some("\"AGENT_STATE_AVAILABLE\"")
        );
        assert_eq!(
            serde_json::to_string(&AgentState(999)).ok().as_deref(),
            Some("999")
        );
        assert_eq!(
            serde_json::from_str::<AgentState>("\"AGENT_STATE_READY_X\"").ok(),
            None
        );
        assert_eq!(
            serde_json::from_str::<AgentState>("4").ok(),
            Some(AgentState(4))
        );
        assert_eq!(serde_json::from_str::<AgentState>("70000").ok(), None);
    }

    #[test]
    fn masks_combine_and_parse() {
        let m = CallMsgMask::BEGIN_CALL_MASK | CallMsgMask::END_CALL_MASK;
        assert_eq!(m.0, 0x6000);
        assert_eq!(m.names(), vec!["BEGIN_CALL_MASK", "END_CALL_MASK"]);
        assert_eq!(
            "BEGIN_CALL_MASK|END_CALL_MASK".parse::<CallMsgMask>().ok(),
            Some(m)
        );
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some("24576"));
        assert_eq!(format!("{m:?}"), "BEGIN_CALL_MASK | END_CALL_MASK");
    }
}
