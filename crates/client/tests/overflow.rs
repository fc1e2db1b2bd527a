//! Back-pressure: a consumer that stops reading its events. Against a scripted CTI Server (cti-proto only) on
//! virtual time: the client buffers at most `event_queue` events, then resets the session (memory stays
//! bounded), fails the outstanding request, counts the overflow, answers requests and close while it waits for
//! the consumer, and once the consumer reads reports exactly Overflow, Disconnected, Connecting (same side, as
//! soon as half the queue is free, not before) and Connected.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use bytes::BytesMut;
use cti_client::{Client, ClientConfig, ClientError, ClientEvent, Events, Side};
use cti_proto::constants::*;
use cti_proto::message::{CloseConf, OpenConf, QueryAgentStateReq, SystemEvent};
use cti_proto::{FrameDecoder, Message};
use cti_sim::FineClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const WAIT: Duration = Duration::from_secs(600);
const VERSION: u32 = 24;
const CAPACITY: usize = 4;

struct Peer {
    stream: TcpStream,
    buf: BytesMut,
    frames: FrameDecoder,
}

impl Peer {
    /// Accepts the client's connection and opens its session.
    async fn open(listener: &TcpListener) -> Peer {
        let (stream, _) = tokio::time::timeout(WAIT, listener.accept())
            .await
            .expect("the client connects in time")
            .unwrap();
        stream.set_nodelay(true).unwrap();
        let mut peer = Peer {
            stream,
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
        };
        let Some(Message::OpenReq(req)) = peer.next().await else {
            panic!("expected OPEN_REQ")
        };
        let mut conf = OpenConf::default();
        conf.invoke_id = req.invoke_id;
        conf.services_granted = req.services_requested;
        conf.peripheral_online = true;
        peer.send(conf).await;
        peer
    }

    /// The next message; `None` once the client closed or reset the connection.
    async fn next(&mut self) -> Option<Message> {
        let read = async {
            loop {
                if let Some(f) = self.frames.decode(&mut self.buf).unwrap() {
                    return Some(Message::decode(&f, VERSION).unwrap());
                }
                match self.stream.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(WAIT, read).await.expect("in time")
    }

    async fn send(&mut self, m: impl Into<Message>) {
        let bytes = m.into().to_bytes(VERSION).unwrap();
        self.stream.write_all(&bytes).await.unwrap();
    }

    /// SYSTEM_EVENTs numbered `from..to` (in SystemEventArg1), in one write.
    async fn system_events(&mut self, from: u32, to: u32) {
        let mut all = Vec::new();
        for n in from..to {
            let mut e = SystemEvent::default();
            e.system_event_arg_1 = n;
            all.extend_from_slice(&Message::from(e).to_bytes(VERSION).unwrap());
        }
        self.stream.write_all(&all).await.unwrap();
    }
}

fn config(listener: &TcpListener) -> ClientConfig {
    ClientConfig::builder(listener.local_addr().unwrap().to_string())
        .credentials("overflow-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .event_queue(CAPACITY)
        .build()
        .unwrap()
}

fn query() -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = 5000;
    q.agent_id = Some("1001".into());
    q
}

/// The next event as a comparable label (`None` once the stream ended).
async fn event(ev: &mut Events) -> Option<String> {
    let e = tokio::time::timeout(WAIT, ev.next())
        .await
        .expect("in time")?;
    Some(match e {
        ClientEvent::Connecting { side } => format!("Connecting {}", side.name()),
        ClientEvent::Connected { side, .. } => format!("Connected {}", side.name()),
        ClientEvent::Disconnected { side, reason } => {
            format!("Disconnected {} {reason}", side.name())
        }
        ClientEvent::Overflow { side, capacity } => format!("Overflow {} {capacity}", side.name()),
        ClientEvent::Message(Message::SystemEvent(s)) => {
            format!("SYSTEM_EVENT {}", s.system_event_arg_1)
        }
        other => panic!("unexpected {other:?}"),
    })
}

/// A client whose session is open, whose consumer then stops reading while the server sends 10 events with a
/// request outstanding: the session is reset (seen by the peer) and the request fails.
async fn overflowed(listener: &TcpListener) -> (Client, Events) {
    let (client, mut ev) = Client::start(config(listener)).unwrap();
    let mut peer = Peer::open(listener).await;
    assert_eq!(event(&mut ev).await.as_deref(), Some("Connecting A"));
    assert_eq!(event(&mut ev).await.as_deref(), Some("Connected A"));
    let c = client.clone();
    let pending = tokio::spawn(async move { c.request(query()).await });
    assert!(matches!(
        peer.next().await,
        Some(Message::QueryAgentStateReq(_))
    ));
    // The consumer reads nothing from here on.
    peer.system_events(0, 10).await;
    assert!(peer.next().await.is_none(), "the client resets the session");
    assert_eq!(
        pending.await.unwrap(),
        Err(ClientError::Overflow { capacity: CAPACITY })
    );
    let st = client.status();
    assert_eq!((st.event_overflows, st.side), (1, None));
    assert_eq!(st.sessions_opened, 1);
    (client, ev)
}

#[tokio::test(start_paused = true)]
async fn a_consumer_that_falls_behind_gets_its_session_reset_then_reconnected() {
    let _clock = FineClock::start();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, mut ev) = overflowed(&listener).await;
    // While the consumer is behind: no reconnection, requests answered at once.
    let again = tokio::time::timeout(Duration::from_secs(2), listener.accept()).await;
    assert!(again.is_err(), "no attempt before the consumer reads");
    let refused = client.request(query()).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "not connected: event queue full: waiting for the consumer to read before reconnecting"
    );
    // The consumer reads again: exactly the capacity of events, then the overflow and the reconnection.
    let mut seen = Vec::new();
    for _ in 0..CAPACITY + 3 {
        seen.push(event(&mut ev).await.unwrap());
    }
    assert_eq!(
        seen,
        [
            "SYSTEM_EVENT 0",
            "SYSTEM_EVENT 1",
            "SYSTEM_EVENT 2",
            "SYSTEM_EVENT 3",
            "Overflow A 4",
            "Disconnected A event queue full (4 events unread): session reset",
            "Connecting A",
        ]
    );
    let mut peer = Peer::open(&listener).await;
    assert_eq!(event(&mut ev).await.as_deref(), Some("Connected A"));
    let st = client.status();
    assert_eq!(
        (st.event_overflows, st.side, st.sessions_opened),
        (1, Some(Side::A), 2)
    );
    // The new session serves events again.
    peer.system_events(10, 11).await;
    assert_eq!(event(&mut ev).await.as_deref(), Some("SYSTEM_EVENT 10"));
    // Close: CLOSE_REQ answered, then the stream ends with nothing left over.
    let closing = tokio::spawn(async move { client.close().await });
    let Some(Message::CloseReq(r)) = peer.next().await else {
        panic!("expected CLOSE_REQ")
    };
    let mut cc = CloseConf::default();
    cc.invoke_id = r.invoke_id;
    peer.send(cc).await;
    closing.await.unwrap();
    assert_eq!(event(&mut ev).await, None);
}

#[tokio::test(start_paused = true)]
async fn close_while_waiting_for_the_consumer_stops_the_client() {
    let _clock = FineClock::start();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, mut ev) = overflowed(&listener).await;
    tokio::time::timeout(WAIT, client.close())
        .await
        .expect("close returns while the queue is full");
    assert_eq!(
        client.request(query()).await,
        Err(ClientError::Closed),
        "the driver has stopped"
    );
    let mut rest = Vec::new();
    while let Some(e) = event(&mut ev).await {
        rest.push(e);
    }
    assert_eq!(
        rest,
        [
            "SYSTEM_EVENT 0",
            "SYSTEM_EVENT 1",
            "SYSTEM_EVENT 2",
            "SYSTEM_EVENT 3"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn after_an_overflow_the_client_reconnects_only_once_half_the_queue_is_read() {
    let _clock = FineClock::start();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (client, mut ev) = overflowed(&listener).await;
    // Reading one event makes room for Overflow, the next for Disconnected: the queue is full again.
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(event(&mut ev).await.unwrap());
    }
    assert_eq!(seen, ["SYSTEM_EVENT 0", "SYSTEM_EVENT 1", "SYSTEM_EVENT 2"]);
    // One slot of four is free: a session opened now would overflow again at once, so there is no attempt.
    let early = tokio::time::timeout(Duration::from_secs(30), listener.accept()).await;
    assert!(
        early.is_err(),
        "no attempt while less than half the queue is free"
    );
    let refused = client.request(query()).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "not connected: event queue full: waiting for the consumer to read before reconnecting"
    );
    // The fourth read frees half the queue: the client reconnects.
    assert_eq!(event(&mut ev).await.as_deref(), Some("SYSTEM_EVENT 3"));
    let _peer = Peer::open(&listener).await;
    let mut rest = Vec::new();
    for _ in 0..4 {
        rest.push(event(&mut ev).await.unwrap());
    }
    assert_eq!(
        rest,
        [
            "Overflow A 4",
            "Disconnected A event queue full (4 events unread): session reset",
            "Connecting A",
            "Connected A",
        ]
    );
    assert_eq!(client.status().sessions_opened, 2);
}
