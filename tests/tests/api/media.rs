//! Media uploads, end to end, the way a browser does them: create an upload, PUT the bytes
//! to the signed URL with a plain HTTP client (no credentials), complete it, attach it to a
//! message, download it through signed URLs. Every test runs against both engines — the
//! local directory and a real S3-compatible server (`s3s-fs`, which checks signatures) —
//! on SQLite and on PostgreSQL.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use parley_core::Parley;
use parley_core::kernel::config::Config;
use parley_tests::s3::S3Server;
use parley_tests::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy)]
enum Store {
    Local,
    S3,
}

/// A Parley on one database and one media engine.
struct Env {
    app: TestApp,
    _s3: Option<S3Server>,
}

impl Env {
    async fn start(backend: Backend, store: Store, tweak: impl FnOnce(&mut Config)) -> Self {
        let s3 = match store {
            Store::S3 => Some(S3Server::start().await),
            Store::Local => None,
        };
        let app = TestApp::spawn_with(backend, |c| {
            if let Some(s3) = &s3 {
                s3.configure(c);
            }
            tweak(c);
        })
        .await;
        let env = Self { app, _s3: s3 };
        let engine = env.ctx().media.engine_name();
        assert_eq!(engine, if env._s3.is_some() { "s3" } else { "local" });
        env
    }

    fn ctx(&self) -> &Parley {
        &self.app.running.as_ref().unwrap().ctx
    }

    /// Whether the store holds an object, asked of the store itself.
    async fn stored(&self, key: &str) -> bool {
        self.ctx().media.size_of(key).await.unwrap().is_some()
    }

    /// Waits until the store no longer holds `key` (deletion runs in the background).
    async fn wait_gone(&self, key: &str) {
        eventually(
            &format!("{key} gone from the store"),
            SWEEP_WAIT,
            async || {
                if self.stored(key).await {
                    Err("still stored".into())
                } else {
                    Ok(())
                }
            },
        )
        .await;
    }
}

/// How long the background sweeps and deletions get.
const SWEEP_WAIT: Duration = Duration::from_secs(10);

/// Waits until the sweeper has deleted an upload: its owner gets 404 for it.
async fn wait_swept(owner: &User, id: &str, what: &str) {
    eventually(what, SWEEP_WAIT, async || {
        let (status, up) = send(owner.request(Method::GET, &format!("/v1/uploads/{id}"))).await;
        if status == 404 {
            Ok(())
        } else {
            Err(up.to_string())
        }
    })
    .await;
}

/// Runs each `async fn(Backend, Store)` on both engines and both databases.
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod local_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite, super::Store::Local).await })*
        }
        mod local_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres, super::Store::Local).await })*
        }
        mod s3_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite, super::Store::S3).await })*
        }
        mod s3_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres, super::Store::S3).await })*
        }
    };
}

on_every_store!(
    upload_attach_and_download,
    limits_signatures_and_sniffing,
    signed_urls_expire,
    uploads_stay_in_their_tenant_and_with_their_owner,
    images_get_thumbnails,
    late_thumbnails_update_the_message,
    hard_deletes_remove_the_files,
    abandoned_uploads_are_swept,
    unattached_uploads_are_swept,
    storage_usage_is_counted,
);

const MESSAGES: &str = "/v1/channels/messaging/general/messages";

async fn room(app: &TestApp) -> (Tenant, User, User) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("general", &["alice", "bob"])
        .await;
    (t.clone(), t.user("alice").await, t.user("bob").await)
}

pub(crate) async fn start_upload(
    who: &User,
    filename: &str,
    content_type: &str,
    size: usize,
) -> Value {
    let (status, body) = send(
        who.request(Method::POST, "/v1/uploads")
            .json(&json!({"filename": filename, "content_type": content_type, "size": size})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["upload_id"].is_string() && body["expires_at"].is_string());
    body
}

/// PUTs bytes to an upload's URL as a browser would: the signed headers, nothing else (the
/// length comes from the body).
pub(crate) async fn put_as(
    created: &Value,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().put(created["put_url"].as_str().unwrap());
    for (k, v) in created["headers"].as_object().unwrap() {
        if k != "content-length" && k != "content-type" && k != "host" {
            req = req.header(k, v.as_str().unwrap());
        }
    }
    let res = req
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap_or_default())
}

pub(crate) async fn put(created: &Value, bytes: Vec<u8>) -> (StatusCode, String) {
    let ct = created["headers"]["content-type"]
        .as_str()
        .unwrap()
        .to_owned();
    put_as(created, &ct, bytes).await
}

fn complete_path(created: &Value) -> String {
    format!(
        "/v1/uploads/{}/complete",
        created["upload_id"].as_str().unwrap()
    )
}

/// Create, PUT, complete: returns the attachment.
pub(crate) async fn upload(
    who: &User,
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Value {
    let created = start_upload(who, filename, content_type, bytes.len()).await;
    let (status, text) = put(&created, bytes).await;
    assert!(status.is_success(), "PUT answered {status}: {text}");
    let (status, att) = send(who.request(Method::POST, &complete_path(&created))).await;
    assert_eq!(status, 200, "{att}");
    att
}

/// GETs a signed URL with a plain client.
pub(crate) async fn fetch(url: &Value) -> (StatusCode, String, Vec<u8>) {
    let res = reqwest::get(url.as_str().expect("a URL")).await.unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, ctype, res.bytes().await.unwrap().to_vec())
}

/// A message sent before its image's thumbnail exists is updated when the worker makes it.
async fn late_thumbnails_update_the_message(backend: Backend, store: Store) {
    // No worker yet: the thumbnail job waits in the outbox.
    let env = Env::start(backend, store, |c| c.worker.in_process = false).await;
    let (_, alice, bob) = room(&env.app).await;
    let att = upload(
        &alice,
        "wide.png",
        "image/png",
        png(DynamicImage::ImageRgb8(gradient(1000, 500))),
    )
    .await;
    let mut ws = bob.connect().await;
    let (status, sent) = say_with(&alice, json!([{"upload_id": att["upload_id"]}])).await;
    assert_eq!(status, 201, "{sent}");
    let new = ws.expect("message.new").await;
    let first = &new["message"]["attachments"][0];
    assert!(first["url"].is_string(), "{new}");
    assert!(first["thumb_url"].is_null(), "no thumbnail yet: {new}");

    let ctx = env.ctx().clone();
    let services = parley_worker::Services::new(&ctx).unwrap();
    let worker = parley_worker::spawn(ctx, services);
    let updated = ws.expect("message.updated").await;
    let a = &updated["message"]["attachments"][0];
    assert_eq!(updated["message"]["id"], sent["id"]);
    assert_eq!(
        (a["thumb_width"].as_u64(), a["thumb_height"].as_u64()),
        (Some(320), Some(160)),
        "{updated}"
    );
    let (status, _, thumb) = fetch(&a["thumb_url"]).await;
    assert_eq!(status, 200);
    assert!(!thumb.is_empty());
    worker.shutdown(std::time::Duration::from_secs(1)).await;
}

/// Polls an upload until its thumbnail is no longer pending.
async fn thumbnailed(who: &User, id: &Value) -> Value {
    let path = format!("/v1/uploads/{}", id.as_str().unwrap());
    eventually(
        &format!("the thumbnail of {id}"),
        Duration::from_secs(15),
        async || {
            let (status, up) = send(who.request(Method::GET, &path)).await;
            assert_eq!(status, 200, "{up}");
            if up["thumbnail_status"] == "pending" {
                Err(up.to_string())
            } else {
                Ok(up)
            }
        },
    )
    .await
}

async fn say_with(who: &User, attachments: Value) -> (StatusCode, Value) {
    send(
        who.request(Method::POST, MESSAGES)
            .json(&json!({"text": "see attached", "attachments": attachments})),
    )
    .await
}

fn png(img: DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]))
}

/// A JPEG of `w`×`h` stored pixels whose EXIF says to show it rotated (`orientation` 6:
/// turn 90° clockwise, so it displays as `h`×`w`).
fn jpeg_with_orientation(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    DynamicImage::ImageRgb8(gradient(w, h))
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    // A little-endian TIFF block with one IFD entry: Orientation (0x0112), SHORT, count 1.
    let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0];
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let len = u16::try_from(app1.len() + 2).unwrap();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// The start of a Windows executable.
fn exe() -> Vec<u8> {
    let mut b = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    b.resize(512, 0);
    b
}

async fn upload_attach_and_download(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (t, alice, bob) = room(&env.app).await;
    let mut ws = bob.connect().await;
    let bytes = b"hello, media\n".to_vec();

    let att = upload(&alice, "notes/hello.txt", "text/plain", bytes.clone()).await;
    let id = att["upload_id"].clone();
    assert_eq!(att["type"], "file");
    assert_eq!(att["filename"], "hello.txt", "the path is dropped");
    assert_eq!(att["content_type"], "text/plain");
    assert_eq!(att["size"], 13);
    assert!(att["url_expires_at"].is_string());
    let (status, _, got) = fetch(&att["url"]).await;
    assert_eq!((status.as_u16(), got), (200, bytes.clone()));
    // Completing again is harmless.
    let (status, again) = send(alice.request(
        Method::POST,
        &format!("/v1/uploads/{}/complete", id.as_str().unwrap()),
    ))
    .await;
    assert_eq!((status.as_u16(), &again["upload_id"]), (200, &id));

    // Attach it; fields of the client's own (a title) are kept, Parley's are Parley's.
    let (status, msg) = say_with(
        &alice,
        json!([{"upload_id": id, "title": "my notes", "size": 1, "url": "https://evil.example/"}]),
    )
    .await;
    assert_eq!(status, 201, "{msg}");
    let a = &msg["attachments"][0];
    assert_eq!(a["title"], "my notes");
    assert_eq!(a["size"], 13);
    assert_eq!(a["upload_id"], id);
    let (_, _, got) = fetch(&a["url"]).await;
    assert_eq!(got, bytes);

    // The live event carries a working signed URL too.
    let ev = ws.expect("message.new").await;
    let (status, _, got) = fetch(&ev["message"]["attachments"][0]["url"]).await;
    assert_eq!((status.as_u16(), got), (200, bytes.clone()));

    // So does history, for the other member.
    let (_, hist) = send(bob.request(Method::GET, MESSAGES)).await;
    let a = &hist["items"][0]["attachments"][0];
    let (status, ctype, got) = fetch(&a["url"]).await;
    assert_eq!((status.as_u16(), got), (200, bytes.clone()));
    assert!(ctype.starts_with("text/plain"), "{ctype}");

    // The upload itself, with a fresh URL, for its owner; 404 for another user.
    let path = format!("/v1/uploads/{}", id.as_str().unwrap());
    let (status, up) = send(alice.request(Method::GET, &path)).await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["status"], "complete");
    assert_eq!(up["message_id"], msg["id"]);
    assert_eq!(fetch(&up["get_url"]).await.2, bytes);
    expect_problem(bob.request(Method::GET, &path), 404, "upload_not_found").await;

    // The tenant server uploads for a user, and sends as them.
    let (status, created) = send(t.server(Method::POST, "/v1/uploads").json(
        &json!({"filename": "b.txt", "content_type": "text/plain", "size": 2, "user_id": "bob"}),
    ))
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(put(&created, b"hi".to_vec()).await.0.is_success());
    let (status, att) = send(t.server(Method::POST, &complete_path(&created))).await;
    assert_eq!(status, 200, "{att}");
    let (status, up) = send(bob.request(
        Method::GET,
        &format!("/v1/uploads/{}", created["upload_id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!((status.as_u16(), &up["user_id"]), (200, &json!("bob")));
    let (status, msg) = send(
        t.server(Method::POST, MESSAGES)
            .json(&json!({"user_id": "bob", "attachments": [{"upload_id": created["upload_id"]}]})),
    )
    .await;
    assert_eq!(status, 201, "{msg}");
    assert_eq!(fetch(&msg["attachments"][0]["url"]).await.2, b"hi");
}

async fn limits_signatures_and_sniffing(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (t, alice, _) = room(&env.app).await;
    let new = |name: &str, ct: &str, size: u64| {
        alice
            .request(Method::POST, "/v1/uploads")
            .json(&json!({"filename": name, "content_type": ct, "size": size}))
    };
    // 100 MiB by default.
    expect_problem(
        new("big.mp4", "video/mp4", 100 * 1024 * 1024 + 1),
        413,
        "upload_too_large",
    )
    .await;
    expect_problem(new("empty.txt", "text/plain", 0), 400, "invalid_request").await;
    expect_problem(new("x", "not a type", 1), 400, "invalid_request").await;

    // A tenant sets its own limits.
    let (status, app) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {
        "max_upload_bytes": 1000, "allowed_content_types": ["image/*", "text/plain"]}})),
    )
    .await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["settings"]["max_upload_bytes"], 1000);
    expect_problem(new("a.txt", "text/plain", 1001), 413, "upload_too_large").await;
    expect_problem(
        new("a.pdf", "application/pdf", 10),
        415,
        "content_type_not_allowed",
    )
    .await;
    expect_problem(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"allowed_content_types": ["Images"]}})),
        400,
        "invalid_request",
    )
    .await;

    // The store refuses a PUT whose content type or length is not the signed one.
    let created = start_upload(&alice, "a.txt", "text/plain", 5).await;
    let (status, _) = put_as(&created, "text/html", b"hello".to_vec()).await;
    assert_eq!(status, 403, "a different content type is refused");
    let (status, _) = put(&created, b"hello, world".to_vec()).await;
    assert_eq!(status, 403, "a different length is refused");
    expect_problem(
        alice.request(Method::POST, &complete_path(&created)),
        409,
        "upload_not_received",
    )
    .await;
    assert!(put(&created, b"hello".to_vec()).await.0.is_success());
    let (status, _) = send(alice.request(Method::POST, &complete_path(&created))).await;
    assert_eq!(status, 200);

    // An executable declared as a PNG reaches the store but is refused on completion.
    let bytes = exe();
    let created = start_upload(&alice, "cat.png", "image/png", bytes.len()).await;
    assert!(put(&created, bytes).await.0.is_success());
    let problem = expect_problem(
        alice.request(Method::POST, &complete_path(&created)),
        422,
        "content_type_mismatch",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("portable-executable"),
        "{problem}"
    );
    let key = format!("{}/{}", t.id, created["upload_id"].as_str().unwrap());
    assert!(!env.stored(&key).await, "the refused bytes are not kept");
    let (_, up) = send(alice.request(
        Method::GET,
        &format!("/v1/uploads/{}", created["upload_id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(up["status"], "pending");
    assert!(up["get_url"].is_null());
}

async fn signed_urls_expire(backend: Backend, store: Store) {
    // Long enough for an upload and a fetch on a busy machine; expiry is then awaited, not
    // slept for.
    let env = Env::start(backend, store, |c| {
        c.media.upload_url_ttl_s = 5;
        c.media.download_url_ttl_s = 5;
    })
    .await;
    let (_, alice, _) = room(&env.app).await;
    let late = start_upload(&alice, "late.txt", "text/plain", 4).await;
    let att = upload(&alice, "a.txt", "text/plain", b"data".to_vec()).await;
    assert_eq!(fetch(&att["url"]).await.0, 200);
    eventually(
        "the download URL expired",
        Duration::from_secs(20),
        async || match fetch(&att["url"]).await.0.as_u16() {
            403 => Ok(()),
            200 => Err("still served".to_owned()),
            other => panic!("an expiring URL answered {other}"),
        },
    )
    .await;
    // The upload URL expires at the time its answer gave (download URLs are aligned to
    // windows, so theirs may come first): wait for that moment, then it is refused.
    let expires_at = chrono::DateTime::parse_from_rfc3339(late["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let left = (expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(1_100)).await;
    let (status, _) = put(&late, b"late".to_vec()).await;
    assert_eq!(status, 403, "the upload URL expired");
    // A fresh URL works again.
    let (_, up) = send(alice.request(
        Method::GET,
        &format!("/v1/uploads/{}", att["upload_id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(fetch(&up["get_url"]).await.0, 200);
}

async fn uploads_stay_in_their_tenant_and_with_their_owner(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (t, alice, bob) = room(&env.app).await;
    let other = env.app.tenant("Other").await;
    other.create_user("eve").await;
    let eve = other.user("eve").await;

    let foreign = upload(&eve, "e.txt", "text/plain", b"eve".to_vec()).await;
    let fid = foreign["upload_id"].as_str().unwrap();
    expect_problem(
        alice
            .request(Method::POST, MESSAGES)
            .json(&json!({"attachments": [{"upload_id": fid}]})),
        404,
        "upload_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::POST, MESSAGES)
            .json(&json!({"user_id": "alice", "attachments": [{"upload_id": fid}]})),
        404,
        "upload_not_found",
    )
    .await;
    for (method, path) in [
        (Method::GET, format!("/v1/uploads/{fid}")),
        (Method::POST, format!("/v1/uploads/{fid}/complete")),
    ] {
        expect_problem(
            alice.request(method.clone(), &path),
            404,
            "upload_not_found",
        )
        .await;
        expect_problem(t.server(method, &path), 404, "upload_not_found").await;
    }

    // Another user's upload, an incomplete one, one already used.
    let mine = upload(&alice, "a.txt", "text/plain", b"alice".to_vec()).await;
    expect_problem(
        bob.request(Method::POST, MESSAGES)
            .json(&json!({"attachments": [{"upload_id": mine["upload_id"]}]})),
        403,
        "forbidden",
    )
    .await;
    let pending = start_upload(&alice, "p.txt", "text/plain", 3).await;
    expect_problem(
        alice
            .request(Method::POST, MESSAGES)
            .json(&json!({"attachments": [{"upload_id": pending["upload_id"]}]})),
        409,
        "upload_not_received",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, MESSAGES)
            .json(&json!({"attachments": [{"upload_id": 7}]})),
        400,
        "invalid_request",
    )
    .await;
    let (status, _) = say_with(&alice, json!([{"upload_id": mine["upload_id"]}])).await;
    assert_eq!(status, 201);
    expect_problem(
        alice
            .request(Method::POST, MESSAGES)
            .json(&json!({"attachments": [{"upload_id": mine["upload_id"]}]})),
        409,
        "upload_already_attached",
    )
    .await;
    // The tenant server may attach any upload of its tenant.
    let second = upload(&alice, "b.txt", "text/plain", b"second".to_vec()).await;
    let (status, msg) = send(
        t.server(Method::POST, MESSAGES)
            .json(&json!({"user_id": "bob", "attachments": [{"upload_id": second["upload_id"]}]})),
    )
    .await;
    assert_eq!(status, 201, "{msg}");
    // An edit may attach a new upload of the author's.
    let third = upload(&alice, "c.txt", "text/plain", b"third".to_vec()).await;
    let (_, first) = send(alice.request(Method::GET, MESSAGES)).await;
    let first_id = first["items"][0]["id"].as_str().unwrap();
    let (status, edited) = send(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{first_id}"))
            .json(&json!({"attachments": [{"upload_id": mine["upload_id"]}, {"upload_id": third["upload_id"]}]})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(fetch(&edited["attachments"][1]["url"]).await.2, b"third");
}

async fn images_get_thumbnails(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (_, alice, bob) = room(&env.app).await;

    // A wide PNG: 1000×500 → a 320×160 JPEG thumbnail.
    let att = upload(
        &alice,
        "wide.png",
        "image/png",
        png(DynamicImage::ImageRgb8(gradient(1000, 500))),
    )
    .await;
    assert_eq!(att["type"], "image");
    let up = thumbnailed(&alice, &att["upload_id"]).await;
    assert_eq!(up["thumbnail_status"], "done", "{up}");
    assert_eq!(
        (up["width"].as_u64(), up["height"].as_u64()),
        (Some(1000), Some(500))
    );
    assert_eq!(
        (up["thumb_width"].as_u64(), up["thumb_height"].as_u64()),
        (Some(320), Some(160))
    );
    let (status, ctype, thumb) = fetch(&up["thumb_url"]).await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "image/jpeg");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 160));

    // Messages show the thumbnail once it exists.
    let (status, _) = say_with(&alice, json!([{"upload_id": att["upload_id"]}])).await;
    assert_eq!(status, 201);
    let (_, hist) = send(bob.request(Method::GET, MESSAGES)).await;
    let a = &hist["items"][0]["attachments"][0];
    assert_eq!(
        (a["width"].as_u64(), a["height"].as_u64()),
        (Some(1000), Some(500))
    );
    assert_eq!(fetch(&a["thumb_url"]).await.2, thumb);

    // A JPEG stored 400×200 with EXIF orientation 6 displays 200×400; the thumbnail is
    // upright and carries no EXIF.
    let att = upload(
        &alice,
        "portrait.jpg",
        "image/jpeg",
        jpeg_with_orientation(400, 200, 6),
    )
    .await;
    let up = thumbnailed(&alice, &att["upload_id"]).await;
    assert_eq!(up["thumbnail_status"], "done", "{up}");
    assert_eq!(
        (up["width"].as_u64(), up["height"].as_u64()),
        (Some(200), Some(400))
    );
    let (_, _, thumb) = fetch(&up["thumb_url"]).await;
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 320));
    assert!(
        !thumb.windows(4).any(|w| w == b"Exif"),
        "metadata is stripped"
    );

    // Transparency keeps its alpha in a WebP; a small image is not enlarged.
    let att = upload(
        &alice,
        "dot.png",
        "image/png",
        png(DynamicImage::ImageRgba8(RgbaImage::from_pixel(
            100,
            50,
            Rgba([255, 0, 0, 100]),
        ))),
    )
    .await;
    let up = thumbnailed(&alice, &att["upload_id"]).await;
    let (_, ctype, thumb) = fetch(&up["thumb_url"]).await;
    assert_eq!(ctype, "image/webp");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (100, 50));
    assert!(decoded.color().has_alpha());

    // A corrupt image passes the sniffer (it starts like a PNG) but is marked, not fatal.
    let mut corrupt = b"\x89PNG\r\n\x1a\n".to_vec();
    corrupt.extend((0..500u32).map(|i| (i * 7) as u8));
    let att = upload(&alice, "broken.png", "image/png", corrupt.clone()).await;
    let up = thumbnailed(&alice, &att["upload_id"]).await;
    assert_eq!(up["thumbnail_status"], "failed", "{up}");
    assert!(up["thumb_url"].is_null() && up["width"].is_null());
    assert_eq!(
        fetch(&up["get_url"]).await.2,
        corrupt,
        "the file is still there"
    );
    let (status, _) = say_with(&alice, json!([{"upload_id": att["upload_id"]}])).await;
    assert_eq!(status, 201);
    let (status, _) = send(env.app.request(Method::GET, "/healthz")).await;
    assert_eq!(status, 200);
}

async fn hard_deletes_remove_the_files(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (t, alice, bob) = room(&env.app).await;
    let key = |att: &Value| format!("{}/{}", t.id, att["upload_id"].as_str().unwrap());

    let pic = upload(
        &alice,
        "p.png",
        "image/png",
        png(DynamicImage::ImageRgb8(gradient(640, 480))),
    )
    .await;
    let up = thumbnailed(&alice, &pic["upload_id"]).await;
    assert_eq!(up["thumbnail_status"], "done");
    let (status, msg) = say_with(&alice, json!([{"upload_id": pic["upload_id"]}])).await;
    assert_eq!(status, 201);
    let mid = msg["id"].as_str().unwrap();
    assert!(env.stored(&key(&pic)).await);

    // A soft delete keeps the files; a hard one erases them and the thumbnail.
    let (status, _) = send(alice.request(Method::DELETE, &format!("/v1/messages/{mid}"))).await;
    assert_eq!(status, 200);
    assert!(env.stored(&key(&pic)).await);
    let (status, tomb) =
        send(alice.request(Method::DELETE, &format!("/v1/messages/{mid}?hard=true"))).await;
    assert_eq!(status, 200, "{tomb}");
    assert_eq!(tomb["type"], "deleted");
    env.wait_gone(&key(&pic)).await;
    for _ in 0..50 {
        if fetch(&up["thumb_url"]).await.0 == 404 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        fetch(&up["thumb_url"]).await.0,
        404,
        "the thumbnail is gone"
    );
    expect_problem(
        alice.request(
            Method::GET,
            &format!("/v1/uploads/{}", pic["upload_id"].as_str().unwrap()),
        ),
        404,
        "upload_not_found",
    )
    .await;

    // A hard-deleted user takes their files along, sent or not.
    let sent = upload(&bob, "b.txt", "text/plain", b"bob".to_vec()).await;
    let (status, _) = say_with(&bob, json!([{"upload_id": sent["upload_id"]}])).await;
    assert_eq!(status, 201);
    let kept = upload(&bob, "c.txt", "text/plain", b"kept".to_vec()).await;
    let half = start_upload(&bob, "d.txt", "text/plain", 4).await;
    assert!(put(&half, b"half".to_vec()).await.0.is_success());
    let incoming = format!("{}.incoming", key(&half));
    assert!(env.stored(&incoming).await);
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/bob?mode=hard")).await;
    assert_eq!(status, 204);
    for k in [key(&sent), key(&kept), incoming] {
        env.wait_gone(&k).await;
    }
    // Bob's message stays (by a deleted user) without the attachment.
    let (_, hist) = send(alice.request(Method::GET, MESSAGES)).await;
    let last = hist["items"].as_array().unwrap().last().unwrap().clone();
    assert!(last["user_id"].is_null(), "{last}");
    assert_eq!(last["attachments"], json!([]));

    // Deleting a channel erases the files its messages carried, and their upload rows.
    t.create_messaging_channel("doomed", &["alice"]).await;
    let doomed = upload(&alice, "f.txt", "text/plain", b"doomed".to_vec()).await;
    let (status, _) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/doomed/messages")
            .json(&json!({"text": "bye", "attachments": [{"upload_id": doomed["upload_id"]}]})),
    )
    .await;
    assert_eq!(status, 201);
    assert!(env.stored(&key(&doomed)).await);
    let (status, _) = send(t.server(Method::DELETE, "/v1/channels/messaging/doomed")).await;
    assert_eq!(status, 204);
    env.wait_gone(&key(&doomed)).await;
    expect_problem(
        alice.request(
            Method::GET,
            &format!("/v1/uploads/{}", doomed["upload_id"].as_str().unwrap()),
        ),
        404,
        "upload_not_found",
    )
    .await;

    // Deleting the tenant erases everything it stored.
    let left = upload(&alice, "e.txt", "text/plain", b"left".to_vec()).await;
    assert!(env.stored(&key(&left)).await);
    let (status, _) = send(
        env.app
            .admin(Method::DELETE, &format!("/admin/v1/tenants/{}", t.id)),
    )
    .await;
    assert_eq!(status, 204);
    env.wait_gone(&key(&left)).await;
}

async fn abandoned_uploads_are_swept(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |c| {
        c.media.abandoned_upload_after_s = 1;
        c.media.sweep_interval_s = 1;
    })
    .await;
    let (t, alice, _) = room(&env.app).await;
    let done = upload(&alice, "done.txt", "text/plain", b"done".to_vec()).await;
    let abandoned = start_upload(&alice, "gone.txt", "text/plain", 4).await;
    assert!(put(&abandoned, b"gone".to_vec()).await.0.is_success());
    let id = abandoned["upload_id"].as_str().unwrap();
    let incoming = format!("{}/{id}.incoming", t.id);
    assert!(env.stored(&incoming).await);
    wait_swept(&alice, id, "the abandoned upload swept").await;
    env.wait_gone(&incoming).await;
    expect_problem(
        alice.request(Method::POST, &format!("/v1/uploads/{id}/complete")),
        404,
        "upload_not_found",
    )
    .await;
    // Completed uploads are not abandoned.
    let (status, up) = send(alice.request(
        Method::GET,
        &format!("/v1/uploads/{}", done["upload_id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(fetch(&up["get_url"]).await.2, b"done");
}

/// A completed upload that no message used is deleted after the configured time; one that was
/// sent stays.
async fn unattached_uploads_are_swept(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |c| {
        c.media.unattached_upload_after_s = 1;
        c.media.sweep_interval_s = 1;
    })
    .await;
    let (t, alice, _) = room(&env.app).await;
    let kept = upload(&alice, "kept.txt", "text/plain", b"kept".to_vec()).await;
    let (status, _) = say_with(&alice, json!([{"upload_id": kept["upload_id"]}])).await;
    assert_eq!(status, 201);
    let unused = upload(&alice, "unused.txt", "text/plain", b"unused".to_vec()).await;
    let id = unused["upload_id"].as_str().unwrap();
    let key = format!("{}/{id}", t.id);
    assert!(env.stored(&key).await);
    wait_swept(&alice, id, "the unattached upload swept").await;
    env.wait_gone(&key).await;
    let (status, up) = send(alice.request(
        Method::GET,
        &format!("/v1/uploads/{}", kept["upload_id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(fetch(&up["get_url"]).await.2, b"kept");
}

async fn storage_usage_is_counted(backend: Backend, store: Store) {
    let env = Env::start(backend, store, |_| {}).await;
    let (t, alice, _) = room(&env.app).await;
    let other = env.app.tenant("Other").await;
    let usage = |t: &Tenant| {
        let t = t.clone();
        async move {
            let (status, body) = send(t.server(Method::GET, "/v1/usage")).await;
            assert_eq!(status, 200, "{body}");
            body["storage"].clone()
        }
    };
    assert_eq!(usage(&t).await, json!({"bytes": 0, "objects": 0}));

    let ten = upload(&alice, "ten.txt", "text/plain", vec![b'x'; 10]).await;
    upload(&alice, "twenty.txt", "text/plain", vec![b'y'; 20]).await;
    let pending = start_upload(&alice, "p.txt", "text/plain", 5).await;
    assert!(put(&pending, b"12345".to_vec()).await.0.is_success());
    assert_eq!(
        usage(&t).await,
        json!({"bytes": 30, "objects": 2}),
        "completed uploads count"
    );
    assert_eq!(usage(&other).await, json!({"bytes": 0, "objects": 0}));
    let (status, admin) = send(
        env.app
            .admin(Method::GET, &format!("/admin/v1/tenants/{}/usage", t.id)),
    )
    .await;
    assert_eq!(status, 200, "{admin}");
    assert_eq!(admin["storage"], json!({"bytes": 30, "objects": 2}));
    expect_problem(
        env.app.admin(Method::GET, "/admin/v1/tenants/nope/usage"),
        404,
        "tenant_not_found",
    )
    .await;
    expect_problem(
        alice.request(Method::GET, "/v1/usage"),
        403,
        "server_key_required",
    )
    .await;

    let (_, msg) = say_with(&alice, json!([{"upload_id": ten["upload_id"]}])).await;
    let (status, _) = send(t.server(
        Method::DELETE,
        &format!("/v1/messages/{}?hard=true", msg["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(usage(&t).await, json!({"bytes": 20, "objects": 1}));
}

/// Alters one part of a signed local URL: `expires` moved an hour on, or the signature's last
/// hex digit changed.
fn tampered(url: &str, part: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let params: Vec<String> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            match (k, part) {
                ("expires", "expires") => format!("expires={}", v.parse::<i64>().unwrap() + 3600),
                ("signature", "signature") => {
                    let mut s = v.to_owned();
                    let last = s.pop().unwrap();
                    s.push(if last == '0' { '1' } else { '0' });
                    format!("signature={s}")
                }
                _ => kv.to_owned(),
            }
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// The local engine's signed URLs bind everything they name: a changed signature, a later
/// expiry, another object, another method or another content type is refused, end to end.
async fn signed_urls_cannot_be_altered(backend: Backend) {
    let env = Env::start(backend, Store::Local, |_| {}).await;
    let (_, alice, _) = room(&env.app).await;
    let created = start_upload(&alice, "a.txt", "text/plain", 5).await;
    let put_url = created["put_url"].as_str().unwrap().to_owned();
    let with_url = |url: &str| {
        let mut c = created.clone();
        c["put_url"] = json!(url);
        c
    };
    for part in ["signature", "expires"] {
        let (status, body) = put(&with_url(&tampered(&put_url, part)), b"hello".to_vec()).await;
        assert_eq!(status, 403, "a PUT URL with its {part} altered: {body}");
    }
    let (status, _) = put_as(&created, "text/html", b"hello".to_vec()).await;
    assert_eq!(status, 403, "a PUT with another content type");
    let other = start_upload(&alice, "b.txt", "text/plain", 5).await;
    let other_key = other["put_url"]
        .as_str()
        .unwrap()
        .split_once('?')
        .unwrap()
        .0
        .to_owned();
    let query = put_url.split_once('?').unwrap().1;
    let (status, _) = put(
        &with_url(&format!("{other_key}?{query}")),
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(status, 403, "a signature used for another object");
    assert!(
        !env.stored(other_key.split("/v1/media/").nth(1).unwrap())
            .await
    );
    // Untouched, the URL works.
    assert!(put(&created, b"hello".to_vec()).await.0.is_success());
    let (status, att) = send(alice.request(Method::POST, &complete_path(&created))).await;
    assert_eq!(status, 200, "{att}");

    let get_url = att["url"].as_str().unwrap().to_owned();
    for part in ["signature", "expires"] {
        let (status, _, body) = fetch(&json!(tampered(&get_url, part))).await;
        assert_eq!(status, 403, "a GET URL with its {part} altered");
        assert!(body != b"hello", "no bytes behind an altered URL");
    }
    // A GET signature does not allow a PUT.
    let (status, _) = put(&with_url(&get_url), b"HELLO".to_vec()).await;
    assert_eq!(status, 403, "a GET URL used to PUT");
    assert_eq!(fetch(&json!(get_url)).await.2, b"hello");
}

/// Once an upload is complete (its bytes checked and attached), its PUT URL cannot replace
/// them, even before the URL expires.
async fn a_completed_uploads_put_url_cannot_be_reused(backend: Backend) {
    let env = Env::start(backend, Store::Local, |_| {}).await;
    let (_, alice, _) = room(&env.app).await;
    let created = start_upload(&alice, "a.txt", "text/plain", 5).await;
    assert!(put(&created, b"hello".to_vec()).await.0.is_success());
    let (status, att) = send(alice.request(Method::POST, &complete_path(&created))).await;
    assert_eq!(status, 200, "{att}");
    let (status, body) = put(&created, b"HACKD".to_vec()).await;
    assert!(
        status.is_client_error(),
        "a completed upload's PUT URL was used again: {status} {body}"
    );
    assert_eq!(
        fetch(&att["url"]).await.2,
        b"hello",
        "the checked bytes stay"
    );
}

mod signed_local_urls {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cannot_be_altered_sqlite() {
        signed_urls_cannot_be_altered(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cannot_be_altered_postgres() {
        signed_urls_cannot_be_altered(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn completed_put_cannot_be_reused_sqlite() {
        a_completed_uploads_put_url_cannot_be_reused(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn completed_put_cannot_be_reused_postgres() {
        a_completed_uploads_put_url_cannot_be_reused(Backend::Postgres).await;
    }
}
