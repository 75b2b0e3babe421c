//! `nstba auth list`: the saved tokens, one row each, as a table or `--json`; the rows say
//! which entries are unusable and which TBA tokens need a consumer pair from elsewhere.

use std::process::ExitCode;

use anyhow::Result;

use crate::account::AccountId;
use crate::cli::AuthListArgs;
use crate::commands::auth::mask;
use crate::commands::{App, write_stdout};
use crate::credentials;
use crate::store::{Kind, Saved};
use crate::ui;

/// One row of `auth list`: the table's line and, as it is, the `--json` element.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRow {
    pub auth_id: String,
    pub kind: Option<Kind>,
    pub account: Option<String>,
    pub realm: Option<String>,
    pub role: Option<String>,
    pub entity: Option<String>,
    pub created_at: Option<String>,
    /// A TBA token's ID, masked.
    pub token_id: Option<String>,
    /// An OAuth 2.0 or M2M entry's client ID.
    pub client_id: Option<String>,
    pub has_consumer: bool,
    pub usable: bool,
    pub problem: Option<String>,
    /// When it stops working unless renewed: an M2M certificate's end, an OAuth 2.0 login's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// An M2M entry's certificate end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_expires_at: Option<String>,
    /// The default token (`nstba auth switch`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

impl ListRow {
    pub fn of(id: &str, entry: &Result<Saved, String>) -> ListRow {
        let saved = match entry {
            Ok(saved) => saved,
            Err(why) => {
                return ListRow {
                    auth_id: id.to_string(),
                    kind: None,
                    account: None,
                    realm: None,
                    role: None,
                    entity: None,
                    created_at: None,
                    token_id: None,
                    client_id: None,
                    has_consumer: false,
                    usable: false,
                    problem: Some(why.clone()),
                    expires_at: None,
                    certificate_expires_at: None,
                    default: false,
                };
            }
        };
        let realm = AccountId::parse(saved.account()).ok().map(|a| a.realm());
        let (token_id, client_id, has_consumer) = match saved {
            Saved::Tba(e) => (
                Some(mask(&e.token_id)),
                None,
                e.consumer_key.is_some() && e.consumer_secret.is_some(),
            ),
            Saved::OAuth2(e) => (None, Some(e.client_id.clone()), false),
            Saved::M2m(e) => (None, Some(e.client_id.clone()), false),
        };
        ListRow {
            auth_id: id.to_string(),
            kind: Some(saved.kind()),
            account: Some(saved.account().to_string()),
            usable: realm.is_some(),
            problem: realm
                .is_none()
                .then(|| "the account is not a valid account ID".to_string()),
            realm,
            role: saved.role().map(str::to_string),
            entity: saved.entity().map(str::to_string),
            created_at: saved.created_at().map(str::to_string),
            token_id,
            client_id,
            has_consumer,
            expires_at: saved.ends_at().map(str::to_string),
            certificate_expires_at: match saved {
                Saved::M2m(e) => e.certificate_expires_at.clone(),
                _ => None,
            },
            default: false,
        }
    }

    /// A TBA token that signs only with a pair from elsewhere.
    fn lacks_consumer(&self) -> bool {
        self.kind == Some(Kind::Tba) && !self.has_consumer && self.usable
    }
}

pub fn run(app: &App, args: &AuthListArgs) -> Result<ExitCode> {
    let store = credentials::load_store(&app.store)?;
    let filter = if args.all {
        None
    } else {
        app.project()?
            .and_then(|p| p.account())
            .and_then(|a| AccountId::parse(&a).ok())
    };
    let rows: Vec<ListRow> = store
        .entries()
        .iter()
        .map(|(id, e)| ListRow::of(id, e))
        .filter(|row| args.all || row.usable)
        .filter(|row| match &filter {
            None => true,
            Some(account) => row.realm.as_deref() == Some(&account.realm()),
        })
        .collect();
    let hidden = store.len() - rows.len();
    let default = crate::config::default_auth_id()?;
    let mut rows = rows;
    for row in &mut rows {
        row.default = default.as_deref() == Some(row.auth_id.as_str());
    }

    if args.json {
        let mut text = serde_json::to_string_pretty(&rows)?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
    } else if rows.is_empty() && hidden > 0 && filter.is_some() {
        // Tokens are saved, just none for this project's account.
        let account = filter.as_ref().map(ToString::to_string).unwrap_or_default();
        ui::info(format!(
            "None for account {account} (nstba.toml), {hidden} for other accounts or unusable: \
             --all shows them; `nstba auth login NAME --account {account}` makes one"
        ));
        return Ok(ExitCode::SUCCESS);
    } else if rows.is_empty() {
        ui::info(format!(
            "No tokens saved in {}. Create one with `nstba auth login AUTH_ID` or `nstba auth add`.",
            app.store.path().display()
        ));
    } else {
        write_stdout(table(&rows).as_bytes())?;
        if rows.iter().any(|r| r.default) {
            ui::info("* the default token (`nstba auth switch`)");
        }
    }
    // Entries the gulp tools made carry no consumer pair: say what they need.
    let without_pair = rows.iter().filter(|r| r.lacks_consumer()).count();
    let env_pair = crate::config::env_var(credentials::ENV_CONSUMER_KEY).is_some()
        && crate::config::env_var(credentials::ENV_CONSUMER_SECRET).is_some();
    if without_pair > 0 && !env_pair && !args.json {
        ui::info(format!(
            "{without_pair} TBA token{} saved without a consumer pair (made by the gulp tools?): \
             {} only with the pair of the integration that made {}: set \
             NSTBA_CONSUMER_KEY and NSTBA_CONSUMER_SECRET, or save it once with `nstba auth \
             add AUTH_ID --consumer-key KEY --consumer-secret-stdin`",
            if without_pair == 1 { " is" } else { "s are" },
            if without_pair == 1 {
                "it signs"
            } else {
                "they sign"
            },
            if without_pair == 1 { "it" } else { "them" },
        ));
    }
    if hidden > 0 && !args.all {
        let why = match &filter {
            Some(a) => format!("for other accounts than {a} (nstba.toml) or unusable"),
            None => "unusable".to_string(),
        };
        ui::info(format!("{hidden} more saved {why}: --all shows them"));
    }
    Ok(ExitCode::SUCCESS)
}

/// The day a credential ends, for a table (the store's text, checked as a time).
pub fn ends(raw: &Option<String>) -> String {
    raw.as_deref()
        .and_then(crate::store::parse_time)
        .map_or("-".into(), |t| {
            crate::store::format_time(t)[..10].to_string()
        })
}

fn table(rows: &[ListRow]) -> String {
    let env_pair = crate::config::env_var(credentials::ENV_CONSUMER_KEY).is_some()
        && crate::config::env_var(credentials::ENV_CONSUMER_SECRET).is_some();
    // Everything here came from the store, which anything may have written: escaped.
    let cell = |v: &Option<String>| v.as_deref().map(ui::escape).unwrap_or_else(|| "-".into());
    let lines: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let oauth2 = matches!(r.kind, Some(Kind::OAuth2 | Kind::M2m));
            [
                format!(
                    "{}{}",
                    ui::escape(&r.auth_id),
                    if r.default { " *" } else { "" }
                ),
                r.kind.map_or("-".into(), |k| k.to_string()),
                cell(&r.account),
                cell(&r.role),
                if oauth2 {
                    format!("client {}", cell(&r.client_id))
                } else {
                    cell(&r.token_id)
                },
                cell(&r.created_at),
                ends(&r.expires_at),
                match &r.problem {
                    Some(p) => format!("unusable: {}", ui::escape(p)),
                    None if oauth2 => "-".into(),
                    None if r.has_consumer => "saved".into(),
                    None if env_pair => "from env".into(),
                    None => "none: needs a pair".into(),
                },
            ]
        })
        .collect();
    ui::table(
        [
            "AUTH ID", "KIND", "ACCOUNT", "ROLE", "TOKEN", "CREATED", "ENDS", "CONSUMER",
        ],
        &lines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The `--json` form of `auth list` rows: field names are only ever added.
    #[test]
    fn list_rows_as_json() {
        let tba = Saved::from_value(&json!({"token": "tid-12345", "secret": "ts",
            "account": "123-sb1", "role": "3", "createdAt": "2026-11-22T10:00:00Z"}))
        .unwrap();
        let oauth2 = Saved::from_value(&json!({"type": "oauth2", "account": "123",
            "clientId": "cid", "scope": "restlets", "accessToken": "a",
            "accessTokenExpiresAt": "2026-11-22T10:00:00Z", "refreshToken": "r",
            "refreshTokenExpiresAt": "2026-11-29T10:00:00Z"}))
        .unwrap();
        let rows = [
            ListRow::of("sb", &Ok(tba)),
            ListRow::of("o", &Ok(oauth2)),
            ListRow::of("bad", &Err("not an object".into())),
        ];
        let text = serde_json::to_string(&rows).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"[{"authId":"sb","kind":"TBA","account":"123-sb1","realm":"123_SB1","role":"3","#,
                r#""entity":null,"createdAt":"2026-11-22T10:00:00Z","tokenId":"tid-…","clientId":null,"#,
                r#""hasConsumer":false,"usable":true,"problem":null},"#,
                r#"{"authId":"o","kind":"OAuth 2.0","account":"123","realm":"123","role":null,"#,
                r#""entity":null,"createdAt":null,"tokenId":null,"clientId":"cid","hasConsumer":false,"#,
                r#""usable":true,"problem":null,"expiresAt":"2026-11-29T10:00:00Z"},"#,
                r#"{"authId":"bad","kind":null,"account":null,"realm":null,"role":null,"entity":null,"#,
                r#""createdAt":null,"tokenId":null,"clientId":null,"hasConsumer":false,"usable":false,"#,
                r#""problem":"not an object"}]"#
            )
        );
    }
}
