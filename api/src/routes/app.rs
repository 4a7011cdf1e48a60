//! The tenant's own app settings and user-token minting.

use actix_web::{get, patch, post, web};
use parley_core::audit::Who;
use parley_core::authn::mint_token;
use parley_core::kernel::ids::UserId;
use parley_core::tenants::{self, App, AppPatch};
use parley_core::{Error, Parley};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::ServerAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
pub use parley_wire::tenants::{NewToken, Token};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_app)
        .service(patch_app)
        .service(create_token);
}

/// Get the app's settings.
#[utoipa::path(tag = "app", security(("secret_key" = [])),
    responses((status = 200, body = App), (status = "4XX", body = Problem)))]
#[get("/v1/app")]
async fn get_app(ServerAuth(caller): ServerAuth, ctx: web::Data<Parley>) -> web::Json<App> {
    web::Json(tenants::get_app(&ctx, &caller.tenant))
}

/// Change the app's settings or rotate the token signing secret.
#[utoipa::path(tag = "app", security(("secret_key" = [])),
    responses((status = 200, body = App), (status = "4XX", body = Problem)))]
#[patch("/v1/app")]
async fn patch_app(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    body: Json<AppPatch>,
) -> ApiResult<web::Json<App>> {
    Ok(web::Json(
        tenants::patch_app(&ctx, &Who::of(&caller), &caller.tenant, body.into_inner()).await?,
    ))
}

/// Mint a user token (HS256 JWT) for an app or browser.
#[utoipa::path(tag = "app", security(("secret_key" = [])),
    responses((status = 200, body = Token), (status = "4XX", body = Problem)))]
#[post("/v1/tokens")]
async fn create_token(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    body: Json<NewToken>,
) -> ApiResult<web::Json<Token>> {
    let user = UserId::parse("user_id", &body.user_id)?;
    let max = ctx.config.limits.max_token_ttl_s;
    let ttl = body.expires_in.unwrap_or(86_400);
    if ttl == 0 || ttl > max {
        return Err(
            Error::invalid(format!("`expires_in` must be between 1 and {max} seconds")).into(),
        );
    }
    let (token, expires_at) = mint_token(&caller.tenant, &user, ttl)?;
    Ok(web::Json(Token { token, expires_at }))
}
