//! SuiteQL over REST (`POST /services/rest/query/v1/suiteql`) on a few sample tables held in
//! an embedded SQLite, with NetSuite's paging shape (`items`, `count`, `hasMore`, `offset`,
//! `totalResults`, `links`), its `Prefer: transient` rule, and null columns left out of items
//! as NetSuite does.

use axum::response::Response;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value, json};

use crate::http::{self, Req};

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Donald", "Frances",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Knuth", "Allen",
];
const COMPANIES: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
];

/// Rows in each sample table.
pub const SAMPLE_ROWS: i64 = 40;

/// Opens the sample database: `employee` and `customer`, 40 rows each, read-only afterwards.
pub fn open() -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE employee (id INTEGER PRIMARY KEY, entityid TEXT, firstname TEXT,
             lastname TEXT, email TEXT, isinactive TEXT, supervisor INTEGER, datecreated TEXT);
         CREATE TABLE customer (id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT,
             email TEXT, balance REAL, salesrep INTEGER, datecreated TEXT);",
    )?;
    for i in 1..=SAMPLE_ROWS {
        let n = i as usize - 1;
        let (first, last) = (FIRST[n % 8], LAST[(n / 8 + n) % 8]);
        conn.execute(
            "INSERT INTO employee VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                i,
                format!("{first} {last}"),
                first,
                last,
                format!(
                    "{}.{}{i}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                if i % 10 == 0 { "T" } else { "F" },
                if i == 1 { None } else { Some(1 + (i - 2) / 8) },
                format!("2026-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
            ],
        )?;
        let company = format!("{} {}", COMPANIES[n % 8], 1 + n / 8);
        conn.execute(
            "INSERT INTO customer VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                100 + i,
                format!("CUST{:04}", i),
                company,
                // Every seventh customer has no email: NetSuite leaves such columns out.
                (i % 7 != 0).then(|| format!("billing{i}@example.com")),
                (i * 137 % 5000) as f64 + 0.5,
                1 + n as i64 % 8,
                format!("2025-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
            ],
        )?;
    }
    conn.execute_batch("PRAGMA query_only = ON;")?;
    Ok(conn)
}

fn problem(status: u16, code: &str, detail: &str) -> Response {
    http::problem(status, "Bad Request", code, detail)
}

pub fn handle(conn: &rusqlite::Connection, req: &Req, base: &str) -> Response {
    let transient = req
        .header("prefer")
        .is_some_and(|p| p.to_ascii_lowercase().contains("transient"));
    if !transient {
        return problem(
            400,
            "INVALID_HEADER",
            "SuiteQL requests need the header Prefer: transient.",
        );
    }
    let limit = match req.query("limit").map(str::parse::<i64>) {
        None => 1000,
        Some(Ok(l)) if (1..=1000).contains(&l) => l,
        _ => return problem(400, "INVALID_PARAMETER", "limit must be from 1 to 1000."),
    };
    let offset = match req.query("offset").map(str::parse::<i64>) {
        None => 0,
        Some(Ok(o)) if o >= 0 => o,
        _ => return problem(400, "INVALID_PARAMETER", "offset must be 0 or more."),
    };
    let q = match serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("q").and_then(Value::as_str).map(str::to_string))
    {
        Some(q) => q.trim().trim_end_matches(';').to_string(),
        None => {
            return problem(
                400,
                "INVALID_CONTENT",
                "The body must be JSON with the query in \"q\".",
            );
        }
    };
    match run(conn, &q, limit, offset) {
        Ok((items, total)) => {
            let count = items.len() as i64;
            let has_more = offset + count < total;
            let href =
                |o: i64| format!("{base}/services/rest/query/v1/suiteql?limit={limit}&offset={o}");
            let mut links = vec![json!({"rel": "self", "href": href(offset)})];
            if has_more {
                links.push(json!({"rel": "next", "href": href(offset + limit)}));
            }
            if offset > 0 {
                links.push(json!({"rel": "previous", "href": href((offset - limit).max(0))}));
            }
            http::json(
                200,
                &json!({"links": links, "count": count, "hasMore": has_more, "items": items,
                        "offset": offset, "totalResults": total}),
            )
        }
        Err(e) => problem(
            400,
            "INVALID_PARAMETER",
            &format!(
                "Invalid search query. Detailed unprocessed description follows. Search error \
                 occurred: {e}"
            ),
        ),
    }
}

pub(crate) fn run(
    conn: &rusqlite::Connection,
    q: &str,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<(Vec<Value>, i64)> {
    let total: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM ({q})"), [], |r| r.get(0))?;
    let mut stmt = conn.prepare(&format!("SELECT * FROM ({q}) LIMIT ?1 OFFSET ?2"))?;
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mut rows = stmt.query(rusqlite::params![limit, offset])?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        let mut item = Map::new();
        item.insert("links".into(), json!([]));
        for (i, name) in names.iter().enumerate() {
            // NetSuite sends values as strings and leaves out nulls.
            let value = match row.get_ref(i)? {
                ValueRef::Null => continue,
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(f) => f.to_string(),
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            };
            item.insert(name.clone(), Value::String(value));
        }
        items.push(Value::Object(item));
    }
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_nulls() {
        let conn = open().unwrap();
        let (items, total) =
            run(&conn, "SELECT id, email FROM customer ORDER BY id", 5, 5).unwrap();
        assert_eq!(total, 40);
        assert_eq!(items.len(), 5);
        assert_eq!(items[0]["id"], "106");
        assert!(items[1].get("email").is_none(), "customer 107 has no email");
        assert!(run(&conn, "DELETE FROM customer", 5, 0).is_err());
        assert!(run(&conn, "SELECT nope FROM customer", 5, 0).is_err());
    }
}
