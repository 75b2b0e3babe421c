//! The SuiteQL pager (docs/design.md §6), for `nstba suiteql` and the library alike: POST
//! `{"q": QUERY}` to `/services/rest/query/v1/suiteql?limit=L&offset=O` with
//! `Prefer: transient`, and follow `hasMore` until done, handing each page's rows on as the
//! page comes. A refusal keeps its exit code (3 for rejected credentials).

use anyhow::Result;
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::account::Endpoints;
use crate::auth::Authorizer;
use crate::error::Failure;
use crate::netsuite::client::{Client, Retry};

pub const PATH: &str = "/services/rest/query/v1/suiteql";

/// The most rows NetSuite returns in one page.
pub const MAX_PAGE: u64 = 1000;

/// What to do after a page's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    More,
    /// The reader is gone (`| head`): ask for no more pages.
    Stop,
}

/// Runs `query`, `limit` rows a page, handing each page's rows (without NetSuite's `links`)
/// to `rows`; returns how many rows came.
pub async fn query(
    client: &Client,
    auth: &Authorizer,
    endpoints: &Endpoints,
    query: &str,
    limit: u64,
    mut rows: impl FnMut(Vec<Map<String, Value>>) -> Result<Next>,
) -> Result<u64> {
    let base = endpoints.resolve(Some(&auth.account), PATH)?;
    let body = Bytes::from(serde_json::to_vec(&serde_json::json!({ "q": query }))?);
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // NetSuite's page requests ask it not to cache the result set between pages.
    headers.insert(
        HeaderName::from_static("prefer"),
        HeaderValue::from_static("transient"),
    );
    let retry = Retry::default();
    let (mut offset, mut total) = (0u64, 0u64);
    loop {
        let mut url = base.clone();
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        let reply = client
            .send_retrying(
                auth,
                "POST",
                &url,
                headers.clone(),
                Some(body.clone()),
                &retry,
            )
            .await?;
        if !reply.is_success() {
            return Err(reply.error().into_failure(&auth.sent()).into());
        }
        let mut page: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| Failure::error(format!("NetSuite's SuiteQL answer is not JSON: {e}")))?;
        let items = match page.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let count = items.len() as u64;
        let page_rows: Vec<Map<String, Value>> = items
            .into_iter()
            .filter_map(|item| match item {
                Value::Object(mut row) => {
                    row.shift_remove("links");
                    Some(row)
                }
                _ => None,
            })
            .collect();
        total += count;
        crate::ui::verbose(format!(
            "page at offset {offset}: {count} rows of {}",
            page["totalResults"]
        ));
        if rows(page_rows)? == Next::Stop {
            return Ok(total);
        }
        // hasMore without rows would never end: stop there.
        if page["hasMore"] != Value::Bool(true) || count == 0 {
            return Ok(total);
        }
        offset += count;
    }
}
