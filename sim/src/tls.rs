//! HTTPS for the simulator: a throwaway certificate authority, made at start-up, signs a server
//! certificate for the names given. A client trusts it only through `ca_file` (or the system's
//! store), so both the verified path and every refusal can be tested on loopback.
//!
//! The certificate names a revocation list (an empty one, signed by the CA and served over plain
//! HTTP on loopback), as a public CA's would: Windows' CryptoAPI checks it (and wine's refuses a
//! certificate whose revocation status is unknown).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, CrlDistributionPoint,
    DnType, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::server::{Reply, Response, Server};

/// The simulator's TLS identity.
pub struct TlsIdentity {
    /// The throwaway CA's certificate (PEM): what a client's `ca_file` names.
    pub ca_pem: String,
    /// The server side, presenting the certificate the CA signed.
    pub(crate) config: Arc<ServerConfig>,
    /// Serves the CA's revocation list (`http://127.0.0.1:P/crl`).
    pub(crate) revocation_server: Server,
}

impl TlsIdentity {
    /// A new CA and a server certificate for `names` (host names or IP addresses).
    pub fn generate(names: &[&str]) -> Result<TlsIdentity, String> {
        let failed = |e: rcgen::Error| format!("cannot make the simulator's certificates: {e}");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "voucherlink simulator CA (throwaway)");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(failed)?).map_err(failed)?;

        let revocation_list = CertificateRevocationListParams {
            this_update: date_time_ymd(2025, 1, 1),
            next_update: date_time_ymd(2125, 1, 1),
            crl_number: 1u64.into(),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&ca)
        .map_err(failed)?
        .der()
        .to_vec();
        let revocation_server = Server::start(
            "127.0.0.1:0",
            Arc::new(move |_| Reply::Respond(Response::raw(200, "application/pkix-crl", revocation_list.clone()))),
            None,
        )
        .map_err(|e| format!("cannot serve the simulator's revocation list: {e}"))?;

        let server_key = KeyPair::generate().map_err(failed)?;
        let mut server_params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).map_err(failed)?;
        server_params.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("simulator"));
        server_params.crl_distribution_points =
            vec![CrlDistributionPoint { uris: vec![format!("http://{}/crl", revocation_server.addr())] }];
        let server_cert = server_params.signed_by(&server_key, &ca).map_err(failed)?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(vec![server_cert.der().clone()], key))
            .map_err(|e| format!("cannot set up the simulator's TLS: {e}"))?;
        Ok(TlsIdentity { ca_pem: ca.pem(), config: Arc::new(config), revocation_server })
    }
}
