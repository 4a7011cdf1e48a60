//! The APNs and FCM clients against local stand-ins of Apple's and Google's services: what a
//! device would receive, how credentials are reused and renewed, and how each answer maps to an
//! outcome for the job loop.

use std::collections::BTreeMap;
use std::time::Duration;

use parley_tests::standins::apns::ApnsStandIn;
use parley_tests::standins::fcm::FcmStandIn;
use parley_tests::standins::{ApnsKey, Reply};
use parley_worker::push::{
    ApnsClient, ApnsCredentials, FcmClient, FcmCredentials, Notification, Outcome, http_client,
};
use serde_json::{Value, json};

const KEY_ID: &str = "ABC123DEFG";
const TEAM_ID: &str = "DEF123GHIJ";
const BUNDLE_ID: &str = "chat.parley.app";

fn apns_token(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn fcm_token(name: &str) -> String {
    format!(
        "{name}:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx_{}",
        "x".repeat(40)
    )
}

fn notification() -> Notification {
    Notification {
        title: "Ada in #general".into(),
        body: "Lunch at noon?".into(),
        data: BTreeMap::from([
            ("channel".to_owned(), "messaging:general".to_owned()),
            ("message_id".to_owned(), "msg_42".to_owned()),
        ]),
        collapse_id: Some("messaging:general".into()),
        thread_id: Some("messaging:general".into()),
        badge: Some(3),
    }
}

async fn apns() -> (ApnsStandIn, ApnsClient) {
    let standin = ApnsStandIn::start(KEY_ID, TEAM_ID, BUNDLE_ID).await;
    let http = http_client(Some(standin.ca_pem().as_bytes())).expect("http client");
    let client = ApnsClient::new(http, Some(standin.url()));
    (standin, client)
}

async fn fcm() -> (FcmStandIn, FcmClient, FcmCredentials) {
    let standin = FcmStandIn::start("parley-test").await;
    let client = FcmClient::new(http_client(None).expect("http client"), Some(standin.url()));
    let creds = standin.credentials();
    (standin, client, creds)
}

/// Decodes a JWT's header and claims without checking it (the stand-in checked it).
fn jwt_parts(jwt: &str) -> (Value, Value) {
    use base64::Engine;
    let part = |s: &str| -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .expect("base64url");
        serde_json::from_slice(&bytes).expect("json")
    };
    let mut parts = jwt.split('.');
    let header = part(parts.next().expect("header"));
    let claims = part(parts.next().expect("claims"));
    (header, claims)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_delivers_with_apples_headers_token_and_payload() {
    let (standin, client) = apns().await;
    let creds = standin.credentials();
    assert_eq!(ApnsClient::validate(&creds), Ok(()));

    let outcome = client.send(&creds, &apns_token(1), &notification()).await;

    let delivered = standin.delivered();
    assert_eq!(delivered.len(), 1, "{outcome:?}");
    let d = &delivered[0];
    assert_eq!(
        outcome,
        Outcome::Delivered {
            id: Some(d.apns_id.clone())
        }
    );
    assert_eq!(d.device_token, apns_token(1));
    assert_eq!(d.headers["apns-topic"], BUNDLE_ID);
    assert_eq!(d.headers["apns-push-type"], "alert");
    assert_eq!(d.headers["apns-priority"], "10");
    assert_eq!(d.headers["apns-collapse-id"], "messaging:general");
    let expiration: i64 = d.headers["apns-expiration"].parse().expect("expiration");
    assert!(expiration > chrono::Utc::now().timestamp() + 3600);
    assert!(d.headers["authorization"].starts_with("bearer "));
    assert_eq!(
        d.payload,
        json!({
            "aps": {
                "alert": { "title": "Ada in #general", "body": "Lunch at noon?" },
                "badge": 3,
                "sound": "default",
                "thread-id": "messaging:general",
            },
            "channel": "messaging:general",
            "message_id": "msg_42",
        })
    );
    let (header, claims) = jwt_parts(&d.jwt);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], KEY_ID);
    assert_eq!(claims["iss"], TEAM_ID);
    let iat = claims["iat"].as_i64().expect("iat");
    assert!((chrono::Utc::now().timestamp() - iat).abs() < 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_reuses_one_provider_token_across_sends() {
    let (standin, client) = apns().await;
    let creds = standin.credentials();
    for n in 1..=3 {
        let outcome = client.send(&creds, &apns_token(n), &notification()).await;
        assert!(matches!(outcome, Outcome::Delivered { .. }), "{outcome:?}");
    }
    let jwts: Vec<String> = standin.delivered().into_iter().map(|d| d.jwt).collect();
    assert_eq!(jwts.len(), 3);
    assert!(jwts.iter().all(|j| *j == jwts[0]), "{jwts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_bad_and_unregistered_tokens_are_dead() {
    let (standin, client) = apns().await;
    let creds = standin.credentials();
    let n = notification();

    // Hex, so the client sends it, but not a device token's 64 digits.
    let malformed = client.send(&creds, "abcd", &n).await;
    assert_eq!(
        malformed,
        Outcome::DeadToken {
            reason: "BadDeviceToken".into()
        }
    );
    standin.mark_bad(&apns_token(2));
    let bad = client.send(&creds, &apns_token(2), &n).await;
    assert!(matches!(bad, Outcome::DeadToken { .. }), "{bad:?}");
    standin.mark_unregistered(&apns_token(3));
    let gone = client.send(&creds, &apns_token(3), &n).await;
    assert_eq!(
        gone,
        Outcome::DeadToken {
            reason: "Unregistered".into()
        }
    );

    let statuses: Vec<(u16, Option<String>)> = standin
        .requests()
        .into_iter()
        .map(|r| (r.status, r.reason))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (400, Some("BadDeviceToken".into())),
            (400, Some("BadDeviceToken".into())),
            (410, Some("Unregistered".into())),
        ]
    );
    assert!(standin.delivered().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_throttling_and_outages_are_retried_honouring_retry_after() {
    let (standin, client) = apns().await;
    let creds = standin.credentials();
    let token = apns_token(4);
    let n = notification();
    standin.script(
        &token,
        [
            Reply::status(429).retry_after(7),
            Reply::status(503),
            Reply::status(503),
        ],
    );

    let throttled = client.send(&creds, &token, &n).await;
    assert_eq!(
        throttled,
        Outcome::Retry {
            reason: "TooManyRequests".into(),
            after: Some(Duration::from_secs(7))
        }
    );
    for _ in 0..2 {
        let down = client.send(&creds, &token, &n).await;
        assert_eq!(
            down,
            Outcome::Retry {
                reason: "ServiceUnavailable".into(),
                after: None
            }
        );
    }
    let back = client.send(&creds, &token, &n).await;
    assert!(matches!(back, Outcome::Delivered { .. }), "{back:?}");
    assert_eq!(standin.requests().len(), 4);
    assert_eq!(standin.delivered().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_unknown_key_fails_after_one_renewal() {
    let (standin, client) = apns().await;
    let creds = ApnsCredentials {
        key_p8: ApnsKey::generate().key_p8,
        ..standin.credentials()
    };
    assert_eq!(
        ApnsClient::validate(&creds),
        Ok(()),
        "the key itself is sound"
    );

    let outcome = client.send(&creds, &apns_token(5), &notification()).await;

    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: "403: InvalidProviderToken".into()
        }
    );
    let requests = standin.requests();
    assert_eq!(
        requests.len(),
        2,
        "one send, one after renewing: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.status == 403 && r.reason.as_deref() == Some("InvalidProviderToken"))
    );
    assert!(standin.delivered().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_wrong_topic_and_unusable_keys_fail() {
    let (standin, client) = apns().await;
    let creds = ApnsCredentials {
        bundle_id: "chat.other.app".into(),
        ..standin.credentials()
    };
    let outcome = client.send(&creds, &apns_token(6), &notification()).await;
    assert_eq!(
        outcome,
        Outcome::Failed {
            reason: "400: TopicDisallowed".into()
        }
    );

    let not_a_key = ApnsCredentials {
        key_p8: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
        ..standin.credentials()
    };
    assert!(ApnsClient::validate(&not_a_key).is_err());
    let no_team = ApnsCredentials {
        team_id: " ".into(),
        ..standin.credentials()
    };
    assert!(ApnsClient::validate(&no_team).is_err());
    let outcome = client
        .send(&not_a_key, &apns_token(6), &notification())
        .await;
    assert!(matches!(outcome, Outcome::Failed { .. }), "{outcome:?}");
    assert_eq!(standin.requests().len(), 1, "an unusable key sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_stand_in_speaks_only_http2() {
    let (standin, _client) = apns().await;
    let http1 = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(standin.ca_pem().as_bytes()).expect("ca"),
        )
        .http1_only()
        .build()
        .expect("client");
    let res = http1
        .post(format!("{}/3/device/{}", standin.url(), apns_token(7)))
        .body("{}")
        .send()
        .await;
    assert!(res.is_err(), "{res:?}");
    assert!(standin.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_delivers_the_v1_message() {
    let (standin, client, creds) = fcm().await;
    let token = fcm_token("a");

    let outcome = client.send(&creds, &token, &notification()).await;

    let delivered = standin.delivered();
    assert_eq!(delivered.len(), 1, "{outcome:?}");
    let d = &delivered[0];
    assert_eq!(
        outcome,
        Outcome::Delivered {
            id: Some(d.name.clone())
        }
    );
    assert!(d.name.starts_with("projects/parley-test/messages/"));
    assert_eq!(
        d.message,
        json!({
            "token": token,
            "notification": { "title": "Ada in #general", "body": "Lunch at noon?" },
            "data": { "channel": "messaging:general", "message_id": "msg_42" },
            "android": { "collapse_key": "messaging:general", "priority": "high", "ttl": "86400s" },
            "apns": {
                "headers": { "apns-collapse-id": "messaging:general" },
                "payload": { "aps": { "badge": 3, "thread-id": "messaging:general" } },
            },
        })
    );
    assert!(d.access_token.starts_with("ya29.standin-1-"));
    assert_eq!(standin.tokens_issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_fetches_one_access_token_for_many_sends() {
    let (standin, client, creds) = fcm().await;
    for name in ["a", "b", "c"] {
        let outcome = client.send(&creds, &fcm_token(name), &notification()).await;
        assert!(matches!(outcome, Outcome::Delivered { .. }), "{outcome:?}");
    }
    assert_eq!(standin.tokens_issued(), 1);
    let tokens: Vec<String> = standin
        .delivered()
        .into_iter()
        .map(|d| d.access_token)
        .collect();
    assert_eq!(tokens.len(), 3);
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_renews_an_access_token_about_to_expire() {
    let (standin, client, creds) = fcm().await;
    // Within the 20 s before expiry a token counts as expired.
    standin.set_token_lifetime(15);
    for name in ["a", "b"] {
        let outcome = client.send(&creds, &fcm_token(name), &notification()).await;
        assert!(matches!(outcome, Outcome::Delivered { .. }), "{outcome:?}");
    }
    assert_eq!(standin.tokens_issued(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_unregistered_and_invalid_tokens_are_dead() {
    let (standin, client, creds) = fcm().await;
    let gone = fcm_token("gone");
    standin.mark_unregistered(&gone);
    let outcome = client.send(&creds, &gone, &notification()).await;
    assert!(
        matches!(&outcome, Outcome::DeadToken { reason } if reason.contains("UNREGISTERED")),
        "{outcome:?}"
    );
    let outcome = client.send(&creds, "not a token", &notification()).await;
    assert!(
        matches!(&outcome, Outcome::DeadToken { reason } if reason.contains("registration token")),
        "{outcome:?}"
    );
    let statuses: Vec<u16> = standin.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![404, 400]);
    assert!(standin.delivered().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_unavailable_and_quota_are_retried() {
    let (standin, client, creds) = fcm().await;
    let token = fcm_token("busy");
    standin.script(
        &token,
        [Reply::status(503).retry_after(30), Reply::status(429)],
    );
    let outcome = client.send(&creds, &token, &notification()).await;
    assert!(
        matches!(&outcome, Outcome::Retry { after: Some(d), .. } if *d == Duration::from_secs(30)),
        "{outcome:?}"
    );
    let outcome = client.send(&creds, &token, &notification()).await;
    assert!(
        matches!(&outcome, Outcome::Retry { reason, after: None } if reason.contains("QUOTA_EXCEEDED")),
        "{outcome:?}"
    );
    let outcome = client.send(&creds, &token, &notification()).await;
    assert!(matches!(outcome, Outcome::Delivered { .. }), "{outcome:?}");
    assert_eq!(standin.delivered().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_rejected_access_token_is_renewed_once() {
    let (standin, client, creds) = fcm().await;
    let token = fcm_token("a");
    let first = client.send(&creds, &token, &notification()).await;
    assert!(matches!(first, Outcome::Delivered { .. }), "{first:?}");

    standin.revoke_access_tokens();
    let renewed = client.send(&creds, &token, &notification()).await;
    assert!(matches!(renewed, Outcome::Delivered { .. }), "{renewed:?}");
    assert_eq!(standin.tokens_issued(), 2);

    standin.script(&token, [Reply::status(401), Reply::status(401)]);
    let refused = client.send(&creds, &token, &notification()).await;
    assert!(
        matches!(&refused, Outcome::Failed { reason } if reason.starts_with("401")),
        "{refused:?}"
    );
    assert_eq!(standin.tokens_issued(), 3, "renewed once, not more");
    let statuses: Vec<u16> = standin.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 401, 200, 401, 401]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_credentials_the_token_endpoint_refuses_fail() {
    let (standin, client, _) = fcm().await;
    let mut json: Value = serde_json::from_str(&standin.service_account_json()).expect("json");
    json["client_email"] = "someone-else@parley-test.iam.gserviceaccount.com".into();
    let creds = FcmCredentials::parse(&json.to_string()).expect("parses");

    let outcome = client.send(&creds, &fcm_token("a"), &notification()).await;

    assert!(matches!(outcome, Outcome::Failed { .. }), "{outcome:?}");
    assert_eq!(standin.tokens_issued(), 0);
    assert!(standin.requests().is_empty());
}
