//! `id360-sandbox`: starts the local ID360 simulator.

use clap::Parser;
use id360_sandbox::{config, Config};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A local simulator of the Docaposte ID360 API, for offline development and tests.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "ID360_SANDBOX_BIND", default_value = "127.0.0.1:8360")]
    bind: SocketAddr,
    /// Username of the demo application.
    #[arg(long, env = "ID360_SANDBOX_USERNAME", default_value = "demo-app")]
    username: String,
    /// Password of the demo application.
    #[arg(long, env = "ID360_SANDBOX_PASSWORD", default_value = "demo-password")]
    password: String,
    /// JSON file with an array of processes, added to the built-in ones.
    #[arg(long, env = "ID360_SANDBOX_PROCESSES")]
    processes: Option<PathBuf>,
    /// Delay between finalize and the verdict, in milliseconds.
    #[arg(long, env = "ID360_SANDBOX_VERDICT_DELAY_MS", default_value_t = 1500)]
    verdict_delay_ms: u64,
    /// Token lifetime after its last use, in seconds.
    #[arg(long, default_value_t = 900)]
    token_ttl_secs: u64,
    /// Logins accepted per application per minute.
    #[arg(long, default_value_t = 10)]
    logins_per_minute: usize,
    /// Most enrollments kept in memory.
    #[arg(long, default_value_t = 10_000)]
    max_enrollments: usize,
    /// Most uploaded megabytes kept in memory.
    #[arg(long, default_value_t = 512)]
    max_stored_mb: usize,
    /// Origin allowed to call the flow endpoints (repeat or comma-separate; default: any).
    #[arg(
        long = "allow-origin",
        env = "ID360_SANDBOX_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,
    /// Fault rules at start: a JSON file or inline JSON (same shape as PUT /_sandbox/faults).
    #[arg(long, env = "ID360_SANDBOX_FAULTS")]
    faults: Option<String>,
    /// Seed of the fault injector's random draws.
    #[arg(long)]
    fault_seed: Option<u64>,
    /// Delivery attempts per callback.
    #[arg(long, default_value_t = 5)]
    callback_attempts: u32,
    /// First callback retry delay in milliseconds (doubles each retry).
    #[arg(long, default_value_t = 500)]
    callback_retry_ms: u64,
    /// Do not log requests.
    #[arg(long)]
    quiet: bool,
    /// Serve this folder read-only under /_sandbox/files/ (the generated test photographs, for
    /// browser tests and benchmarks).
    #[arg(long)]
    files: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Tools besides serving.
#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Writes a Y4M video of a synthetic ID card or face, for Chromium's fake camera
    /// (--use-file-for-fake-video-capture), then exits.
    FakeCamera {
        /// `card` or `selfie`.
        #[arg(long, default_value = "card")]
        kind: String,
        /// Width in pixels (even).
        #[arg(long, default_value_t = 1280)]
        width: usize,
        /// Height in pixels (even).
        #[arg(long, default_value_t = 720)]
        height: usize,
        /// Frames in the file (Chromium loops it).
        #[arg(long, default_value_t = 2)]
        frames: usize,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

fn fake_camera(
    kind: &str,
    width: usize,
    height: usize,
    frames: usize,
    out: &std::path::Path,
) -> Result<(), String> {
    use id360_sandbox::samples::{card_luma, selfie_luma, y4m};
    if width == 0
        || height == 0
        || width % 2 == 1
        || height % 2 == 1
        || width > 4096
        || height > 4096
    {
        return Err("width and height must be even, from 2 to 4096".into());
    }
    let luma = match kind {
        "card" => card_luma(width, height),
        "selfie" => selfie_luma(width, height),
        other => return Err(format!("unknown kind {other:?}: card or selfie")),
    };
    std::fs::write(out, y4m(&luma, width, height, frames.clamp(1, 100)))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

fn build_config(args: &Args) -> Result<Config, String> {
    let mut processes = config::builtin_processes();
    if let Some(path) = &args.processes {
        processes.extend(config::load_processes(path)?);
    }
    Ok(Config {
        username: args.username.clone(),
        password: args.password.clone(),
        processes,
        token_ttl: Duration::from_secs(args.token_ttl_secs),
        logins_per_minute: args.logins_per_minute,
        max_enrollments: args.max_enrollments,
        max_stored_bytes: args.max_stored_mb.saturating_mul(1024 * 1024),
        verdict_delay: Duration::from_millis(args.verdict_delay_ms),
        callback_attempts: args.callback_attempts,
        callback_retry_base: Duration::from_millis(args.callback_retry_ms),
        allowed_origins: args
            .allow_origins
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect(),
        log_requests: !args.quiet,
        fault_seed: args.fault_seed,
        files_dir: args.files.clone(),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::FakeCamera {
        kind,
        width,
        height,
        frames,
        out,
    }) = &args.command
    {
        return match fake_camera(kind, *width, *height, *frames, out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("id360-sandbox: {e}");
                ExitCode::from(2)
            }
        };
    }
    let config = match build_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("id360-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    let rules = match &args.faults {
        None => Vec::new(),
        Some(spec) => {
            let text = if spec.trim_start().starts_with(['[', '{']) {
                spec.clone()
            } else {
                match std::fs::read_to_string(spec) {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("id360-sandbox: cannot read faults file {spec}: {e}");
                        return ExitCode::from(2);
                    }
                }
            };
            match id360_sandbox::api::admin::parse_rules(text.as_bytes()) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("id360-sandbox: invalid faults: {}", e.detail);
                    return ExitCode::from(2);
                }
            }
        }
    };
    let running = match id360_sandbox::start(config, args.bind).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("id360-sandbox: cannot listen on {}: {e}", args.bind);
            return ExitCode::from(1);
        }
    };
    if let Ok(mut f) = running.sandbox.faults.lock() {
        f.rules = rules;
    }
    let sb = &running.sandbox;
    println!("ID360 sandbox listening on {}", running.url());
    println!("  API base URL:     {}/api/1.0.0/", running.url());
    println!(
        "  application:      username {:?}  password {:?}",
        sb.config.username, sb.config.password
    );
    println!("  processes:");
    for p in &sb.config.processes {
        println!("    {}  {}", p.uuid, p.name);
    }
    println!(
        "  admin:            {}/_sandbox/enrollments  (faults: /_sandbox/faults)",
        running.url()
    );
    println!("Ctrl-C to stop.");
    tokio::select! {
        _ = running.wait() => ExitCode::from(1),
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
