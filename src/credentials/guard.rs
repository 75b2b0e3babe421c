//! The account guard (docs/design.md §5).

use anyhow::Result;

use crate::account::AccountId;
use crate::error::Failure;
use crate::project::Project;

use super::Credentials;

/// The account guard (docs/design.md §5): `--account` on the command line, else the project's
/// `account`, must be the token's account, whichever step chose the token. Deploying a
/// sandbox project to production by a slip of `--to` must be impossible.
pub fn check_account(
    creds: &Credentials,
    cli_account: Option<&str>,
    project: Option<&Project>,
) -> Result<()> {
    let token = creds
        .auth_id
        .as_deref()
        .map(|id| format!("the token '{id}'"))
        .unwrap_or_else(|| "the token in the environment".into());
    if let Some(raw) = cli_account {
        let wanted = AccountId::parse(raw)?;
        if !creds.account.same_as(&wanted) {
            return Err(Failure::usage(format!(
                "{token} (from {}) is for account {}, and --account says {wanted}: nothing \
                 was sent. Pick a token for {wanted} (`nstba auth list --all`)",
                creds.origin, creds.account
            ))
            .into());
        }
        return Ok(());
    }
    let Some(project) = project else {
        return Ok(());
    };
    let Some(raw) = project.account() else {
        return Ok(());
    };
    let wanted = AccountId::parse(&raw).map_err(|e| {
        Failure::usage(format!(
            "account = \"{raw}\" in {} is not an account ID: {e}",
            project.path.display()
        ))
    })?;
    if creds.account.same_as(&wanted) {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "{} is for account {wanted}, and {token} (from {}) is for account {}: nothing was \
         sent. Use a token for {wanted} (`nstba auth list`), or pass --account {} if you \
         really mean account {}",
        project.path.display(),
        creds.origin,
        creds.account,
        creds.account,
        creds.account
    ))
    .into())
}
