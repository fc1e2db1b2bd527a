//! decode → encode gives back the bytes read (issue 13 items 2 and 4, issue 14 item 3): floating fields in the
//! order received, counts and NULs as received, a field whose data does not fit its type kept as an unknown
//! field with a warning, the K20 shape that was read. Directly and through the JSON form (`cti decode | cti
//! encode`).

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "test code"
)]

use bytes::{Bytes, BytesMut};
use cti_proto::message::{AgentStateEvent, RtpStartedEvent};
use cti_proto::{
    EncodeErrorKind, FloatWidth, FrameDecoder, Message, MessageType, RawBytes, RawField,
};
use proptest::prelude::*;

mod support;

use support::generated::{MESSAGE_COUNT, random_message};
use support::random::Gen;

fn hex(text: &str) -> Vec<u8> {
    cti_proto::raw::decode_hex(text).unwrap()
}

fn decode_one(bytes: &[u8], version: u32) -> Message {
    let mut buf = BytesMut::from(bytes);
    let frame = FrameDecoder::default()
        .decode(&mut buf)
        .unwrap()
        .expect("one whole frame");
    assert!(buf.is_empty());
    Message::decode(&frame, version).unwrap_or_else(|e| panic!("v{version}: {e}"))
}

/// The JSON text of `m`, read back (what `cti decode | cti encode` does between the two).
fn through_json(m: &Message) -> Message {
    let text = serde_json::to_string(m).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Issue 14 item 3: one AGENT_STATE_EVENT frame at v19 (131 bytes with its header) that reads in both K20 shapes.
/// Before, decoded it had no DepartmentID, and re-encoded and decoded again it had `department_id: 0`.
const K20_AGENT_STATE_EVENT_V19: &str = "0000007b0000001e00005b000000001388000000000011000800000000000000640000277400000008000000000001006e0000000000000000ffff0001000100000001000013000000002a000097000600057d2a0031340530320400313500060532303135003e04000000643f0400002b744002000041020008000100000100000100";

#[test]
fn k20_agent_state_event_v19_settles_in_the_shape_read() {
    let bytes = hex(K20_AGENT_STATE_EVENT_V19);
    assert_eq!(bytes.len(), 131);
    let first = decode_one(&bytes, 19);
    let Message::AgentStateEvent(ase) = &first else {
        panic!("AGENT_STATE_EVENT expected")
    };
    // The older (pre-v19) shape reads cleanest; it is kept, and written back in that shape.
    assert_eq!(ase.department_id, None);
    let again = first.to_bytes(19).unwrap();
    assert_eq!(RawBytes(again.clone()).to_hex(), K20_AGENT_STATE_EVENT_V19);
    assert_eq!(decode_one(&again, 19), first);
    // Through JSON: the absent DepartmentID is `null`, and stays absent.
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(json["department_id"], serde_json::Value::Null);
    let back = through_json(&first);
    assert_eq!(back, first);
    assert_eq!(&back.to_bytes(19).unwrap()[..], &bytes[..]);
}

/// Issue 14 item 3, the kind the fuzz target found: QUERY_AGENT_STATE_CONF and AGENT_STATE_EVENT bodies declared
/// v19 that read in both K20 shapes (the older shape sent, with floating fields, then bytes flipped). Whatever
/// shape the decoder takes, the message is written back as the bytes read and decodes to itself; both shapes
/// occur among the cases.
#[test]
fn k20_bodies_at_v19_settle_whatever_shape_is_read() {
    use cti_proto::message::QueryAgentStateConf;
    let mut shapes = [0usize; 2];
    for seed in 0..3000u64 {
        let mut g = Gen::new(seed, 19);
        let older = if seed % 2 == 0 {
            let mut q = QueryAgentStateConf::default();
            q.department_id = None;
            q.agent_id = Some(format!("{}", seed % 1000).into());
            q.agent_extension = Some("3001".into());
            q.unknown_fields = g.unknown_fields();
            Message::from(q)
        } else {
            let mut a = AgentStateEvent::default();
            a.department_id = None;
            a.agent_id = Some("1001".into());
            a.agent_instrument = Some(format!("{seed}").into());
            Message::from(a)
        };
        let mut bytes = older.to_bytes(19).unwrap().to_vec();
        let n = bytes.len();
        for k in 0..(seed % 4) {
            let at = 8 + (g.next() as usize) % (n - 8);
            bytes[at] ^= (g.next() as u8) | u8::from(k == 0);
        }
        let mt = older.message_type();
        let body = Bytes::copy_from_slice(&bytes[8..]);
        let Ok(first) = Message::decode_body(mt, &body, 19) else {
            continue;
        };
        let gated = match &first {
            Message::QueryAgentStateConf(q) => q.department_id.is_some(),
            Message::AgentStateEvent(a) => a.department_id.is_some(),
            _ => unreachable!(),
        };
        shapes[usize::from(gated)] += 1;
        let Ok(again) = first.to_bytes(19) else {
            continue;
        };
        assert_eq!(&again[8..], &body[..], "seed {seed}");
        let second = Message::decode_body(mt, &Bytes::copy_from_slice(&again[8..]), 19).unwrap();
        assert_eq!(second, first, "seed {seed}");
    }
    // Seen: 2818 bodies read in the older shape, 62 in the v19 shape.
    assert!(shapes[0] > 100 && shapes[1] > 20, "{shapes:?}");
}

/// A JSON object without a version-gated field gets the documented shape (the default), `null` the older one.
#[test]
fn json_absent_gated_field_is_the_default_null_the_older_shape() {
    let absent: Message = serde_json::from_str(r#"{"type":"AGENT_STATE_EVENT"}"#).unwrap();
    let null: Message =
        serde_json::from_str(r#"{"type":"AGENT_STATE_EVENT","department_id":null}"#).unwrap();
    assert_eq!(absent.to_bytes(19).unwrap().len(), 8 + 62);
    assert_eq!(null.to_bytes(19).unwrap().len(), 8 + 58);
    assert_eq!(
        AgentStateEvent::fixed_len(19),
        AgentStateEvent::fixed_len(18) + 4
    );
}

/// Issue 13 item 4: SendingPort (126), a UINT in the reference, sent by another implementation as a 12-byte
/// string. The message is read; the field is kept as an unknown field with a warning in the JSON, and the whole
/// message is written back unchanged.
#[test]
fn sending_port_as_a_string_is_kept_as_unknown_with_a_warning() {
    let bytes = hex("00000049 00000074
         00000000 00001388 00004000 0001 0000 0000fa00 0000 00000014 0004 0000 01000001
         19 05 33303031 00
         05 05 31303031 00
         7d 09 31302e302e302e35 00
         7e 0c 3136333834 00000000000000");
    // 8 + 34 fixed + 7 + 7 + 11 = offset 67 of the SendingPort field.
    let m = decode_one(&bytes, 19);
    let Message::RtpStartedEvent(rtp) = &m else {
        panic!("RTP_STARTED_EVENT expected")
    };
    assert_eq!(rtp.client_port, 16384);
    assert_eq!(
        rtp.connection_device_id.as_ref().map(ToString::to_string),
        Some("3001".into())
    );
    assert_eq!(
        rtp.sending_address.as_ref().map(ToString::to_string),
        Some("10.0.0.5".into())
    );
    assert_eq!(rtp.sending_port, None);
    assert_eq!(
        rtp.unknown_fields,
        vec![RawField {
            tag: 126,
            data: RawBytes::from(&b"16384\0\0\0\0\0\0\0"[..])
        }]
    );
    let warning = "RTP_STARTED_EVENT: sending_port: SENDING_PORT (tag 126) at offset 67: data length 12, \
                   expected 4; kept as an unknown field";
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["wire"]["warnings"], serde_json::json!([warning]));
    assert_eq!(
        json["unknown_fields"],
        serde_json::json!([{"tag": 126, "data_hex": "313633383400000000000000"}])
    );
    assert_eq!(&m.to_bytes(19).unwrap()[..], &bytes[..]);
    assert_eq!(&through_json(&m).to_bytes(19).unwrap()[..], &bytes[..]);
    // A correct SendingPort still reads as the UINT.
    let mut good = RtpStartedEvent::default();
    good.sending_port = Some(16384);
    let b = Message::from(good.clone()).to_bytes(19).unwrap();
    assert_eq!(decode_one(&b, 19), Message::from(good));
}

/// Fixed-part and framing errors stay errors.
#[test]
fn fixed_part_and_framing_errors_stay_errors() {
    let short = hex("00000004 00000074 00000000");
    let e =
        Message::decode_body(MessageType(116), &Bytes::from(short[8..].to_vec()), 19).unwrap_err();
    assert_eq!(e.field, "peripheral_id");
    // A floating field whose data runs past the end of the body.
    let cut = hex("00000026 00000074
         00000000 00001388 00004000 0001 0000 0000fa00 0000 00000014 0004 0000 01000001
         19 05 3330");
    let e =
        Message::decode_body(MessageType(116), &Bytes::from(cut[8..].to_vec()), 19).unwrap_err();
    assert_eq!((e.field, e.offset), ("floating field data", 42));
}

/// Strings without their NUL (K13/K19: the C++ ctm client), ClientPassword included, and the floating fields in
/// another order than the reference's: the OPEN_REQ comes back byte for byte, directly and through JSON.
#[test]
fn a_real_client_open_req_round_trips_byte_for_byte() {
    let bytes = hex(
        "00000053 00000003
         00000001 00000018 0000012c 00001388 00000094 ffffffff 00003fff 00000000 00000000 00000000 00000000
         0005 0004 31303031
         0001 0009 63746d6f6e69746f72
         0002 0006 736563726574
         0004 0004 33303031",
    );
    let m = decode_one(&bytes, 24);
    let wire = m.wire().expect("a layout");
    assert_eq!(wire.order, vec![5, 1, 2, 4]);
    assert_eq!(&m.to_bytes(24).unwrap()[..], &bytes[..]);
    // The password is redacted in JSON and its layout says only that it had no NUL.
    let text = serde_json::to_string(&m).unwrap();
    assert!(
        !text.contains("secret") && !text.contains("736563726574"),
        "{text}"
    );
    let shown = cti_proto::secret::reveal(|| serde_json::to_string(&m).unwrap());
    let back: Message = serde_json::from_str(&shown).unwrap();
    assert_eq!(&back.to_bytes(24).unwrap()[..], &bytes[..]);
    // Without the layout, the documented order and NULs.
    let mut plain = m.clone();
    assert!(plain.take_wire().is_some());
    let canonical = plain.to_bytes(24).unwrap();
    // A NUL after each of the three STRINGs (ClientPassword is UNSPEC: none).
    assert_eq!(canonical.len(), bytes.len() + 3);
    assert!(decode_one(&canonical, 24).wire().is_none());
}

/// A fixed-part BOOL of 2 reads as true and is written back as 2; set to false it is written as 0.
#[test]
fn a_fixed_bool_of_two_is_written_back_as_two() {
    let bytes =
        hex("0000001a 00000004 00000001 00000010 00000000 00000000 65a0bc00 0002 0011 0003");
    let mut m = decode_one(&bytes, 15);
    let Message::OpenConf(conf) = &mut m else {
        panic!("OPEN_CONF expected")
    };
    assert!(conf.peripheral_online);
    assert_eq!(
        serde_json::to_value(&conf.wire).unwrap(),
        serde_json::json!({"bools": {"peripheral_online": 2}})
    );
    assert_eq!(&m.to_bytes(15).unwrap()[..], &bytes[..]);
    assert_eq!(&through_json(&m).to_bytes(15).unwrap()[..], &bytes[..]);
    if let Message::OpenConf(conf) = &mut m {
        conf.peripheral_online = false;
    }
    assert_eq!(m.to_bytes(15).unwrap()[28..30], [0, 0]);
}

/// The floating fields of one encoded message (header + body), as whole fields; `None` when the rest of the body
/// is not floating fields (the UINT arrays of the statistics confirmations).
fn floating_fields(bytes: &[u8], version: u32) -> Option<(usize, Vec<Vec<u8>>)> {
    let mt = MessageType(u32::from_be_bytes(bytes[4..8].try_into().unwrap()));
    let start = 8 + Message::fixed_len_of(mt, version)?;
    let h = FloatWidth::for_version(version).header_len();
    let mut fields = Vec::new();
    let mut at = start;
    while at < bytes.len() {
        let len = match (h, bytes.get(at..)?) {
            (2, [_, l, ..]) => usize::from(*l),
            (4, [_, _, l0, l1, ..]) => usize::from(u16::from_be_bytes([*l0, *l1])),
            _ => return None,
        };
        fields.push(bytes.get(at..at + h + len)?.to_vec());
        at += h + len;
    }
    Some((start, fields))
}

const VERSIONS: [u32; 7] = [13, 15, 18, 19, 20, 24, 25];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random valid messages whose floating fields are sent in a shuffled order come back byte for byte, directly
    /// and through JSON, and decode to the same message again; in the documented order they need no layout.
    #[test]
    fn shuffled_floating_order_round_trips_byte_for_byte(seed in any::<u64>(), shuffle in any::<u64>()) {
        for version in VERSIONS {
            for index in 0..MESSAGE_COUNT {
                let mut g = Gen::for_json(seed ^ ((index as u64) << 8), version);
                let m = random_message(index, &mut g);
                let bytes = match m.to_bytes(version) {
                    Ok(b) => b,
                    Err(e) if matches!(e.kind, EncodeErrorKind::MessageTooLong { .. }) => continue,
                    Err(e) => panic!("{} at v{version}: {e}", m.name()),
                };
                if matches!(m, Message::Unknown { .. }) || m.has_shape_choice(version) {
                    // Unknown: no fields; at a K20 version a shuffle may read in the other shape (below).
                    continue;
                }
                prop_assert!(decode_one(&bytes, version).wire().is_none(), "{} v{version}", m.name());
                let Some((start, mut fields)) = floating_fields(&bytes, version) else { continue };
                // Fisher-Yates from the seed.
                let mut s = shuffle ^ index as u64;
                for i in (1..fields.len()).rev() {
                    s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    fields.swap(i, (s >> 33) as usize % (i + 1));
                }
                let mut shuffled = bytes[..start].to_vec();
                for f in &fields {
                    shuffled.extend_from_slice(f);
                }
                let got = decode_one(&shuffled, version);
                prop_assert_eq!(&got.to_bytes(version).unwrap()[..], &shuffled[..], "{} v{}", m.name(), version);
                let json = through_json(&got);
                prop_assert_eq!(&json, &got);
                prop_assert_eq!(&json.to_bytes(version).unwrap()[..], &shuffled[..], "{} v{} via JSON", m.name(), version);
            }
        }
    }

    /// Issue 14 item 3, fuzz style: any body that decodes, at any version (the K20 versions 19, 20, 24
    /// included), is written back as the same bytes, so decode → encode → decode is a fixed point. Bodies are
    /// random bytes and mutated valid messages (QUERY_AGENT_STATE_CONF, AGENT_STATE_EVENT, OPEN_CONF, ... all types).
    #[test]
    fn decode_encode_is_a_fixed_point(
        seed in any::<u64>(),
        noise in prop::collection::vec(any::<u8>(), 0..300),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
    ) {
        for version in [15u32, 19, 20, 24] {
            for (i, t) in Message::TYPED.iter().enumerate() {
                let mut g = Gen::new(seed ^ (i as u64) << 16, version);
                let valid = random_message(i % MESSAGE_COUNT, &mut g);
                let fixed = Message::fixed_len_of(*t, version).unwrap_or(0);
                let mut padded = vec![0u8; fixed];
                padded.extend_from_slice(&noise);
                let mut bodies = vec![(*t, noise.clone()), (*t, padded)];
                if let Ok(b) = valid.to_bytes(version) {
                    let mut b = b[8..].to_vec();
                    for (at, x) in &flips {
                        if !b.is_empty() {
                            let n = b.len();
                            b[at % n] ^= x;
                        }
                    }
                    b.truncate(cut % (b.len() + 1));
                    bodies.push((valid.message_type(), b));
                }
                for (mt, body) in bodies {
                    let body = Bytes::from(body);
                    let Ok(first) = Message::decode_body(mt, &body, version) else { continue };
                    let Ok(bytes) = first.to_bytes(version) else { continue };
                    prop_assert_eq!(&bytes[8..], &body[..], "{} at v{}", first.name(), version);
                    let second = Message::decode_body(mt, &Bytes::copy_from_slice(&bytes[8..]), version)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(&second, &first);
                }
            }
        }
    }
}

/// Found by the `frame_and_message` fuzz target: an AgentPassword (tag 49) whose data has bytes after its NUL.
/// They are kept (the message is written back byte for byte) but, like the password, shown in JSON only when
/// secrets are revealed; `cti decode --show-secrets | cti encode` gives the same bytes.
#[test]
fn bytes_after_a_password_nul_are_kept_and_shown_only_with_secrets() {
    let bytes = hex("00000027 00000026
         00000013 00001388 0002 0000 0000 0032 00 00000001
         0006 0005 33303031 00
         0031 0005 00 00cd0000");
    let m = decode_one(&bytes, 24);
    let wire = m.wire().expect("a layout");
    assert_eq!(wire.data.len(), 1);
    assert!(wire.data[0].secret);
    // The suffix is everything after the (empty) value, its NUL included.
    assert_eq!(wire.data[0].suffix.as_bytes(), &hex("0000cd0000")[..]);
    assert_eq!(&m.to_bytes(24).unwrap()[..], &bytes[..]);
    let text = serde_json::to_string(&m).unwrap();
    assert!(!text.contains("suffix_hex"), "{text}");
    assert!(!text.contains("cd00"), "{text}");
    let shown = cti_proto::secret::reveal(|| serde_json::to_string(&m).unwrap());
    assert!(
        shown.contains(r#""suffix_hex":"0000cd0000","secret":true"#),
        "{shown}"
    );
    let back: Message = serde_json::from_str(&shown).unwrap();
    assert_eq!(back, m);
    assert_eq!(&back.to_bytes(24).unwrap()[..], &bytes[..]);
    // Redacted JSON fed back: the password was empty, so it is written, without the hidden suffix.
    let redacted: Message = serde_json::from_str(&text).unwrap();
    let plain = redacted.to_bytes(24).unwrap();
    assert_eq!(&plain[4..plain.len() - 5], &bytes[4..bytes.len() - 9]);
    assert_eq!(&plain[plain.len() - 5..], &hex("0031 0001 00")[..]);
}
