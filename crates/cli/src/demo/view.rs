//! The dashboard's picture: connection panel, event-rate sparkline, agents and calls tables, event feed and
//! help line, drawn from a [`Demo`] and the dashboard's own [`Screen`] state. Pure: the same state draws the same
//! frame, so it is tested on ratatui's `TestBackend` and the README's capture comes from the same code.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use cti_demo::Demo;
use cti_model::CallState;
use cti_session::lines::{Tone, kind, readable, tone};
use cti_sim::{FailMode, SideState};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table};
use serde_json::Value;

/// Lines kept in the event feed.
const FEED_LINES: usize = 200;

/// What the dashboard shows besides the demo's own state: the event feed and the last action's outcome.
#[derive(Debug, Default)]
pub struct Screen {
    feed: VecDeque<(String, String)>,
    notice: Option<String>,
}

impl Screen {
    /// Adds lines to the feed (oldest dropped beyond [`FEED_LINES`]).
    pub fn push(&mut self, lines: impl IntoIterator<Item = Value>) {
        for v in lines {
            self.feed.push_back((kind(&v).to_owned(), readable(&v)));
            if self.feed.len() > FEED_LINES {
                self.feed.pop_front();
            }
        }
    }

    /// Shows `text` on the help line until the next action.
    pub fn notice(&mut self, text: impl Into<String>) {
        self.notice = Some(text.into());
    }
}

/// `hh:mm:ss`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `m:ss` ago.
fn ago(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<11}"), Style::new().fg(Color::DarkGray))
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame, demo: &Demo, screen: &Screen) {
    let [top, middle, feed, help] = Layout::vertical([
        Constraint::Length(9),
        Constraint::Min(8),
        Constraint::Length(8),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let [connection, rate] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
    let [agents, calls] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(middle);
    draw_connection(frame, connection, demo);
    draw_rate(frame, rate, demo);
    let device_agent = device_agents(demo);
    draw_agents(frame, agents, demo);
    draw_calls(frame, calls, demo, &device_agent);
    draw_feed(frame, feed, screen);
    draw_help(frame, help, screen);
}

fn draw_connection(frame: &mut Frame, area: Rect, demo: &Demo) {
    let st = demo.client_status();
    let sim = demo.sim();
    let status = sim.status();
    let now = tokio::time::Instant::now();
    let side = match st.side {
        Some(s) => Span::styled(
            format!("{} (active)", s.name()),
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        ),
        None => Span::styled("connecting…", Style::new().fg(Color::Yellow)),
    };
    let sides: Vec<String> = status
        .sides
        .iter()
        .map(|s| {
            let state = match s.state {
                SideState::Active => "active",
                SideState::Idle => "idle",
                SideState::Failed(FailMode::Refuse) => "failed (refuse)",
                SideState::Failed(FailMode::Reset) => "failed (reset)",
            };
            format!("{}: {state}", s.side.name())
        })
        .collect();
    let session = sim
        .sessions()
        .into_iter()
        .filter(|s| {
            s.client_id == Demo::CLIENT_ID && st.side.is_some_and(|x| x.name() == s.side.name())
        })
        .max_by_key(|s| s.id)
        .map_or_else(
            || "-".to_owned(),
            |s| format!("#{} · protocol v{}", s.id, s.version),
        );
    let services: Vec<&str> = st
        .services_granted
        .names()
        .into_iter()
        .map(|n| n.trim_start_matches("CTI_SERVICE_"))
        .collect();
    let rtt = st.last_heartbeat_rtt.map_or_else(
        || "-".to_owned(),
        |d| format!("{:.1} ms", d.as_secs_f64() * 1000.0),
    );
    let t = demo.tally();
    let reconnects: Vec<String> = t
        .reconnect_ms
        .iter()
        .map(|ms| format!("{ms:.1} ms"))
        .collect();
    let lines = vec![
        Line::from(vec![
            label("Side"),
            side,
            Span::raw(format!("   sim sides {}", sides.join(", "))),
        ]),
        Line::from(vec![
            label("Up"),
            Span::raw(format!(
                "{} this session · {} demo",
                st.connected_at
                    .map_or_else(|| "--:--:--".to_owned(), |at| clock(now - at)),
                clock(demo.elapsed())
            )),
        ]),
        Line::from(vec![
            label("Session"),
            Span::raw(format!("{session} · ClientID {}", Demo::CLIENT_ID)),
        ]),
        Line::from(vec![
            label("Services"),
            Span::raw(if services.is_empty() {
                "-".to_owned()
            } else {
                services.join(" | ")
            }),
        ]),
        Line::from(vec![
            label("Heartbeats"),
            Span::raw(format!(
                "every {} s · {} sent / {} answered · rtt {rtt}",
                demo.config().heartbeat_secs,
                st.heartbeats_sent,
                st.heartbeats_answered
            )),
        ]),
        Line::from(vec![
            label("Peripheral"),
            Span::raw(format!(
                "{} {}",
                demo.config().peripheral_id,
                match demo.model().peripheral_online(demo.config().peripheral_id) {
                    Some(false) => "OFFLINE",
                    _ => "online",
                }
            )),
        ]),
        Line::from(vec![
            label("Failovers"),
            Span::raw(format!(
                "{} injected · {} survived{}",
                t.failovers,
                t.reconnect_ms.len(),
                if reconnects.is_empty() {
                    String::new()
                } else {
                    format!(" (reconnect {})", reconnects.join(", "))
                }
            )),
        ]),
    ];
    let block = Block::bordered().title(" ctikit demo · embedded duplex CTI Server ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_rate(frame: &mut Frame, area: Rect, demo: &Demo) {
    let width = usize::from(area.width.saturating_sub(2));
    let data = demo.tally().rate(demo.elapsed(), width);
    let last = data.last().copied().unwrap_or(0);
    let t = demo.tally();
    let title = format!(" events/s · now {last} · total {} ", t.events);
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [spark, counts] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
    frame.render_widget(
        Sparkline::default()
            .data(data)
            .style(Style::new().fg(Color::Cyan)),
        spark,
    );
    let counts_text = vec![
        Line::raw(format!(
            "calls began {} · ended {} · live {}",
            t.calls_began,
            t.calls_ended,
            demo.model().calls().count()
        )),
        Line::raw(format!(
            "reconciled {} · lost {}",
            t.calls_confirmed + t.calls_ended_during_outage,
            t.calls_lost
        )),
    ];
    frame.render_widget(Paragraph::new(counts_text), counts);
}

/// Device (extension or instrument) → AgentID, to name the agent on a call.
fn device_agents(demo: &Demo) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for a in demo.model().agents() {
        for d in [&a.extension, &a.instrument].into_iter().flatten() {
            m.insert(d.clone(), a.agent_id.clone());
        }
    }
    m
}

fn short_state(name: Option<&'static str>) -> &'static str {
    name.map_or("?", |n| n.trim_start_matches("AGENT_STATE_"))
}

fn state_style(state: &str) -> Style {
    match state {
        "AVAILABLE" => Style::new().fg(Color::Green),
        "TALKING" | "HOLD" | "RESERVED" => Style::new().fg(Color::Cyan),
        "NOT_READY" | "LOGOUT" => Style::new().fg(Color::DarkGray),
        "WORK_READY" | "WORK_NOT_READY" => Style::new().fg(Color::Yellow),
        _ => Style::new(),
    }
}

fn header(cells: &[&'static str]) -> Row<'static> {
    Row::new(cells.to_vec()).style(Style::new().add_modifier(Modifier::BOLD))
}

fn draw_agents(frame: &mut Frame, area: Rect, demo: &Demo) {
    let now = demo.elapsed();
    let mut calls_at: BTreeMap<&str, u32> = BTreeMap::new();
    for c in demo.model().calls() {
        for d in &c.devices {
            calls_at.insert(d.as_str(), c.key.connection_call_id);
        }
    }
    let rows: Vec<Row> = demo
        .model()
        .agents()
        .map(|a| {
            let state = short_state(a.state.name());
            let call = [&a.extension, &a.instrument]
                .into_iter()
                .flatten()
                .find_map(|d| calls_at.get(d.as_str()))
                .map(ToString::to_string)
                .unwrap_or_default();
            Row::new(vec![
                a.agent_id.clone(),
                a.extension.clone().unwrap_or_default(),
                state.to_owned(),
                ago(now.saturating_sub(a.since)),
                call,
            ])
            .style(state_style(state))
        })
        .collect();
    let n = rows.len();
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(14),
            Constraint::Length(5),
            Constraint::Min(8),
        ],
    )
    .header(header(&["Agent", "Ext", "State", "Since", "Call"]))
    .block(Block::bordered().title(format!(" Agents ({n} seen) ")));
    frame.render_widget(table, area);
}

fn call_state(s: CallState) -> &'static str {
    match s {
        CallState::Unknown => "-",
        CallState::Initiated => "initiated",
        CallState::Queued => "queued",
        CallState::Ringing => "ringing",
        CallState::Connected => "connected",
        CallState::Held => "held",
        CallState::Failed => "failed",
        CallState::Cleared => "cleared",
    }
}

fn draw_calls(frame: &mut Frame, area: Rect, demo: &Demo, device_agent: &BTreeMap<String, String>) {
    let visible = usize::from(area.height.saturating_sub(3));
    let mut calls: Vec<_> = demo.model().calls().collect();
    calls.sort_by_key(|c| std::cmp::Reverse((c.began_at, c.key.connection_call_id)));
    let n = calls.len();
    let rows: Vec<Row> = calls
        .into_iter()
        .take(visible)
        .map(|c| {
            let text =
                |v: Option<&cti_proto::CtiString>| v.map(ToString::to_string).unwrap_or_default();
            let agent = c
                .devices
                .iter()
                .find_map(|d| device_agent.get(d))
                .cloned()
                .unwrap_or_default();
            let vars: Vec<String> = c
                .call_variables
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_ref().map(|v| format!("v{}={v}", i + 1)))
                .chain(
                    c.named_variables
                        .iter()
                        .map(|nv| format!("{}={}", nv.name, nv.value)),
                )
                .collect();
            let mut state = call_state(c.state).to_owned();
            if c.uncertain {
                state.push('?');
            }
            Row::new(vec![
                c.key.connection_call_id.to_string(),
                text(c.ani.as_ref()),
                text(c.dnis.as_ref()),
                agent,
                state,
                vars.join(" "),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Min(10),
        ],
    )
    .header(header(&[
        "Call",
        "ANI",
        "DNIS",
        "Agent",
        "State",
        "Call variables / ECC",
    ]))
    .block(Block::bordered().title(format!(" Calls ({n} live, newest first) ")));
    frame.render_widget(table, area);
}

fn feed_style(kind: &str) -> Style {
    match tone(kind) {
        Tone::Trouble => Style::new().fg(Color::Red),
        Tone::Connected => Style::new().fg(Color::Green),
        Tone::Connecting => Style::new().fg(Color::Yellow),
        Tone::Model => Style::new().fg(Color::Cyan),
        Tone::CallEdge => Style::new().add_modifier(Modifier::BOLD),
        Tone::Injected => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        Tone::Plain => Style::new(),
    }
}

fn draw_feed(frame: &mut Frame, area: Rect, screen: &Screen) {
    let visible = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = screen
        .feed
        .iter()
        .skip(screen.feed.len().saturating_sub(visible))
        .map(|(k, text)| Line::styled(text.clone(), feed_style(k)))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Events ")),
        area,
    );
}

fn draw_help(frame: &mut Frame, area: Rect, screen: &Screen) {
    let key = |k: &'static str| Span::styled(k, Style::new().add_modifier(Modifier::REVERSED));
    let mut spans = vec![
        key(" f "),
        Span::raw(" fail the active side  "),
        key(" p "),
        Span::raw(" peripheral offline/online  "),
        key(" c "),
        Span::raw(" start a call  "),
        key(" q "),
        Span::raw(" quit (CLOSE_REQ)  "),
    ];
    if let Some(n) = &screen.notice {
        spans.push(Span::styled(n.clone(), Style::new().fg(Color::Magenta)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The text of a rendered buffer: one line per row, trailing spaces trimmed (the README's capture).
pub fn buffer_text(buf: &Buffer) -> String {
    let width = usize::from(buf.area.width);
    let mut out = String::new();
    for row in buf.content().chunks(width.max(1)) {
        let line: String = row.iter().map(ratatui::buffer::Cell::symbol).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
