//! The provider binary as the engine runs it: spawned, its port read from the first stdout line, a gRPC client
//! connected; killed (SIGKILL) and reaped on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use orderapi::rpc::pulumirpc::resource_provider_client::ResourceProviderClient;
use tonic::transport::Channel;

pub struct Plugin {
    pub child: Child,
    pub client: ResourceProviderClient<Channel>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Plugin {
    /// The provider binary, ready for arguments and environment.
    pub fn command() -> Command {
        Command::new(env!("CARGO_BIN_EXE_pulumi-resource-orderapi"))
    }

    /// Spawns `cmd` (stdout is taken for the port line) and connects to the port it prints.
    pub async fn spawn(mut cmd: Command) -> Plugin {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port line");
        let port: u16 = line.trim().parse().expect("first stdout line is the port");
        let client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
            .await
            .expect("connect");
        Plugin { child, client }
    }
}
