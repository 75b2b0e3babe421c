//! Streams the rows of a SuiteQL query as NDJSON: `cargo run --example suiteql -- "SELECT ..."`.
//! The credentials come from the environment as in CI (`NSTBA_ACCOUNT` and the TBA or M2M
//! variables), else from the saved token named by `NSTBA_AUTH_ID`.

use nstba::NetSuite;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let query = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: suiteql QUERY"))?;
    let ns = match std::env::var("NSTBA_AUTH_ID") {
        Ok(id) if !id.is_empty() => NetSuite::saved(&id)?,
        _ => NetSuite::from_env()?,
    };
    let rows = ns
        .suiteql(&query, |row| println!("{}", serde_json::Value::Object(row)))
        .await?;
    eprintln!("{rows} rows from {}", ns.account());
    Ok(())
}
