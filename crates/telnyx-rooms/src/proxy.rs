//! Which proxy the SDK's own client uses: plain `http://` (always to loopback) goes through none,
//! so no proxy ever sees the API key or a refresh token in clear text; `https://` honours the
//! environment's proxy for https — `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, `all_proxy`, in that
//! order, minus the hosts in `NO_PROXY`/`no_proxy` — as a `CONNECT` tunnel, which carries TLS the
//! proxy cannot read. `HTTP_PROXY` is for plain-http traffic, which this client only sends to
//! loopback, so it is never used.

use reqwest::{NoProxy, Proxy, Url};

use crate::error::{Error, ErrorKind};

/// Variables naming a proxy for https, in the order they are read.
const HTTPS_PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The proxy from the environment, ready for reqwest, and how errors name it.
pub(crate) struct EnvProxy {
    pub(crate) proxy: Proxy,
    /// `http://host:port (from HTTPS_PROXY)`: scheme, host and port only, never credentials.
    pub(crate) shown: String,
}

/// The proxy `lookup` (the environment) names for a client whose base URL is `https` or not.
pub(crate) fn from_env(
    https: bool,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<EnvProxy>, Error> {
    if !https {
        return Ok(None);
    }
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let Some((variable, value)) = HTTPS_PROXY_VARS
        .iter()
        .find_map(|name| set(name).map(|value| (*name, value)))
    else {
        return Ok(None);
    };
    let invalid = || {
        // The value may hold a user name and password: name the variable, never the value.
        Error::new(
            ErrorKind::Config,
            format!("the proxy URL in {variable} is not a valid http(s) URL"),
        )
        .with_field("proxy")
    };
    let value = value.trim();
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = Url::parse(&text).map_err(|_| invalid())?;
    let host = url.host_str().ok_or_else(invalid)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    let port = url.port_or_known_default().unwrap_or(0);
    let no_proxy = set("NO_PROXY").or_else(|| set("no_proxy"));
    let proxy = Proxy::https(url.as_str())
        .map_err(|_| invalid())?
        .no_proxy(no_proxy.as_deref().and_then(NoProxy::from_string));
    Ok(Some(EnvProxy {
        proxy,
        shown: format!("{}://{host}:{port} (from {variable})", url.scheme()),
    }))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests;
