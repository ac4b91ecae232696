//! Compiles every `.proto` under `hms/` with protox (no protoc needed) and
//! writes the encoded descriptor set, custom options included, for reflection,
//! the access-policy layer and the gateway.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut protos = Vec::new();
    collect_protos(&root.join("hms"), &mut protos)?;
    // Not imported by any HMS file, but compiled in so reflection clients
    // (grpcurl) can decode error details.
    collect_protos(&root.join("google").join("rpc"), &mut protos)?;
    protos.sort();

    // tonic-prost-build does not emit these itself.
    println!("cargo:rerun-if-changed={}", root.join("hms").display());
    println!("cargo:rerun-if-changed={}", root.join("google").display());
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }

    let mut compiler = protox::Compiler::new([root])?;
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(&protos)?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    // `encode_file_descriptor_set` keeps extension options such as
    // `(hms.common.v1.access)`, which a decoded prost-types set would drop.
    std::fs::write(out_dir.join("hms_descriptor.bin"), compiler.encode_file_descriptor_set())?;

    tonic_prost_build::configure().build_server(true).build_client(true).compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}

fn collect_protos(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path);
        }
    }
    Ok(())
}
