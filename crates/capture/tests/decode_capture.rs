//! Hand-made captures through the reader and the decoder: segments split inside headers, retransmitted,
//! reordered; a capture that joins the stream mid-message; the version taken from OPEN_REQ; streams found by
//! port and by content; pcap and pcapng; hostile files refused without a panic.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "test code"
)]

use std::net::SocketAddr;

use cti_capture::{
    CaptureDecoder, CaptureError, CaptureEvent, CaptureReader, DecoderConfig, PcapWriter,
    PcapngWriter, TcpFlow, Timestamp,
};
use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{HeartbeatReq, OpenConf, OpenReq, SystemEvent};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn open_req(version: u32) -> Message {
    let mut m = OpenReq::default();
    m.invoke_id = 1;
    m.version_number = version;
    m.idle_timeout = 60;
    m.services_requested = CTI_SERVICE_ALL_EVENTS;
    m.client_id = Some("capture-test".into());
    m.client_signature = Some("capture-test".into());
    m.into()
}

fn heartbeat(id: u32) -> Message {
    let mut m = HeartbeatReq::default();
    m.invoke_id = id;
    m.into()
}

fn system_event() -> Message {
    let mut m = SystemEvent::default();
    m.system_event_id = SYS_PERIPHERAL_ONLINE;
    m.system_event_arg_1 = 5000;
    m.into()
}

fn open_conf() -> Message {
    let mut m = OpenConf::default();
    m.invoke_id = 1;
    m.agent_extension = Some("1001".into());
    m.into()
}

fn bytes(ms: &[Message], version: u32) -> Vec<u8> {
    ms.iter()
        .flat_map(|m| m.to_bytes(version).unwrap().to_vec())
        .collect()
}

fn ts(n: u64) -> Timestamp {
    Timestamp::from_units(1_700_000_000_000_000 + n * 1000, 1_000_000)
}

fn decode(file: &[u8], config: DecoderConfig) -> Vec<CaptureEvent> {
    let mut reader = CaptureReader::new(file).expect("a capture");
    let mut decoder = CaptureDecoder::new(config);
    let mut events = Vec::new();
    let mut last = Timestamp::default();
    while let Some(p) = reader.next_packet().expect("readable") {
        last = p.ts;
        decoder.push(&p, &mut events);
    }
    decoder.finish(last, &mut events);
    events
}

/// (stream, src, message JSON) of every message.
type Messages = Vec<(u32, String, String)>;

/// The messages; the skips as (stream, bytes).
fn summary(events: &[CaptureEvent]) -> (Messages, Vec<(u32, u64)>) {
    let mut ms = Vec::new();
    let mut skips = Vec::new();
    for e in events {
        match e {
            CaptureEvent::Message {
                origin, message, ..
            } => ms.push((
                origin.stream,
                origin.src.to_string(),
                serde_json::to_string(message.as_ref().expect("decodes")).unwrap(),
            )),
            CaptureEvent::Skipped { origin, bytes } => skips.push((origin.stream, *bytes)),
            _ => {}
        }
    }
    (ms, skips)
}

/// The JSON of `m` as it reads back at `version`.
fn json_at(m: &Message, version: u32) -> String {
    let b = m.to_bytes(version).unwrap();
    let frame = cti_proto::Frame {
        message_type: m.message_type(),
        body: b.slice(8..),
    };
    serde_json::to_string(&Message::decode(&frame, version).unwrap()).unwrap()
}

fn json(m: &Message) -> String {
    json_at(m, 24)
}

#[test]
fn split_retransmitted_and_reordered_segments_in_pcapng_at_the_open_req_version() {
    let client = addr("10.1.1.5:50123");
    let server = addr("10.1.1.9:42027");
    let mut flow = TcpFlow::new(client, server);
    let mut frames = flow.handshake().to_vec();
    // The client's OPEN_REQ (version 15: 1-byte floating tags) in segments of 5 bytes (the header is cut),
    // sent out of order and one twice.
    let requests = bytes(&[open_req(15), heartbeat(2)], 15);
    let mut segs: Vec<Vec<u8>> = requests
        .chunks(5)
        .flat_map(|c| flow.data(true, c))
        .collect();
    segs.swap(1, 3);
    segs.swap(4, 5);
    let again = segs[2].clone();
    segs.insert(6, again);
    frames.extend(segs);
    let replies = bytes(&[open_conf(), system_event()], 15);
    let mut segs: Vec<Vec<u8>> = replies
        .chunks(7)
        .flat_map(|c| flow.data(false, c))
        .collect();
    segs.reverse();
    frames.extend(segs);
    frames.push(flow.fin(true));

    let mut w = PcapngWriter::new(Vec::new(), "test").unwrap();
    let ifc = w.add_interface("client side").unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(ifc, ts(i as u64), f).unwrap();
    }
    let events = decode(&w.into_inner(), DecoderConfig::default());
    let (ms, skips) = summary(&events);
    assert_eq!(skips, vec![]);
    let want = vec![
        (0, client.to_string(), json_at(&open_req(15), 15)),
        (0, client.to_string(), json_at(&heartbeat(2), 15)),
        (0, server.to_string(), json_at(&open_conf(), 15)),
        (0, server.to_string(), json_at(&system_event(), 15)),
    ];
    assert_eq!(ms, want);
    for e in &events {
        if let CaptureEvent::Message { version, .. } = e {
            assert_eq!(*version, 15);
        }
    }
}

#[test]
fn a_capture_joined_mid_stream_skips_to_the_next_header_and_says_how_far() {
    let client = addr("10.1.1.5:50123");
    let server = addr("10.1.1.9:43027");
    let mut flow = TcpFlow::new(client, server);
    let stream = bytes(
        &[system_event(), heartbeat(7), heartbeat(8), system_event()],
        24,
    );
    // The capture starts 13 bytes into the first message (no handshake): 34 - 13 = 21 bytes skipped.
    let first_len = system_event().to_bytes(24).unwrap().len();
    let frames: Vec<Vec<u8>> = stream
        .chunks(13)
        .flat_map(|c| flow.data(false, c))
        .skip(1)
        .collect();
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(ts(i as u64), f).unwrap();
    }
    let events = decode(&w.into_inner(), DecoderConfig::default());
    let (ms, skips) = summary(&events);
    assert_eq!(skips, vec![(0, (first_len - 13) as u64)]);
    let got: Vec<String> = ms.into_iter().map(|(_, _, j)| j).collect();
    assert_eq!(
        got,
        vec![
            json(&heartbeat(7)),
            json(&heartbeat(8)),
            json(&system_event())
        ]
    );
}

#[test]
fn streams_are_found_by_port_and_by_content_and_other_traffic_is_ignored() {
    let mut w = PcapngWriter::new(Vec::new(), "test").unwrap();
    let ifc = w.add_interface("eth0").unwrap();
    let mut n = 0;
    let mut put = |w: &mut PcapngWriter<Vec<u8>>, frames: Vec<Vec<u8>>| {
        for f in frames {
            w.write_packet(ifc, ts(n), &f).unwrap();
            n += 1;
        }
    };
    // HTTP on port 80: not GED-188.
    let mut http = TcpFlow::new(addr("10.0.0.1:40000"), addr("10.0.0.2:80"));
    let mut f = http.handshake().to_vec();
    f.extend(http.data(true, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    put(&mut w, f);
    // GED-188 on port 50000: found by its content, and only with --port when content detection is off.
    let mut odd = TcpFlow::new(addr("10.0.0.1:40001"), addr("10.0.0.2:50000"));
    let mut f = odd.handshake().to_vec();
    f.extend(odd.data(true, &bytes(&[open_req(24), heartbeat(2)], 24)));
    put(&mut w, f);
    // GED-188 on 42027.
    let mut side_a = TcpFlow::new(addr("10.0.0.1:40002"), addr("10.0.0.3:42027"));
    let mut f = side_a.handshake().to_vec();
    f.extend(side_a.data(true, &bytes(&[heartbeat(3)], 24)));
    put(&mut w, f);
    let file = w.into_inner();

    let (ms, _) = summary(&decode(&file, DecoderConfig::default()));
    let streams: Vec<(u32, String)> = ms.iter().map(|(s, src, _)| (*s, src.clone())).collect();
    assert_eq!(
        streams,
        vec![
            (0, "10.0.0.1:40001".to_owned()),
            (0, "10.0.0.1:40001".to_owned()),
            (1, "10.0.0.1:40002".to_owned())
        ]
    );
    let no_content = DecoderConfig {
        by_content: false,
        ..DecoderConfig::default()
    };
    assert_eq!(summary(&decode(&file, no_content.clone())).0.len(), 1);
    let with_port = DecoderConfig {
        ports: vec![42027, 43027, 50000],
        ..no_content
    };
    assert_eq!(summary(&decode(&file, with_port)).0.len(), 3);
}

#[test]
fn a_reconnect_from_the_same_port_is_a_new_stream() {
    let client = addr("10.0.0.1:40000");
    let server = addr("10.0.0.2:42027");
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    let mut n = 0;
    for _ in 0..2 {
        let mut flow = TcpFlow::new(client, server);
        let mut f = flow.handshake().to_vec();
        f.extend(flow.data(true, &bytes(&[heartbeat(1)], 24)));
        f.push(flow.fin(true));
        for frame in f {
            w.write_packet(ts(n), &frame).unwrap();
            n += 1;
        }
    }
    let (ms, _) = summary(&decode(&w.into_inner(), DecoderConfig::default()));
    let streams: Vec<u32> = ms.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(streams, vec![0, 1]);
}

#[test]
fn hostile_files_are_refused_without_panicking() {
    // A pcap record announcing 4 GiB.
    let mut file = PcapWriter::new(Vec::new()).unwrap().into_inner();
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&u32::MAX.to_le_bytes());
    file.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut r = CaptureReader::new(&file[..]).unwrap();
    assert!(
        matches!(r.next_packet(), Err(CaptureError::BadLength { length, .. }) if length == u64::from(u32::MAX))
    );
    // Not a capture.
    assert!(matches!(
        CaptureReader::new(&b"hello world"[..]),
        Err(CaptureError::NotACapture(0x6865_6c6c))
    ));
    // Every truncation and many byte flips of a valid pcapng: errors or events, never a panic.
    let mut flow = TcpFlow::new(addr("10.0.0.1:40000"), addr("10.0.0.2:42027"));
    let mut w = PcapngWriter::new(Vec::new(), "t").unwrap();
    let ifc = w.add_interface("x").unwrap();
    for f in flow
        .handshake()
        .into_iter()
        .chain(flow.data(true, &bytes(&[open_req(24), system_event()], 24)))
    {
        w.write_packet(ifc, ts(0), &f).unwrap();
    }
    let good = w.into_inner();
    let run = |file: &[u8]| {
        let Ok(mut r) = CaptureReader::new(file) else {
            return;
        };
        let mut d = CaptureDecoder::new(DecoderConfig::default());
        let mut out = Vec::new();
        while let Ok(Some(p)) = r.next_packet() {
            d.push(&p, &mut out);
        }
        d.finish(Timestamp::default(), &mut out);
    };
    for cut in 0..good.len() {
        run(&good[..cut]);
    }
    let mut state = 0x1234_5678_u64;
    for _ in 0..3000 {
        let mut bad = good.clone();
        for _ in 0..4 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let at = (state >> 33) as usize % bad.len();
            bad[at] = (state >> 20) as u8;
        }
        run(&bad);
    }
}

#[test]
fn a_stream_found_by_content_starts_in_step_from_its_handshake() {
    // Port 50000, so the stream is found by content, at its first payload (after the handshake). The client's
    // OPEN_REQ is its only message: it is known complete without a header after it, and so comes out when its
    // segment is read, not at the end of the capture with the end's time.
    let mut w = PcapngWriter::new(Vec::new(), "test").unwrap();
    let ifc = w.add_interface("eth0").unwrap();
    let mut flow = TcpFlow::new(addr("10.0.0.1:40001"), addr("10.0.0.2:50000"));
    let mut frames = flow.handshake().to_vec();
    frames.extend(flow.data(false, &bytes(&[open_conf(), system_event()], 24)));
    frames.extend(flow.data(true, &bytes(&[open_req(24)], 24)));
    frames.extend(flow.data(false, &bytes(&[system_event()], 24)));
    for (n, f) in frames.iter().enumerate() {
        w.write_packet(ifc, ts(n as u64), f).unwrap();
    }
    let file = w.into_inner();
    let mut reader = CaptureReader::new(&file[..]).unwrap();
    let mut decoder = CaptureDecoder::new(DecoderConfig::default());
    let mut seen = Vec::new();
    while let Some(p) = reader.next_packet().unwrap() {
        let mut events = Vec::new();
        decoder.push(&p, &mut events);
        for e in events {
            let CaptureEvent::Message {
                origin, message, ..
            } = e
            else {
                panic!("nothing skipped: {e:?}")
            };
            seen.push((origin.ts, message.unwrap().name()));
        }
    }
    let mut rest = Vec::new();
    decoder.finish(ts(99), &mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(
        seen,
        vec![
            (ts(3), "OPEN_CONF"),
            (ts(3), "SYSTEM_EVENT"),
            (ts(4), "OPEN_REQ"),
            (ts(5), "SYSTEM_EVENT")
        ]
    );
}
