//! Reads what the dissector showed from tshark's PDML output (`-T pdml`): every `<proto name="ged188">` element
//! as a tree of fields with their `show`, `showname` and `value` attributes.

#![allow(
    dead_code,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test support"
)]

/// One `<field>` (or the `<proto>` itself) of the PDML tree.
#[derive(Debug, Default, Clone)]
pub struct Node {
    pub name: String,
    pub showname: String,
    pub show: String,
    pub value: Option<String>,
    pub children: Vec<Node>,
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "quot" => Some('"'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        if let Some(c) = c {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

fn node(tag: &str) -> Node {
    Node {
        name: attr(tag, "name").unwrap_or_default(),
        showname: attr(tag, "showname").unwrap_or_default(),
        show: attr(tag, "show").unwrap_or_default(),
        value: attr(tag, "value"),
        children: Vec::new(),
    }
}

/// Every `ged188` protocol element of the document, in order.
pub fn ged188_messages(pdml: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut inside = false;
    let mut rest = pdml;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..=open + close];
        rest = &rest[open + close + 1..];
        let self_closing = tag.ends_with("/>");
        if tag.starts_with("<proto ") {
            if attr(tag, "name").as_deref() == Some("ged188") {
                inside = true;
                stack.push(node(tag));
            }
        } else if tag.starts_with("</proto") {
            if inside {
                inside = false;
                if let Some(n) = stack.pop() {
                    out.push(n);
                }
            }
        } else if inside && tag.starts_with("<field ") {
            let n = node(tag);
            if self_closing {
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            } else {
                stack.push(n);
            }
        } else if inside && tag.starts_with("</field") && stack.len() > 1 {
            if let Some(n) = stack.pop() {
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            }
        }
    }
    out
}
