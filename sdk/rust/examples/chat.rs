//! Two users chatting: the tenant's server creates the users and a channel, bob listens in
//! realtime, alice sends, and a missing channel shows a typed error.
//!
//!     PARLEY_URL=http://127.0.0.1:8080 PARLEY_SECRET_KEY=sk_… PARLEY_PUBLISHABLE_KEY=pk_… \
//!     PARLEY_SIGNING_SECRET=… cargo run -p parley-sdk --example chat

use std::sync::Arc;

use parley_sdk::wire::{NewChannel, NewMessage, UserInput};
use parley_sdk::{Client, Realtime, RealtimeEvent, RealtimeOptions, TokenProvider};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

/// A provider that mints tokens for `user` with the tenant's signing secret, as an app's
/// backend would.
fn tokens(user: &'static str) -> TokenProvider {
    let secret = env("PARLEY_SIGNING_SECRET");
    Arc::new(move || {
        let secret = secret.clone();
        Box::pin(async move { parley_sdk::mint_user_token(&secret, user, 3_600) })
    })
}

#[tokio::main]
async fn main() -> parley_sdk::Result<()> {
    let base = env("PARLEY_URL");
    let server = Client::server(&base, &env("PARLEY_SECRET_KEY"))?;
    for id in ["alice", "bob"] {
        let profile = UserInput {
            name: Some(id.to_uppercase()),
            image: None,
            role: None,
            custom: None,
        };
        server.put_user(id, &profile).await?;
    }
    let channel = server
        .create_channel(&NewChannel {
            kind: "messaging".into(),
            id: Some("general".into()),
            name: Some("General".into()),
            members: vec!["alice".into(), "bob".into()],
            distinct: false,
            custom: None,
            user_id: Some("alice".into()),
        })
        .await?;

    let pk = env("PARLEY_PUBLISHABLE_KEY");
    let alice = Client::user(&base, &pk, tokens("alice"))?;
    let bob = Client::user(&base, &pk, tokens("bob"))?;
    let mut inbox = Realtime::connect(&bob, RealtimeOptions::default());
    // Live events start once the connection is ready; earlier messages are history.
    inbox.ready().await?;

    for text in ["Hi Bob!", "Lunch at noon?"] {
        let message = NewMessage {
            text: text.into(),
            ..Default::default()
        };
        alice.send_message(&channel.cid, &message).await?;
    }
    let mut received = 0;
    while received < 2 {
        match inbox.next().await {
            Some(RealtimeEvent::Event(e)) if e.kind.as_str() == "message.new" => {
                if let Some(m) = e.payload.message {
                    println!("{}: {}", m.user_id.unwrap_or_default(), m.text);
                    received += 1;
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    inbox.close();

    match bob.get_channel("messaging:nope").await {
        Err(e) => println!("typed error: {:?} {}", e.code(), e),
        Ok(_) => println!("unexpected: the channel exists"),
    }
    Ok(())
}
