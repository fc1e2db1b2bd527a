//! Credentials blanked in recorded bytes: the data of every ClientPassword / AgentPassword floating field
//! (the tags [`Message::credential_tags`] lists for the message type) is overwritten with zero bytes of the
//! same length, so the recording keeps every length, offset and TCP sequence number of the wire.

use cti_proto::frame::HEADER_LEN;
use cti_proto::version::{FloatWidth, MAX_MESSAGE_SIZE};
use cti_proto::{Message, MessageRef, MessageType};

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Zeroes the credentials of the framed message `frame` (MHDR + body) read at protocol `version`; returns the
/// number of bytes blanked. The floating fields are found with the borrowed view ([`MessageRef`]): nothing is
/// decoded or allocated for a message without credentials, which is nearly every message. A floating part that
/// does not parse is left as it is from there on.
pub fn blank_credentials(frame: &mut [u8], version: u32) -> usize {
    let Some(t) = be32(frame, 4).map(MessageType) else {
        return 0;
    };
    let tags = Message::credential_tags(t);
    if tags.is_empty() {
        return 0;
    }
    let header = FloatWidth::for_version(version).header_len();
    // Where each credential's data is, from the first byte of the MHDR (only OPEN_REQ and a few agent
    // requests get here, so the Vec is rare).
    let mut spans = Vec::new();
    if let Ok(view) = MessageRef::new(t, frame.get(HEADER_LEN..).unwrap_or_default(), version) {
        spans.extend(
            view.floats()
                .map_while(Result::ok)
                .filter(|f| tags.contains(&f.tag.0))
                .map(|f| (f.offset + header, f.data.len())),
        );
    }
    let mut blanked = 0;
    for (at, len) in spans {
        if let Some(slot) = frame.get_mut(at..at + len) {
            slot.fill(0);
            blanked += len;
        }
    }
    blanked
}

/// One direction of a recorded connection: bytes in as they were forwarded, bytes out with whole messages'
/// credentials blanked. The protocol version is the one of the OPEN_REQ seen in this direction (else the
/// default). Bytes wait only until their message is complete; once the framing is lost (a length over the
/// maximum), the rest goes out unchanged.
#[derive(Debug)]
pub struct StreamBlanker {
    buf: Vec<u8>,
    version: u32,
    framing_lost: bool,
}

impl StreamBlanker {
    /// A blanker that reads messages at `version` until an OPEN_REQ says otherwise.
    pub fn new(version: u32) -> Self {
        StreamBlanker {
            buf: Vec::new(),
            version,
            framing_lost: false,
        }
    }

    /// Takes the next bytes; returns the bytes that can be recorded now.
    pub fn push(&mut self, data: &[u8]) -> Vec<u8> {
        if self.framing_lost {
            return data.to_vec();
        }
        self.buf.extend_from_slice(data);
        let mut done = 0;
        while let Some(len) = be32(&self.buf, done).and_then(|l| usize::try_from(l).ok()) {
            if len > MAX_MESSAGE_SIZE - HEADER_LEN {
                self.framing_lost = true;
                done = self.buf.len();
                break;
            }
            let end = done + HEADER_LEN + len;
            let Some(frame) = self.buf.get_mut(done..end) else {
                break;
            };
            if be32(frame, 4) == Some(MessageType::OPEN_REQ.0) {
                if let Some(v) = be32(frame, 12) {
                    self.version = v;
                }
            }
            blank_credentials(frame, self.version);
            done = end;
        }
        let rest = self.buf.split_off(done);
        std::mem::replace(&mut self.buf, rest)
    }

    /// The end of the stream: what is left (a partial message) as it is.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::message::{OpenReq, SetAgentStateReq};

    fn open_req(version: u32, password: &str) -> Vec<u8> {
        let mut m = OpenReq::default();
        m.version_number = version;
        m.client_id = Some("me".into());
        m.client_password = Some(password.into());
        m.client_signature = Some("sig".into());
        Message::from(m)
            .to_bytes(version)
            .unwrap_or_default()
            .to_vec()
    }

    #[test]
    fn passwords_become_zero_bytes_of_the_same_length_at_both_widths() {
        for version in [15, 24] {
            let original = open_req(version, "hunter2");
            let mut b = StreamBlanker::new(24);
            let mut out = Vec::new();
            for byte in &original {
                out.extend(b.push(&[*byte]));
            }
            assert_eq!(out.len(), original.len());
            assert_eq!(out, open_req(version, "\0\0\0\0\0\0\0"), "v{version}");
        }
        let mut m = SetAgentStateReq::default();
        m.agent_id = Some("1001".into());
        m.agent_password = Some("1234".into());
        let mut frame = Message::from(m).to_bytes(24).unwrap_or_default().to_vec();
        assert_eq!(blank_credentials(&mut frame, 24), 5); // "1234" and its NUL
        assert!(!frame.windows(4).any(|w| w == b"1234"));
        assert!(frame.windows(4).any(|w| w == b"1001"));
    }

    #[test]
    fn after_lost_framing_bytes_pass_unchanged() {
        let mut b = StreamBlanker::new(24);
        let junk = [0xFF_u8; 20];
        assert_eq!(b.push(&junk), junk.to_vec());
        assert_eq!(b.push(b"abc"), b"abc".to_vec());
        assert!(b.finish().is_empty());
    }
}
