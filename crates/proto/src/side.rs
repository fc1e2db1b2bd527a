//! [`Side`]: side A or side B of a duplex CTI Server (the two peripheral gateway sides a client connects to,
//! by Cisco's "Side AB Selection" guidelines). One definition for the client and the simulator.

use serde::{Deserialize, Serialize};

/// Side A or side B of a duplex CTI Server.
///
/// JSON: `"A"` / `"B"` (`"a"` / `"b"` are accepted when reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// Side A (conventionally port 42027).
    #[serde(rename = "A", alias = "a")]
    A,
    /// Side B (conventionally port 43027).
    #[serde(rename = "B", alias = "b")]
    B,
}

impl Side {
    /// The other side.
    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    /// `"A"` or `"B"`.
    pub fn name(self) -> &'static str {
        match self {
            Side::A => "A",
            Side::B => "B",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Side;

    #[test]
    fn other_and_name() {
        assert_eq!(Side::A.other(), Side::B);
        assert_eq!(Side::B.other(), Side::A);
        assert_eq!((Side::A.name(), Side::B.name()), ("A", "B"));
    }

    #[test]
    fn json_form() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&Side::A)?, "\"A\"");
        assert_eq!(serde_json::to_string(&Side::B)?, "\"B\"");
        for (text, side) in [
            ("\"A\"", Side::A),
            ("\"a\"", Side::A),
            ("\"B\"", Side::B),
            ("\"b\"", Side::B),
        ] {
            assert_eq!(serde_json::from_str::<Side>(text)?, side);
        }
        assert!(serde_json::from_str::<Side>("\"C\"").is_err());
        Ok(())
    }
}
