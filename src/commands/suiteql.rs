//! `nstba suiteql`: the pager of [`crate::netsuite::suiteql`], its rows streamed as each page
//! comes: NDJSON (default), one JSON array, or CSV.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use serde_json::{Map, Value};

use crate::cli::{RowFormat, SuiteqlArgs};
use crate::commands::App;
use crate::error::Failure;
use crate::netsuite::client::Client;
use crate::netsuite::suiteql::{self, Next};
use crate::ui;

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
    let client = Client::new()?;
    let stdout = std::io::stdout();
    let mut out = RowWriter::new(args.format, std::io::BufWriter::new(stdout.lock()));
    let mut gone = false;
    let total = crate::http::block_on(suiteql::query(
        &client,
        &creds,
        &app.endpoints,
        &query,
        u64::from(args.limit),
        |rows| {
            for row in rows {
                if !out.row(row)? {
                    gone = true;
                    return Ok(Next::Stop); // the reader went away (| head)
                }
            }
            if !out.flush()? {
                gone = true;
                return Ok(Next::Stop);
            }
            Ok(Next::More)
        },
    ))??;
    if !gone {
        out.finish()?;
    }
    ui::verbose(format!("{total} rows"));
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
