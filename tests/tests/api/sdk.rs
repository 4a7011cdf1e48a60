//! The client SDKs' own suites, against real servers built here: each starts `parley serve`
//! processes (SQLite, free ports) from this package's binary. Also fails when a generated
//! part of an SDK no longer matches `openapi/` (`sdk/generate.sh --check`).
//!
//! The TypeScript SDK needs Node.js 20+ and npm (its packages come from the npm registry,
//! pinned by `sdk/typescript/package-lock.json`); the Python SDK needs python3 3.11+ with
//! venv (its packages come from PyPI, pinned by `sdk/python/requirements-test.txt`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `program args` in `dir`; panics with `what` when it cannot start or fails.
fn run(dir: &Path, program: &str, args: &[&str], what: &str) {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PARLEY_BIN", env!("CARGO_BIN_EXE_parley-node"))
        .status()
        .unwrap_or_else(|e| {
            panic!("{what}: cannot run `{program}` ({e}); see this file's header for what it needs")
        });
    assert!(status.success(), "{what} failed (its output is above)");
}

#[test]
fn the_typescript_sdk_passes_its_suite_against_a_live_server() {
    let dir = root().join("sdk/typescript");
    run(
        &dir,
        "npm",
        &["ci", "--no-audit", "--no-fund", "--loglevel=error"],
        "installing the TypeScript SDK's packages",
    );
    run(
        &root(),
        "bash",
        &["sdk/generate.sh", "--check"],
        "sdk/generate.sh --check",
    );
    run(&dir, "npm", &["test"], "the TypeScript SDK's suite");
}

#[test]
fn the_python_sdk_passes_its_suite_against_a_live_server() {
    run(
        &root(),
        "bash",
        &["sdk/python/run-tests.sh", "-q"],
        "the Python SDK's suite",
    );
}
