//! Big-endian primitives of GED-188 (§2): UCHAR, USHORT, UINT, INT, BOOL (2 bytes), TIME.
//! No padding anywhere: fields are packed exactly as listed.

use bytes::{BufMut, Bytes, BytesMut};

/// A bounds-checked cursor over a message body. Slices share the body's buffer (no copies).
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a Bytes) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The whole body being read.
    pub fn body(&self) -> &'a Bytes {
        self.buf
    }

    /// The unread bytes.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Skips `n` bytes (at most to the end).
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes as a borrowed slice, or `None` if fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// The next `n` bytes as a shared `Bytes` (no copy), or `None` if fewer remain.
    pub fn take_bytes(&mut self, n: usize) -> Option<Bytes> {
        let end = self.pos.checked_add(n)?;
        if end > self.buf.len() {
            return None;
        }
        let b = self.buf.slice(self.pos..end);
        self.pos = end;
        Some(b)
    }

    /// Everything left, as a shared `Bytes`.
    pub fn take_rest(&mut self) -> Bytes {
        let b = self.buf.slice(self.pos.min(self.buf.len())..);
        self.pos = self.buf.len();
        b
    }

    /// Reads a fixed-width value.
    pub fn read<T: FixedWire>(&mut self) -> Option<T> {
        self.take(T::SIZE).and_then(T::from_be_slice)
    }
}

/// A value with a fixed big-endian wire width: every fixed-part field and every numeric floating field.
pub trait FixedWire: Sized + Copy {
    /// Wire width in bytes.
    const SIZE: usize;
    /// Decodes from exactly `SIZE` bytes (`None` for any other length).
    fn from_be_slice(data: &[u8]) -> Option<Self>;
    /// Appends the big-endian form.
    fn put(self, buf: &mut BytesMut);
    /// True when some values of `SIZE` bytes are not what [`put`](FixedWire::put) writes for the value they
    /// read as (see [`canonical`](FixedWire::canonical)).
    const CHECKED: bool = false;
    /// True when `data` (of `SIZE` bytes) is what [`put`](FixedWire::put) writes for the value it reads as.
    fn canonical(data: &[u8]) -> bool {
        let _ = data;
        true
    }
}

macro_rules! fixed_int {
    ($($t:ty),*) => {$(
        impl FixedWire for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_be_slice(data: &[u8]) -> Option<Self> {
                Some(<$t>::from_be_bytes(data.try_into().ok()?))
            }
            fn put(self, buf: &mut BytesMut) {
                buf.put_slice(&self.to_be_bytes());
            }
        }
    )*};
}
fixed_int!(u8, u16, u32, i32);

/// BOOL is two bytes on the wire (0 = false, 1 = true). Any non-zero value reads as true.
impl FixedWire for bool {
    const SIZE: usize = 2;
    fn from_be_slice(data: &[u8]) -> Option<Self> {
        u16::from_be_slice(data).map(|v| v != 0)
    }
    fn put(self, buf: &mut BytesMut) {
        buf.put_u16(u16::from(self));
    }
    const CHECKED: bool = true;
    fn canonical(data: &[u8]) -> bool {
        matches!(data, [0, 0 | 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_big_endian_and_packed() {
        let mut b = BytesMut::new();
        0x0102_u16.put(&mut b);
        0x0304_0506_u32.put(&mut b);
        (-2_i32).put(&mut b);
        true.put(&mut b);
        7_u8.put(&mut b);
        assert_eq!(&b[..], &[1, 2, 3, 4, 5, 6, 0xFF, 0xFF, 0xFF, 0xFE, 0, 1, 7]);
        let bytes = b.freeze();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.read::<u16>(), Some(0x0102));
        assert_eq!(r.read::<u32>(), Some(0x0304_0506));
        assert_eq!(r.read::<i32>(), Some(-2));
        assert_eq!(r.read::<bool>(), Some(true));
        assert_eq!(r.read::<u8>(), Some(7));
        assert_eq!(r.read::<u8>(), None);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn short_reads_fail_without_moving() {
        let bytes = Bytes::from_static(&[1, 2, 3]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.read::<u32>(), None);
        assert_eq!(r.position(), 0);
        assert_eq!(r.take_bytes(4), None);
        assert_eq!(r.take_bytes(3).as_deref(), Some(&[1u8, 2, 3][..]));
    }

    #[test]
    fn bool_reads_any_nonzero_as_true() {
        assert_eq!(bool::from_be_slice(&[0, 0]), Some(false));
        assert_eq!(bool::from_be_slice(&[0, 2]), Some(true));
        assert_eq!(bool::from_be_slice(&[0]), None);
    }
}
