//! `nstba request`: one signed call to any REST, RESTlet or SuiteQL URL or path. The body goes
//! to stdout (or `-o FILE`); a non-2xx status prints NetSuite's decoded error on stderr and
//! exits 3 for refused credentials, 1 otherwise.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::cli::RequestArgs;
use crate::commands::{App, write_stdout};
use crate::error::Failure;
use crate::http::{Reply, parse_header};
use crate::netsuite::client::Client;

pub fn run(app: &App, args: &RequestArgs) -> Result<ExitCode> {
    if args.data.as_deref() == Some("@-") && args.credentials.consumer_secret_stdin {
        return Err(Failure::usage(
            "-d @- and --consumer-secret-stdin both want stdin: pass the body from a file \
             (-d @FILE), or the consumer secret in NSTBA_CONSUMER_SECRET",
        )
        .into());
    }
    let mut headers = HeaderMap::new();
    for raw in &args.headers {
        let (name, value) = parse_header(raw)?;
        headers.append(name, value);
    }
    let body = match &args.data {
        None => None,
        Some(data) => Some(read_data(data)?),
    };
    if body.is_some() && !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let creds = app.credentials(&args.credentials)?;
    let url = app.endpoints.resolve(Some(&creds.account), &args.url)?;

    let client = Client::new()?;
    let reply = crate::http::block_on(client.send(
        &creds,
        &args.method,
        &url,
        headers,
        body.map(bytes::Bytes::from),
    ))??;

    let mut out = Vec::new();
    if args.include {
        out.extend(status_and_headers(&reply).into_bytes());
    }
    if reply.is_success() || args.include {
        match &args.output {
            Some(path) if reply.is_success() => std::fs::write(path, &reply.body)
                .with_context(|| format!("cannot write the response to {}", path.display()))?,
            _ => out.extend_from_slice(&reply.body),
        }
    }
    write_stdout(&out)?;
    if reply.is_success() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(reply.error().into_failure(&creds.sent()).into())
    }
}

/// `-d` text, `@FILE`, or `@-` for stdin.
fn read_data(data: &str) -> Result<Vec<u8>> {
    match data.strip_prefix('@') {
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read the request body from stdin")?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).map_err(|e| {
            Failure::usage(format!("cannot read the request body from '{path}': {e}")).into()
        }),
        None => Ok(data.as_bytes().to_vec()),
    }
}

fn status_and_headers(reply: &Reply) -> String {
    let mut s = format!(
        "{:?} {} {}\r\n",
        reply.version,
        reply.status.as_u16(),
        reply.status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &reply.headers {
        s.push_str(&format!(
            "{}: {}\r\n",
            name,
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    s.push_str("\r\n");
    s
}
