//! The terminal dashboard of `cti demo` (ratatui on crossterm): redrawn four times a second from the demo's
//! state, keys read on a small thread. `f` fails the active side, `p` takes the peripheral offline / online, `c`
//! starts a call, `q` (or Esc, Ctrl-C) quits: CLOSE_REQ, the terminal restored, the summary printed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cti_demo::Demo;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::Value;
use tokio::sync::mpsc;

use super::view::{Screen, buffer_text, draw};
use crate::error::CliError;

/// How often the dashboard is redrawn.
const FRAME: Duration = Duration::from_millis(250);

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `f`: fail the active side.
    FailActiveSide,
    /// `p`: peripheral offline / online.
    TogglePeripheral,
    /// `c`: start a call.
    StartCall,
    /// `q`, Esc or Ctrl-C: quit cleanly.
    Quit,
}

/// The action of a key press (`None` for other keys and for releases).
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    Some(match key.code {
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Action::Quit,
        KeyCode::Char('f' | 'F') => Action::FailActiveSide,
        KeyCode::Char('p' | 'P') => Action::TogglePeripheral,
        KeyCode::Char('c' | 'C') => Action::StartCall,
        KeyCode::Char('q' | 'Q') | KeyCode::Esc => Action::Quit,
        _ => return None,
    })
}

/// Carries out an action (other than Quit) on the demo; its lines go to the feed, its outcome to the help line.
pub fn apply(demo: &mut Demo, screen: &mut Screen, action: Action) {
    let mut lines = Vec::new();
    let notice = match action {
        Action::FailActiveSide => match demo.fail_active_side(&mut lines) {
            Some(side) => format!(
                "side {} failed — watch the client move to the other side",
                side.name()
            ),
            None => "no side is active right now".to_owned(),
        },
        Action::TogglePeripheral => match demo.toggle_peripheral(&mut lines) {
            Ok(true) => "peripheral back online".to_owned(),
            Ok(false) => "peripheral offline — calls end, SYSTEM_EVENT sent".to_owned(),
            Err(e) => e.to_string(),
        },
        Action::StartCall => match demo.start_call(&mut lines) {
            Ok(id) => format!("call {id} started"),
            Err(e) => e.to_string(),
        },
        Action::Quit => "closing".to_owned(),
    };
    screen.push(lines);
    screen.notice(notice);
}

/// Reads key presses on a thread until `stop` is set (polling, so the thread ends).
fn read_keys(tx: &mpsc::UnboundedSender<KeyEvent>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {
                if let Ok(Event::Key(k)) = event::read()
                    && tx.send(k).is_err()
                {
                    return;
                }
            }
            Ok(false) => {}
            Err(_) => return,
        }
    }
}

/// Runs the dashboard until `q` (or the duration); then CLOSE_REQ and the summary on the normal screen.
pub async fn run(mut demo: Demo) -> Result<(), CliError> {
    let mut terminal = ratatui::try_init().map_err(|e| CliError::Run(format!("terminal: {e}")))?;
    let (tx, mut keys) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || read_keys(&tx, &stop))
    };
    let mut screen = Screen::default();
    let mut lines: Vec<Value> = Vec::new();
    let mut frame = tokio::time::interval(FRAME);
    // A slow terminal skips frames rather than drawing a burst of them afterwards.
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut failure = None;
    loop {
        tokio::select! {
            r = demo.step(&mut lines) => {
                screen.push(lines.drain(..));
                match r {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => { failure = Some(CliError::Run(e.to_string())); break }
                }
            }
            Some(key) = keys.recv() => match action_for(key) {
                Some(Action::Quit) => break,
                Some(action) => {
                    apply(&mut demo, &mut screen, action);
                    let _ = terminal.draw(|f| draw(f, &demo, &screen));
                }
                None => {}
            },
            _ = frame.tick() => {
                if let Err(e) = terminal.draw(|f| draw(f, &demo, &screen)) {
                    failure = Some(CliError::Run(format!("terminal: {e}")));
                    break;
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    ratatui::restore();
    let _ = reader.join();
    let summary = demo.finish().await;
    print!("{}", summary_text(&summary));
    failure.map_or(Ok(()), Err)
}

/// Runs the demo headless for `after`, then prints one frame of the dashboard as plain text (`size` = columns,
/// rows) and ends the demo.
pub async fn screenshot(mut demo: Demo, after: Duration, size: (u16, u16)) -> Result<(), CliError> {
    let mut screen = Screen::default();
    let mut lines = Vec::new();
    let until = tokio::time::Instant::now() + after;
    while let Ok(going) = tokio::time::timeout_at(until, demo.step(&mut lines)).await {
        screen.push(lines.drain(..));
        if !going.map_err(|e| CliError::Run(e.to_string()))? {
            break;
        }
    }
    screen.push(lines.drain(..));
    let text = render_text(&demo, &screen, size);
    let _ = demo.finish().await;
    print!("{text}");
    Ok(())
}

/// One frame of the dashboard as plain text.
pub fn render_text(demo: &Demo, screen: &Screen, (width, height): (u16, u16)) -> String {
    let Ok(mut terminal) = Terminal::new(TestBackend::new(width, height));
    let _ = terminal.draw(|f| draw(f, demo, screen));
    buffer_text(terminal.backend().buffer())
}

/// The SUMMARY line as a short report for people.
pub fn summary_text(s: &Value) -> String {
    use std::fmt::Write as _;
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "ctikit demo summary ({:.0} s)",
        s["duration_secs"].as_f64().unwrap_or(0.0)
    );
    let _ = writeln!(t, "  events      {} received", n("events"));
    if let Some(by) = s["events_by_type"].as_object() {
        for (name, count) in by {
            let _ = writeln!(
                t,
                "              {:>7}  {name}",
                count.as_u64().unwrap_or(0)
            );
        }
    }
    let _ = writeln!(
        t,
        "  calls       {} began, {} ended, {} live; {} confirmed and {} ended during an outage on reconnect, {} lost",
        n("calls_began"),
        n("calls_ended"),
        n("calls_live"),
        n("calls_confirmed"),
        n("calls_ended_during_outage"),
        n("calls_lost"),
    );
    let reconnect: Vec<String> = s["reconnect_ms"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_f64)
                .map(|ms| format!("{ms:.1} ms"))
                .collect()
        })
        .unwrap_or_default();
    let _ = writeln!(
        t,
        "  failovers   {} injected, {} survived{}",
        n("failovers"),
        n("failovers_survived"),
        if reconnect.is_empty() {
            String::new()
        } else {
            format!(" (reconnected in {})", reconnect.join(", "))
        }
    );
    let verdict = if s["conformance_all_pass"] == true {
        "all checks pass"
    } else {
        "NOT all checks pass"
    };
    let _ = writeln!(
        t,
        "  conformance {verdict} (the simulator's report on this client)"
    );
    for c in s["conformance"].as_array().into_iter().flatten() {
        let _ = writeln!(
            t,
            "              {:<13} {:<21} {}",
            c["result"].as_str().unwrap_or("?"),
            c["name"].as_str().unwrap_or("?"),
            c["summary"].as_str().unwrap_or("")
        );
    }
    t
}
