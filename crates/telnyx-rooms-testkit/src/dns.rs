//! [`FixedResolver`]: DNS answers fixed by the test.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Answers every name with fixed addresses (the port is the URL's): the machine's resolver is
/// never asked.
#[derive(Debug, Clone)]
pub struct FixedResolver(pub Vec<IpAddr>);

impl Resolve for FixedResolver {
    fn resolve(&self, _name: Name) -> Resolving {
        let addrs: Vec<SocketAddr> = self.0.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
        Box::pin(async move { Ok(Box::new(addrs.into_iter()) as Addrs) })
    }
}
