//! REST web services under `/services/rest/`: a few employee records, so signed GET, POST
//! and query strings can be tried end to end, and SuiteQL (see `suiteql.rs`).

use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::auth::{Mode, authenticate, refuse};
use crate::http::{self, Family, Req};
use crate::state::State;

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Donald", "Frances",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Knuth", "Allen",
];

/// The sample employee with internal ID `id` (1 to 40), as REST record JSON.
pub fn employee(base: &str, id: u32) -> Option<serde_json::Value> {
    if !(1..=40).contains(&id) {
        return None;
    }
    let i = id as usize - 1;
    let (first, last) = (
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len() + i) % LAST.len()],
    );
    Some(serde_json::json!({
        "links": [{"rel": "self", "href": format!("{base}/services/rest/record/v1/employee/{id}")}],
        "id": id.to_string(),
        "entityId": format!("{first} {last}"),
        "firstName": first,
        "lastName": last,
        "email": format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
        "isInactive": false,
    }))
}

pub async fn handle(st: &State, req: &Req) -> Response {
    match crate::oauth2::check_bearer(st, req, "rest_webservices", Family::Rest) {
        Some(Err(resp)) => return resp,
        Some(Ok(_)) => {}
        None => {
            if let Err(r) = authenticate(st, req, Mode::Access) {
                return refuse(st, req, Family::Rest, r);
            }
        }
    }
    st.audit(&req.path, 200, "ok");
    let base = format!("http://{}", req.header("host").unwrap_or("localhost"));
    let rest = req.path.trim_start_matches("/services/rest/");
    match (req.method.as_str(), rest) {
        ("POST", "query/v1/suiteql") => crate::suiteql::handle(&st.sql(), req, &base),
        ("GET", p) if p.starts_with("record/v1/employee/") => {
            let id = p.trim_start_matches("record/v1/employee/");
            match id.parse().ok().and_then(|id| employee(&base, id)) {
                Some(e) => http::json(200, &e),
                None => not_found(id),
            }
        }
        // A collection: `?limit=N&offset=O`, as NetSuite's REST pages it.
        ("GET", "record/v1/employee") => {
            let get = |k: &str| {
                req.query
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            };
            let (limit, offset) = (
                get("limit").unwrap_or(1000).clamp(1, 1000),
                get("offset").unwrap_or(0),
            );
            let all: Vec<u64> = (1..=3).collect();
            let items: Vec<serde_json::Value> = all
                .iter()
                .skip(offset)
                .take(limit)
                .map(|id| {
                    serde_json::json!({"links": [{"rel": "self", "href": format!("{base}/services/rest/record/v1/employee/{id}")}], "id": id.to_string()})
                })
                .collect();
            http::json(
                200,
                &serde_json::json!({
                    "links": [],
                    "count": items.len(),
                    "hasMore": offset + items.len() < all.len(),
                    "items": items,
                    "offset": offset,
                    "totalResults": all.len(),
                }),
            )
        }
        ("POST", "record/v1/employee") => {
            if serde_json::from_slice::<serde_json::Value>(&req.body).is_err() {
                return http::problem(
                    400,
                    "Bad Request",
                    "INVALID_CONTENT",
                    "The request body is not valid JSON.",
                );
            }
            // NetSuite answers a create with 204 and the new record's URL.
            let mut r = http::empty(204);
            if let Ok(v) =
                HeaderValue::from_str(&format!("{base}/services/rest/record/v1/employee/41"))
            {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        _ => http::problem(
            404,
            "Not Found",
            "NONEXISTENT_ID",
            "The record type or path is not available in the emulator.",
        ),
    }
}

fn not_found(id: &str) -> Response {
    http::problem(
        404,
        "Record not found",
        "NONEXISTENT_ID",
        &format!("The record instance does not exist. Provide a valid record instance ID ({id})."),
    )
}
