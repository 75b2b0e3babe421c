//! Puts a small folder into the File Cabinet through the companion RESTlet, with the library's
//! signed requests: `cargo run --example deploy_folder -- AUTH_ID SOURCE TARGET`. (`nstba
//! deploy` does this at scale: it skips unchanged files, spreads large folders over parallel
//! calls, and resends what governance leaves; this example sends one call.)

use base64::Engine as _;
use nstba::NetSuite;
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [auth_id, source, target] = args.as_slice() else {
        anyhow::bail!("usage: deploy_folder AUTH_ID SOURCE TARGET");
    };
    let ns = NetSuite::saved(auth_id)?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(source)? {
        let entry = entry?;
        // Regular files only: no links, no hidden files, no subfolders in this sketch.
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() || name.starts_with('.') {
            continue;
        }
        let bytes = std::fs::read(entry.path())?;
        let (encoding, content) = match String::from_utf8(bytes) {
            Ok(text) => ("utf8", text),
            Err(e) => (
                "base64",
                base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
            ),
        };
        files.push(
            json!({"path": format!("{target}/{name}"), "encoding": encoding, "content": content}),
        );
    }
    let path = "/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet\
                &deploy=customdeploy_nstba_filecabinet";
    let answer = ns
        .request(
            "POST",
            path,
            Some(&json!({"action": "put", "files": files})),
        )
        .await?;
    let body = answer.json()?;
    if answer.status != 200 {
        anyhow::bail!("the RESTlet answered {}: {body}", answer.status);
    }
    for result in body["results"].as_array().into_iter().flatten() {
        let state = match &result["error"] {
            Value::Null => "ok".to_string(),
            e => format!("refused: {e}"),
        };
        println!("{}\t{state}", result["path"].as_str().unwrap_or_default());
    }
    if body["remaining"].as_array().is_some_and(|r| !r.is_empty()) {
        eprintln!("the RESTlet ran out of governance: run again for the rest");
    }
    Ok(())
}
