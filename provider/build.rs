//! Compiles Pulumi's vendored RPC protos (../proto) with protox (pure Rust, no system protoc needed) and
//! tonic-prost-build. Unimplemented RPCs get default stubs that answer `Unimplemented`, as the engine expects.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    let files = [
        "pulumi/provider.proto",
        "pulumi/resource.proto",
        "pulumi/engine.proto",
        "pulumi/plugin.proto",
        "google/rpc/status.proto",
    ];
    let fds = protox::compile(files, [&root])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .include_file("protos.rs")
        .compile_fds(fds)?;
    Ok(())
}
