//! The Wireshark dissector for GED-188, generated from the same tables as this codec.
//!
//! [`WIRESHARK_LUA`] is a Lua plugin for Wireshark/tshark that names every message type and every fixed and
//! floating field as the JSON form does (`ged188.connection_call_id`, `ged188.call_variable_1`, ...), shows
//! enumerations with their Cisco names, reads 1- or 2-byte floating tags by its "protocol version" preference
//! (`ged188.version`, default 24), reassembles messages across TCP segments, registers on TCP 42027 and 43027
//! (more with `ged188.ports`) and flags malformed messages as expert info. The repository keeps a copy in
//! `dissector/ged188.lua` (`cti dissector --out dissector/ged188.lua` rewrites it).
//!
//! ```
//! let lua = cti_proto::dissector::WIRESHARK_LUA;
//! assert!(lua.contains("ged188.prefs.version = Pref.uint(\"Protocol version\", 24"));
//! assert!(lua.contains("\"connection_call_id\""));
//! ```

/// The text of `ged188.lua`.
pub const WIRESHARK_LUA: &str = include_str!(concat!(env!("OUT_DIR"), "/ged188.lua"));
