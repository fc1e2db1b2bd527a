//! The processes the benchmark measures: `cti gateway` children (the release binary, as a site runs it), their
//! `/sources` counters over HTTP, and CPU time and memory read from `/proc`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::get;

/// One `cti gateway` process.
pub struct GatewayProcess {
    child: Child,
    /// Its HTTP endpoints.
    pub http: SocketAddr,
}

/// `target/release/cti`, beside this example's own binary.
fn cti_program() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let program = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("cti"))
        .ok_or("no target directory")?;
    if program.is_file() {
        Ok(program)
    } else {
        Err(format!(
            "{} is missing: build it first (cargo build --release -p cti-cli)",
            program.display()
        ))
    }
}

fn free_port() -> Result<SocketAddr, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map_err(|e| e.to_string())
}

impl GatewayProcess {
    /// Starts `cti gateway --source bench` against the simulator's sides, with `extra` flags (e.g. `--ha`).
    pub fn start(nats: &str, a: SocketAddr, b: SocketAddr, extra: &[&str]) -> Result<Self, String> {
        let http = free_port()?;
        let log = std::env::temp_dir().join(format!("ctikit-gateway-bench-{}.log", http.port()));
        let child = Command::new(cti_program()?)
            .args(["gateway", "--source", "bench", "--nats", nats])
            .arg("--a")
            .arg(a.to_string())
            .arg("--b")
            .arg(b.to_string())
            .arg("--http")
            .arg(http.to_string())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cti gateway: {e}"))?;
        Ok(GatewayProcess { child, http })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `/sources`' row of the source (`None` until the HTTP endpoint answers).
    pub async fn source(&self) -> Option<Value> {
        // Not listening yet (starting) or any more (killed): no answer.
        tokio::net::TcpStream::connect(self.http).await.ok()?;
        let (status, body) = get(self.http, "/sources").await;
        if status != 200 {
            return None;
        }
        let v: Value = serde_json::from_str(&body).ok()?;
        Some(v["sources"][0].clone())
    }

    /// Waits until the source has an open CTI session as leader.
    pub async fn until_leading(&self, within: Duration) -> Result<(), String> {
        let give_up = tokio::time::Instant::now() + within;
        loop {
            if let Some(s) = self.source().await
                && s["connected"] == true
                && s["role"] == "leader"
            {
                return Ok(());
            }
            if tokio::time::Instant::now() > give_up {
                return Err("the gateway never led an open session".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) a process has used, from `/proc/<pid>/stat` (clock ticks of 1/100 s).
pub fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// (VmRSS, VmHWM) of a process in MiB.
pub fn rss_mib(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}
