//! A moto server for one test: free loopback port, own process, stopped by PID on drop.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use orderapi::aws::{Aws, ProviderConfig};
use orderapi::resource::Context;
use tokio_util::sync::CancellationToken;

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

/// The project's moto extensions (`emulator/sitecustomize.py` and the modules it loads): behaviours moto lacks,
/// implemented as AWS documents them (see emulator/README.md).
fn emulator_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("emulator")
}

impl Moto {
    /// Starts moto_server (`ORDERAPI_MOTO_SERVER`, else `moto_server` on PATH) with the project's extensions.
    /// Panics with a hint when missing: these tests must fail, not skip, without their emulator.
    pub async fn start() -> Moto {
        let bin =
            std::env::var("ORDERAPI_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_string());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("PYTHONPATH", emulator_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin} ({e}); run `make tools` or set ORDERAPI_MOTO_SERVER")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not listen on {endpoint} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Moto { child, endpoint }
    }

    /// The provider's clients, pointed at this emulator.
    pub async fn aws(&self) -> Arc<Aws> {
        set_dummy_credentials();
        let config = ProviderConfig {
            region: Some("us-east-1".into()),
            endpoint: Some(self.endpoint.clone()),
            skip_credentials_validation: Some(true),
            max_retries: Some(2),
            ..Default::default()
        };
        Arc::new(Aws::connect(&config).await.expect("clients"))
    }

    /// An operation context with a 60 s budget.
    pub async fn ctx(&self) -> Context {
        Context::new(
            self.aws().await,
            "urn:pulumi:test::test::orderapi:test:T::t",
            Duration::from_secs(60),
            CancellationToken::new(),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn set_dummy_credentials() {
    // SAFETY: set once per process to the same values before any client reads them; tests never remove them.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
}
