//! The command line: `--key value` pairs after the mode.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::BoxError;

/// What the tool accepts.
pub(crate) const USAGE: &str =
    "usage: sim_load sessions --addr A --count N --heartbeat-secs S --duration-secs D \
[--open-concurrency C] [--sim-pid P]
       sim_load events --addr A --duration-secs D [--warmup-secs W] [--decode] [--sim-pid P]
       sim_load storm --addr-a A --addr-b B --count N [--timeout-secs T] [--sim-pid P]";

/// `--key value` pairs (a flag without a value is `true`).
pub(crate) struct Flags(BTreeMap<String, String>);

impl Flags {
    pub(crate) fn parse(args: &[String], allowed: &[&str]) -> Result<Flags, BoxError> {
        let mut map = BTreeMap::new();
        let mut it = args.iter().peekable();
        while let Some(arg) = it.next() {
            let key = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {arg:?}\n{USAGE}"))?;
            if !allowed.contains(&key) {
                return Err(format!("unknown flag --{key}\n{USAGE}").into());
            }
            let value = match it.next_if(|v| !v.starts_with("--")) {
                Some(v) => v.clone(),
                None => "true".to_owned(),
            };
            map.insert(key.to_owned(), value);
        }
        Ok(Flags(map))
    }

    pub(crate) fn opt<T: FromStr>(&self, key: &str) -> Result<Option<T>, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        self.0
            .get(key)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| BoxError::from(format!("--{key} {v}: {e}")))
            })
            .transpose()
    }

    pub(crate) fn req<T: FromStr>(&self, key: &str) -> Result<T, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        self.opt(key)?
            .ok_or_else(|| format!("--{key} is required\n{USAGE}").into())
    }

    pub(crate) fn or<T: FromStr>(&self, key: &str, default: T) -> Result<T, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.opt(key)?.unwrap_or(default))
    }
}
