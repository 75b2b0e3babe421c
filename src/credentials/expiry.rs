//! The warning before an M2M certificate ends (docs/design.md §10): every command that uses an
//! M2M entry says so on stderr from 60, 30 and 14 days before, as NetSuite's emails to
//! administrators do, at most once a day per entry (the day is kept in the cache folder).

use std::time::SystemTime;

use crate::store::M2mEntry;

/// The days before the end from which the warning is given.
pub const THRESHOLDS: [u64; 3] = [60, 30, 14];

/// The warning for a certificate ending at `ends`, as seen `now` (pure): `None` more than
/// 60 days before.
pub fn warning(auth_id: &str, ends: SystemTime, now: SystemTime) -> Option<String> {
    let day = crate::store::format_time(ends)[..10].to_string();
    let Ok(left) = ends.duration_since(now) else {
        return Some(format!(
            "the certificate of '{auth_id}' ended on {day}: NetSuite refuses it. Make a new one \
             with `nstba auth login {auth_id} --oauth2 --client-id ID --m2m --force` (one \
             browser login)"
        ));
    };
    let days = left.as_secs() / 86_400;
    let within = THRESHOLDS.iter().rev().find(|t| days < **t)?;
    Some(format!(
        "the certificate of '{auth_id}' ends in {days} day{} ({day}, within {within} days): renew \
         it with `nstba auth rotate {auth_id}`; a scheduled `nstba auth rotate {auth_id} \
         --if-expiring-within 30` keeps it renewed",
        if days == 1 { "" } else { "s" }
    ))
}

/// Warns about `entry`'s certificate if it is due and this entry was not warned of today.
pub fn warn_once_a_day(auth_id: &str, entry: &M2mEntry) {
    let Some(ends) = entry
        .certificate_expires_at
        .as_deref()
        .and_then(crate::store::parse_time)
    else {
        return;
    };
    let now = SystemTime::now();
    let Some(message) = warning(auth_id, ends, now) else {
        return;
    };
    // The auth ID names a file: only a valid one (the store is anyone's to write).
    if crate::store::validate_auth_id(auth_id).is_err() {
        return;
    }
    let today = crate::store::format_time(now)[..10].to_string();
    let marker = crate::config::cache_dir()
        .ok()
        .map(|d| d.join("warned").join(format!("{auth_id}.certificate")));
    if let Some(path) = &marker {
        let seen = crate::fsio::read_capped(path, 64, crate::fsio::Links::Refuse)
            .ok()
            .is_some_and(|b| b == today.as_bytes());
        if seen {
            return;
        }
        let _ = crate::fsio::create_private_dir_all(crate::fsio::parent_dir(path)).and_then(|()| {
            crate::fsio::write_atomic(path, today.as_bytes(), crate::fsio::Access::Private)
        });
    }
    crate::ui::warn(message);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn from_60_30_and_14_days_before_and_after_the_end() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let at = |days: u64| now + Duration::from_secs(days * 86_400 + 3600);
        assert_eq!(warning("sb", at(61), now), None);
        assert!(
            warning("sb", at(59), now)
                .unwrap()
                .contains("within 60 days")
        );
        assert!(
            warning("sb", at(29), now)
                .unwrap()
                .contains("within 30 days")
        );
        assert!(
            warning("sb", at(13), now)
                .unwrap()
                .contains("within 14 days")
        );
        assert!(warning("sb", at(1), now).unwrap().contains("in 1 day "));
        let ended = warning("sb", now - Duration::from_secs(86_400), now).unwrap();
        assert!(
            ended.contains("ended") && ended.contains("--m2m"),
            "{ended}"
        );
    }
}
