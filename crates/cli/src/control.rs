//! ctitest-style one-shot commands: `cti agent ...` and `cti call ...`. Each opens a session (by the 17 steps),
//! sends one request, prints the CONF as JSON (or the E_CTI / CF_ error by name) and closes with CLOSE_REQ.
//! Exit status 0 on success, 1 when the server refused the request, 2 on a usage error.

use clap::{Args, Subcommand};
use cti_client::{Agent, CallRef, Client, ClientConfig, ClientError, ClientEvent};
use cti_proto::constants::{AgentState, ServiceMask};
use serde_json::json;

use crate::error::CliError;

/// Where to connect and who the agent is (shared by every one-shot command).
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// TOML profile with the client configuration (ClientConfig keys); the flags below override it
    #[arg(long, value_name = "FILE", global = true)]
    profile: Option<std::path::PathBuf>,
    /// Side A, HOST[:PORT] (default port 42027; 42030 with TLS)
    #[arg(long = "a", value_name = "HOST:PORT", global = true)]
    side_a: Option<String>,
    /// Side B, HOST[:PORT] (default port 43027; 43030 with TLS)
    #[arg(long = "b", value_name = "HOST:PORT", global = true)]
    side_b: Option<String>,
    /// Protocol version (13..=25)
    #[arg(long, value_name = "N", global = true)]
    version: Option<u32>,
    /// ClientID
    #[arg(long, value_name = "ID", global = true)]
    client_id: Option<String>,
    /// ClientPassword; without this flag the environment variable CTI_CLIENT_PASSWORD is read (which keeps it out
    /// of shell history)
    #[arg(long, value_name = "PASSWORD", global = true, value_parser = crate::password::parse)]
    client_password: Option<cti_proto::Secret>,
    /// PeripheralID of the agent
    #[arg(long, value_name = "ID", default_value_t = 5000, global = true)]
    peripheral: u32,
    /// AgentID
    #[arg(long, value_name = "ID", global = true)]
    agent_id: Option<String>,
    /// Agent instrument (device)
    #[arg(long, value_name = "INS", global = true)]
    instrument: Option<String>,
    /// Agent extension
    #[arg(long, value_name = "EXT", global = true)]
    extension: Option<String>,
    #[command(flatten)]
    tls: crate::tls::TlsArgs,
}

impl Target {
    fn config(&self) -> Result<ClientConfig, CliError> {
        let mut c = match &self.profile {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| CliError::Input {
                    name: path.display().to_string(),
                    source,
                })?;
                toml::from_str(&text)
                    .map_err(|e| CliError::Run(format!("{}: {e}", path.display())))?
            }
            None => ClientConfig {
                services: ServiceMask::CTI_SERVICE_ALL_EVENTS
                    | ServiceMask::CTI_SERVICE_CLIENT_CONTROL
                    | ServiceMask::CTI_SERVICE_CALL_DATA_UPDATE,
                ..ClientConfig::default()
            },
        };
        if let Some(a) = &self.side_a {
            c.side_a.clone_from(a);
        }
        if self.side_b.is_some() {
            c.side_b.clone_from(&self.side_b);
        }
        if let Some(v) = self.version {
            c.version = v;
        }
        if let Some(id) = &self.client_id {
            c.client_id.clone_from(id);
        }
        crate::password::apply(&mut c, self.client_password.as_ref());
        self.tls.apply(&mut c);
        // One-shot commands control: whatever the profile asks, they need these two.
        c.services |=
            ServiceMask::CTI_SERVICE_CLIENT_CONTROL | ServiceMask::CTI_SERVICE_CALL_DATA_UPDATE;
        if c.side_a.is_empty() {
            return Err(CliError::Run(
                "--a HOST:PORT (side A) is required, on the command line or in --profile".into(),
            ));
        }
        c.validate().map_err(|e| CliError::Run(e.to_string()))?;
        Ok(c)
    }

    fn agent(&self) -> Agent {
        Agent {
            peripheral_id: self.peripheral,
            agent_id: self.agent_id.clone(),
            extension: self.extension.clone(),
            instrument: self.instrument.clone(),
        }
    }
}

/// `cti agent ...`
#[derive(Debug, Clone, Args)]
#[command(
    about = "Agent state requests (ctitest style): login, logout, ready, not-ready, work-ready, work-not-ready, state"
)]
pub struct AgentArgs {
    #[command(subcommand)]
    action: AgentAction,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Clone, Subcommand)]
enum AgentAction {
    /// Log the agent in (SET_AGENT_STATE_REQ AGENT_STATE_LOGIN)
    Login {
        /// The agent's password
        #[arg(long, default_value = "")]
        password: String,
    },
    /// Log the agent out, with a reason code
    Logout {
        /// Logout reason code
        #[arg(long, default_value_t = 0)]
        reason: u16,
    },
    /// Make the agent available
    Ready,
    /// Make the agent not ready, with a reason code
    NotReady {
        /// Not Ready reason code
        #[arg(long, default_value_t = 0)]
        reason: u16,
    },
    /// Work ready (wrap-up, then available)
    WorkReady,
    /// Work not ready (wrap-up, then not ready)
    WorkNotReady,
    /// Print the agent's state (QUERY_AGENT_STATE_REQ)
    State,
}

/// `cti call ...`
#[derive(Debug, Clone, Args)]
#[command(
    about = "Call control requests (ctitest style): make, answer, release, clear, hold, retrieve, transfer, conference, set-data"
)]
pub struct CallArgs {
    #[command(subcommand)]
    action: CallAction,
    #[command(flatten)]
    target: Target,
}

/// A call given as `CALLID:DEVICEID` (ConnectionCallID and ConnectionDeviceID, static).
fn call_ref(s: &str) -> Result<CallRef, String> {
    let (id, dev) = s
        .split_once(':')
        .ok_or("expected CALLID:DEVICEID, e.g. 16777217:16777217")?;
    let id = id.parse().map_err(|e| format!("call id {id:?}: {e}"))?;
    Ok(CallRef::new(id, dev))
}

/// `N=VALUE` for a call variable.
fn variable(s: &str) -> Result<(u8, String), String> {
    let (n, v) = s.split_once('=').ok_or("expected N=VALUE, N in 1..=10")?;
    let n: u8 = n.parse().map_err(|e| format!("{n:?}: {e}"))?;
    if !(1..=10).contains(&n) {
        return Err(format!("call variable {n}: use 1 to 10"));
    }
    Ok((n, v.to_owned()))
}

/// `NAME=VALUE` for an ECC variable.
fn ecc(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .ok_or_else(|| "expected NAME=VALUE".into())
}

#[derive(Debug, Clone, Subcommand)]
enum CallAction {
    /// Make a call from the agent's instrument
    Make {
        /// The number to dial
        #[arg(long)]
        dialed: String,
    },
    /// Answer the ringing call
    Answer {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
    },
    /// Release the call (ends the wrap-up data window)
    Release {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
    },
    /// Clear the call (hang up every party)
    Clear {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
    },
    /// Hold the call
    Hold {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
    },
    /// Retrieve the held call
    Retrieve {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
    },
    /// Complete a transfer: the held call to the party of the active (consult) call
    Transfer {
        /// The active (consult) call, CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        active: CallRef,
        /// The held call, CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        held: CallRef,
    },
    /// Conference the held and the active call
    Conference {
        /// The active call, CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        active: CallRef,
        /// The held call, CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        held: CallRef,
    },
    /// Set call variables and ECC variables
    SetData {
        /// CALLID:DEVICEID
        #[arg(long, value_parser = call_ref)]
        call: CallRef,
        /// A call variable, N=VALUE (repeatable)
        #[arg(long = "var", value_parser = variable)]
        vars: Vec<(u8, String)>,
        /// An ECC variable, NAME=VALUE (repeatable)
        #[arg(long = "ecc", value_parser = ecc)]
        ecc: Vec<(String, String)>,
    },
}

/// Opens a session, runs `f`, prints its result, closes.
fn one_shot<F, Fut>(target: &Target, f: F) -> Result<(), CliError>
where
    F: FnOnce(Client, Agent) -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, ClientError>>,
{
    let cfg = target.config()?;
    let agent = target.agent();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async move {
        let (client, mut events) = Client::start(cfg).map_err(|e| CliError::Run(e.to_string()))?;
        loop {
            match events.next().await {
                Some(ClientEvent::Connected { .. }) => break,
                Some(ClientEvent::Stopped(e)) => return Err(CliError::Run(e.to_string())),
                Some(ClientEvent::AttemptFailed { side, reason }) => {
                    crate::logging::note!("side {}: {reason}", side.name());
                }
                Some(_) => {}
                None => return Err(CliError::Run("the client stopped".into())),
            }
        }
        let result = f(client.clone(), agent).await;
        client.close().await;
        match result {
            Ok(v) => {
                println!("{v}");
                Ok(())
            }
            Err(e) => Err(CliError::Refused(e.to_string())),
        }
    })
}

/// Runs `cti agent ...`.
pub fn run_agent(args: &AgentArgs) -> Result<(), CliError> {
    let action = args.action.clone();
    one_shot(&args.target, |client, agent| async move {
        let set = |state: AgentState, reason: u16, password: Option<String>| {
            let (client, agent) = (client.clone(), agent.clone());
            async move {
                client
                    .set_agent_state(&agent, state, reason, password.as_deref())
                    .await?;
                Ok(json!({"type": "SET_AGENT_STATE_CONF", "agent_state": state.to_string()}))
            }
        };
        match action {
            AgentAction::Login { password } => {
                set(AgentState::AGENT_STATE_LOGIN, 0, Some(password)).await
            }
            AgentAction::Logout { reason } => {
                set(AgentState::AGENT_STATE_LOGOUT, reason, None).await
            }
            AgentAction::Ready => set(AgentState::AGENT_STATE_AVAILABLE, 0, None).await,
            AgentAction::NotReady { reason } => {
                set(AgentState::AGENT_STATE_NOT_READY, reason, None).await
            }
            AgentAction::WorkReady => set(AgentState::AGENT_STATE_WORK_READY, 0, None).await,
            AgentAction::WorkNotReady => set(AgentState::AGENT_STATE_WORK_NOT_READY, 0, None).await,
            AgentAction::State => {
                let conf = client.query_agent_state(&agent).await?;
                Ok(serde_json::to_value(cti_proto::Message::from(conf)).unwrap_or_default())
            }
        }
    })
}

/// Runs `cti call ...`.
pub fn run_call(args: &CallArgs) -> Result<(), CliError> {
    let action = args.action.clone();
    let peripheral = args.target.peripheral;
    one_shot(&args.target, |client, agent| async move {
        let done = |name: &str| json!({ "type": name });
        let msg = |m: cti_proto::Message| serde_json::to_value(m).unwrap_or_default();
        match action {
            CallAction::Make { dialed } => client
                .make_call(&agent, &dialed)
                .await
                .map(|c| msg(c.into())),
            CallAction::Answer { call } => client
                .answer_call(&agent, &call)
                .await
                .map(|()| done("ANSWER_CALL_CONF")),
            CallAction::Release { call } => client
                .release_call(&agent, &call)
                .await
                .map(|()| done("RELEASE_CALL_CONF")),
            CallAction::Clear { call } => client
                .clear_call(&agent, &call)
                .await
                .map(|()| done("CLEAR_CALL_CONF")),
            CallAction::Hold { call } => client
                .hold_call(&agent, &call)
                .await
                .map(|()| done("HOLD_CALL_CONF")),
            CallAction::Retrieve { call } => client
                .retrieve_call(&agent, &call)
                .await
                .map(|()| done("RETRIEVE_CALL_CONF")),
            CallAction::Transfer { active, held } => client
                .transfer_call(&agent, &active, &held)
                .await
                .map(|c| msg(c.into())),
            CallAction::Conference { active, held } => client
                .conference_call(&agent, &active, &held)
                .await
                .map(|c| msg(c.into())),
            CallAction::SetData { call, vars, ecc } => client
                .set_call_data(peripheral, &call, &vars, &ecc)
                .await
                .map(|()| done("SET_CALL_DATA_CONF")),
        }
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Agent {
        #[command(flatten)]
        args: AgentArgs,
    }

    #[test]
    fn client_password_reaches_the_config() {
        let parsed = Agent::try_parse_from([
            "agent",
            "ready",
            "--a",
            "127.0.0.1:1",
            "--client-password",
            "hunter2",
        ]);
        let cfg = parsed.ok().and_then(|p| p.args.target.config().ok());
        assert_eq!(
            cfg.as_ref().map(|c| c.client_password.expose()),
            Some(&b"hunter2"[..])
        );
    }
}
