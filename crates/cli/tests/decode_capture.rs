//! `cti decode` of pcap and pcapng captures: every line gains ts/src/dst/stream, each stream is decoded at its
//! OPEN_REQ's version, a stream joined mid-way is reported with the bytes skipped, `--port` adds a CTI port,
//! credentials are redacted unless `--show-secrets`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use std::net::SocketAddr;

use common::{cti, json_lines, text};
use cti_capture::{PcapWriter, PcapngWriter, TcpFlow, Timestamp};
use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{HeartbeatReq, OpenReq, SystemEvent};

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn open_req(version: u32) -> Message {
    let mut m = OpenReq::default();
    m.invoke_id = 1;
    m.version_number = version;
    m.services_requested = CTI_SERVICE_ALL_EVENTS;
    m.client_id = Some("rec".into());
    m.client_password = Some("hunter2".into());
    m.into()
}

fn heartbeat(id: u32) -> Vec<u8> {
    let mut m = HeartbeatReq::default();
    m.invoke_id = id;
    Message::from(m).to_bytes(24).unwrap().to_vec()
}

fn ts(n: u64) -> Timestamp {
    Timestamp::from_units(1_700_000_000_000_000 + n * 250_000, 1_000_000)
}

/// Side A at version 15 (from its OPEN_REQ), then a stream on port 50000 joined mid-message.
fn capture() -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new(), "test").unwrap();
    let ifc = w.add_interface("eth0").unwrap();
    let mut frames = Vec::new();
    let mut a = TcpFlow::new(addr("10.0.0.1:40000"), addr("10.0.0.2:42027"));
    frames.extend(a.handshake());
    let mut req = open_req(15).to_bytes(15).unwrap().to_vec();
    req.extend(heartbeat(2));
    frames.extend(req.chunks(9).flat_map(|c| a.data(true, c)));
    let mut other = TcpFlow::new(addr("10.0.0.1:40001"), addr("10.0.0.3:50000"));
    let mut sys = SystemEvent::default();
    sys.system_event_id = SYS_PERIPHERAL_ONLINE;
    let mut stream = Message::from(sys).to_bytes(24).unwrap().to_vec();
    stream.extend(heartbeat(7));
    stream.extend(heartbeat(8));
    frames.extend(other.data(false, stream.get(10..).unwrap()));
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(ifc, ts(i as u64), f).unwrap();
    }
    w.into_inner()
}

#[test]
fn a_pcapng_capture_decodes_with_endpoints_times_and_streams() {
    let out = cti(&["decode", "--port", "50000"], &capture());
    let (code, stdout, stderr) = text(&out);
    assert_eq!(code, Some(0), "{stderr}");
    let lines = json_lines(&stdout);
    let head: Vec<(String, String, String, u64, String)> = lines
        .iter()
        .map(|l| {
            (
                l["ts"].as_str().unwrap().to_owned(),
                l["src"].as_str().unwrap().to_owned(),
                l["dst"].as_str().unwrap().to_owned(),
                l["stream"].as_u64().unwrap(),
                l["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = |t: &str, src: &str, dst: &str, stream, ty: &str| {
        (
            t.to_owned(),
            src.to_owned(),
            dst.to_owned(),
            stream,
            ty.to_owned(),
        )
    };
    assert_eq!(
        head,
        vec![
            // OPEN_REQ (67 bytes at v15) ends in the 8th 9-byte segment (frame 10: 2.5 s), the heartbeat in frame 11.
            want(
                "2023-11-14T22:13:22.500000Z",
                "10.0.0.1:40000",
                "10.0.0.2:42027",
                0,
                "OPEN_REQ"
            ),
            want(
                "2023-11-14T22:13:22.750000Z",
                "10.0.0.1:40000",
                "10.0.0.2:42027",
                0,
                "HEARTBEAT_REQ"
            ),
            want(
                "2023-11-14T22:13:23.000000Z",
                "10.0.0.3:50000",
                "10.0.0.1:40001",
                1,
                "HEARTBEAT_REQ"
            ),
            want(
                "2023-11-14T22:13:23.000000Z",
                "10.0.0.3:50000",
                "10.0.0.1:40001",
                1,
                "HEARTBEAT_REQ"
            ),
        ]
    );
    assert_eq!(lines[0]["version_number"], 15);
    assert_eq!(lines[0]["client_id"], "rec");
    assert_eq!(lines[0]["client_password"], "<redacted>");
    assert_eq!(lines[2]["invoke_id"], 7);
    assert!(
        stderr.contains(
            "stream 1 10.0.0.3:50000 -> 10.0.0.1:40001 at stream offset 0: skipped 24 bytes to the next plausible"
        ),
        "{stderr}"
    );
    // Without --port the mid-stream connection on 50000 is not recognised (its first bytes are no header).
    let (code, stdout, _) = text(&cti(&["decode"], &capture()));
    assert_eq!(code, Some(0));
    assert_eq!(json_lines(&stdout).len(), 2);
    // --show-secrets prints the password.
    let (_, stdout, _) = text(&cti(&["decode", "--show-secrets"], &capture()));
    assert_eq!(json_lines(&stdout)[0]["client_password"], "hunter2");
}

#[test]
fn a_classic_pcap_without_open_req_uses_the_version_flag() {
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    let mut flow = TcpFlow::new(addr("10.0.0.1:40000"), addr("10.0.0.2:43027"));
    let mut frames = flow.handshake().to_vec();
    // HEARTBEAT_REQ has no floating part; an OPEN_CONF with a floating AgentExtension shows the width.
    let conf = "00000021 00000004 00000001 00000000 00000000 00000000 00000000 0000 0000 0000 04 05 3130303100";
    let conf = cti_proto::raw::decode_hex(conf).unwrap();
    frames.extend(flow.data(false, &conf));
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(ts(i as u64), f).unwrap();
    }
    let file = w.into_inner();
    let (code, stdout, stderr) = text(&cti(&["decode", "--version", "15"], &file));
    assert_eq!(code, Some(0), "{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["agent_extension"], "1001");
    assert_eq!(lines[0]["stream"], 0);
    // At the default version 24 the same bytes do not decode: reported, exit status 2.
    let (code, _, stderr) = text(&cti(&["decode"], &file));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "stream 0 10.0.0.2:43027 -> 10.0.0.1:40000 at stream offset 0 (version 24): OPEN_CONF"
        ),
        "{stderr}"
    );
}
