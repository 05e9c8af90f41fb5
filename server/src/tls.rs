//! HTTPS certificates: read at start, and read again on SIGHUP
//! (`systemctl reload papi-server`, e.g. from certbot's deploy hook) without
//! a restart. Open connections keep their session; new ones get the new
//! certificate. A reload that fails keeps the certificate in use.

use std::path::{Path, PathBuf};

use axum_server::tls_rustls::RustlsConfig;

/// The TLS configuration being served and the files it comes from.
#[derive(Clone)]
pub struct Tls {
    pub config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
}

impl Tls {
    pub async fn load(cert: &Path, key: &Path) -> Result<Tls, String> {
        let config = RustlsConfig::from_pem_file(cert, key)
            .await
            .map_err(|e| format!("TLS certificate or key: {e}"))?;
        Ok(Tls {
            config,
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
        })
    }

    /// Read the files again; on an error the current certificate stays.
    pub async fn reload(&self) -> Result<(), String> {
        self.config
            .reload_from_pem_file(&self.cert, &self.key)
            .await
            .map_err(|e| format!("TLS certificate or key not reloaded: {e}"))
    }
}

/// On every SIGHUP, reload the certificate (without TLS there is nothing to
/// reload, but SIGHUP no longer stops the server).
pub fn reload_on_sighup(tls: Option<Tls>) -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup()).map_err(|e| format!("SIGHUP handler: {e}"))?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match &tls {
                Some(t) => match t.reload().await {
                    Ok(()) => eprintln!(
                        "papi-server: TLS certificate reloaded from {}",
                        t.cert.display()
                    ),
                    Err(e) => eprintln!("papi-server: {e}"),
                },
                None => eprintln!("papi-server: SIGHUP: no TLS certificate to reload"),
            }
        }
    });
    Ok(())
}
