//! The audit log for auditors and administrators: the entries newest first with the
//! filters the service takes, and whether the hash chain holds, said in words.

use crate::ctx::{Ctx, PageResult};
use crate::forms::Errors;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use pasar_api::AppState;
use pasar_auth::audit::{self, AuditFilter};
use pasar_core::page::PageRequest;
use serde::Deserialize;
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::resource("/audit").route(web::get().to(audit_log)));
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub actor_id: String,
    pub from: String,
    pub to: String,
    pub lanjut: String,
}

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    /// The entity's whole history.
    pub link: String,
    pub before: String,
    pub after: String,
    pub sealed: bool,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
pub struct AuditPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub q: AuditQuery,
    pub intact: bool,
    pub chain: String,
    pub rows: Vec<EntryRow>,
    pub next: Option<String>,
}

fn pretty(v: &Option<serde_json::Value>) -> String {
    v.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()).unwrap_or_default()
}

/// `GET /audit`: the audit log (administrators and auditors), filtered by entity,
/// action, actor and days, with the verification of the whole chain.
pub async fn audit_log(ctx: Ctx, state: web::Data<AppState>, q: web::Query<AuditQuery>) -> PageResult {
    let user = ctx.require_user()?;
    let q = q.into_inner();
    let actor = user.actor.clone();
    let zone = state.vendors.time_zone;
    let filter = AuditFilter {
        entity_type: Some(q.entity_type.clone()),
        entity_id: Some(q.entity_id.clone()),
        action: Some(q.action.clone()),
        actor_id: Some(q.actor_id.clone()),
        from: Some(q.from.clone()),
        to: Some(q.to.clone()),
    };
    let cursor = q.lanjut.clone();
    // The chain first: a caller who may not read the log gets the service's refusal.
    let verification = {
        let actor = actor.clone();
        state.run(move |conn| audit::verify(conn, &actor)).await.map_err(|e| ctx.fail(e))?
    };
    let listed = state
        .run(move |conn| {
            let req = PageRequest::parse(Some(50), Some(&cursor))
                .map_err(|e| pasar_auth::AuthError::field(e.field, e.message))?;
            let page = audit::list(conn, &actor, zone, filter, &req)?;
            // Who acted, by name where the user is known.
            let mut names = HashMap::new();
            for id in page.items.iter().filter_map(|e| e.actor_id.clone()) {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id.clone()) {
                    if let Ok(u) = pasar_auth::service::get_user(conn, &actor, &id) {
                        slot.insert(format!("{} <{}>", u.name, u.email));
                    }
                }
            }
            Ok::<_, pasar_auth::AuthError>((page, names))
        })
        .await;
    let (rows, next, errors, status) = match listed {
        Ok((page, names)) => {
            let rows = page
                .items
                .iter()
                .map(|e| EntryRow {
                    seq: e.seq,
                    at: ctx.date_time(&e.occurred_at),
                    actor: match &e.actor_id {
                        Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                        None => ctx.t("audit.system"),
                    },
                    action: e.action.clone(),
                    entity_type: e.entity_type.clone(),
                    entity_id: e.entity_id.clone(),
                    link: format!(
                        "/audit?{}",
                        serde_urlencoded::to_string([("entity_type", &e.entity_type), ("entity_id", &e.entity_id)])
                            .unwrap_or_default()
                    ),
                    before: pretty(&e.before),
                    after: pretty(&e.after),
                    sealed: e.sealed,
                })
                .collect();
            let mut params: Vec<(&str, String)> = vec![
                ("entity_type", q.entity_type.clone()),
                ("entity_id", q.entity_id.clone()),
                ("action", q.action.clone()),
                ("actor_id", q.actor_id.clone()),
                ("from", q.from.clone()),
                ("to", q.to.clone()),
            ];
            let next = page.next_cursor.map(|c| {
                params.retain(|(_, v)| !v.is_empty());
                params.push(("lanjut", c));
                format!("/audit?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
            });
            (rows, next, Errors::none(), StatusCode::OK)
        }
        Err(e) if e.code == pasar_core::Code::ValidationFailed => {
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[("from", ctx.t("audit.from")), ("to", ctx.t("audit.to")), ("cursor", String::new())],
            );
            (Vec::new(), None, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(ctx.fail(e)),
    };
    let intact = verification.first_broken.is_none();
    let chain = match &verification.first_broken {
        None => ctx.t_with("audit.chain_intact", &[("n", &ctx.count(&verification.checked))]),
        Some(b) => ctx.t_with("audit.chain_broken", &[("seq", &b.seq.to_string()), ("reason", &b.reason)]),
    };
    let chain = if verification.unsealed > 0 {
        format!("{chain} {}", ctx.t_with("audit.unsealed", &[("n", &ctx.count(&verification.unsealed))]))
    } else {
        chain
    };
    let page = AuditPage { ctx: &ctx, errors, q, intact, chain, rows, next };
    Ok(ctx.page(status, &page))
}
