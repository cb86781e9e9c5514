//! Plain `http://` stays on this machine: the loopback rule checked on the addresses a host name
//! resolves to, before a connection is opened and so before any request byte is written.
//!
//! The base URL check accepts `http://` for loopback IP literals and for `localhost` and
//! `*.localhost` names. A name is only as loopback as the resolver says: on a machine whose
//! resolver sends `*.localhost` to DNS like any other name, `http://evil.localhost` can point
//! anywhere. So the SDK's own HTTP client resolves such names through [`LoopbackOnly`], which
//! refuses the connection unless every address is loopback.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The default name resolution: the system resolver (`getaddrinfo`) on tokio's blocking pool,
/// as reqwest's own default.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Resolves through `inner` and fails unless every address is loopback (127.0.0.0/8, `::1`).
///
/// Installed on the SDK's own client only when the base URL is plain `http://`: such a client
/// talks to that one loopback host, and any name it resolves must stay on this machine.
pub(crate) struct LoopbackOnly {
    pub(crate) inner: Arc<dyn Resolve>,
}

/// The error of a name that resolved to an address off this machine.
#[derive(Debug)]
pub(crate) struct NotLoopback {
    name: String,
    address: std::net::IpAddr,
}

impl std::fmt::Display for NotLoopback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolved to {}, which is not a loopback address; plain http:// is allowed to \
             loopback only, so nothing was sent",
            self.name, self.address
        )
    }
}

impl std::error::Error for NotLoopback {}

impl Resolve for LoopbackOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let resolving = self.inner.resolve(name);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = resolving.await?.collect();
            if let Some(outside) = addrs.iter().find(|addr| !addr.ip().is_loopback()) {
                return Err(Box::new(NotLoopback {
                    name: host,
                    address: outside.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether a connect error came from [`LoopbackOnly`] refusing an address.
pub(crate) fn is_not_loopback(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(current) = source {
        if current.is::<NotLoopback>() {
            return true;
        }
        source = current.source();
    }
    false
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::str::FromStr as _;

    use super::*;

    /// Answers every name with fixed addresses; nothing is looked up.
    struct Fixed(Vec<IpAddr>);

    impl Resolve for Fixed {
        fn resolve(&self, _name: Name) -> Resolving {
            let addrs: Vec<SocketAddr> = self.0.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            Box::pin(async move { Ok(Box::new(addrs.into_iter()) as Addrs) })
        }
    }

    fn resolve(addrs: Vec<IpAddr>) -> Result<Vec<SocketAddr>, String> {
        let resolver = LoopbackOnly {
            inner: Arc::new(Fixed(addrs)),
        };
        let name = Name::from_str("evil.localhost").expect("a name");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(resolver.resolve(name))
            .map(Iterator::collect)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn only_all_loopback_answers_pass() {
        let v4 = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(resolve(vec![v4, v6]).expect("loopback").len(), 2);
        let outside = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let refused = resolve(vec![v4, outside]).expect_err("mixed answer");
        assert!(
            refused.contains("evil.localhost resolved to 10.0.0.1"),
            "{refused}"
        );
        assert!(resolve(vec![outside]).is_err());
    }
}
