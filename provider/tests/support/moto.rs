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
        Self::launch(None).await
    }

    /// Starts moto with the emulator's timing model on (`emulator/timing.py`): `setting` is what
    /// `ORDERAPI_EMULATOR_TIMING` takes, e.g. `scale=0.01` or `scale=0.01;stuck=nat_gateway`.
    #[allow(dead_code)]
    pub async fn start_timed(setting: &str) -> Moto {
        Self::launch(Some(setting)).await
    }

    /// Changes the timing model at run time (`POST /_orderapi/timing` with the JSON object `settings`, e.g.
    /// `{"stuck": []}`); returns the configuration in force as JSON text.
    #[allow(dead_code)]
    pub fn timing(&self, settings: &str) -> String {
        use std::io::{Read, Write};
        let address = self.endpoint.trim_start_matches("http://");
        // A one-off blocking exchange with the local emulator (no HTTP client among the dependencies).
        let mut stream = std::net::TcpStream::connect(address).expect("connect to moto");
        let request = format!(
            "POST /_orderapi/timing HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{settings}",
            settings.len()
        );
        stream
            .write_all(request.as_bytes())
            .expect("send timing settings");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read timing answer");
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "POST /_orderapi/timing {settings} was refused: {answer}"
        );
        answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default()
    }

    async fn launch(timing: Option<&str>) -> Moto {
        let bin =
            std::env::var("ORDERAPI_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_string());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut command = Command::new(&bin);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("PYTHONPATH", emulator_dir());
        // Off unless asked for: the other tests see moto's own (instant) timing.
        match timing {
            Some(setting) => command.env("ORDERAPI_EMULATOR_TIMING", setting),
            None => command.env_remove("ORDERAPI_EMULATOR_TIMING"),
        };
        let child = command
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
