//! Builds a small CTI session, splits the bytes into 7-byte reads as a socket might deliver them, and decodes
//! them back, printing each message as JSON.
//!
//! `cargo run -p cti-proto --example decode_stream [VERSION]`

use bytes::BytesMut;
use cti_proto::constants::{
    BEGIN_CALL_MASK, CALL_DATA_UPDATE_MASK, CALLTYPE_ACD_IN, CONNECTION_ID_STATIC,
    CTI_SERVICE_ALL_EVENTS, END_CALL_MASK, NULL_PERIPHERAL_ID, PT_ENTERPRISE_AGENT,
};
use cti_proto::message::{BeginCallEvent, EndCallEvent, OpenReq};
use cti_proto::{FrameDecoder, Message, NamedVariable};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let version: u32 = std::env::args().nth(1).map_or(Ok(24), |v| v.parse())?;

    let mut open = OpenReq::default();
    open.invoke_id = 1;
    open.version_number = version;
    open.idle_timeout = 60;
    open.peripheral_id = NULL_PERIPHERAL_ID;
    open.services_requested = CTI_SERVICE_ALL_EVENTS;
    open.call_msg_mask = BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK;
    open.client_id = Some("example".into());
    open.client_password = Some("secret".into());

    let mut begin = BeginCallEvent::default();
    begin.peripheral_id = 5000;
    begin.peripheral_type = PT_ENTERPRISE_AGENT;
    begin.call_type = CALLTYPE_ACD_IN;
    begin.connection_device_id_type = CONNECTION_ID_STATIC;
    begin.connection_call_id = 0x0100_0001;
    begin.connection_device_id = Some("1001".into());
    begin.ani = Some("4085550123".into());
    begin.call_variable_1 = Some("ACCT-77812".into());
    begin
        .named_variables
        .push(NamedVariable::new("user.customer.tier", "gold"));

    let mut end = EndCallEvent::default();
    end.peripheral_id = 5000;
    end.connection_call_id = 0x0100_0001;
    end.connection_device_id = Some("1001".into());

    let mut wire = BytesMut::new();
    for m in [
        Message::from(open),
        Message::from(begin),
        Message::from(end),
    ] {
        m.encode(version, &mut wire)?;
    }
    println!("{} bytes at protocol version {version}", wire.len());

    let mut frames = FrameDecoder::default();
    let mut buf = BytesMut::new();
    for chunk in wire.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = frames.decode(&mut buf)? {
            let message = Message::decode(&frame, version)?;
            println!("{}", serde_json::to_string(&message)?);
        }
    }
    frames.finish(&buf)?;
    Ok(())
}
