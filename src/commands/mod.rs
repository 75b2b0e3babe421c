//! The commands. `run` builds the shared [`App`] configuration from the parsed flags and
//! hands it to one command; each file here is one command group.

pub mod auth;
pub mod certs;
pub mod complete;
pub mod deploy;
pub mod fetch;
pub mod lasting;
pub mod list;
pub mod login;
pub mod m2m;
pub mod mcp;
pub mod migrate;
pub mod request;
pub mod rotate;
pub mod sign;
pub mod status;
pub mod suiteql;
pub mod token;
pub mod transfer;

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::account::Endpoints;
use crate::cli::{AuthCommand, Cli, Command, CredentialArgs, GlobalArgs};
use crate::credentials::{self, ConsumerOverride, Credentials, Origin, Resolution};
use crate::error::Failure;
use crate::project::Project;
use crate::secret::Secret;
use crate::store::StorePath;

/// What every command shares: where the store is, where NetSuite is, whether to prompt.
pub struct App {
    pub store: StorePath,
    pub endpoints: Endpoints,
    pub can_prompt: bool,
    /// `nstba.toml`, read once on first use.
    project: std::cell::OnceCell<Option<Project>>,
    /// The credentials the command resolved (auth ID, kind, the step that chose them), so
    /// that a refusal can name them (docs/design.md §5).
    used: std::cell::RefCell<Option<(Option<String>, crate::store::Kind, Origin)>>,
}

impl App {
    pub fn new(global: &GlobalArgs) -> Result<App> {
        let store = StorePath::resolve(global.store.as_deref())?;
        let endpoints = Endpoints::new(global.netsuite_url.as_deref())?;
        let can_prompt = crate::ui::can_prompt(global.no_input);
        Ok(App {
            store,
            endpoints,
            can_prompt,
            project: std::cell::OnceCell::new(),
            used: std::cell::RefCell::new(None),
        })
    }

    /// What a refused command says of the credentials it used: which, and what chose them.
    pub fn refused_note(&self) -> Option<String> {
        let (id, kind, origin) = self.used.borrow().clone()?;
        let Some(id) = &id else {
            return Some(format!(
                "the {kind} credentials in the environment (NSTBA_*) were refused"
            ));
        };
        let which = format!("the {kind} token '{}'", crate::ui::escape(id));
        let next = match origin {
            Origin::ProjectChoice => {
                "; pass --to to use another, or forget the pick with `nstba auth forget`"
            }
            Origin::ProjectFile => "; pass --to to use another, or change auth_id in nstba.toml",
            Origin::Default => "; pass --to to use another, or `nstba auth switch` to another",
            _ => "",
        };
        Some(format!("{which} (chosen by {origin}) was refused{next}"))
    }

    /// The project file in the current folder or above, if any (read once per run).
    pub fn project(&self) -> Result<Option<Project>> {
        if let Some(p) = self.project.get() {
            return Ok(p.clone());
        }
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        let found = Project::find(&cwd, crate::fsio::home_dir().as_deref())?;
        Ok(self.project.get_or_init(|| found).clone())
    }

    /// The folder a personal pick is remembered for: the project file's, else the current one.
    fn project_dir(&self, project: Option<&Project>) -> Result<std::path::PathBuf> {
        match project {
            Some(p) => Ok(p.dir().to_path_buf()),
            None => std::env::current_dir().context("cannot read the current folder"),
        }
    }

    /// design §5's resolution here (the project file, this user's picks, the environment),
    /// without the account guard, the login or the picker (unless `can_prompt`).
    pub fn resolve(&self, request: &credentials::Request, can_prompt: bool) -> Result<Resolution> {
        let project = self.project()?;
        let project_dir = self.project_dir(project.as_ref())?;
        let env = |name: &str| crate::config::env_var(name);
        let picks = || -> Result<credentials::UserPicks> {
            Ok(credentials::UserPicks {
                choice: crate::config::project_choice(&project_dir)?,
                default: crate::config::default_auth_id()?,
            })
        };
        let ctx = credentials::Context {
            store: &self.store,
            endpoints: &self.endpoints,
            project: project.as_ref(),
            picks: &picks,
            env: &env,
            can_prompt,
        };
        credentials::resolve(request, &ctx)
    }

    /// Resolves the credentials a signing command uses (docs/design.md §5) and checks them
    /// against the account guard. Nothing is remembered: only a deploy or fetch that succeeded
    /// remembers its token ([`App::remember`]).
    pub fn credentials(&self, args: &CredentialArgs) -> Result<Credentials> {
        let request = credentials::Request {
            to: args.to.clone(),
            auth_id: args.auth_id.clone(),
            consumer: consumer_override(args.consumer_key.clone(), args.consumer_secret_stdin)?,
        };
        let project = self.project()?;
        let creds = match self.resolve(&request, self.can_prompt)? {
            Resolution::Ready(c) => *c,
            Resolution::Create(id) => login::for_command(
                self,
                &id,
                args.yes,
                &request.consumer,
                project.as_ref(),
                args.account.as_deref(),
            )?,
            Resolution::Pick => login::pick(self, &request.consumer, project.as_ref(), &request)?,
        };
        *self.used.borrow_mut() = Some((
            creds.auth_id.clone(),
            creds.grant.kind(),
            creds.origin.clone(),
        ));
        credentials::check_account(&creds, args.account.as_deref(), project.as_ref())?;
        crate::ui::verbose(format!(
            "using {} for account {} (from {})",
            creds
                .auth_id
                .as_deref()
                .map(|id| format!("the {} token '{id}'", creds.grant.kind()))
                .unwrap_or_else(|| format!("the {} credentials", creds.grant.kind())),
            creds.account,
            creds.origin
        ));
        Ok(creds)
    }

    /// After a deploy or fetch succeeded: remembers a token picked with `--to` or the picker
    /// for this project folder (in the user's config folder, never in nstba.toml), as the gulp
    /// tools keep theirs with the project (docs/design.md §5, "What `--to` remembers").
    pub fn remember(&self, args: &CredentialArgs) -> Result<()> {
        let Some((auth_id, _, origin)) = self.used.borrow().clone() else {
            return Ok(());
        };
        let picked = args.to.is_some() || origin == Origin::Picker;
        let project = self.project()?;
        let project_dir = self.project_dir(project.as_ref())?;
        if picked
            && let Some(id) = auth_id.as_deref()
            && crate::config::project_choice(&project_dir)?.as_deref() != Some(id)
        {
            let file = crate::config::set_project_choice(&project_dir, id)?;
            crate::ui::info(format!(
                "Remembered '{id}' for {} (in {}): a bare deploy or fetch here uses it; `nstba \
                 auth forget` forgets it",
                project_dir.display(),
                file.display()
            ));
        }
        Ok(())
    }
}

/// The companion RESTlet's script and deployment IDs: flags, else `[restlet]` in nstba.toml,
/// else the IDs of the SDF project in restlet/.
pub fn restlet_for(args: &crate::cli::RestletArgs, project: Option<&Project>) -> (String, String) {
    use crate::netsuite::restlet::{DEFAULT_DEPLOY, DEFAULT_SCRIPT};
    let from_toml = |key: &str| project.and_then(|p| p.get("restlet", key));
    (
        args.script
            .clone()
            .or_else(|| from_toml("script"))
            .unwrap_or_else(|| DEFAULT_SCRIPT.into()),
        args.deployment
            .clone()
            .or_else(|| from_toml("deploy"))
            .unwrap_or_else(|| DEFAULT_DEPLOY.into()),
    )
}

/// The consumer pair the command line gives (`--consumer-key`, and with
/// `--consumer-secret-stdin` the secret read from stdin), beside the variables'.
pub fn consumer_override(key: Option<String>, secret_stdin: bool) -> Result<ConsumerOverride> {
    let secret = if secret_stdin {
        Some(read_stdin_line("the consumer secret")?)
    } else {
        None
    };
    Ok(ConsumerOverride::new(key, secret))
}

/// Reads one line from stdin (a secret piped in), without its line ending.
pub fn read_stdin_line(what: &str) -> Result<Secret> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .with_context(|| format!("cannot read {what} from stdin"))?;
    let value = line.trim_end_matches(['\r', '\n']).trim();
    if n == 0 || value.is_empty() {
        return Err(Failure::usage(format!(
            "expected {what} on a line of stdin, found nothing: pipe it in, or set the variable"
        ))
        .into());
    }
    Ok(Secret::new(value))
}

/// Writes data to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::IsTerminal as _;
    let mut out = std::io::stdout().lock();
    let bytes = crate::ui::for_console(bytes, cfg!(windows) && out.is_terminal());
    match out.write_all(&bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    crate::ui::set_level(cli.global.quiet, cli.global.verbose);
    if let Command::Completions { shell } = cli.command {
        write_stdout(&complete::registration(shell)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let app = App::new(&cli.global)?;
    let result = match cli.command {
        Command::Auth(cmd) => match cmd {
            AuthCommand::Login(args) => login::run(&app, &args),
            AuthCommand::Add(args) => auth::add(&app, &args),
            AuthCommand::List(args) => list::run(&app, &args),
            AuthCommand::Info(args) => auth::info(&app, &args),
            AuthCommand::Rename { old, new } => auth::rename(&app, &old, &new),
            AuthCommand::Remove { auth_id } => auth::remove(&app, &auth_id),
            AuthCommand::Logout(args) => token::logout(&app, &args),
            AuthCommand::Switch { auth_id } => auth::switch(&app, &auth_id),
            AuthCommand::Verify(args) => token::verify(&app, &args),
            AuthCommand::Status(args) => status::run(&app, &args),
            AuthCommand::Revoke(args) => token::revoke(&app, &args),
            AuthCommand::AddM2m(args) => m2m::add(&app, &args),
            AuthCommand::Keygen(args) => m2m::keygen(&args),
            AuthCommand::Migrate(args) => migrate::run(&app, &args),
            AuthCommand::Rotate(args) => rotate::run(&app, &args),
            AuthCommand::Certs(args) => certs::run(&app, &args),
            AuthCommand::Forget { folder } => auth::forget(&app, folder.as_deref()),
            AuthCommand::Token { auth_id } => token::print_access_token(&app, auth_id),
        },
        Command::Sign(args) => sign::run(&app, &args),
        Command::Request(args) => request::run(&app, &args),
        Command::Suiteql(args) => suiteql::run(&app, &args),
        Command::Deploy(args) => deploy::run(&app, &args),
        Command::Mcp(args) => mcp::run(&app, &args),
        Command::Fetch(args) => fetch::run(&app, &args),
        Command::Completions { .. } => unreachable!("handled above"),
    };
    // A refusal names the token and the step that chose it (docs/design.md §5).
    match result {
        Err(e) if crate::error::exit_code(&e) == crate::error::ExitKind::Rejected as u8 => {
            match app.refused_note() {
                Some(note) => Err(e.context(note)),
                None => Err(e),
            }
        }
        other => other,
    }
}
