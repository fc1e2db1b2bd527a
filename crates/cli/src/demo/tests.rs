//! The dashboard on simulated time: the frames drawn from a running demo (on ratatui's TestBackend) and what the
//! keys do to it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::time::Duration;

use cti_demo::{Demo, DemoConfig};
use cti_session::lines::kind;
use cti_sim::FineClock;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use serde_json::Value;

use super::dashboard::{Action, action_for, apply, render_text, summary_text};
use super::view::Screen;

fn key(code: KeyCode, modifiers: KeyModifiers, kind: KeyEventKind) -> KeyEvent {
    KeyEvent {
        code,
        modifiers,
        kind,
        state: KeyEventState::NONE,
    }
}

fn press(c: char) -> KeyEvent {
    key(KeyCode::Char(c), KeyModifiers::NONE, KeyEventKind::Press)
}

#[test]
fn keys_map_to_actions() {
    assert_eq!(action_for(press('f')), Some(Action::FailActiveSide));
    assert_eq!(action_for(press('p')), Some(Action::TogglePeripheral));
    assert_eq!(action_for(press('c')), Some(Action::StartCall));
    assert_eq!(action_for(press('q')), Some(Action::Quit));
    assert_eq!(
        action_for(key(KeyCode::Esc, KeyModifiers::NONE, KeyEventKind::Press)),
        Some(Action::Quit)
    );
    // Raw mode turns Ctrl-C into a key: it quits (cleanly), it does not start a call.
    assert_eq!(
        action_for(key(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
            KeyEventKind::Press
        )),
        Some(Action::Quit)
    );
    assert_eq!(
        action_for(key(
            KeyCode::Char('f'),
            KeyModifiers::NONE,
            KeyEventKind::Release
        )),
        None,
        "a release is not a second press"
    );
    assert_eq!(action_for(press('x')), None);
}

/// Steps the demo for `secs` of (virtual) time; the lines go to the screen and are returned.
async fn run_for(demo: &mut Demo, screen: &mut Screen, secs: u64) -> Vec<Value> {
    let until = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut all = Vec::new();
    let mut lines = Vec::new();
    while let Ok(going) = tokio::time::timeout_at(until, demo.step(&mut lines)).await {
        assert!(going.unwrap());
        all.extend(lines.iter().cloned());
        screen.push(lines.drain(..));
    }
    all
}

fn row<'a>(frame: &'a str, starting: &str) -> &'a str {
    frame
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with(starting))
        .unwrap_or_else(|| panic!("no row starting {starting:?} in\n{frame}"))
}

#[tokio::test(start_paused = true)]
async fn the_dashboard_shows_the_run_and_the_keys_act_on_it() {
    let _clock = FineClock::start();
    let mut demo = Demo::start(DemoConfig::default()).await.unwrap();
    let mut screen = Screen::default();
    run_for(&mut demo, &mut screen, 10).await;

    let frame = render_text(&demo, &screen, (120, 40));
    assert_eq!(frame.lines().count(), 40);
    assert!(frame.lines().all(|l| l.chars().count() <= 120));
    assert!(
        row(&frame, "Side").contains("A (active)   sim sides A: active, B: idle"),
        "{frame}"
    );
    assert!(
        row(&frame, "Up").contains("00:00:10 this session · 00:00:10 demo"),
        "{frame}"
    );
    assert!(
        row(&frame, "Services").contains("Services   CLIENT_CONTROL | ALL_EVENTS  "),
        "{frame}"
    );
    assert!(row(&frame, "Heartbeats").contains("every 5 s"), "{frame}");
    assert!(row(&frame, "Peripheral").contains("5000 online"), "{frame}");
    let seen = demo.model().agents().count();
    assert!(seen >= 15, "agents seen in 10 s: {seen}");
    assert!(
        frame.contains(&format!(" Agents ({seen} seen) ")),
        "{frame}"
    );
    // Each agent row shows the model's state of that agent.
    let a = demo.model().agent("1001").expect("agent 1001 known");
    let state = a.state.name().unwrap().trim_start_matches("AGENT_STATE_");
    assert!(row(&frame, "1001").contains(state), "{frame}");
    // The newest live call is the first row of the calls table, with its ANI.
    let newest = demo
        .model()
        .calls()
        .max_by_key(|c| (c.began_at, c.key.connection_call_id))
        .expect("live calls after 10 s");
    let calls_header = frame
        .lines()
        .position(|l| l.contains("Call     ANI"))
        .unwrap();
    let first = frame.lines().nth(calls_header + 1).unwrap();
    assert!(
        first.contains(&newest.key.connection_call_id.to_string()),
        "{frame}"
    );
    assert!(
        first.contains(&newest.ani.as_ref().unwrap().to_string()),
        "{frame}"
    );
    assert!(
        frame
            .lines()
            .last()
            .unwrap()
            .contains("f  fail the active side"),
        "{frame}"
    );

    // f: side A fails, the client reconnects to B and the calls it had are reconciled.
    apply(&mut demo, &mut screen, Action::FailActiveSide);
    let lines = run_for(&mut demo, &mut screen, 2).await;
    let sides: Vec<(&str, &str)> = lines
        .iter()
        .filter(|v| matches!(kind(v), "DISCONNECTED" | "CONNECTED"))
        .map(|v| (kind(v), v["side"].as_str().unwrap()))
        .collect();
    assert_eq!(sides, [("DISCONNECTED", "A"), ("CONNECTED", "B")]);
    assert!(lines.iter().any(|v| kind(v) == "CALL_RECONCILED"));
    let frame = render_text(&demo, &screen, (120, 40));
    assert!(
        row(&frame, "Side").contains("B (active)   sim sides A: idle, B: active"),
        "{frame}"
    );
    assert!(
        row(&frame, "Failovers").contains("1 injected · 1 survived"),
        "{frame}"
    );
    assert!(
        frame.contains("side A failed"),
        "the help line tells what happened:\n{frame}"
    );
    assert!(frame.contains("lost 0"), "{frame}");

    // p: the peripheral goes offline (SYSTEM_EVENT), then back online.
    apply(&mut demo, &mut screen, Action::TogglePeripheral);
    run_for(&mut demo, &mut screen, 1).await;
    let frame = render_text(&demo, &screen, (120, 40));
    assert!(
        row(&frame, "Peripheral").contains("5000 OFFLINE"),
        "{frame}"
    );
    apply(&mut demo, &mut screen, Action::TogglePeripheral);
    run_for(&mut demo, &mut screen, 1).await;
    let frame = render_text(&demo, &screen, (120, 40));
    assert!(row(&frame, "Peripheral").contains("5000 online"), "{frame}");

    // c: a call starts and shows in the model.
    apply(&mut demo, &mut screen, Action::StartCall);
    let lines = run_for(&mut demo, &mut screen, 1).await;
    let frame = render_text(&demo, &screen, (120, 40));
    let started = frame.lines().last().unwrap();
    let id: u32 = started
        .rsplit("call ")
        .next()
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{started}"));
    assert!(
        lines
            .iter()
            .any(|v| kind(v) == "CALL_BEGAN" && v["connection_call_id"] == id),
        "CALL_BEGAN for the started call {id}"
    );

    // q: CLOSE_REQ and the summary; the simulator judged the client conformant.
    let summary = demo.finish().await;
    assert_eq!(summary["conformance_all_pass"], true, "{summary}");
    let text = summary_text(&summary);
    assert!(
        text.contains("failovers   1 injected, 1 survived"),
        "{text}"
    );
    assert!(text.contains("conformance all checks pass"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn any_terminal_size_draws_without_panicking() {
    let _clock = FineClock::start();
    let mut demo = Demo::start(DemoConfig::default()).await.unwrap();
    let mut screen = Screen::default();
    run_for(&mut demo, &mut screen, 3).await;
    for (w, h) in [(1, 1), (20, 5), (40, 12), (80, 24), (300, 100)] {
        let frame = render_text(&demo, &screen, (w, h));
        assert_eq!(frame.lines().count(), usize::from(h), "{w}x{h}");
        assert!(
            frame.lines().all(|l| l.chars().count() <= usize::from(w)),
            "{w}x{h}:\n{frame}"
        );
    }
    demo.finish().await;
}
