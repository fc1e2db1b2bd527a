//! NAMEDVAR (tag 82) and NAMEDARRAY (tag 83): ECC variables (§2).
//!
//! NAMEDVAR data = VariableName (STRING ≤ 33 incl. NUL) + VariableValue (STRING ≤ 211 incl. NUL), back to back.
//! NAMEDARRAY data = VariableIndex (UCHAR) + the same two strings.

use bytes::{BufMut, BytesMut};
use serde::{Deserialize, Serialize};

use crate::string::CtiString;

/// Maximum VariableName length including the NUL.
pub const MAX_VARIABLE_NAME: usize = 33;
/// Maximum VariableValue length including the NUL.
pub const MAX_VARIABLE_VALUE: usize = 211;

/// An ECC scalar variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedVariable {
    /// VariableName (e.g. `user.customer.id`).
    pub name: CtiString,
    /// VariableValue.
    pub value: CtiString,
}

/// One element of an ECC array variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedArray {
    /// VariableIndex.
    pub index: u8,
    /// VariableName.
    pub name: CtiString,
    /// VariableValue.
    pub value: CtiString,
}

impl NamedVariable {
    /// A variable from name and value.
    pub fn new(name: impl Into<CtiString>, value: impl Into<CtiString>) -> Self {
        NamedVariable {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl NamedArray {
    /// An array element from index, name and value.
    pub fn new(index: u8, name: impl Into<CtiString>, value: impl Into<CtiString>) -> Self {
        NamedArray {
            index,
            name: name.into(),
            value: value.into(),
        }
    }
}

pub(crate) fn put_name_value(name: &CtiString, value: &CtiString, buf: &mut BytesMut) {
    buf.put_slice(name.as_bytes());
    buf.put_u8(0);
    buf.put_slice(value.as_bytes());
    buf.put_u8(0);
}
