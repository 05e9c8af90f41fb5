//! `papi-server`: serves the built app from a folder (Trunk's dist/).
//!
//!     papi-server [--dist DIR] [--addr HOST:PORT]
//!
//! Hashed assets are cached for a year; index.html, the service worker and
//! the manifest are revalidated on every load so an update is seen at once.

use papi_server::{app, parse_args};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cfg = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) if e == "help" => {
            println!("papi-server [--dist DIR] [--addr HOST:PORT]");
            return;
        }
        Err(e) => {
            eprintln!("papi-server: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(cfg.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("papi-server: cannot listen on {}: {e}", cfg.addr);
            std::process::exit(1);
        }
    };
    println!(
        "PAPI Tracker: http://{} (serving {})",
        cfg.addr,
        cfg.dist.display()
    );
    axum::serve(listener, app(&cfg))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server");
}
