//! The ClientPassword of the commands that open a session (`cti monitor`, `cti agent`, `cti call`):
//! `--client-password`, else the environment variable [`ENV`] (which keeps it out of shell history and of the
//! process list), else the profile's. It is held as a [`Secret`] from the start, so no `Debug` shows it.

use std::ffi::OsString;

use cti_client::ClientConfig;
use cti_proto::Secret;

/// The environment variable read when `--client-password` is not given.
pub const ENV: &str = "CTI_CLIENT_PASSWORD";

/// clap's value parser for `--client-password`: the text, wrapped at once.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature clap wants of a value parser"
)]
pub fn parse(s: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::from(s))
}

/// The password to use: the flag's (even empty), else a non-empty `env` value (its bytes as they are), else none
/// (the profile's, or the default empty password, stays).
pub fn resolve(flag: Option<&Secret>, env: Option<OsString>) -> Option<Secret> {
    flag.cloned().or_else(|| {
        env.filter(|v| !v.is_empty())
            .map(|v| Secret::new(v.into_encoded_bytes()))
    })
}

/// Sets `config`'s ClientPassword from the flag or from [`ENV`].
pub fn apply(config: &mut ClientConfig, flag: Option<&Secret>) {
    if let Some(pw) = resolve(flag, std::env::var_os(ENV)) {
        config.client_password = pw;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_environment() {
        let flag = Secret::from("from-flag");
        let env = || Some(OsString::from("from-env"));
        assert_eq!(
            resolve(Some(&flag), env()).as_ref().map(Secret::expose),
            Some(&b"from-flag"[..])
        );
        assert_eq!(
            resolve(None, env()).as_ref().map(Secret::expose),
            Some(&b"from-env"[..])
        );
        // An explicitly empty flag is a password too; an empty variable is not set.
        assert_eq!(
            resolve(Some(&Secret::default()), env())
                .as_ref()
                .map(Secret::expose),
            Some(&b""[..])
        );
        assert_eq!(resolve(None, Some(OsString::new())), None);
        assert_eq!(resolve(None, None), None);
    }
}
