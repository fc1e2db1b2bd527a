//! Codec throughput of cti-proto on a realistic event stream (see BENCHMARKS.md at the repository root).
//!
//! The stream is a monitor-mode event flow at protocol version 24, encoded once before measuring. Per call:
//! BEGIN_CALL_EVENT (10 call variables, ANI, DNIS, connection device id, router call key, 5 ECC variables),
//! CALL_DELIVERED_EVENT, CALL_ESTABLISHED_EVENT, 2 × AGENT_STATE_EVENT (2 skill groups each), CALL_CLEARED_EVENT,
//! END_CALL_EVENT; plus one HEARTBEAT_CONF every 4 calls.
//!
//! Benchmarks, each reported twice (group `codec_bytes`: bytes/s; group `codec_msgs`: messages/s):
//! * `decode`: `FrameDecoder` + `Message::decode` of every frame (messages dropped);
//! * `frame_only`: `FrameDecoder` alone;
//! * `view`: `FrameDecoder` + the borrowed view (`MessageRef`) of every frame, reading what a recorder needs: the
//!   type, the ConnectionCallID and CallVariable1 and 2 (nothing allocated, nothing else decoded);
//! * `encode`: `Message::encode` of every message into a reused `BytesMut`;
//! * `memcpy_baseline`: copying the stream into a preallocated `Vec` (the physical floor).
//!
//! Run with `cargo bench -p cti-proto`.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use cti_proto::constants::{
    AGENT_AVAILABILITY_ICM_AVAILABLE, AGENT_MODE_ROUTABLE, AGENT_STATE_AVAILABLE,
    AGENT_STATE_TALKING, CALLTYPE_PREROUTE_ACD_IN, CEC_NEW_CALL, CEC_NONE, CONNECTION_ID_STATIC,
    DEVID_DEVICE_IDENTIFIER, DEVID_TRUNK_IDENTIFIER, LCS_ALERTING, LCS_CONNECT, LCS_NULL,
    LINETYPE_INBOUND_ACD, PT_ENTERPRISE_AGENT,
};
use cti_proto::message::{
    AgentSkillGroup, AgentStateEvent, BeginCallEvent, CallClearedEvent, CallDeliveredEvent,
    CallEstablishedEvent, EndCallEvent, HeartbeatConf,
};
use cti_proto::{CtiString, FrameDecoder, Message, MessageRef, NamedVariable};

/// Protocol version of the stream (UCCE 12.6: 2-byte floating tags and lengths).
const VERSION: u32 = 24;
/// Calls in the stream (about 1.3 MB).
const CALLS: u32 = 1000;
/// One HEARTBEAT_CONF every this many calls.
const HEARTBEAT_EVERY: u32 = 4;
const PERIPHERAL_ID: u32 = 5000;
const MONITOR_ID: u32 = 0;

fn s(v: impl Into<String>) -> CtiString {
    CtiString::from(v.into())
}

fn call_messages(call: u32, out: &mut Vec<Message>) {
    let call_id = 16_777_000 + call;
    let conn = format!("{call_id}");
    let ani = format!("408555{:04}", call % 10_000);
    let dnis = "8005550100";
    let agent = 1001 + call % 50;
    let ext = format!("5{agent:03}");

    let mut begin = BeginCallEvent::default();
    begin.monitor_id = MONITOR_ID;
    begin.peripheral_id = PERIPHERAL_ID;
    begin.peripheral_type = PT_ENTERPRISE_AGENT;
    begin.call_type = CALLTYPE_PREROUTE_ACD_IN;
    begin.connection_device_id_type = CONNECTION_ID_STATIC;
    begin.connection_call_id = call_id;
    begin.connection_device_id = Some(s(conn.clone()));
    begin.ani = Some(s(ani.clone()));
    begin.dnis = Some(s(dnis));
    begin.router_call_key_day = Some(152_340);
    begin.router_call_key_call_id = Some(2_000_000 + call);
    begin.router_call_key_sequence_number = Some(1);
    begin.call_variable_1 = Some(s(format!("ACCT-{:010}", 4_200_000 + call)));
    begin.call_variable_2 = Some(s("lang=en-US"));
    begin.call_variable_3 = Some(s("segment=gold"));
    begin.call_variable_4 = Some(s(format!("case#{:08}", 730_000 + call)));
    begin.call_variable_5 = Some(s("ivr_menu=billing"));
    begin.call_variable_6 = Some(s(format!("zip={:05}", 94_000 + call % 1000)));
    begin.call_variable_7 = Some(s("auth=pin-ok"));
    begin.call_variable_8 = Some(s(format!("queue_t={}s", 10 + call % 90)));
    begin.call_variable_9 = Some(s("campaign=spring26"));
    begin.call_variable_10 = Some(s(format!(
        "sess-{:012x}",
        0xA1B2_0000_u64 + u64::from(call)
    )));
    begin.named_variables = vec![
        NamedVariable::new("user.customer.id", format!("C-{:09}", 100_000 + call)),
        NamedVariable::new("user.language", "en-US"),
        NamedVariable::new("user.intent", "billing_dispute"),
        NamedVariable::new("user.callback.number", ani.clone()),
        NamedVariable::new("user.priority", "high"),
    ];
    out.push(begin.into());

    let mut delivered = CallDeliveredEvent::default();
    delivered.monitor_id = MONITOR_ID;
    delivered.peripheral_id = PERIPHERAL_ID;
    delivered.peripheral_type = PT_ENTERPRISE_AGENT;
    delivered.connection_device_id_type = CONNECTION_ID_STATIC;
    delivered.connection_call_id = call_id;
    delivered.line_type = LINETYPE_INBOUND_ACD;
    delivered.service_number = 100;
    delivered.service_id = 5001;
    delivered.skill_group_number = 210;
    delivered.skill_group_id = 5210;
    delivered.alerting_device_type = DEVID_DEVICE_IDENTIFIER;
    delivered.calling_device_type = DEVID_TRUNK_IDENTIFIER;
    delivered.called_device_type = DEVID_DEVICE_IDENTIFIER;
    delivered.last_redirect_device_type = DEVID_DEVICE_IDENTIFIER;
    delivered.local_connection_state = LCS_ALERTING;
    delivered.event_cause = CEC_NEW_CALL;
    delivered.connection_device_id = Some(s(conn.clone()));
    delivered.alerting_device_id = Some(s(ext.clone()));
    delivered.calling_device_id = Some(s(ani.clone()));
    delivered.called_device_id = Some(s(ext.clone()));
    delivered.last_redirect_device_id = Some(s("7001"));
    delivered.ani = Some(s(ani.clone()));
    delivered.dnis = Some(s(dnis));
    out.push(delivered.into());

    let mut established = CallEstablishedEvent::default();
    established.monitor_id = MONITOR_ID;
    established.peripheral_id = PERIPHERAL_ID;
    established.peripheral_type = PT_ENTERPRISE_AGENT;
    established.connection_device_id_type = CONNECTION_ID_STATIC;
    established.connection_call_id = call_id;
    established.line_type = LINETYPE_INBOUND_ACD;
    established.service_number = 100;
    established.service_id = 5001;
    established.skill_group_number = 210;
    established.skill_group_id = 5210;
    established.answering_device_type = DEVID_DEVICE_IDENTIFIER;
    established.calling_device_type = DEVID_TRUNK_IDENTIFIER;
    established.called_device_type = DEVID_DEVICE_IDENTIFIER;
    established.last_redirect_device_type = DEVID_DEVICE_IDENTIFIER;
    established.local_connection_state = LCS_CONNECT;
    established.event_cause = CEC_NONE;
    established.connection_device_id = Some(s(conn.clone()));
    established.answering_device_id = Some(s(ext.clone()));
    established.calling_device_id = Some(s(ani.clone()));
    established.called_device_id = Some(s(ext.clone()));
    established.last_redirect_device_id = Some(s("7001"));
    out.push(established.into());

    for (state, duration) in [
        (AGENT_STATE_TALKING, 0),
        (AGENT_STATE_AVAILABLE, 120 + call % 300),
    ] {
        let mut agent_state = AgentStateEvent::default();
        agent_state.monitor_id = MONITOR_ID;
        agent_state.peripheral_id = PERIPHERAL_ID;
        agent_state.session_id = 3000 + agent;
        agent_state.peripheral_type = PT_ENTERPRISE_AGENT;
        agent_state.skill_group_state = state;
        agent_state.state_duration = duration;
        agent_state.skill_group_number = 210;
        agent_state.skill_group_id = 5210;
        agent_state.agent_state = state;
        agent_state.num_tasks = u32::from(state == AGENT_STATE_TALKING);
        agent_state.agent_mode = AGENT_MODE_ROUTABLE;
        agent_state.max_task_limit = 1;
        agent_state.icm_agent_id = i32::try_from(agent).unwrap_or_default();
        agent_state.agent_availability_status = AGENT_AVAILABILITY_ICM_AVAILABLE;
        agent_state.department_id = Some(0);
        agent_state.agent_id = Some(s(format!("{agent}")));
        agent_state.agent_extension = Some(s(ext.clone()));
        agent_state.agent_instrument = Some(s(ext.clone()));
        agent_state.flt_skill_groups = [(210, 5210), (220, 5220)]
            .into_iter()
            .map(|(number, id)| {
                let mut g = AgentSkillGroup::default();
                g.skill_group_number = number;
                g.skill_group_id = id;
                g.skill_group_state = state;
                g
            })
            .collect();
        out.push(agent_state.into());
    }

    let mut cleared = CallClearedEvent::default();
    cleared.monitor_id = MONITOR_ID;
    cleared.peripheral_id = PERIPHERAL_ID;
    cleared.peripheral_type = PT_ENTERPRISE_AGENT;
    cleared.connection_device_id_type = CONNECTION_ID_STATIC;
    cleared.connection_call_id = call_id;
    cleared.local_connection_state = LCS_NULL;
    cleared.event_cause = CEC_NONE;
    cleared.connection_device_id = Some(s(conn.clone()));
    out.push(cleared.into());

    let mut end = EndCallEvent::default();
    end.monitor_id = MONITOR_ID;
    end.peripheral_id = PERIPHERAL_ID;
    end.peripheral_type = PT_ENTERPRISE_AGENT;
    end.connection_device_id_type = CONNECTION_ID_STATIC;
    end.connection_call_id = call_id;
    end.connection_device_id = Some(s(conn));
    out.push(end.into());

    if call % HEARTBEAT_EVERY == HEARTBEAT_EVERY - 1 {
        let mut heartbeat = HeartbeatConf::default();
        heartbeat.invoke_id = call / HEARTBEAT_EVERY;
        out.push(heartbeat.into());
    }
}

/// The messages and their encoding as one contiguous stream.
struct Fixture {
    messages: Vec<Message>,
    stream: Bytes,
}

impl Fixture {
    fn new() -> Result<Self, String> {
        let mut messages = Vec::new();
        for call in 0..CALLS {
            call_messages(call, &mut messages);
        }
        let mut buf = BytesMut::new();
        for m in &messages {
            m.encode(VERSION, &mut buf)
                .map_err(|e| format!("encoding {}: {e}", m.name()))?;
        }
        let fixture = Fixture {
            messages,
            stream: buf.freeze(),
        };
        fixture.check()?;
        Ok(fixture)
    }

    /// The stream decodes back to exactly the messages (so the timed loops measure the success path only).
    fn check(&self) -> Result<(), String> {
        let mut buf = BytesMut::from(&self.stream[..]);
        let mut decoder = FrameDecoder::default();
        let mut expected = self.messages.iter();
        while let Some(frame) = decoder.decode(&mut buf).map_err(|e| e.to_string())? {
            let m = Message::decode(&frame, VERSION).map_err(|e| e.to_string())?;
            if expected.next() != Some(&m) {
                return Err(format!("{} does not round-trip", m.name()));
            }
            // The view reads the same type, call id and call variables as the owned decode.
            let v = MessageRef::of(&frame, VERSION).map_err(|e| e.to_string())?;
            let vars = m.call_variables().unwrap_or_default();
            let owned = (
                m.message_type().0,
                m.connection().map(|c| c.call_id),
                vars[0].map(CtiString::as_bytes),
                vars[1].map(CtiString::as_bytes),
            );
            if glance(&v) != owned {
                return Err(format!("the view of {} differs from its decode", m.name()));
            }
        }
        if expected.next().is_some() || !buf.is_empty() {
            return Err("the stream does not hold every message".into());
        }
        Ok(())
    }

    fn print_summary(&self) {
        let (n, bytes) = (self.messages.len(), self.stream.len());
        println!(
            "stream: {n} messages, {bytes} bytes, {:.1} bytes/message, protocol version {VERSION}",
            f64::from(u32::try_from(bytes).unwrap_or(u32::MAX))
                / f64::from(u32::try_from(n).unwrap_or(u32::MAX))
        );
        let mut kinds: Vec<(&str, usize, usize)> = Vec::new();
        let mut buf = BytesMut::from(&self.stream[..]);
        let mut decoder = FrameDecoder::default();
        while let Ok(Some(frame)) = decoder.decode(&mut buf) {
            let name = frame.message_type.name().unwrap_or("UNKNOWN");
            match kinds.iter_mut().find(|k| k.0 == name) {
                Some(k) => {
                    k.1 += 1;
                    k.2 += frame.total_len();
                }
                None => kinds.push((name, 1, frame.total_len())),
            }
        }
        for (name, count, total) in kinds {
            println!(
                "  {name:<24} {count:>6} × {:>4} bytes avg",
                total / count.max(1)
            );
        }
    }
}

/// A fresh receive buffer holding the stream (built outside the timed part).
fn receive_buffer(stream: &Bytes) -> BytesMut {
    BytesMut::from(&stream[..])
}

/// Decodes every frame of `buf`; returns the emptied buffer so that freeing it is not timed.
fn decode_all(mut buf: BytesMut) -> (BytesMut, usize) {
    let mut decoder = FrameDecoder::default();
    let mut messages = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        if let Ok(m) = Message::decode(&frame, VERSION) {
            black_box(&m);
            messages += 1;
        }
    }
    (buf, messages)
}

/// What a recorder reads of one message through the view: type, call id, two call variables.
type Glance<'a> = (u32, Option<u32>, Option<&'a [u8]>, Option<&'a [u8]>);

fn glance<'a>(v: &MessageRef<'a>) -> Glance<'a> {
    (
        v.message_type().0,
        v.fixed_u32("connection_call_id"),
        v.call_variable(1),
        v.call_variable(2),
    )
}

/// Frames every message and reads, through the borrowed view, the type, the call id and two call variables.
fn view_all(mut buf: BytesMut) -> (BytesMut, usize) {
    let mut decoder = FrameDecoder::default();
    let mut messages = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        if let Ok(v) = MessageRef::of(&frame, VERSION) {
            black_box(glance(&v));
            messages += 1;
        }
    }
    (buf, messages)
}

fn frame_all(mut buf: BytesMut) -> (BytesMut, usize) {
    let mut decoder = FrameDecoder::default();
    let mut frames = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        black_box(&frame);
        frames += 1;
    }
    (buf, frames)
}

fn encode_all(messages: &[Message], buf: &mut BytesMut) -> usize {
    buf.clear();
    let mut failed = 0;
    for m in messages {
        if m.encode(VERSION, buf).is_err() {
            failed += 1;
        }
    }
    failed
}

fn codec(c: &mut Criterion) {
    let fixture = match Fixture::new() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("benchmark stream: {e}");
            std::process::exit(1);
        }
    };
    fixture.print_summary();
    let stream = &fixture.stream;
    let messages = &fixture.messages;
    let bytes = u64::try_from(stream.len()).unwrap_or(u64::MAX);
    let count = u64::try_from(messages.len()).unwrap_or(u64::MAX);

    for (group_name, throughput) in [
        ("codec_bytes", Throughput::Bytes(bytes)),
        ("codec_msgs", Throughput::Elements(count)),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(throughput);

        group.bench_function("decode", |b| {
            b.iter_batched(|| receive_buffer(stream), decode_all, BatchSize::LargeInput);
        });
        group.bench_function("view", |b| {
            b.iter_batched(|| receive_buffer(stream), view_all, BatchSize::LargeInput);
        });
        group.bench_function("frame_only", |b| {
            b.iter_batched(|| receive_buffer(stream), frame_all, BatchSize::LargeInput);
        });
        let mut out = BytesMut::with_capacity(stream.len());
        group.bench_function("encode", |b| {
            b.iter(|| encode_all(black_box(messages), &mut out));
        });
        let mut copy: Vec<u8> = Vec::with_capacity(stream.len());
        group.bench_function("memcpy_baseline", |b| {
            b.iter(|| {
                copy.clear();
                copy.extend_from_slice(black_box(&stream[..]));
                black_box(copy.as_ptr());
            });
        });
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = codec
}
criterion_main!(benches);
