//! TLS for every connection to a provider: rustls (ring), with the server's certificate verified
//! by the operating system — Windows' certificate store and CryptoAPI, macOS' Security
//! framework, the system's CA bundle on Linux (`/etc/ssl/certs`, or `SSL_CERT_FILE`) — plus the
//! roots of the `ca_file` setting (a POS network's proxy CA, say). Nothing is ever accepted
//! unverified.
//!
//! ureq's own rustls connector can use the platform verifier or a list of roots, not both; this
//! one is the same few lines with [`rustls_platform_verifier::Verifier::new_with_extra_roots`].

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport, TransportAdapter,
};

use crate::error::{Error, Result};

/// Reads the PEM certificates of `ca_file`: each becomes a trusted root besides the system's.
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let unusable = |why: String| Error::config(format!("`ca_file` {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| unusable(format!("cannot be read: {e}")))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| unusable(format!("is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(unusable("contains no certificate".into()));
    }
    // Parsed now, so a broken certificate is a configuration error, not a failed connection.
    let mut store = rustls::RootCertStore::empty();
    for cert in &certs {
        store.add(cert.clone()).map_err(|e| unusable(format!("holds a certificate that is not usable: {e}")))?;
    }
    Ok(certs)
}

/// The rustls configuration of every connection: the operating system's verifier, which also
/// trusts `extra_roots`.
fn build_config(extra_roots: &[CertificateDer<'static>]) -> std::result::Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots.iter().cloned(), provider.clone())?;
    Ok(ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous() // not dangerous: the platform's verifier, not a bypass
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The configuration connections use with `ca_file` (for the `voucherlink doctor` handshake).
pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>> {
    let roots = match ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    build_config(&roots).map(Arc::new).map_err(|e| crate::error::Error::config(format!("TLS cannot be set up: {e}")))
}

/// Wraps new connections to `https://` URLs in TLS. The rustls configuration (and so the system's
/// roots) is built at the first TLS connection, not with the client: `vl_client_new` stays cheap.
pub(crate) struct TlsConnector {
    extra_roots: Vec<CertificateDer<'static>>,
    config: OnceLock<Arc<ClientConfig>>,
}

impl TlsConnector {
    /// A connector trusting the system's roots and `extra_roots`.
    pub(crate) fn new(extra_roots: Vec<CertificateDer<'static>>) -> TlsConnector {
        TlsConnector { extra_roots, config: OnceLock::new() }
    }

    fn client_config(&self) -> std::result::Result<Arc<ClientConfig>, rustls::Error> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        // Not cached when it fails (no system roots, say): a later connection tries again.
        let config = build_config(&self.extra_roots)?;
        Ok(self.config.get_or_init(|| Arc::new(config)).clone())
    }
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector").field("extra_roots", &self.extra_roots.len()).finish()
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else { return Ok(None) };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?;
        let mut connection = ClientConnection::new(self.client_config()?, name.to_owned())?;
        let mut socket = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        socket.set_timeout(details.timeout);
        // Nothing of the request has been sent yet: every failure here is "not sent".
        connection.complete_io(&mut socket).map_err(handshake_failure)?;
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(TlsTransport { buffers, stream: StreamOwned::new(connection, socket) })))
    }
}

/// A handshake's I/O error as the ureq error that says what happened: a certificate or protocol
/// error, a timeout while connecting, or a connection closed before TLS was set up.
fn handshake_failure(error: std::io::Error) -> ureq::Error {
    if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        return ureq::Error::Rustls(tls.clone());
    }
    match error.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ureq::Error::Timeout(ureq::Timeout::Connect),
        _ => ureq::Error::Tls("the connection closed during the TLS handshake"),
    }
}

/// An established TLS connection.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> std::result::Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
