//! `pixapi-sim`: run the simulator until killed.

use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use clap::Parser;
use pixapi_sim::{Flavour, LatencyProfile, SimConfig, SimServer};

/// A local Pixapi-compatible image API (a simulator, for tests and offline use).
///
/// Prints `listening on http://HOST:PORT` as the first line of stdout, then serves until
/// killed (Ctrl-C / SIGTERM). Logs go to stderr (RUST_LOG=pixapi_sim=debug for more).
#[derive(Parser, Debug)]
#[command(name = "pixapi-sim", version, after_long_help = long_help(), after_help = "Run with --help for the API, the admin API and fault injection, with examples.")]
struct Args {
    /// Port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// An accepted API key (repeat for several); default `sk_test_1` if none is given.
    #[arg(long = "key", value_name = "KEY")]
    keys: Vec<String>,
    /// Starting balance in credits.
    #[arg(long, default_value_t = 1000, allow_negative_numbers = true)]
    credits: i64,
    /// Latency profile: fast (ms, for tests) or realistic (seconds, for demos).
    #[arg(long, value_enum, default_value_t = LatencyProfile::Fast)]
    profile: LatencyProfile,
    /// Image requests in flight (sync, or async tasks processing) before 429 + Retry-After.
    #[arg(long, default_value_t = 8)]
    max_concurrency: usize,
    /// Seconds a `url` output stays downloadable.
    #[arg(long, default_value_t = 600)]
    url_ttl_secs: u64,
    /// Largest reference image accepted, in bytes.
    #[arg(long, default_value_t = 7 << 20)]
    max_image_bytes: usize,
    /// Most reference images per edit.
    #[arg(long, default_value_t = 14)]
    max_images: usize,
    /// Accept today's tolerance for other gateways: the price tables' suffixed ids
    /// (`-512`, `-2k`, `-4k`) as models, `512` / `1K` sizes, an `aspect_ratio` field.
    /// Without it the server is strict: only what Pixapi's pages document.
    #[arg(long)]
    lenient: bool,
    /// Also list and serve this model id (repeatable): a model the client's catalog does not
    /// know, served like Nano Banana at 1K (2 credits).
    #[arg(long = "extra-model", value_name = "ID")]
    extra_models: Vec<String>,
    /// Which API to speak: pixapi (default) or openai (OpenAI's Images API: gpt-image-1,
    /// gpt-image-1-mini, gpt-image-1.5; token usage, dollars, OpenAI's error shape).
    #[arg(long, value_enum, default_value_t = Flavour::Pixapi)]
    flavour: Flavour,
}

fn long_help() -> String {
    let text: String =
        pixapi_sim::API_HELP.lines().filter(|l| !l.starts_with("```")).map(|l| format!("{l}\n")).collect();
    format!("{text}\nExample:\n  pixapi-sim --port 8787 --key sk_test_1 --key sk_test_2 --credits 500 --profile realistic\n")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let keys = if args.keys.is_empty() { vec!["sk_test_1".to_string()] } else { args.keys };
    let cfg = SimConfig {
        host: args.host,
        port: args.port,
        keys,
        credits: args.credits,
        profile: args.profile,
        max_concurrency: args.max_concurrency,
        url_ttl: Duration::from_secs(args.url_ttl_secs),
        max_image_bytes: args.max_image_bytes,
        max_images: args.max_images,
        strict: !args.lenient,
        extra_models: args.extra_models,
        flavour: args.flavour,
    };
    let sim = SimServer::start(cfg).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.base_url())?;
        out.flush()?;
    }
    wait_for_signal().await;
    sim.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
