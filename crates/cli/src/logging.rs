//! Log output of the long-running commands: `tracing` to standard error, level from `RUST_LOG` (default `info`,
//! which shows what `cti sim` does — sessions opened and closed, refusals, faults, failovers — and what the
//! client does), colours only on a terminal.

/// The filter when `RUST_LOG` is not set (or not valid).
pub const DEFAULT_FILTER: &str = "info";

/// Installs the subscriber once; later calls do nothing.
pub fn init() {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Like `eprintln!`, but a closed or broken standard error is ignored instead of panicking (a supervisor may
/// close it; the command must still shut down cleanly).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use note;
