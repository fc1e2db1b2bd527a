//! A real `nats-server` with JetStream for the gateway's tests: started on a free loopback port (`-p -1`, the port
//! read back from its ports file) in a fresh directory, killed and removed on drop. When the program is missing
//! the tests install Debian's package if they can (root with apt-get), else fail with a message that says how.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static INSTALL: Mutex<()> = Mutex::new(());
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The nats-server program: on PATH, in /usr/sbin (Debian), or installed now.
pub fn nats_server_program() -> PathBuf {
    let find = || {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|d| d.join("nats-server"))
            .find(|p| p.is_file())
    };
    if let Some(p) = find() {
        return p;
    }
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = find() {
        return p;
    }
    let installed = Command::new("apt-get")
        .args([
            "-o",
            "DPkg::Lock::Timeout=300",
            "install",
            "-y",
            "-qq",
            "nats-server",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    find().unwrap_or_else(|| {
        panic!(
            "the gateway tests need a real nats-server (with JetStream) and none was found{}: install it \
             (Debian: apt-get install nats-server; elsewhere: put nats-server on PATH)",
            if installed { "" } else { " nor could it be installed with apt-get" }
        )
    })
}

/// A running nats-server.
pub struct Nats {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Nats {
    /// Starts a server with JetStream on a free loopback port.
    pub fn start() -> Nats {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ctikit-nats-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut nats = Nats {
            child: None,
            dir,
            port: 0,
        };
        nats.spawn(None);
        nats
    }

    fn spawn(&mut self, port: Option<u16>) {
        let program = nats_server_program();
        let ports_dir = self.dir.join("ports");
        let _ = std::fs::remove_dir_all(&ports_dir);
        std::fs::create_dir_all(&ports_dir).unwrap();
        let port_arg = port.map_or_else(|| "-1".to_owned(), |p| p.to_string());
        let child = Command::new(program)
            .args(["-a", "127.0.0.1", "-p", &port_arg, "-js", "-sd"])
            .arg(self.dir.join("js"))
            .arg("--ports_file_dir")
            .arg(&ports_dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("server.log")).unwrap())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        self.port = read_port(&ports_dir);
    }

    /// The server's process id (for CPU and memory readings), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would); its stored data stays.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port;
        self.spawn(Some(port));
    }
}

fn read_port(dir: &Path) -> u16 {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let text = std::fs::read_dir(dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(Result::ok)
            .and_then(|e| std::fs::read_to_string(e.path()).ok());
        let v: serde_json::Value = text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        if let Some(port) = v["nats"][0]
            .as_str()
            .and_then(|url| url.rsplit(':').next())
            .and_then(|p| p.parse().ok())
        {
            return port;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nats-server wrote no ports file in {}", dir.display());
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
