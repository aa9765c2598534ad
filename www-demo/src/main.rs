//! `id360-demo`: the demo's integrator server.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The id360-flow demo server. Against the local sandbox by default; against ID360
/// preproduction with ID360_BASE_URL, ID360_USERNAME, ID360_PASSWORD and ID360_PROCESS_UUID.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "DEMO_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// URL this server is reached at (for callbacks and links); default http://<bind>.
    #[arg(long, env = "DEMO_PUBLIC_URL", default_value = "")]
    public_url: String,
    /// ID360 base URL.
    #[arg(long, env = "ID360_BASE_URL", default_value = "http://127.0.0.1:8360")]
    id360_url: String,
    /// Application username.
    #[arg(long, env = "ID360_USERNAME", default_value = "demo-app")]
    username: String,
    /// Application password.
    #[arg(
        long,
        env = "ID360_PASSWORD",
        default_value = "demo-password",
        hide_env_values = true
    )]
    password: String,
    /// Process UUID.
    #[arg(
        long,
        env = "ID360_PROCESS_UUID",
        default_value = "0b1e5e1f-3f6a-4d8e-9c1a-000000000001"
    )]
    process: String,
    /// Proxy /api/1.0.0/enrollment/flow/ on this origin (when the browser cannot call ID360).
    #[arg(long, env = "DEMO_PROXY")]
    proxy: bool,
    /// The page's folder.
    #[arg(long, default_value = "www-demo/static")]
    static_dir: PathBuf,
    /// The built wasm package's folder.
    #[arg(long, default_value = "target/npm/id360-flow")]
    pkg_dir: PathBuf,
    /// Token keep-alive period in seconds (ID360: 13 minutes).
    #[arg(long, default_value_t = 780)]
    keep_alive_secs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = id360_demo::Config {
        id360_url: args.id360_url,
        username: args.username,
        password: args.password,
        process: args.process,
        public_url: args.public_url.trim_end_matches('/').to_string(),
        proxy: args.proxy,
        static_dir: args.static_dir,
        pkg_dir: args.pkg_dir,
        keep_alive: Duration::from_secs(args.keep_alive_secs.max(1)),
        report_poll_for: Duration::from_secs(300),
        callback_secret: None,
        login_backoff: Duration::from_secs(60),
        forget_after: Duration::from_secs(3600),
        max_enrollments: 10_000,
    };
    let id360 = config.id360_url.clone();
    let proxy = config.proxy;
    match id360_demo::start(config, args.bind).await {
        Ok((addr, _demo, task)) => {
            println!(
                "id360-flow demo on http://{addr}/  (ID360: {id360}{})",
                if proxy { ", flow proxied" } else { "" }
            );
            tokio::select! {
                _ = task => ExitCode::from(1),
                _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("id360-demo: cannot listen on {}: {e}", args.bind);
            ExitCode::from(1)
        }
    }
}
