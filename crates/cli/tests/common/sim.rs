//! `cti sim` and its clients as processes: free loopback ports, lines read with deadlines, the HTTP control
//! plane, and every process killed when its guard goes (a failing test leaves nothing running).

use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long any one expected line may take (generous: CI machines are slow; a passing test never waits it out).
pub const LINE_DEADLINE: Duration = Duration::from_secs(60);

/// The `cti` binary, with `RUST_LOG` removed so the default log level is what is tested.
pub fn cti() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cti"));
    c.env_remove("RUST_LOG");
    c
}

/// A child process killed (and reaped) on drop.
pub struct Guard(pub Child);

impl Guard {
    /// Sends SIGINT (what Ctrl-C does) and waits for the exit code.
    pub fn interrupt(&mut self) -> Option<i32> {
        let sent = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -INT {}", self.0.id());
        self.0.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines of a pipe, read on a thread so the test can wait with a deadline. The thread drains the pipe to its end
/// even when nobody listens any more, so the child's last writes never fail.
pub fn lines(r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    rx
}

/// The first line matching `pred`, the lines before it appended to `seen`; fails the test after
/// [`LINE_DEADLINE`] without one, showing what was seen.
pub fn wait_for_in(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    loop {
        match rx.recv_timeout(LINE_DEADLINE) {
            Ok(l) if pred(&l) => return l,
            Ok(l) => seen.push(l),
            Err(e) => panic!(
                "waiting for {what}: {e}; lines so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// [`wait_for_in`] without keeping the other lines.
pub fn wait_for(rx: &mpsc::Receiver<String>, what: &str, pred: impl Fn(&str) -> bool) -> String {
    wait_for_in(rx, &mut Vec::new(), what, pred)
}

/// POSTs to a control plane (a minimal HTTP/1.1 client); returns the status line.
pub fn post(control: &str, path: &str) -> String {
    let mut s = TcpStream::connect(control).expect("connect to the control plane");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines().next().unwrap_or_default().to_owned()
}

/// A running `cti sim` on free loopback ports: the process, its stderr lines after the banners, side A and
/// side B addresses, and the control plane's if `--control` was given.
pub struct Sim {
    /// The process.
    pub child: Guard,
    /// Standard error, line by line (the log).
    pub err: mpsc::Receiver<String>,
    /// Side A, `127.0.0.1:PORT`.
    pub a: String,
    /// Side B.
    pub b: String,
    /// The control plane, `127.0.0.1:PORT`.
    pub control: Option<String>,
}

/// Starts `cti sim --a 127.0.0.1:0 --b 127.0.0.1:0` with `extra` flags.
pub fn start_sim(extra: &[&str]) -> Sim {
    let mut child = cti()
        .args(["sim", "--a", "127.0.0.1:0", "--b", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cti sim");
    let err = lines(child.stderr.take().expect("stderr"));
    let child = Guard(child);
    let banner = wait_for(&err, "the sim banner", |l| l.contains("side A on"));
    let control = extra.contains(&"--control").then(|| {
        let line = wait_for(&err, "the control plane banner", |l| {
            l.contains("control plane on")
        });
        line.rsplit("http://")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    let mut addrs = banner
        .split_whitespace()
        .filter(|w| w.starts_with("127.0.0.1:"))
        .map(|w| w.trim_end_matches(',').to_owned());
    let (Some(a), Some(b)) = (addrs.next(), addrs.next()) else {
        panic!("no addresses in the banner {banner:?}");
    };
    Sim {
        child,
        err,
        a,
        b,
        control,
    }
}
