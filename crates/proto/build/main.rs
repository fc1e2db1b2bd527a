//! Generates `constants.rs`, `messages.rs` and the Wireshark dissector `ged188.lua` from the tables in `defs/` (format: `defs/FORMAT.md`).
//! One definition per message: the struct, its decoder, encoder, JSON form and docs all come from one entry.

#![allow(
    clippy::pedantic,
    clippy::indexing_slicing,
    reason = "build-time code generator over our own tables"
)]

mod gen_constants;
mod gen_dissector;
mod gen_messages;
mod gen_test_support;
mod model;
mod parse;

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()))
        .join("defs");
    println!("cargo:rerun-if-changed={}", root.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(errors) = run(&root, &out) {
        for e in &errors {
            eprintln!("error: {e}");
        }
        eprintln!(
            "{} error(s) in the definition tables (see defs/FORMAT.md)",
            errors.len()
        );
        std::process::exit(1);
    }
}

fn run(root: &Path, out: &Path) -> Result<(), Vec<String>> {
    let read =
        |p: &Path| std::fs::read_to_string(p).map_err(|e| vec![format!("{}: {e}", p.display())]);
    let constants_path = root.join("constants.def");
    let constants = parse::constants(
        &constants_path.display().to_string(),
        &read(&constants_path)?,
    )?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("messages"))
        .map_err(|e| vec![format!("defs/messages: {e}")])?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "def"))
        .collect();
    files.sort();
    let mut sources = Vec::new();
    for f in &files {
        sources.push((f.display().to_string(), read(f)?));
    }
    let messages = parse::messages(&sources, &constants)?;
    let write = |name: &str, text: String| {
        std::fs::write(out.join(name), text).map_err(|e| vec![format!("writing {name}: {e}")])
    };
    write("constants.rs", gen_constants::generate(&constants))?;
    write("messages.rs", gen_messages::generate(&messages, &constants))?;
    write("test_support.rs", gen_test_support::generate(&messages))?;
    write("ged188.lua", gen_dissector::generate(&messages, &constants))?;
    Ok(())
}
