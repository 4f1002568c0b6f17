//! Sessions and the pages behind the links in mails: log in, log out, forgotten
//! password, choosing a new one, verifying an email address, joining a vendor's team,
//! and the language switch.

use crate::ctx::{local_path, see_other, Ctx, PageResult, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
use crate::forms::{read_form, Errors};
use crate::i18n::Lang;
use crate::pages::{ForgotPage, InvitePage, LoginPage, MessagePage, ResetPage, VerifyPage};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_api::extract::{client_address, request_id};
use pasar_api::AppState;
use pasar_auth::service::{self as auth, LoginAttempt};
use pasar_core::Code;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::resource("/masuk").route(web::get().to(login_form)).route(web::post().to(login)))
        .service(crate::resource("/keluar").route(web::post().to(logout)))
        .service(crate::resource("/lupa-sandi").route(web::get().to(forgot_form)).route(web::post().to(forgot)))
        .service(crate::resource("/atur-ulang-sandi").route(web::get().to(reset_form)).route(web::post().to(reset)))
        .service(crate::resource("/verifikasi-email").route(web::get().to(verify_form)).route(web::post().to(verify)))
        .service(crate::resource("/undangan").route(web::get().to(invite_form)).route(web::post().to(accept_invite)));
}

#[derive(Deserialize, Default)]
pub struct Back {
    kembali: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Switch {
    ke: Option<String>,
    kembali: Option<String>,
}

/// `GET /bahasa?ke=en&kembali=/produk`: remembers the language for a year and goes back.
pub async fn switch_language(req: HttpRequest, q: web::Query<Switch>) -> HttpResponse {
    let ctx = Ctx::anonymous(&req);
    let lang = q.ke.as_deref().and_then(Lang::parse).unwrap_or_default();
    let mut cookie = ctx.cookie(LANG_COOKIE, lang.code().to_owned());
    cookie.set_max_age(CookieDuration::days(365));
    let mut res = see_other(&local_path(q.kembali.as_deref()));
    let _ = res.add_cookie(&cookie);
    res
}

/// `GET /masuk`
pub async fn login_form(ctx: Ctx, q: web::Query<Back>) -> PageResult {
    let back = local_path(q.kembali.as_deref());
    if ctx.logged_in() {
        return Ok(see_other(&back));
    }
    Ok(ctx.ok(&LoginPage { ctx: &ctx, errors: Errors::none(), email: String::new(), back }))
}

#[derive(Deserialize, Default)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    kembali: Option<String>,
}

/// `POST /masuk`: the API's login (same throttling); the session cookie carries the
/// login's refresh token. A session the browser had before is ended (a new session id
/// at every login), and so is its CSRF token.
pub async fn login(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> PageResult {
    let f: LoginForm = read_form(&body);
    let back = local_path(f.kembali.as_deref());
    let (st, now) = (state.clone(), state.now());
    let (address, rid) = (client_address(&req), request_id(&req));
    let (email, password) = (f.email.clone(), f.password);
    let result = state
        .run(move |conn| {
            auth::login(
                conn,
                &st.auth,
                &st.keys,
                now,
                LoginAttempt {
                    email: &email,
                    password: &password,
                    address: address.as_deref(),
                    request_id: rid.as_deref(),
                },
            )
        })
        .await;
    let pair = match result {
        Ok(pair) => pair,
        Err(e) => {
            let (status, errors) = match e.code {
                Code::InvalidCredentials => (StatusCode::UNAUTHORIZED, Errors::general(ctx.t("login.invalid"))),
                Code::TooManyRequests => {
                    let seconds = e.retry_after.unwrap_or(60).to_string();
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        Errors::general(ctx.t_with("login.throttled", &[("seconds", &seconds)])),
                    )
                }
                Code::Internal | Code::Unavailable => return Err(ctx.fail(e)),
                _ => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Errors::from_service(
                        &ctx,
                        &e,
                        &[("email", ctx.t("login.email")), ("password", ctx.t("login.password"))],
                    ),
                ),
            };
            let page = LoginPage { ctx: &ctx, errors, email: f.email, back };
            let mut res = ctx.page(status, &page);
            if let Some(secs) = e.retry_after {
                res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, secs.into());
            }
            return Ok(res);
        }
    };
    end_session(&state, &req).await;
    let mut session = ctx.cookie(SESSION_COOKIE, pair.refresh_token.clone());
    session.set_max_age(CookieDuration::seconds(pair.refresh_expires_in));
    let mut res = see_other(&back);
    let _ = res.add_cookie(&session);
    let _ = res.add_cookie(&ctx.removal(CSRF_COOKIE));
    Ok(res)
}

/// Ends the session the browser's cookie names, if any (errors ignored: a dead session
/// needs no ending).
async fn end_session(state: &AppState, req: &HttpRequest) {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let (presented, now, rid) = (c.value().to_owned(), state.now(), request_id(req));
        let _ = state.run(move |conn| auth::logout(conn, now, &presented, rid.as_deref())).await;
    }
}

/// `POST /keluar`: ends the session (its refresh token is revoked) and forgets the cookie.
pub async fn logout(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    end_session(&state, &req).await;
    let mut res = see_other("/");
    let _ = res.add_cookie(&ctx.removal(SESSION_COOKIE));
    let _ = res.add_cookie(&ctx.removal(CSRF_COOKIE));
    res
}

/// `GET /lupa-sandi`
pub async fn forgot_form(ctx: Ctx) -> HttpResponse {
    ctx.ok(&ForgotPage { ctx: &ctx, errors: Errors::none(), email: String::new() })
}

#[derive(Deserialize, Default)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /lupa-sandi`: the API's reset request — throttled, and answering the same
/// whether or not an account uses the address (the lookup and the mail follow after
/// the answer).
pub async fn forgot(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> PageResult {
    let f: EmailForm = read_form(&body);
    let (st, now) = (state.clone(), state.now());
    let address = client_address(&req);
    let (email, from) = (f.email.clone(), address.clone());
    let checked =
        state.run(move |conn| auth::throttle_password_reset(conn, &st.auth, now, &email, from.as_deref())).await;
    let email = match checked {
        Ok(email) => email,
        Err(e) => {
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = if e.code == Code::TooManyRequests {
                let seconds = e.retry_after.unwrap_or(60).to_string();
                Errors::general(ctx.t_with("forgot.throttled", &[("seconds", &seconds)]))
            } else {
                Errors::from_service(&ctx, &e, &[("email", ctx.t("forgot.email"))])
            };
            return Ok(ctx.page(status, &ForgotPage { ctx: &ctx, errors, email: f.email }));
        }
    };
    let (st, rid) = (state.clone(), request_id(&req));
    actix_web::rt::spawn(async move {
        let inner = st.clone();
        let sent = st
            .run(move |conn| {
                auth::send_password_reset(conn, &inner.auth, now, &email, address.as_deref(), rid.as_deref())
            })
            .await;
        if let Err(e) = sent {
            tracing::error!(target: "pasar::auth", "password-reset request not processed: {e:?}");
        }
    });
    Ok(ctx.ok(&MessagePage {
        ctx: &ctx,
        title: ctx.t("forgot.title"),
        text: ctx.t("forgot.sent"),
        link_href: "/masuk".into(),
        link_text: ctx.t("nav.login"),
    }))
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /atur-ulang-sandi?token=…` (the link in the reset mail)
pub async fn reset_form(ctx: Ctx, q: web::Query<TokenQuery>) -> HttpResponse {
    ctx.ok(&ResetPage { ctx: &ctx, errors: Errors::none(), token: q.into_inner().token })
}

#[derive(Deserialize, Default)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /atur-ulang-sandi`: the API's reset confirmation; every session of the user
/// ends (this browser's too).
pub async fn reset(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> PageResult {
    let f: ResetForm = read_form(&body);
    let (st, now, rid) = (state.clone(), state.now(), request_id(&req));
    let token = f.token.clone();
    let done = state
        .run(move |conn| auth::confirm_password_reset(conn, &st.auth, now, &token, &f.new_password, rid.as_deref()))
        .await;
    if let Err(e) = done {
        if matches!(e.code, Code::Internal | Code::Unavailable) {
            return Err(ctx.fail(e));
        }
        let errors = Errors::from_service(&ctx, &e, &[("new_password", ctx.t("reset.new_password"))]);
        return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { ctx: &ctx, errors, token: f.token }));
    }
    let mut res = ctx.ok(&MessagePage {
        ctx: &ctx,
        title: ctx.t("reset.done_title"),
        text: ctx.t("reset.done"),
        link_href: "/masuk".into(),
        link_text: ctx.t("nav.login"),
    });
    let _ = res.add_cookie(&ctx.removal(SESSION_COOKIE));
    Ok(res)
}

/// `GET /verifikasi-email?token=…` (the link in the verification mail). Verifying is a
/// button, not the visit itself: mail scanners that open links must not spend tokens.
pub async fn verify_form(ctx: Ctx, q: web::Query<TokenQuery>) -> HttpResponse {
    ctx.ok(&VerifyPage { ctx: &ctx, errors: Errors::none(), token: q.into_inner().token })
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

/// `POST /verifikasi-email`: the API's verification.
pub async fn verify(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> PageResult {
    let f: TokenForm = read_form(&body);
    let (now, rid) = (state.now(), request_id(&req));
    let token = f.token.clone();
    match state.run(move |conn| auth::verify_email(conn, now, &token, rid.as_deref())).await {
        Ok(_) => Ok(ctx.ok(&MessagePage {
            ctx: &ctx,
            title: ctx.t("verify.done_title"),
            text: ctx.t("verify.done"),
            link_href: if ctx.logged_in() { "/".into() } else { "/masuk".into() },
            link_text: if ctx.logged_in() { ctx.t("error.home") } else { ctx.t("nav.login") },
        })),
        Err(e) if matches!(e.code, Code::Internal | Code::Unavailable) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = Errors::from_service(&ctx, &e, &[]);
            Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &VerifyPage { ctx: &ctx, errors, token: f.token }))
        }
    }
}

/// `GET /undangan?token=…` (the link in a staff invitation)
pub async fn invite_form(ctx: Ctx, q: web::Query<TokenQuery>) -> HttpResponse {
    ctx.ok(&InvitePage { ctx: &ctx, errors: Errors::none(), token: q.into_inner().token, full_name: String::new() })
}

#[derive(Deserialize, Default)]
struct InviteForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// `POST /undangan`: the API's acceptance, which creates the staff account.
pub async fn accept_invite(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let f: InviteForm = read_form(&body);
    let (st, now) = (state.clone(), state.now());
    let (token, name) = (f.token.clone(), f.name.clone());
    let done = state
        .run(move |conn| pasar_vendor_onboarding::team::accept(conn, &st.auth, now, &token, &name, &f.password))
        .await;
    match done {
        Ok(_) => Ok(ctx.ok(&MessagePage {
            ctx: &ctx,
            title: ctx.t("invite.done_title"),
            text: ctx.t("invite.done"),
            link_href: "/masuk".into(),
            link_text: ctx.t("nav.login"),
        })),
        Err(e) if matches!(e.code, Code::Internal | Code::Unavailable) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[("name", ctx.t("invite.name")), ("password", ctx.t("invite.password"))],
            );
            let page = InvitePage { ctx: &ctx, errors, token: f.token, full_name: f.name };
            Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
