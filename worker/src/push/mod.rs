//! Push notification clients: APNs (HTTP/2, ES256 provider tokens) and FCM (HTTP v1, OAuth2).
