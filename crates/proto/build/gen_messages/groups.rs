//! Each message's kind (`KIND`) and the accessors of its field groups (`group` lines: call variables, ECC,
//! connection triples), and the same on the `Message` enum (`kind()`, `call_variables()`, `connection()`, ...).
//! Accessors only read or write the fields; decode and encode do not use them.

use std::fmt::Write;

use super::dispatch;
use crate::model::*;

/// `impl <Message> { KIND, group accessors }`.
pub(super) fn message_groups(s: &mut String, m: &MessageDef) {
    let _ = writeln!(s, "impl {} {{", m.rust);
    let _ = writeln!(
        s,
        "    /// What `{}` is in the exchange (see [`MessageKind`]).",
        m.cisco
    );
    let _ = writeln!(s, "    pub const KIND: MessageKind = {};", m.kind.rust());
    for g in &m.groups {
        match g {
            Group::CallVariables => call_variables(s),
            Group::Ecc => ecc(s),
            Group::Connection(prefix) => connection(s, prefix),
        }
    }
    let _ = writeln!(s, "}}\n");
}

fn call_variables(s: &mut String) {
    let refs: Vec<String> = (1..=10)
        .map(|n| format!("self.call_variable_{n}.as_ref()"))
        .collect();
    let _ = writeln!(
        s,
        "\n    /// CallVariable1 … CallVariable10 in order (index 0 is CallVariable1); `None` where unset."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn call_variables(&self) -> [Option<&CtiString>; 10] {{\n        [{}]\n    }}",
        refs.join(", ")
    );
    let vars: Vec<String> = (1..=10).map(|n| format!("v{n}")).collect();
    let _ = writeln!(
        s,
        "\n    /// Sets CallVariable1 … CallVariable10 from `vars` (index 0 is CallVariable1; `None` leaves the field out)."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn set_call_variables(&mut self, vars: [Option<CtiString>; 10]) {{\n        let [{}] = vars;",
        vars.join(", ")
    );
    for n in 1..=10 {
        let _ = writeln!(s, "        self.call_variable_{n} = v{n};");
    }
    let _ = writeln!(s, "    }}");
    let _ = writeln!(
        s,
        "\n    /// CallVariable`n` (`n` from 1 to 10); `None` when unset or when `n` is out of range."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn call_variable(&self, n: usize) -> Option<&CtiString> {{\n        match n {{"
    );
    for n in 1..=10 {
        let _ = writeln!(s, "            {n} => self.call_variable_{n}.as_ref(),");
    }
    let _ = writeln!(s, "            _ => None,\n        }}\n    }}");
    let _ = writeln!(
        s,
        "\n    /// Sets CallVariable`n` (`n` from 1 to 10). False, and nothing changed, when `n` is out of range."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn set_call_variable(&mut self, n: usize, value: Option<CtiString>) -> bool {{\n        let slot = match n {{"
    );
    for n in 1..=10 {
        let _ = writeln!(s, "            {n} => &mut self.call_variable_{n},");
    }
    let _ = writeln!(
        s,
        "            _ => return false,\n        }};\n        *slot = value;\n        true\n    }}"
    );
}

fn ecc(s: &mut String) {
    let _ = writeln!(
        s,
        "\n    /// The ECC set: the NamedVariable and NamedArray fields."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn ecc(&self) -> EccRef<'_> {{\n        EccRef {{ named_variables: &self.named_variables, named_arrays: &self.named_arrays }}\n    }}"
    );
    let _ = writeln!(
        s,
        "\n    /// Replaces the ECC set (the NamedVariable and NamedArray fields)."
    );
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn set_ecc(&mut self, named_variables: Vec<NamedVariable>, named_arrays: Vec<NamedArray>) {{\n        self.named_variables = named_variables;\n        self.named_arrays = named_arrays;\n    }}"
    );
}

/// The reference's name of a connection prefix (`held_` → `Held`).
fn cisco_prefix(prefix: &str) -> String {
    let mut c = prefix.trim_end_matches('_').chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn connection(s: &mut String, prefix: &str) {
    let cp = cisco_prefix(prefix);
    let names =
        format!("{cp}ConnectionCallID, {cp}ConnectionDeviceIDType and {cp}ConnectionDeviceID");
    let _ = writeln!(s, "\n    /// The call connection named by {names}.");
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn {prefix}connection(&self) -> ConnectionRef<'_> {{\n        ConnectionRef {{ call_id: self.{prefix}connection_call_id, device_id_type: self.{prefix}connection_device_id_type, device_id: self.{prefix}connection_device_id.as_ref() }}\n    }}"
    );
    let _ = writeln!(s, "\n    /// Sets {names}.");
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn set_{prefix}connection(&mut self, connection: Connection) {{\n        self.{prefix}connection_call_id = connection.call_id;\n        self.{prefix}connection_device_id_type = connection.device_id_type;\n        self.{prefix}connection_device_id = connection.device_id;\n    }}"
    );
}

/// `impl Message { kind(), <group>() for every group }`.
pub(super) fn message_enum_groups(s: &mut String, ms: &Messages) {
    let _ = writeln!(s, "impl Message {{");
    let _ = writeln!(
        s,
        "    /// What this message is in the exchange: a request, a reply or an event ([`MessageKind::Unknown`] for"
    );
    let _ = writeln!(s, "    /// [`Message::Unknown`]).");
    let _ = writeln!(
        s,
        "    #[inline]\n    pub fn kind(&self) -> MessageKind {{\n        match self {{"
    );
    for m in &ms.messages {
        let _ = writeln!(
            s,
            "            Message::{}(_) => {},",
            m.rust,
            m.kind.rust()
        );
    }
    let _ = writeln!(
        s,
        "            Message::Unknown {{ .. }} => MessageKind::Unknown,\n        }}\n    }}\n"
    );
    for g in Group::ALL {
        let name = g.name();
        let (doc, ty) = match g {
            Group::CallVariables => (
                "CallVariable1 … CallVariable10 of a message that has them (index 0 is CallVariable1); `None` for other messages.".to_string(),
                "[Option<&CtiString>; 10]",
            ),
            Group::Ecc => (
                "The ECC set (NamedVariable and NamedArray fields) of a message that has one; `None` for other messages.".to_string(),
                "EccRef<'_>",
            ),
            Group::Connection(p) => {
                let cp = cisco_prefix(p);
                (
                    format!("The call connection named by {cp}ConnectionCallID, {cp}ConnectionDeviceIDType and {cp}ConnectionDeviceID, for a message that has them; `None` for other messages."),
                    "ConnectionRef<'_>",
                )
            }
        };
        dispatch(
            s,
            ms,
            &doc,
            &format!("{name}(&self) -> Option<{ty}>"),
            "None",
            |m| {
                m.groups
                    .contains(&g)
                    .then(|| format!("Message::{}(m) => Some(m.{name}())", m.rust))
            },
        );
    }
    let _ = writeln!(s, "}}");
}
