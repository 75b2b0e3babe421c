//! Signs and sends one call to the companion RESTlet with a saved token, as a Rust program
//! would: `cargo run --example sign_request -- AUTH_ID [FOLDER]` lists a File Cabinet folder.
//! The token comes from `NSTBA_STORE` or `~/.nstba`; `NSTBA_NETSUITE_URL` points it elsewhere
//! (the emulator).

use nstba::NetSuite;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let auth_id = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: sign_request AUTH_ID [FOLDER]"))?;
    let folder = args.next().unwrap_or_else(|| "SuiteScripts".into());
    let ns = NetSuite::saved(&auth_id)?;
    let path = format!(
        "/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet\
         &deploy=customdeploy_nstba_filecabinet&action=list&path={folder}"
    );
    // Another tool could send the request itself with this header (never printed: it is
    // a credential).
    let header = ns.authorization("GET", &path).await?;
    eprintln!("signed for {} ({} characters)", ns.account(), header.len());
    let answer = ns.request("GET", &path, None).await?;
    if answer.status != 200 {
        anyhow::bail!(
            "the RESTlet answered {}: {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    for file in answer.json()?["files"].as_array().into_iter().flatten() {
        println!(
            "{}\t{}",
            file["path"].as_str().unwrap_or_default(),
            file["size"]
        );
    }
    Ok(())
}
