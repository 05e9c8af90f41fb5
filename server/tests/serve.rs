//! The server over a real socket: the shell is served with revalidation,
//! hashed assets as immutable, text compressed, and missing files are 404.

use std::path::PathBuf;

use papi_server::{app, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(addr: std::net::SocketAddr, path: &str, gzip: bool) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let enc = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{enc}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).to_string()
}

#[tokio::test]
async fn serves_the_build_with_the_right_caching() {
    let dist = std::env::temp_dir().join(format!("papi-server-test-{}", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!DOCTYPE html><title>x</title>".repeat(50),
    )
    .unwrap();
    std::fs::write(dist.join("app-1a44c1c2343fa4f0.js"), "console.log(1)").unwrap();
    let cfg = Config {
        dist: PathBuf::from(&dist),
        addr: "127.0.0.1:0".parse().unwrap(),
    };
    let listener = tokio::net::TcpListener::bind(cfg.addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(&cfg)).await.unwrap() });

    let index = get(addr, "/", false).await.to_lowercase();
    assert!(index.starts_with("http/1.1 200"), "{index}");
    assert!(index.contains("cache-control: no-cache"), "{index}");
    let js = get(addr, "/app-1a44c1c2343fa4f0.js", false)
        .await
        .to_lowercase();
    assert!(
        js.contains("cache-control: public, max-age=31536000, immutable"),
        "{js}"
    );
    let gz = get(addr, "/index.html", true).await.to_lowercase();
    assert!(gz.contains("content-encoding: gzip"), "{gz}");
    let missing = get(addr, "/nope.js", false).await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    assert!(get(addr, "/healthz", false).await.ends_with("ok"));
    std::fs::remove_dir_all(&dist).unwrap();
}
