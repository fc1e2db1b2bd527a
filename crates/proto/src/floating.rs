//! Floating fields (§2.1): tag + length + data, tag and length 1 byte each below version 20 and 2 bytes each
//! from version 20 on. This file holds the reading and writing shared by every generated message.

use bytes::{BufMut, Bytes, BytesMut};

use crate::constants::{MessageType, Tag};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::frame::HEADER_LEN;
use crate::layout::{Exactness, Slot, Tracker};
use crate::named::{self, MAX_VARIABLE_NAME, MAX_VARIABLE_VALUE, NamedArray, NamedVariable};
use crate::raw::{RawBytes, RawField};
use crate::secret::{Secret, SecretString};
use crate::string::CtiString;
use crate::version::FloatWidth;
use crate::wire::{FixedWire, Reader};

/// The data of one floating field: a view into the message body (nothing is copied or shared until a value
/// needs it).
#[derive(Debug, Clone, Copy)]
pub struct FieldData<'a> {
    body: &'a Bytes,
    start: usize,
    end: usize,
}

impl<'a> FieldData<'a> {
    /// The data bytes.
    #[inline]
    pub fn as_slice(&self) -> &'a [u8] {
        self.body.get(self.start..self.end).unwrap_or_default()
    }

    /// The data as a shared `Bytes` (a reference count, no copy).
    pub fn to_bytes(self) -> Bytes {
        self.body.slice(self.start..self.end)
    }

    /// Bytes `from..from + len` of the data as a shared `Bytes`.
    pub(crate) fn share(&self, from: usize, len: usize) -> Bytes {
        let a = (self.start + from).min(self.end);
        self.body.slice(a..(a + len).min(self.end))
    }

    /// Data length.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the field has no data.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A value that can be the data of a floating field.
pub trait FloatValue: Sized {
    /// Decodes the data of one field with tag `tag`.
    fn decode_data(tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind>;
    /// Length of the encoded data.
    fn data_len(&self) -> usize;
    /// How `data`, which decoded to this value, compares with what [`put_data`](FloatValue::put_data) writes.
    #[doc(hidden)]
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        let _ = data;
        Exactness::Exact
    }
    /// Appends the data up to, not including, the NUL that ends it (types without one: all of it).
    #[doc(hidden)]
    fn put_body(&self, buf: &mut BytesMut) {
        self.put_data(buf);
    }
    /// Length of what [`put_body`](FloatValue::put_body) appends.
    #[doc(hidden)]
    fn body_len(&self) -> usize {
        self.data_len()
    }
    /// Checks the value against the field's documented maximum (strings: the maximum includes the NUL).
    fn check(&self, _max: usize) -> Result<(), EncodeErrorKind> {
        Ok(())
    }
    /// Appends the data.
    fn put_data(&self, buf: &mut BytesMut);
}

impl<T: FixedWire> FloatValue for T {
    #[inline]
    fn decode_data(tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        T::from_be_slice(data.as_slice()).ok_or(DecodeErrorKind::FieldLength {
            tag,
            expected: T::SIZE,
            actual: data.len(),
        })
    }
    fn data_len(&self) -> usize {
        T::SIZE
    }
    #[inline]
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        if !T::CHECKED || T::canonical(data.as_slice()) {
            Exactness::Exact
        } else {
            Exactness::Invalid
        }
    }
    fn put_data(&self, buf: &mut BytesMut) {
        self.put(buf);
    }
}

/// The bytes of `data` after its first `value_len` bytes (the value's own, which stop at the first NUL or the
/// end), unless they are the single NUL the writer puts.
#[inline]
fn after_value(data: FieldData<'_>, value_len: usize) -> Exactness<'_> {
    // One byte more than the value: the value stopped at a NUL, and that NUL is the last byte.
    if data.len() == value_len + 1 {
        Exactness::Exact
    } else {
        Exactness::Suffix(data.as_slice().get(value_len..).unwrap_or_default())
    }
}

fn too_long(len: usize, max: usize) -> Result<(), EncodeErrorKind> {
    if len > max {
        Err(EncodeErrorKind::ValueTooLong { len, max })
    } else {
        Ok(())
    }
}

impl FloatValue for CtiString {
    #[inline]
    fn decode_data(_tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(CtiString::from_field(data.as_slice(), |n| data.share(0, n)))
    }
    fn data_len(&self) -> usize {
        self.wire_len()
    }
    #[inline]
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        after_value(data, self.len())
    }
    fn check(&self, max: usize) -> Result<(), EncodeErrorKind> {
        too_long(self.wire_len(), max)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        buf.put_slice(self.as_bytes());
        buf.put_u8(0);
    }
    fn put_body(&self, buf: &mut BytesMut) {
        buf.put_slice(self.as_bytes());
    }
    fn body_len(&self) -> usize {
        self.len()
    }
}

impl FloatValue for RawBytes {
    fn decode_data(_tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(RawBytes(data.to_bytes()))
    }
    fn data_len(&self) -> usize {
        self.len()
    }
    fn check(&self, max: usize) -> Result<(), EncodeErrorKind> {
        too_long(self.len(), max)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        buf.put_slice(self.as_bytes());
    }
}

impl FloatValue for Secret {
    fn decode_data(_tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(Secret::new(data.to_bytes()))
    }
    fn data_len(&self) -> usize {
        self.len()
    }
    fn check(&self, max: usize) -> Result<(), EncodeErrorKind> {
        if crate::secret::is_placeholder(self.expose()) {
            return Err(EncodeErrorKind::RedactedPlaceholder);
        }
        too_long(self.len(), max)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        buf.put_slice(self.expose());
    }
}

impl FloatValue for SecretString {
    fn decode_data(tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        CtiString::decode_data(tag, data).map(SecretString)
    }
    fn data_len(&self) -> usize {
        self.0.data_len()
    }
    /// Bytes after the NUL of a credential are kept, marked secret: the layout is shown in JSON, and they are
    /// shown only where the credential itself is.
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        match self.0.exactness(data) {
            Exactness::Suffix(s) => Exactness::SecretSuffix(s),
            other => other,
        }
    }
    fn check(&self, max: usize) -> Result<(), EncodeErrorKind> {
        if crate::secret::is_placeholder(self.0.as_bytes()) {
            return Err(EncodeErrorKind::RedactedPlaceholder);
        }
        self.0.check(max)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        self.0.put_data(buf);
    }
    fn put_body(&self, buf: &mut BytesMut) {
        self.0.put_body(buf);
    }
    fn body_len(&self) -> usize {
        self.0.body_len()
    }
}

/// Splits the data from byte `from` on as `name NUL value [NUL]`; the value's NUL is optional (K13).
fn name_value(
    tag: u16,
    data: FieldData<'_>,
    from: usize,
) -> Result<(CtiString, CtiString), DecodeErrorKind> {
    let bytes = data
        .as_slice()
        .get(from..)
        .ok_or(DecodeErrorKind::NamedValue { tag })?;
    let n = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(DecodeErrorKind::NamedValue { tag })?;
    let name = CtiString::from_field(bytes.get(..n).unwrap_or_default(), |len| {
        data.share(from, len)
    });
    let rest = bytes.get(n + 1..).unwrap_or_default();
    let value = CtiString::from_field(rest, |len| data.share(from + n + 1, len));
    Ok((name, value))
}

impl FloatValue for NamedVariable {
    fn decode_data(tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        let (name, value) = name_value(tag, data, 0)?;
        Ok(NamedVariable { name, value })
    }
    fn data_len(&self) -> usize {
        self.name.wire_len() + self.value.wire_len()
    }
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        after_value(data, self.data_len() - 1)
    }
    fn check(&self, _max: usize) -> Result<(), EncodeErrorKind> {
        too_long(self.name.wire_len(), MAX_VARIABLE_NAME)?;
        too_long(self.value.wire_len(), MAX_VARIABLE_VALUE)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        named::put_name_value(&self.name, &self.value, buf);
    }
    fn put_body(&self, buf: &mut BytesMut) {
        buf.put_slice(self.name.as_bytes());
        buf.put_u8(0);
        buf.put_slice(self.value.as_bytes());
    }
    fn body_len(&self) -> usize {
        self.data_len() - 1
    }
}

impl FloatValue for NamedArray {
    fn decode_data(tag: u16, data: FieldData<'_>) -> Result<Self, DecodeErrorKind> {
        let &index = data
            .as_slice()
            .first()
            .ok_or(DecodeErrorKind::NamedValue { tag })?;
        let (name, value) = name_value(tag, data, 1)?;
        Ok(NamedArray { index, name, value })
    }
    fn data_len(&self) -> usize {
        1 + self.name.wire_len() + self.value.wire_len()
    }
    fn exactness<'d>(&self, data: FieldData<'d>) -> Exactness<'d> {
        after_value(data, self.data_len() - 1)
    }
    fn check(&self, _max: usize) -> Result<(), EncodeErrorKind> {
        too_long(self.name.wire_len(), MAX_VARIABLE_NAME)?;
        too_long(self.value.wire_len(), MAX_VARIABLE_VALUE)
    }
    fn put_data(&self, buf: &mut BytesMut) {
        buf.put_u8(self.index);
        named::put_name_value(&self.name, &self.value, buf);
    }
    fn put_body(&self, buf: &mut BytesMut) {
        buf.put_u8(self.index);
        buf.put_slice(self.name.as_bytes());
        buf.put_u8(0);
        buf.put_slice(self.value.as_bytes());
    }
    fn body_len(&self) -> usize {
        self.data_len() - 1
    }
}

/// One floating field as read: tag, data, and the body offset of its header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub tag: u16,
    pub data: FieldData<'a>,
    pub offset: usize,
}

impl Field<'_> {
    pub fn into_raw(self) -> RawField {
        RawField {
            tag: self.tag,
            data: RawBytes(self.data.to_bytes()),
        }
    }
}

/// The error for `field` at body offset `offset` of message `mt`.
pub(crate) fn error(
    mt: MessageType,
    field: &'static str,
    body_offset: usize,
    kind: DecodeErrorKind,
) -> DecodeError {
    DecodeError {
        message_type: mt,
        field,
        tag: None,
        offset: body_offset + HEADER_LEN,
        kind,
    }
}

/// The error for the floating field `field` with tag `tag` whose header is at body offset `offset`.
#[cold]
fn tagged(
    mt: MessageType,
    field: &'static str,
    tag: u16,
    offset: usize,
    kind: DecodeErrorKind,
) -> DecodeError {
    DecodeError {
        tag: Some(Tag(tag)),
        ..error(mt, field, offset, kind)
    }
}

/// Reads a fixed-part field.
#[inline]
pub(crate) fn fixed<T: FixedWire>(
    r: &mut Reader<'_>,
    mt: MessageType,
    field: &'static str,
) -> Result<T, DecodeError> {
    let at = r.position();
    r.read::<T>().ok_or_else(|| {
        error(
            mt,
            field,
            at,
            DecodeErrorKind::Truncated {
                needed: T::SIZE,
                available: r.remaining(),
            },
        )
    })
}

/// Reads a BOOL fixed-part field, keeping a value other than 0 or 1 in the layout.
#[inline]
pub(crate) fn fixed_bool(
    r: &mut Reader<'_>,
    mt: MessageType,
    field: &'static str,
    lay: &mut Tracker,
) -> Result<bool, DecodeError> {
    let raw: u16 = fixed(r, mt, field)?;
    Ok(lay.fixed_bool(field, raw))
}

#[cold]
fn truncated(
    mt: MessageType,
    field: &'static str,
    offset: usize,
    needed: usize,
    available: usize,
) -> DecodeError {
    error(
        mt,
        field,
        offset,
        DecodeErrorKind::Truncated { needed, available },
    )
}

/// Reads the next floating field header and its data.
#[inline]
pub(crate) fn next<'a>(
    r: &mut Reader<'a>,
    width: FloatWidth,
    mt: MessageType,
) -> Result<Field<'a>, DecodeError> {
    let offset = r.position();
    let rest = r.rest();
    let Some((tag, len, header)) = width.read_header(rest) else {
        return Err(truncated(
            mt,
            "floating field header",
            offset,
            width.header_len(),
            rest.len(),
        ));
    };
    if rest.len() - header < len {
        return Err(tagged(
            mt,
            "floating field data",
            tag,
            offset,
            DecodeErrorKind::Truncated {
                needed: len,
                available: rest.len() - header,
            },
        ));
    }
    let start = offset + header;
    r.skip(header + len);
    Ok(Field {
        tag,
        data: FieldData {
            body: r.body(),
            start,
            end: start + len,
        },
        offset,
    })
}

/// True when a version-gated fixed field's value is plausible (K20 shape choice): 4-byte values with a zero top
/// byte, any narrower value. Bytes of a floating field header read as a DepartmentID are not.
pub(crate) fn plausible<T: FixedWire>(v: T) -> bool {
    let mut b = BytesMut::with_capacity(T::SIZE);
    v.put(&mut b);
    T::SIZE < 4 || b.first() == Some(&0)
}

/// A list's capacity from its fixed-part count: trusted only up to 16 (MAX_NUM_* of the reference).
#[inline]
pub(crate) fn capped(n: impl Into<u64>) -> usize {
    usize::try_from(n.into().min(16)).unwrap_or(16)
}

/// Decodes the data of `f` as a `V`, for the field `field` at `slot` of the documented order. Data that does not
/// fit the type (a numeric field of the wrong length, a BOOL of 2, a NAMEDVAR without a NUL) does not make the
/// message fail: the field is kept as an unknown field and the layout gets a warning.
#[expect(
    clippy::inline_always,
    reason = "measured with callgrind on benches/codec.rs: 2,717 instructions per decoded message inlined, 2,923 not"
)]
#[inline(always)]
pub(crate) fn take<V: FloatValue>(
    f: Field<'_>,
    mt: MessageType,
    field: &'static str,
    slot: Slot,
    lay: &mut Tracker,
    unknown: &mut Vec<RawField>,
) -> Option<V> {
    let kind = match V::decode_data(f.tag, f.data) {
        Ok(v) => match v.exactness(f.data) {
            Exactness::Exact => {
                lay.slot(slot);
                return Some(v);
            }
            Exactness::Suffix(s) => {
                lay.slot(slot);
                lay.suffix(s, false);
                return Some(v);
            }
            Exactness::SecretSuffix(s) => {
                lay.slot(slot);
                lay.suffix(s, true);
                return Some(v);
            }
            Exactness::Invalid => DecodeErrorKind::NotCanonical,
        },
        Err(k) => k,
    };
    lay.demoted(mt, field, f.tag, f.offset, &kind);
    unknown.push(f.into_raw());
    None
}

/// Stores a single (at most once) floating field; a repeated occurrence is kept as an unknown field.
#[inline]
pub(crate) fn single<V: FloatValue>(
    value: &mut Option<V>,
    f: Field<'_>,
    mt: MessageType,
    field: &'static str,
    rank: u16,
    lay: &mut Tracker,
    unknown: &mut Vec<RawField>,
) {
    if value.is_some() {
        lay.unknown();
        unknown.push(f.into_raw());
    } else {
        *value = take(f, mt, field, Slot::Field(rank), lay, unknown);
    }
}

/// Keeps a field this message does not define.
#[inline]
pub(crate) fn unknown(f: Field<'_>, lay: &mut Tracker, unknown: &mut Vec<RawField>) {
    lay.unknown();
    unknown.push(f.into_raw());
}

/// The tuple element a non-first member belongs to: the last one, or a new one if there is none.
pub(crate) fn tuple_slot<T: Default>(list: &mut Vec<T>) -> &mut T {
    if list.is_empty() {
        list.push(T::default());
    }
    list.last_mut()
        .unwrap_or_else(|| unreachable!("an element was just pushed"))
}

/// Writes a fixed-part count of a list.
#[inline]
pub(crate) fn count<T: FixedWire + TryFrom<usize>>(
    len: usize,
    buf: &mut BytesMut,
    mt: MessageType,
    field: &'static str,
) -> Result<(), EncodeError> {
    let n = T::try_from(len).map_err(|_| EncodeError {
        message_type: mt,
        field,
        kind: EncodeErrorKind::TooManyItems {
            count: len,
            max: (1usize << (8 * T::SIZE)) - 1,
        },
    })?;
    n.put(buf);
    Ok(())
}

/// Writes floating fields at one width.
pub(crate) struct Writer<'a> {
    buf: &'a mut BytesMut,
    width: FloatWidth,
    mt: MessageType,
}

impl<'a> Writer<'a> {
    pub fn new(buf: &'a mut BytesMut, width: FloatWidth, mt: MessageType) -> Self {
        Writer { buf, width, mt }
    }

    fn header(&mut self, tag: u16, len: usize, field: &'static str) -> Result<bool, EncodeError> {
        let max = self.width.max_value();
        if usize::from(tag) > max {
            // Tags above 255 do not exist before version 20: the field is not part of this version.
            return Ok(false);
        }
        if len > max {
            return Err(EncodeError {
                message_type: self.mt,
                field,
                kind: EncodeErrorKind::ValueTooLong { len, max },
            });
        }
        match self.width {
            FloatWidth::Narrow => {
                // Both fit in a byte: checked against max_value above.
                self.buf.put_u8(u8::try_from(tag).unwrap_or(u8::MAX));
                self.buf.put_u8(u8::try_from(len).unwrap_or(u8::MAX));
            }
            FloatWidth::Wide => {
                self.buf.put_u16(tag);
                self.buf.put_u16(u16::try_from(len).unwrap_or(u16::MAX));
            }
        }
        Ok(true)
    }

    /// Writes one field after checking it against `max`.
    #[inline]
    pub fn field<V: FloatValue>(
        &mut self,
        tag: u16,
        v: &V,
        max: usize,
        field: &'static str,
    ) -> Result<(), EncodeError> {
        v.check(max).map_err(|kind| EncodeError {
            message_type: self.mt,
            field,
            kind,
        })?;
        if self.header(tag, v.data_len(), field)? {
            v.put_data(self.buf);
        }
        Ok(())
    }

    /// Writes one field as [`field`](Writer::field) does, or, with `suffix`, the value's bytes followed by
    /// `suffix` instead of its NUL (the layout of a decoded field, see [`crate::layout`]).
    #[inline]
    pub fn field_at<V: FloatValue>(
        &mut self,
        tag: u16,
        v: &V,
        max: usize,
        field: &'static str,
        suffix: Option<&[u8]>,
    ) -> Result<(), EncodeError> {
        let Some(suffix) = suffix else {
            return self.field(tag, v, max, field);
        };
        let len = v.body_len() + suffix.len();
        let checked = v
            .check(usize::MAX)
            .and_then(|()| if max > 0 { too_long(len, max) } else { Ok(()) });
        checked.map_err(|kind| EncodeError {
            message_type: self.mt,
            field,
            kind,
        })?;
        if self.header(tag, len, field)? {
            v.put_body(self.buf);
            self.buf.put_slice(suffix);
        }
        Ok(())
    }

    /// Writes an unknown field back unchanged.
    pub fn raw(&mut self, f: &RawField) -> Result<(), EncodeError> {
        if self.header(f.tag, f.data.len(), "unknown_fields")? {
            self.buf.put_slice(f.data.as_bytes());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(bytes: &'static [u8], width: FloatWidth) -> Vec<(u16, Vec<u8>)> {
        let b = Bytes::from_static(bytes);
        let mut r = Reader::new(&b);
        let mut out = Vec::new();
        while r.remaining() > 0 {
            match next(&mut r, width, MessageType(0)) {
                Ok(f) => out.push((f.tag, f.data.as_slice().to_vec())),
                Err(e) => panic!("{e}"),
            }
        }
        out
    }

    #[test]
    fn narrow_and_wide_headers() {
        assert_eq!(
            fields(&[8, 2, b'7', 0, 2, 0], FloatWidth::Narrow),
            vec![(8, b"7\0".to_vec()), (2, vec![])]
        );
        assert_eq!(
            fields(&[1, 47, 0, 1, 0], FloatWidth::Wide),
            vec![(303, vec![0])]
        );
    }

    #[test]
    fn truncated_data_names_offset() {
        let b = Bytes::from_static(&[8, 5, b'a']);
        let mut r = Reader::new(&b);
        let e = next(&mut r, FloatWidth::Narrow, MessageType(23)).err();
        assert_eq!(
            e.map(|e| (e.offset, e.kind)),
            Some((
                8,
                DecodeErrorKind::Truncated {
                    needed: 5,
                    available: 1
                }
            ))
        );
    }

    #[test]
    fn the_redaction_placeholder_is_not_encoded() {
        let mut buf = BytesMut::new();
        let mut w = Writer::new(&mut buf, FloatWidth::Narrow, MessageType::OPEN_REQ);
        let e = w
            .field(
                2,
                &Secret::from(crate::secret::REDACTED),
                64,
                "client_password",
            )
            .err();
        assert_eq!(
            e.map(|e| (e.field, e.kind)),
            Some(("client_password", EncodeErrorKind::RedactedPlaceholder))
        );
        let e = w
            .field(
                49,
                &SecretString::from(crate::secret::REDACTED),
                64,
                "agent_password",
            )
            .err()
            .map(|e| e.kind);
        assert_eq!(e, Some(EncodeErrorKind::RedactedPlaceholder));
        // Anything else, "<redacted" included, is a credential like any other.
        assert!(
            w.field(2, &Secret::from("<redacted"), 64, "client_password")
                .is_ok()
        );
        assert_eq!(&buf[..], b"\x02\x09<redacted");
    }

    #[test]
    fn writer_checks_max_and_skips_wide_tags_at_narrow_width() {
        let mut buf = BytesMut::new();
        let mut w = Writer::new(&mut buf, FloatWidth::Narrow, MessageType(30));
        let s = CtiString::from("12345");
        assert!(w.field(5, &s, 6, "agent_id").is_ok());
        let err = w.field(5, &s, 5, "agent_id").err().map(|e| e.kind);
        assert_eq!(err, Some(EncodeErrorKind::ValueTooLong { len: 6, max: 5 }));
        assert!(w.field(303, &s, 64, "active_terminal").is_ok());
        assert_eq!(&buf[..], b"\x05\x0612345\0");
    }
}
