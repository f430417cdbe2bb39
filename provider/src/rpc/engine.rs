//! Engine.Log client: diagnostics and ephemeral status lines, attached to a resource's URN.

use tokio::sync::mpsc;
use tonic::transport::Endpoint;

use super::pulumirpc::{LogRequest, LogSeverity, engine_client::EngineClient};
use crate::resource::{Diagnostics, Severity};

/// Sends log records to the engine in order, from a background task (logging never blocks an operation).
#[derive(Clone)]
pub struct EngineLog {
    tx: mpsc::UnboundedSender<LogRequest>,
}

impl EngineLog {
    /// Connects lazily to the engine at `address` (`host:port`).
    pub fn connect(address: &str) -> Result<EngineLog, String> {
        let endpoint = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| format!("invalid engine address '{address}': {e}"))?;
        let mut client = EngineClient::new(endpoint.connect_lazy());
        let (tx, mut rx) = mpsc::unbounded_channel::<LogRequest>();
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                if let Err(e) = client.log(req).await {
                    tracing::debug!("engine log failed: {e}");
                }
            }
        });
        Ok(EngineLog { tx })
    }
}

impl Diagnostics for EngineLog {
    fn log(&self, severity: Severity, urn: &str, message: String, ephemeral: bool) {
        let severity = match severity {
            Severity::Debug => LogSeverity::Debug,
            Severity::Info => LogSeverity::Info,
            Severity::Warning => LogSeverity::Warning,
            Severity::Error => LogSeverity::Error,
        };
        let _ = self.tx.send(LogRequest {
            severity: severity as i32,
            message,
            urn: urn.to_string(),
            stream_id: 0,
            ephemeral,
        });
    }
}
