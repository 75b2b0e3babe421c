//! `nstba suiteql`: POST `{"q": QUERY}` to `/services/rest/query/v1/suiteql?limit=L&offset=O`
//! with `Prefer: transient`, follow `hasMore` until done, and stream rows as each page comes:
//! NDJSON (default), one JSON array, or CSV.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::cli::{RowFormat, SuiteqlArgs};
use crate::commands::App;
use crate::error::Failure;
use crate::netsuite::client::{Client, Retry};
use crate::ui;

pub const PATH: &str = "/services/rest/query/v1/suiteql";

/// The body and headers of a SuiteQL page request (`Prefer: transient`, as NetSuite asks).
pub fn request(query: &str) -> Result<(Bytes, HeaderMap)> {
    let body = Bytes::from(serde_json::to_vec(&serde_json::json!({ "q": query }))?);
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        HeaderName::from_static("prefer"),
        HeaderValue::from_static("transient"),
    );
    Ok((body, headers))
}

pub fn run(app: &App, args: &SuiteqlArgs) -> Result<ExitCode> {
    let query = if args.query == "-" {
        let mut q = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut q)
            .context("cannot read the query from stdin")?;
        q
    } else {
        args.query.clone()
    };
    let query = query.trim().to_string();
    if query.is_empty() {
        return Err(Failure::usage("the query is empty").into());
    }
    let creds = app.credentials(&args.credentials)?;
    let base = app.endpoints.resolve(Some(&creds.account), PATH)?;
    let (body, headers) = request(&query)?;
    let client = Client::new()?;
    let retry = Retry::default();
    let stdout = std::io::stdout();
    let mut rows = RowWriter::new(args.format, std::io::BufWriter::new(stdout.lock()));

    let runtime = crate::netsuite::runtime()?;
    let mut offset: u64 = 0;
    let mut total_rows = 0u64;
    loop {
        let mut url = base.clone();
        url.query_pairs_mut()
            .append_pair("limit", &args.limit.to_string())
            .append_pair("offset", &offset.to_string());
        let reply = runtime.block_on(client.send_retrying(
            &creds,
            "POST",
            &url,
            headers.clone(),
            Some(body.clone()),
            &retry,
        ))?;
        if !reply.is_success() {
            return Err(reply
                .error()
                .into_failure(Some(&creds.account.realm()))
                .into());
        }
        let page: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| Failure::error(format!("NetSuite's SuiteQL answer is not JSON: {e}")))?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let count = items.len() as u64;
        for item in items {
            let Value::Object(mut row) = item else {
                continue;
            };
            row.shift_remove("links");
            if !rows.row(row)? {
                return Ok(ExitCode::SUCCESS); // the reader went away (| head)
            }
        }
        if !rows.flush()? {
            return Ok(ExitCode::SUCCESS);
        }
        total_rows += count;
        ui::verbose(format!(
            "page at offset {offset}: {count} rows of {}",
            page["totalResults"]
        ));
        // hasMore without rows would never end: stop there.
        if page["hasMore"] != Value::Bool(true) || count == 0 {
            break;
        }
        offset += count;
    }
    rows.finish()?;
    ui::verbose(format!("{total_rows} rows"));
    Ok(ExitCode::SUCCESS)
}

/// Writes rows as they come. Every write reports `false` once the reader is gone.
struct RowWriter<W: Write> {
    format: RowFormat,
    out: W,
    rows: u64,
    columns: Vec<String>,
    warned: bool,
}

impl<W: Write> RowWriter<W> {
    fn new(format: RowFormat, out: W) -> Self {
        RowWriter {
            format,
            out,
            rows: 0,
            columns: Vec::new(),
            warned: false,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<bool> {
        match self.out.write_all(bytes) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("cannot write to stdout"),
        }
    }

    fn row(&mut self, row: Map<String, Value>) -> Result<bool> {
        self.rows += 1;
        match self.format {
            RowFormat::Ndjson => {
                let mut line = serde_json::to_vec(&row)?;
                line.push(b'\n');
                self.write(&line)
            }
            RowFormat::Json => {
                let sep: &[u8] = if self.rows == 1 { b"[\n" } else { b",\n" };
                let mut chunk = sep.to_vec();
                chunk.extend(serde_json::to_vec(&row)?);
                self.write(&chunk)
            }
            RowFormat::Csv => {
                let mut chunk = Vec::new();
                if self.rows == 1 {
                    // NetSuite leaves null columns out of a row, so the header is the first
                    // row's columns.
                    self.columns = row.keys().cloned().collect();
                    chunk.extend(csv_line(&self.columns)?);
                }
                for key in row.keys() {
                    if !self.columns.contains(key) {
                        if !self.warned {
                            ui::warn(format!(
                                "column '{key}' first appears after the CSV header was written; \
                                 it is left out (use --format ndjson to keep every column)"
                            ));
                        }
                        self.warned = true;
                    }
                }
                let record: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| match row.get(c) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    })
                    .collect();
                chunk.extend(csv_line(&record)?);
                self.write(&chunk)
            }
        }
    }

    fn flush(&mut self) -> Result<bool> {
        match self.out.flush() {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("cannot write to stdout"),
        }
    }

    fn finish(mut self) -> Result<()> {
        if self.format == RowFormat::Json {
            let end: &[u8] = if self.rows == 0 { b"[]\n" } else { b"\n]\n" };
            self.write(end)?;
        }
        self.flush()?;
        Ok(())
    }
}

/// One CSV record with its line ending, quoted as the csv crate does.
fn csv_line(fields: &[String]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields)?;
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: RowFormat, items: &[Value]) -> String {
        let mut buf = Vec::new();
        let mut w = RowWriter::new(format, &mut buf);
        for item in items {
            w.row(item.as_object().unwrap().clone()).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats() {
        let items = [
            serde_json::json!({"id": "1", "name": "A, \"quoted\""}),
            serde_json::json!({"id": "2"}),
        ];
        assert_eq!(
            rows(RowFormat::Ndjson, &items),
            "{\"id\":\"1\",\"name\":\"A, \\\"quoted\\\"\"}\n{\"id\":\"2\"}\n"
        );
        let json: Value = serde_json::from_str(&rows(RowFormat::Json, &items)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(rows(RowFormat::Json, &[]), "[]\n");
        assert_eq!(
            rows(RowFormat::Csv, &items),
            "id,name\n1,\"A, \"\"quoted\"\"\"\n2,\n"
        );
    }
}
