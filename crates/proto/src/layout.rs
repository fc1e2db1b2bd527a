//! The wire layout of a decoded message: what the typed fields alone do not say about its bytes, so that
//! `decode → encode` gives back the very bytes that were read (`cti decode | cti encode` is byte-identical).
//!
//! A message built in code has no layout and is written in the documented order (the order of
//! `defs/messages/*.def`, unknown fields last). A decoded message gets a [`WireLayout`] only when its bytes are not
//! what that documented order writes:
//!
//! * the floating fields came in another order, a tuple was incomplete, a tag was the alternative one (K5/K6),
//!   or a single field came twice → `order` (every floating tag as received) and `unknown_at` (the positions in
//!   `order` that are unknown fields, written back from `unknown_fields` in turn);
//! * a STRING (or NAMEDVAR / NAMEDARRAY) came without its NUL, or with bytes after it (K13/K19) → `data`: the
//!   bytes after the value, by position in `order`, written back instead of the single NUL while the value is
//!   unchanged;
//! * a fixed-part count did not agree with its list → `counts`: the count as received, written back as is;
//! * a fixed-part BOOL was neither 0 nor 1 → `bools`: its value as received (it reads as true);
//! * a floating field's data did not fit its documented type (a 12-byte SendingPort where the reference says
//!   UINT, a BOOL of 2, a NAMEDVAR without a NUL) → it is kept as an unknown field, and `warnings` says so.
//!
//! In JSON the layout is the object `"wire"`, present only when there is one. Edit the typed fields freely:
//! values that are gone are skipped, new ones are written after the others in the documented order; drop
//! `"wire"` to get the documented layout.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::constants::{MessageType, Tag};
use crate::error::DecodeErrorKind;
use crate::frame::HEADER_LEN;
use crate::raw::RawBytes;
use crate::version::FloatWidth;

/// How a decoded message's bytes differ from the documented layout of its typed fields (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct WireLayout {
    /// Every floating tag in the order received; empty when the documented order gives the same bytes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<u16>,
    /// The positions in `order` (ascending) that were unknown fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_at: Vec<usize>,
    /// Fields whose data does not end with the one NUL the writer puts after a value. The suffix of a
    /// credential is kept in memory (the message is written back byte for byte) but shown in JSON only inside
    /// [`crate::secret::reveal`], like the credential itself.
    #[serde(
        skip_serializing_if = "no_suffix_shown",
        serialize_with = "serialize_shown_suffixes"
    )]
    pub data: Vec<WireSuffix>,
    /// Fixed-part counts that did not agree with their lists, by list name, as received.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u32>,
    /// BOOL fixed fields whose value was neither 0 nor 1 (read as true), by field name, as received.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bools: BTreeMap<String, u16>,
    /// What the reader kept as an unknown field although its tag is known, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The bytes after a value in one floating field, where the writer would put a single NUL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSuffix {
    /// The field's position in [`WireLayout::order`].
    pub at: usize,
    /// The bytes after the value (empty: the value had no NUL).
    #[serde(rename = "suffix_hex")]
    pub suffix: RawBytes,
    /// The field is a credential (AgentPassword): its suffix is as secret as its value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

impl WireSuffix {
    /// Shown in JSON: not a credential's, or credentials are being revealed.
    fn shown(&self) -> bool {
        !self.secret || crate::secret::revealed()
    }
}

fn no_suffix_shown(data: &[WireSuffix]) -> bool {
    !data.iter().any(WireSuffix::shown)
}

fn serialize_shown_suffixes<S: serde::Serializer>(
    data: &[WireSuffix],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(data.iter().filter(|d| d.shown()))
}

/// How one floating field's data compares with what the writer would write for its value (the codec's own
/// business; public only because [`FloatValue`](crate::FloatValue) is).
#[doc(hidden)]
#[derive(Debug)]
pub enum Exactness<'d> {
    /// Byte for byte the same.
    Exact,
    /// The value's bytes, then these bytes instead of the single NUL.
    Suffix(&'d [u8]),
    /// As [`Exactness::Suffix`], for a credential: the suffix is shown in JSON only when secrets are revealed.
    SecretSuffix(&'d [u8]),
    /// The data does not fit the type (a BOOL neither 0 nor 1: [`DecodeErrorKind::NotCanonical`]).
    Invalid,
}

/// Where a floating field belongs in the documented order: its line in the table (`rank`), and for a tuple
/// member its index among the tuple's `n` members.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    /// A single field or an item of a list.
    Field(u16),
    /// Member `i` of `n` of a tuple.
    Member(u16, u8, u8),
}

/// Collects a message's layout while its floating part is decoded. The common case (the documented layout) costs
/// a few comparisons per field and nothing to drop; anything else goes into a layout allocated on first need.
pub(crate) struct Tracker {
    start: usize,
    index: usize,
    last: u16,
    member: u8,
    in_order: bool,
    rare: Option<Box<WireLayout>>,
}

impl Tracker {
    /// A tracker for a message whose floating part starts at body offset `start` (see
    /// [`floating_from`](Tracker::floating_from)).
    #[inline]
    pub fn new(start: usize) -> Self {
        Tracker {
            start,
            index: 0,
            last: 0,
            member: 0,
            in_order: true,
            rare: None,
        }
    }

    /// The floating part starts at body offset `start`.
    #[inline]
    pub fn floating_from(&mut self, start: usize) {
        self.start = start;
    }

    fn rare(&mut self) -> &mut WireLayout {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The BOOL fixed field `field` read as `raw`: kept when it is neither 0 nor 1.
    #[inline]
    pub fn fixed_bool(&mut self, field: &str, raw: u16) -> bool {
        if raw > 1 {
            self.rare().bools.insert(field.to_string(), raw);
        }
        raw != 0
    }

    /// The field just read is in `slot`: still the documented order?
    #[inline]
    pub fn slot(&mut self, slot: Slot) {
        match slot {
            Slot::Field(rank) => {
                if self.member != 0 || rank < self.last {
                    self.in_order = false;
                }
                self.last = rank;
            }
            Slot::Member(rank, i, n) => {
                let fits = if rank == self.last {
                    i == self.member
                } else {
                    rank > self.last && self.member == 0 && i == 0
                };
                self.in_order &= fits;
                self.last = rank;
                self.member = if i + 1 >= n { 0 } else { i + 1 };
            }
        }
    }

    /// The field just read used a tag other than the one the writer uses for it.
    #[inline]
    pub fn tag(&mut self, canonical: bool) {
        self.in_order &= canonical;
    }

    /// The field just read is kept as an unknown field.
    #[inline]
    pub fn unknown(&mut self) {
        let index = self.index;
        self.rare().unknown_at.push(index);
        self.slot(Slot::Field(u16::MAX));
    }

    /// A known tag kept as an unknown field because its data does not fit the type.
    #[cold]
    pub fn demoted(
        &mut self,
        mt: MessageType,
        field: &str,
        tag: u16,
        offset: usize,
        kind: &DecodeErrorKind,
    ) {
        let tag_name = Tag(tag).name().unwrap_or("tag");
        let tag_name = tag_name.strip_suffix("_TAG").unwrap_or(tag_name);
        let index = self.index;
        let rare = self.rare();
        rare.warnings.push(format!(
            "{mt}: {field}: {tag_name} (tag {tag}) at offset {}: {kind}; kept as an unknown field",
            offset + HEADER_LEN
        ));
        rare.unknown_at.push(index);
        self.in_order = false;
    }

    /// The field just read ends with `suffix` instead of a single NUL (`secret`: the field is a credential).
    #[cold]
    pub fn suffix(&mut self, suffix: &[u8], secret: bool) {
        let at = self.index;
        self.rare().data.push(WireSuffix {
            at,
            suffix: RawBytes::from(suffix),
            secret,
        });
        self.in_order = false;
    }

    /// Moves on to the next floating field.
    #[inline]
    pub fn next(&mut self) {
        self.index += 1;
    }

    /// The fixed-part count of `list` was `count`; the list has `len` items.
    #[inline]
    pub fn count(&mut self, list: &str, count: u32, len: usize) {
        if usize::try_from(count).ok() != Some(len) {
            self.rare().counts.insert(list.to_string(), count);
        }
    }

    /// The layout, or `None` when the documented layout gives the same bytes.
    #[inline]
    pub fn finish(self, body: &Bytes, width: FloatWidth) -> Option<Box<WireLayout>> {
        let in_order = self.in_order && self.member == 0;
        match self.rare {
            None if in_order => None,
            rare => Self::layout(rare.unwrap_or_default(), in_order, self.start, body, width),
        }
    }

    #[cold]
    fn layout(
        mut l: Box<WireLayout>,
        in_order: bool,
        start: usize,
        body: &Bytes,
        width: FloatWidth,
    ) -> Option<Box<WireLayout>> {
        if in_order {
            // Unknown fields last, as the writer puts them: the positions are not needed.
            l.unknown_at.clear();
            if l.data.is_empty()
                && l.counts.is_empty()
                && l.bools.is_empty()
                && l.warnings.is_empty()
            {
                return None;
            }
        } else {
            l.order = tags(body.get(start..).unwrap_or_default(), width);
        }
        Some(l)
    }
}

/// The tags of the floating fields in `part`, up to the first header or data that does not fit.
fn tags(mut part: &[u8], width: FloatWidth) -> Vec<u16> {
    let mut out = Vec::new();
    while let Some((tag, len, header)) = width.read_header(part) {
        let Some(next) = part.get(header + len..) else {
            break;
        };
        out.push(tag);
        part = next;
    }
    out
}

/// Walks a layout's `order` while a message is written: which positions are unknown fields and which fields
/// carry their own suffix.
pub(crate) struct Walk<'a> {
    /// The tags to write, in order (empty: the documented order).
    pub order: &'a [u16],
    unknown_at: &'a [usize],
    data: &'a [WireSuffix],
    counts: Option<&'a BTreeMap<String, u32>>,
    bools: Option<&'a BTreeMap<String, u16>>,
}

impl<'a> Walk<'a> {
    /// The walk of `layout` (the documented order when `None`).
    #[inline]
    pub fn new(layout: Option<&'a WireLayout>) -> Self {
        match layout {
            None => Walk {
                order: &[],
                unknown_at: &[],
                data: &[],
                counts: None,
                bools: None,
            },
            Some(l) => Walk {
                order: &l.order,
                unknown_at: &l.unknown_at,
                data: &l.data,
                counts: Some(&l.counts).filter(|c| !c.is_empty()),
                bools: Some(&l.bools).filter(|b| !b.is_empty()),
            },
        }
    }

    /// True when position `i` of `order` is an unknown field.
    #[inline]
    pub fn is_unknown(&mut self, i: usize) -> bool {
        while let [first, rest @ ..] = self.unknown_at {
            if *first > i {
                return false;
            }
            self.unknown_at = rest;
            if *first == i {
                return true;
            }
        }
        false
    }

    /// The suffix of the field at position `i`, when it has one.
    #[inline]
    pub fn suffix(&mut self, i: usize) -> Option<&'a [u8]> {
        while let [first, rest @ ..] = self.data {
            if first.at > i {
                return None;
            }
            self.data = rest;
            if first.at == i {
                return Some(first.suffix.as_bytes());
            }
        }
        None
    }

    /// The count to write for `list` of `len` items: as received when the layout has it.
    #[inline]
    pub fn count(&self, list: &str, len: usize) -> usize {
        self.counts
            .and_then(|c| c.get(list))
            .and_then(|&n| usize::try_from(n).ok())
            .unwrap_or(len)
    }

    /// The wire value of the BOOL fixed field `field`: as received when the layout has it and it still reads
    /// as `value`.
    #[inline]
    pub fn fixed_bool(&self, field: &str, value: bool) -> u16 {
        self.bools
            .and_then(|b| b.get(field))
            .copied()
            .filter(|&raw| (raw != 0) == value)
            .unwrap_or(u16::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_sees_the_documented_order() {
        let mut t = Tracker::new(0);
        for s in [
            Slot::Field(0),
            Slot::Field(2),
            Slot::Field(2),
            Slot::Member(3, 0, 2),
            Slot::Member(3, 1, 2),
            Slot::Member(3, 0, 2),
            Slot::Member(3, 1, 2),
            Slot::Field(4),
        ] {
            t.slot(s);
            t.next();
        }
        t.unknown();
        assert!(t.finish(&Bytes::new(), FloatWidth::Wide).is_none());
    }

    #[test]
    fn tracker_sees_other_orders() {
        let cases: [&[Slot]; 4] = [
            &[Slot::Field(2), Slot::Field(0)],
            &[Slot::Member(3, 0, 2)],
            &[Slot::Member(3, 1, 2), Slot::Member(3, 0, 2)],
            &[Slot::Member(3, 0, 2), Slot::Field(4), Slot::Member(3, 1, 2)],
        ];
        for case in cases {
            let mut t = Tracker::new(0);
            for s in case {
                t.slot(*s);
                t.next();
            }
            assert!(t.finish(&Bytes::new(), FloatWidth::Wide).is_some());
        }
        let mut t = Tracker::new(0);
        t.unknown();
        t.next();
        t.slot(Slot::Field(1));
        let l = t.finish(&Bytes::from_static(&[7, 0, 1, 1, 9]), FloatWidth::Narrow);
        assert_eq!(
            l.map(|l| (l.order, l.unknown_at)),
            Some((vec![7, 1], vec![0]))
        );
    }

    #[test]
    fn walk_finds_unknowns_and_suffixes_by_position() {
        let l = WireLayout {
            order: vec![1, 2, 3, 4],
            unknown_at: vec![1, 3],
            data: vec![WireSuffix {
                at: 2,
                suffix: RawBytes::from(&b"x"[..]),
                secret: false,
            }],
            ..WireLayout::default()
        };
        let mut w = Walk::new(Some(&l));
        let got: Vec<(bool, Option<&[u8]>)> =
            (0..4).map(|i| (w.is_unknown(i), w.suffix(i))).collect();
        assert_eq!(
            got,
            vec![
                (false, None),
                (true, None),
                (false, Some(&b"x"[..])),
                (true, None)
            ]
        );
    }
}
