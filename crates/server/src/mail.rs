//! Mail, the first kind of outbox message: sent through SMTP (when `mail.smtp_url` is
//! set) or written as `.eml` files. The outbox worker ([`crate::outbox`]) decides when;
//! this module only knows how.

use crate::outbox::Deliverer;
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{SmtpTransport, Transport as _};
use pasar_db::outbox::{MailPayload, OutboxMessage, KIND_MAIL};
use std::path::PathBuf;
use std::time::Duration;

/// Where mail goes.
pub enum Transport {
    Smtp(Box<SmtpTransport>),
    /// `.eml` files in this folder, one per message, named by the outbox id.
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(smtp_url: &str, outbox_dir: PathBuf) -> Result<Transport, String> {
        if smtp_url.is_empty() {
            Ok(Transport::Files(outbox_dir))
        } else {
            let t = SmtpTransport::from_url(smtp_url)
                .map_err(|e| e.to_string())?
                .timeout(Some(Duration::from_secs(20)))
                .build();
            Ok(Transport::Smtp(Box::new(t)))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP (mail.smtp_url)".into(),
            Transport::Files(dir) => format!(".eml files in {} (set mail.smtp_url to send)", dir.display()),
        }
    }
}

/// Delivers the outbox's mails.
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
}

impl Deliverer for Mailer {
    fn kind(&self) -> &'static str {
        KIND_MAIL
    }

    fn deliver(&self, msg: &OutboxMessage, payload: serde_json::Value) -> Result<(), String> {
        let payload: MailPayload = serde_json::from_value(payload).map_err(|e| format!("bad mail payload: {e}"))?;
        let to: Mailbox = msg.recipient.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .message_id(Some(format!("<{}@pasar>", msg.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(payload.body)
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(&email).map(drop).map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let tmp = dir.join(format!(".{}.eml.tmp", msg.id));
                std::fs::write(&tmp, email.formatted()).map_err(|e| format!("{}: {e}", tmp.display()))?;
                std::fs::rename(&tmp, dir.join(format!("{}.eml", msg.id))).map_err(|e| e.to_string())
            }
        }
    }
}
