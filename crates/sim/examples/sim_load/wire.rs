//! The messages the tool sends (OPEN_REQ, HEARTBEAT_REQ, CLOSE_REQ), what it reads of the replies, and
//! connecting.

use std::net::SocketAddr;

use bytes::BytesMut;
use cti_proto::constants::{
    AgentStateMask, CTI_SERVICE_ALL_EVENTS, CallMsgMask, MessageType, NULL_PERIPHERAL_ID,
    StatusCode,
};
use cti_proto::message::{CloseReq, HeartbeatReq, OpenReq};
use cti_proto::{Frame, FrameDecoder, Message};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::BoxError;

/// Protocol version every client speaks.
pub(crate) const VERSION: u32 = 24;

pub(crate) fn open_req(
    invoke_id: u32,
    client_id: &str,
    idle_timeout: u32,
    call_mask: CallMsgMask,
    agent_mask: AgentStateMask,
) -> Result<bytes::Bytes, BoxError> {
    let mut o = OpenReq::default();
    o.invoke_id = invoke_id;
    o.version_number = VERSION;
    o.idle_timeout = idle_timeout;
    o.peripheral_id = NULL_PERIPHERAL_ID;
    o.services_requested = CTI_SERVICE_ALL_EVENTS;
    o.call_msg_mask = call_mask;
    o.agent_state_mask = agent_mask;
    o.client_id = Some(client_id.into());
    o.client_password = Some("".into());
    Ok(Message::from(o).to_bytes(VERSION)?)
}

pub(crate) fn heartbeat_req(invoke_id: u32) -> Result<bytes::Bytes, BoxError> {
    let mut h = HeartbeatReq::default();
    h.invoke_id = invoke_id;
    Ok(Message::from(h).to_bytes(VERSION)?)
}

pub(crate) fn close_req(invoke_id: u32) -> Result<bytes::Bytes, BoxError> {
    let mut c = CloseReq::default();
    c.invoke_id = invoke_id;
    Ok(Message::from(c).to_bytes(VERSION)?)
}

/// The first UINT of a body (InvokeID of every CONF).
pub(crate) fn first_uint(frame: &Frame) -> Option<u32> {
    frame
        .body
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

/// FAILURE_CONF's Status (second UINT).
fn failure_status(frame: &Frame) -> Option<u32> {
    frame
        .body
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

pub(crate) fn status_name(status: u32) -> String {
    StatusCode(status)
        .name()
        .map_or_else(|| format!("status {status}"), str::to_owned)
}

pub(crate) async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// Reads until OPEN_CONF / FAILURE_CONF; frames after it stay in `buf`.
pub(crate) async fn await_open_answer(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    frames: &mut FrameDecoder,
    events: &mut u64,
) -> Result<Option<Result<(), u32>>, BoxError> {
    loop {
        while let Some(f) = frames.decode(buf)? {
            match f.message_type {
                MessageType::OPEN_CONF => return Ok(Some(Ok(()))),
                MessageType::FAILURE_CONF => {
                    return Ok(Some(Err(failure_status(&f).unwrap_or(0))));
                }
                _ => *events += 1,
            }
        }
        if stream.read_buf(buf).await? == 0 {
            return Ok(None);
        }
    }
}
