//! `pulumi-resource-orderapi`: started by the Pulumi engine with its address as the last argument; listens on a
//! free loopback port and prints it as the first line of stdout. Without an address it runs in attach mode for
//! `PULUMI_DEBUG_PROVIDERS=orderapi:<port>`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use orderapi::rpc::monitor::MAX_MESSAGE_BYTES;
use orderapi::rpc::pulumirpc::resource_provider_server::ResourceProviderServer;
use orderapi::rpc::server::Provider;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

/// The flags the Pulumi engine passes to every plugin.
#[derive(Parser, Debug)]
#[command(
    name = "pulumi-resource-orderapi",
    version,
    about = "Pulumi provider for the orderapi package"
)]
struct Args {
    /// Log to stderr (always on; accepted for compatibility with the engine).
    #[arg(long)]
    logtostderr: bool,
    /// Log flow (accepted for compatibility with the engine).
    #[arg(long)]
    logflow: bool,
    /// Log verbosity (the engine passes `-v=N`).
    #[arg(short = 'v', long = "verbose", default_value_t = 0)]
    verbosity: u8,
    /// Tracing endpoint (accepted; tracing goes to the log).
    #[arg(long)]
    tracing: Option<String>,
    /// Print schema.json and exit.
    #[arg(long)]
    print_schema: bool,
    /// The engine's gRPC address; absent = attach mode.
    engine_address: Option<String>,
}

fn init_logging(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1..=4 => "info",
        5..=8 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORDERAPI_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "orderapi={default},pulumi_resource_orderapi={default},warn"
        ))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_schema {
        print!(
            "{}",
            orderapi::schema::package_schema_text(&orderapi::resource::Registry::all())
        );
        return ExitCode::SUCCESS;
    }
    init_logging(args.verbosity);
    match serve(args.engine_address.as_deref()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pulumi-resource-orderapi: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(engine_address: Option<&str>) -> Result<(), String> {
    let provider = Provider::new(engine_address)?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{port}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot print the port: {e}"))?;
    }
    if engine_address.is_none() {
        eprintln!("attach mode: run Pulumi with PULUMI_DEBUG_PROVIDERS=orderapi:{port}");
    }
    let service = ResourceProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("gRPC server failed: {e}"))
}
