//! The certificate is replaced without a restart: `Tls::reload` in-process,
//! and SIGHUP to the real binary; a new connection sees the new certificate.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use papi_server::tls::Tls;

const BIN: &str = env!("CARGO_BIN_EXE_papi-server");

struct Cert {
    pem: String,
    key: String,
}

fn cert() -> Cert {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    Cert {
        pem: c.cert.pem(),
        key: c.signing_key.serialize_pem(),
    }
}

fn install(c: &Cert, dir: &Path) {
    std::fs::write(dir.join("cert.pem"), &c.pem).unwrap();
    std::fs::write(dir.join("key.pem"), &c.key).unwrap();
}

/// Whether a new connection that trusts only `c` gets an answer.
async fn trusts(c: &Cert, port: u16) -> bool {
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(c.pem.as_bytes()).unwrap())
        .resolve("localhost", format!("127.0.0.1:{port}").parse().unwrap())
        .build()
        .unwrap();
    client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

async fn eventually_trusts(c: &Cert, port: u16) -> bool {
    for _ in 0..200 {
        if trusts(c, port).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

fn temp(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("papi-tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_serves_the_new_certificate_and_keeps_the_old_on_error() {
    let dir = temp("reload");
    let (a, b) = (cert(), cert());
    install(&a, &dir);
    let tls = Tls::load(&dir.join("cert.pem"), &dir.join("key.pem"))
        .await
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
    let server = axum_server::from_tcp_rustls(listener, tls.config.clone()).unwrap();
    tokio::spawn(server.serve(router.into_make_service()));
    assert!(eventually_trusts(&a, port).await);
    assert!(!trusts(&b, port).await);

    install(&b, &dir);
    tls.reload().await.unwrap();
    assert!(
        trusts(&b, port).await,
        "a new connection sees certificate B"
    );
    assert!(!trusts(&a, port).await);

    std::fs::write(dir.join("cert.pem"), "half a certificate").unwrap();
    assert!(tls.reload().await.unwrap_err().contains("not reloaded"));
    assert!(
        trusts(&b, port).await,
        "a bad file keeps the certificate in use"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_certificate_of_the_running_binary() {
    let dir = temp("sighup");
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html><title>x</title>").unwrap();
    let (a, b) = (cert(), cert());
    install(&a, &dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Configured from the environment, as the systemd unit does.
    let mut child = Command::new(BIN)
        .env("PAPI_DIST", &dir)
        .env("PAPI_DB", dir.join("papi.sqlite3"))
        .env("PAPI_ADDR", format!("127.0.0.1:{port}"))
        .env("PAPI_TLS_CERT", dir.join("cert.pem"))
        .env("PAPI_TLS_KEY", dir.join("key.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(eventually_trusts(&a, port).await);
    install(&b, &dir);
    let hup = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    assert!(
        eventually_trusts(&b, port).await,
        "certificate B after SIGHUP"
    );
    assert!(!trusts(&a, port).await);
    assert!(child.try_wait().unwrap().is_none(), "still running");
    child.kill().unwrap();
    child.wait().unwrap();
}
