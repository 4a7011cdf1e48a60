//! A real S3-compatible server for the media tests: `s3s-fs` (which checks SigV4 signatures)
//! on a free local port, over a temp directory, killed when dropped.
//!
//! Install it with `cargo install s3s-fs@0.14.1 --features binary --locked` (`.ci/run` does);
//! it is looked up on `PATH`, then in `~/.cargo/bin`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parley_core::kernel::config::Config;

pub const ACCESS_KEY: &str = "parley-test-access";
pub const SECRET_KEY: &str = "parley-test-secret-key";
pub const BUCKET: &str = "parley-media";

pub struct S3Server {
    pub endpoint: String,
    pub dir: tempfile::TempDir,
    child: Child,
}

fn binary() -> PathBuf {
    let name = "s3s-fs";
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    let in_cargo = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|d| d.join("bin").join(name))
        .filter(|p| p.is_file());
    on_path.or(in_cargo).unwrap_or_else(|| {
        panic!(
            "the media tests need `s3s-fs` (an S3-compatible server) on PATH or in ~/.cargo/bin; \
             install it with `cargo install s3s-fs@0.14.1 --features binary --locked`"
        )
    })
}

impl S3Server {
    /// Starts a server with one empty bucket, [`BUCKET`], and waits until it answers.
    pub async fn start() -> Self {
        let bin = binary();
        let dir = tempfile::tempdir().expect("temp dir");
        // s3s-fs keeps each bucket as a directory of its root.
        std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket dir");
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let mut child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile: try another
                }
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return Self {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        dir,
                        child,
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("s3s-fs did not answer on port {port}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("s3s-fs did not start");
    }

    /// Points a Parley configuration at this server.
    pub fn configure(&self, config: &mut Config) {
        let m = &mut config.media;
        m.s3_bucket = Some(BUCKET.into());
        m.s3_endpoint = Some(self.endpoint.clone());
        m.s3_region = "us-east-1".into();
        m.s3_access_key_id = Some(ACCESS_KEY.into());
        m.s3_secret_access_key = Some(SECRET_KEY.to_owned().into());
        m.s3_force_path_style = Some(true);
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
