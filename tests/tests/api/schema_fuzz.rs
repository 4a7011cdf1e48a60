//! Schemathesis against a seeded server, as the three kinds of caller (operator, secret key,
//! end user), on SQLite and PostgreSQL: any 5xx, any answer the OpenAPI document does not
//! describe, or a dangling reference fails the test. The runner and its seeding live in
//! `.ci/schemathesis/run.py`; this test starts it with the server built here.
//!
//! Schemathesis comes from PyPI (`pip install schemathesis==4.32.5`); it is found through
//! `SCHEMATHESIS`, then `~/.cache/parley/schemathesis-4.32.5/bin`, then `PATH`. Cases per
//! operation and phase: `PARLEY_SCHEMATHESIS_EXAMPLES` (default 10; the long run uses 200).

use std::path::PathBuf;
use std::process::Command;

fn schemathesis() -> PathBuf {
    let candidates =
        std::env::var_os("SCHEMATHESIS")
            .map(PathBuf::from)
            .into_iter()
            .chain(std::env::var_os("HOME").map(|h| {
                PathBuf::from(h).join(".cache/parley/schemathesis-4.32.5/bin/schemathesis")
            }))
            .chain(std::env::var_os("PATH").into_iter().flat_map(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join("schemathesis"))
                    .collect::<Vec<_>>()
            }));
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!(
        "the schema fuzzing test needs Schemathesis 4.32.5: \
         `python3 -m venv ~/.cache/parley/schemathesis-4.32.5 && \
         ~/.cache/parley/schemathesis-4.32.5/bin/pip install schemathesis==4.32.5` \
         (or set SCHEMATHESIS to its path)"
    )
}

fn run(backend: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let examples =
        std::env::var("PARLEY_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "10".to_owned());
    let status = Command::new("python3")
        .arg(root.join(".ci/schemathesis/run.py"))
        .args(["--backend", backend, "--max-examples", &examples])
        .arg("--binary")
        .arg(env!("CARGO_BIN_EXE_parley-node"))
        .arg("--schemathesis")
        .arg(schemathesis())
        .current_dir(&root)
        .status()
        .expect("python3 runs .ci/schemathesis/run.py");
    assert!(
        status.success(),
        "Schemathesis found failures on {backend} (its report is above)"
    );
}

#[test]
fn the_api_conforms_to_its_openapi_document_on_sqlite() {
    run("sqlite");
}

#[test]
fn the_api_conforms_to_its_openapi_document_on_postgres() {
    run("postgres");
}
