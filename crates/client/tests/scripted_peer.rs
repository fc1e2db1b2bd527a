//! The client against a scripted CTI Server built from `cti-proto` only (never from the simulator): the peer
//! sends exactly what a test says, so InvokeID correlation with replies out of order, request timeouts,
//! outstanding requests on a dropped connection, simplex reconnection, heartbeat timing and the OPEN_REQ bytes
//! are checked against exact values.

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
use cti_proto::message::{
    CloseConf, ControlFailureConf, FailureConf, HeartbeatConf, OpenConf, OpenReq,
    QueryAgentStateConf, QueryAgentStateReq,
};
use cti_proto::{Frame, FrameDecoder, Message};
use cti_sim::FineClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How long a test waits for anything before failing (tokio time: virtual when paused).
const WAIT: Duration = Duration::from_secs(600);
/// The protocol version the client requests by default.
const VERSION: u32 = 24;

/// One connection accepted by the scripted server.
struct Peer {
    stream: TcpStream,
    buf: BytesMut,
    frames: FrameDecoder,
}

impl Peer {
    async fn accept(listener: &TcpListener) -> Peer {
        let (stream, _) = tokio::time::timeout(WAIT, listener.accept())
            .await
            .expect("the client connects in time")
            .expect("accept");
        // Nagle would hold small writes for real milliseconds while paused time jumps ahead.
        stream.set_nodelay(true).unwrap();
        Peer {
            stream,
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
        }
    }

    /// The next message and its frame; `None` when the client closed the connection.
    async fn next(&mut self) -> Option<(Message, Frame)> {
        let read = async {
            loop {
                if let Some(f) = self.frames.decode(&mut self.buf).expect("client framing") {
                    let m = Message::decode(&f, VERSION).expect("client message decodes");
                    return Some((m, f));
                }
                match self.stream.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("a message from the client in time")
    }

    async fn send(&mut self, m: impl Into<Message>) {
        let bytes = m.into().to_bytes(VERSION).unwrap();
        self.stream.write_all(&bytes).await.unwrap();
    }

    /// Reads OPEN_REQ (returned with its frame) and grants it — OPEN_CONF with the services requested, an
    /// active session — or refuses it with a status the client may retry (E_CTI_CTI_SERVER_OFFLINE).
    async fn open(&mut self, grant: bool) -> (OpenReq, Frame) {
        let (m, f) = self.next().await.expect("OPEN_REQ");
        let Message::OpenReq(req) = m else {
            panic!("expected OPEN_REQ, got {m:?}")
        };
        if grant {
            let mut conf = OpenConf::default();
            conf.invoke_id = req.invoke_id;
            conf.services_granted = req.services_requested;
            conf.peripheral_online = true;
            conf.department_id = Some(0);
            conf.session_type = Some(SESSION_TYPE_ACTIVE);
            self.send(conf).await;
        } else {
            let mut fail = FailureConf::default();
            fail.invoke_id = req.invoke_id;
            fail.status = E_CTI_CTI_SERVER_OFFLINE;
            self.send(fail).await;
        }
        (*req, f)
    }

    async fn answer_heartbeat(&mut self, invoke_id: u32) {
        let mut c = HeartbeatConf::default();
        c.invoke_id = invoke_id;
        self.send(c).await;
    }

    async fn query(&mut self) -> (u32, String) {
        match self.next().await.expect("connection open").0 {
            Message::QueryAgentStateReq(q) => (q.invoke_id, text(q.agent_id.as_ref())),
            other => panic!("expected QUERY_AGENT_STATE_REQ, got {other:?}"),
        }
    }

    async fn answer_query(&mut self, invoke_id: u32, agent: &str) {
        let mut c = QueryAgentStateConf::default();
        c.invoke_id = invoke_id;
        c.agent_state = AGENT_STATE_AVAILABLE;
        c.agent_id = Some(agent.into());
        self.send(c).await;
    }
}

fn text(s: Option<&cti_proto::CtiString>) -> String {
    s.map(ToString::to_string).unwrap_or_default()
}

async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// A simplex configuration (no side B) for the scripted server.
fn config(listener: &TcpListener, heartbeat: i64) -> ClientConfig {
    ClientConfig::builder(listener.local_addr().unwrap().to_string())
        .credentials("scripted-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(heartbeat)
        .build()
        .unwrap()
}

fn query(agent_id: &str) -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = 5000;
    q.agent_id = Some(agent_id.into());
    q
}

/// QUERY_AGENT_STATE_REQ for `agent_id` from a task of its own (a caller among several).
fn spawn_query(client: &Client, agent_id: &str) -> JoinHandle<Result<Message, ClientError>> {
    let (c, q) = (client.clone(), query(agent_id));
    tokio::spawn(async move { c.request(q).await })
}

/// A request's outcome as a comparable label: `QUERY_AGENT_STATE_CONF <InvokeID> <AgentID>`, or the error's
/// kind and text (which carries Cisco's symbolic name).
fn outcome(r: &Result<Message, ClientError>) -> String {
    match r {
        Ok(Message::QueryAgentStateConf(c)) => {
            let agent = text(c.agent_id.as_ref());
            format!("QUERY_AGENT_STATE_CONF {} {agent}", c.invoke_id)
        }
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("{:?}: {e}", e.kind()),
    }
}

/// How many distinct values.
fn distinct(mut ids: Vec<u32>) -> usize {
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

/// The next client event, as a compact comparable label.
async fn event(ev: &mut Events) -> String {
    let e = tokio::time::timeout(WAIT, ev.next())
        .await
        .expect("an event in time")
        .expect("events open");
    match e {
        ClientEvent::Connecting { side } => format!("Connecting {}", side.name()),
        ClientEvent::AttemptFailed { side, reason } => {
            format!("AttemptFailed {} {reason}", side.name())
        }
        ClientEvent::Waiting { secs } => format!("Waiting {secs}"),
        ClientEvent::Connected { side, .. } => format!("Connected {}", side.name()),
        ClientEvent::Disconnected { side, reason } => {
            format!("Disconnected {} {reason}", side.name())
        }
        other => panic!("unexpected event {other:?}"),
    }
}

/// Starts a client and opens its session on the scripted server: the OPEN_REQ with its frame, and when the
/// OPEN_CONF was sent.
async fn connect(
    cfg: ClientConfig,
    listener: &TcpListener,
) -> (Client, Events, Peer, (OpenReq, Frame), Instant) {
    let (client, mut ev) = Client::start(cfg).unwrap();
    let mut peer = Peer::accept(listener).await;
    let open = peer.open(true).await;
    let opened = Instant::now();
    assert_eq!(event(&mut ev).await, "Connecting A");
    assert_eq!(event(&mut ev).await, "Connected A");
    (client, ev, peer, open, opened)
}

/// Closes the client: the peer answers CLOSE_REQ (and any heartbeat before it); the driver must stop, which
/// ends the event stream — with no event left unread (every reply went to its caller, none leaked out).
async fn close(client: Client, mut peer: Peer, mut ev: Events) {
    let closing = tokio::spawn(async move { client.close().await });
    loop {
        match peer.next().await {
            Some((Message::CloseReq(r), _)) => {
                assert_eq!(r.status, E_CTI_NO_ERROR);
                let mut c = CloseConf::default();
                c.invoke_id = r.invoke_id;
                peer.send(c).await;
                break;
            }
            Some((Message::HeartbeatReq(h), _)) => peer.answer_heartbeat(h.invoke_id).await,
            other => panic!("expected CLOSE_REQ, got {other:?}"),
        }
    }
    tokio::time::timeout(WAIT, closing)
        .await
        .expect("close returns")
        .unwrap();
    let rest = tokio::time::timeout(WAIT, ev.next())
        .await
        .expect("the driver stops");
    assert!(rest.is_none(), "{rest:?}");
}

#[tokio::test]
async fn replies_in_reverse_order_reach_exactly_their_callers() {
    let listener = listen().await;
    let (client, ev, mut peer, _, _) = connect(config(&listener, -1), &listener).await;
    let agents = ["a1", "a2", "a3", "a4", "a5"];
    let tasks: Vec<_> = agents.iter().map(|a| spawn_query(&client, a)).collect();
    // All five are outstanding at once before anything is answered.
    let mut got = Vec::new();
    for _ in 0..agents.len() {
        got.push(peer.query().await);
    }
    let ids = got.iter().map(|(id, _)| *id).collect();
    assert_eq!(distinct(ids), 5, "InvokeIDs pairwise distinct: {got:?}");
    let mut seen: Vec<&str> = got.iter().map(|(_, a)| a.as_str()).collect();
    seen.sort_unstable();
    assert_eq!(seen, agents);
    // Answer in the reverse order of arrival; a2 fails, a4 fails control.
    for (invoke_id, agent) in got.iter().rev() {
        match agent.as_str() {
            "a2" => {
                let mut f = FailureConf::default();
                f.invoke_id = *invoke_id;
                f.status = E_CTI_INVALID_PERIPHERAL_ID;
                peer.send(f).await;
            }
            "a4" => {
                let mut f = ControlFailureConf::default();
                f.invoke_id = *invoke_id;
                f.failure_code = CF_INVALID_AGENT_ID_SPECIFIED;
                f.peripheral_error_code = 42;
                peer.send(f).await;
            }
            a => peer.answer_query(*invoke_id, a).await,
        }
    }
    for (agent, task) in agents.iter().zip(tasks) {
        let sent_id = got.iter().find(|(_, a)| a == agent).unwrap().0;
        let want = match *agent {
            "a2" => "Failure: request failed: E_CTI_INVALID_PERIPHERAL_ID".to_owned(),
            "a4" => "ControlFailure: request failed: CF_INVALID_AGENT_ID_SPECIFIED (peripheral error 42)"
                .to_owned(),
            a => format!("QUERY_AGENT_STATE_CONF {sent_id} {a}"),
        };
        assert_eq!(outcome(&task.await.unwrap()), want, "{agent}");
    }
    close(client, peer, ev).await; // no reply leaked out as an event
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_request_times_out_after_exactly_the_request_timeout() {
    let _clock = FineClock::start();
    let listener = listen().await;
    let mut cfg = config(&listener, -1);
    cfg.request_timeout_secs = 10;
    let (client, ev, mut peer, _, _) = connect(cfg, &listener).await;
    let c = client.clone();
    let t0 = Instant::now();
    let pending = tokio::spawn(async move {
        let r = c.request(query("a1")).await;
        (r, t0.elapsed())
    });
    let (first_id, _) = peer.query().await; // never answered in time
    let (reply, waited) = pending.await.unwrap();
    assert_eq!(reply, Err(ClientError::Timeout(10)));
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(11),
        "{waited:?}"
    );
    // A late reply to the timed-out request must not be taken for the next request's reply.
    peer.answer_query(first_id, "a1").await;
    let second = spawn_query(&client, "a2");
    let (second_id, agent) = peer.query().await;
    assert_eq!(agent, "a2");
    assert_ne!(second_id, first_id);
    peer.answer_query(second_id, "a2").await;
    assert_eq!(
        outcome(&second.await.unwrap()),
        format!("QUERY_AGENT_STATE_CONF {second_id} a2")
    );
    // The late reply has no request waiting for it: it is dropped, not reported as a server event (the
    // close helper checks that nothing is left on the event stream).
    close(client, peer, ev).await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_fails_outstanding_requests_and_simplex_retries_side_a() {
    let _clock = FineClock::start();
    let listener = listen().await;
    let cfg = config(&listener, -1);
    assert_eq!(cfg.side_b, None);
    let (client, mut ev, mut peer, _, _) = connect(cfg, &listener).await;
    let tasks: Vec<_> = ["a1", "a2", "a3"]
        .iter()
        .map(|a| spawn_query(&client, a))
        .collect();
    for _ in 0..3 {
        peer.query().await;
    }
    let t0 = Instant::now();
    drop(peer);
    for t in tasks {
        assert_eq!(
            outcome(&t.await.unwrap()),
            "NotConnected: not connected: connection lost: the server closed the connection"
        );
    }
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    // Step 1 at once: the same side. No side B in a simplex configuration: A, wait N, A, wait 15 s, A.
    let lost = [event(&mut ev).await, event(&mut ev).await];
    assert_eq!(
        lost,
        [
            "Disconnected A the server closed the connection",
            "Connecting A"
        ]
    );
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    let refused = "AttemptFailed A E_CTI_CTI_SERVER_OFFLINE";
    Peer::accept(&listener).await.open(false).await;
    // N is drawn from 0..=expected clients / 10 = 0.
    let steps = [
        event(&mut ev).await,
        event(&mut ev).await,
        event(&mut ev).await,
    ];
    assert_eq!(steps, [refused, "Waiting 0", "Connecting A"]);
    Peer::accept(&listener).await.open(false).await;
    assert_eq!(
        [event(&mut ev).await, event(&mut ev).await],
        [refused, "Waiting 15"]
    );
    let waiting = Instant::now();
    assert_eq!(event(&mut ev).await, "Connecting A");
    let waited = waiting.elapsed();
    assert!(
        waited >= Duration::from_secs(15) && waited < Duration::from_secs(16),
        "{waited:?}"
    );
    let mut peer = Peer::accept(&listener).await;
    peer.open(true).await;
    assert_eq!(event(&mut ev).await, "Connected A");
    // The new session serves requests.
    let again = spawn_query(&client, "a1");
    let (id, _) = peer.query().await;
    peer.answer_query(id, "a1").await;
    let want = format!("QUERY_AGENT_STATE_CONF {id} a1");
    assert_eq!(outcome(&again.await.unwrap()), want);
    close(client, peer, ev).await;
}

/// Serves the session until `until`: answers HEARTBEAT_REQ and QUERY_AGENT_STATE_REQ and logs each arrival
/// as "NAME <s>s" (seconds after `opened`; exact to 20 ms, else in milliseconds); returns the log and the
/// InvokeIDs.
async fn serve(peer: &mut Peer, opened: Instant, until: Instant) -> (Vec<String>, Vec<u32>) {
    let (mut log, mut ids) = (Vec::new(), Vec::new());
    while let Ok(got) = tokio::time::timeout_at(until, peer.next()).await {
        let (m, _) = got.expect("the session stays open");
        let ms = opened.elapsed().as_millis();
        let at = if ms % 1000 < 20 {
            format!("{}s", ms / 1000)
        } else {
            format!("{ms}ms")
        };
        log.push(format!("{} {at}", m.name()));
        match m {
            Message::HeartbeatReq(h) => {
                ids.push(h.invoke_id);
                peer.answer_heartbeat(h.invoke_id).await;
            }
            Message::QueryAgentStateReq(q) => {
                ids.push(q.invoke_id);
                peer.answer_query(q.invoke_id, &text(q.agent_id.as_ref()))
                    .await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    (log, ids)
}

/// A session with 5 s heartbeats served until `secs` s after OPEN_CONF, with a request at `request_at` s if
/// given: what arrived at the peer, and when.
async fn heartbeat_timeline(secs: u64, request_at: Option<u64>) -> Vec<String> {
    let _clock = FineClock::start();
    let listener = listen().await;
    let (client, ev, mut peer, (req, _), opened) = connect(config(&listener, 5), &listener).await;
    assert_eq!(
        req.idle_timeout, 20,
        "IdleTimeout = 4 × the heartbeat interval"
    );
    let request = request_at.map(|at| {
        let c = client.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(opened + Duration::from_secs(at)).await;
            c.request(query("a1")).await
        })
    });
    let (log, ids) = serve(&mut peer, opened, opened + Duration::from_secs(secs)).await;
    assert_eq!(distinct(ids), log.len(), "InvokeIDs distinct: {log:?}");
    if let Some(r) = request {
        let r = r.await.unwrap();
        assert!(matches!(r, Ok(Message::QueryAgentStateConf(_))), "{r:?}");
    }
    // The status a dashboard or health check reads agrees with what the peer saw.
    let beats = log
        .iter()
        .filter(|l| l.starts_with("HEARTBEAT_REQ"))
        .count() as u64;
    let st = client.status();
    assert_eq!(st.side, Some(Side::A));
    // Virtual time moves in 1 ms ticks here (FineClock): allow one tick either way.
    let tick = Duration::from_millis(1);
    let at = st.connected_at.expect("connected");
    assert!(
        at.max(opened) - at.min(opened) <= tick,
        "{at:?} vs {opened:?}"
    );
    assert_eq!(st.sessions_opened, 1);
    assert_eq!(
        st.services_granted,
        CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL
    );
    assert_eq!((st.heartbeats_sent, st.heartbeats_answered), (beats, beats));
    assert!(st.last_heartbeat_rtt.is_some_and(|r| r <= tick), "{st:?}");
    assert_eq!(st.outstanding_requests, 0);
    close(client, peer, ev).await;
    log
}

#[tokio::test(start_paused = true)]
async fn heartbeats_go_out_after_each_interval_of_silence() {
    let log = heartbeat_timeline(18, None).await;
    assert_eq!(
        log,
        ["HEARTBEAT_REQ 5s", "HEARTBEAT_REQ 10s", "HEARTBEAT_REQ 15s"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_postpones_the_next_heartbeat() {
    // Sent something at 7 s: the next heartbeat is due 5 s later, at 12 s (not 10 s), then 17 s.
    let log = heartbeat_timeline(18, Some(7)).await;
    assert_eq!(
        log,
        [
            "HEARTBEAT_REQ 5s",
            "QUERY_AGENT_STATE_REQ 7s",
            "HEARTBEAT_REQ 12s",
            "HEARTBEAT_REQ 17s"
        ]
    );
}

/// The floating fields of a v20+ body from `from` on: (tag, data), 2-byte tag and 2-byte length.
fn floating_fields(body: &[u8], from: usize) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = from;
    while i < body.len() {
        let tag = u16::from_be_bytes([body[i], body[i + 1]]);
        let len = usize::from(u16::from_be_bytes([body[i + 2], body[i + 3]]));
        out.push((tag, body[i + 4..i + 4 + len].to_vec()));
        i += 4 + len;
    }
    out
}

#[tokio::test]
async fn open_req_carries_the_configured_identity_version_and_generic_masks() {
    let listener = listen().await;
    let (client, ev, peer, (req, frame), _) = connect(config(&listener, -1), &listener).await;
    assert_eq!(frame.message_type, MessageType::OPEN_REQ);
    assert_eq!(text(req.client_id.as_ref()), "scripted-test");
    let password = req.client_password.as_ref().map(|p| p.expose().len());
    assert_eq!(password, Some(0), "ClientPassword present and empty");
    let generic = BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK;
    assert_eq!((req.version_number, req.call_msg_mask), (24, generic));
    let services = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    assert_eq!(
        (req.services_requested, req.peripheral_id),
        (services, NULL_PERIPHERAL_ID)
    );
    assert_eq!(req.idle_timeout, 0xFFFF_FFFF, "heartbeats disabled");
    let masks = (req.agent_state_mask, req.config_msg_mask);
    assert_eq!(masks, (AgentStateMask(0), ConfigMsgMask(0)));
    // On the wire: 11 UINTs of fixed part, then exactly ClientID (tag 1, NUL-terminated) and ClientPassword
    // (tag 2, length 0) — nothing else (no signature, no agent fields).
    assert_eq!(frame.body.len(), 44 + 4 + 14 + 4);
    assert_eq!(
        floating_fields(&frame.body, 44),
        vec![
            (CLIENT_ID_TAG.0, b"scripted-test\0".to_vec()),
            (CLIENT_PASSWORD_TAG.0, Vec::new())
        ]
    );
    close(client, peer, ev).await;
}
