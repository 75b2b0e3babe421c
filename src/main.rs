//! The `nstba` binary: set the allocator up, parse, run, print the error, exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    release_large_buffers();
    nstba::ui::install_ctrl_c_exit();
    // Shell completion asks nstba for candidates with COMPLETE set; answered and exited here.
    nstba::commands::complete::install();
    clap_complete::CompleteEnv::with_factory(nstba::cli::command).complete();
    let cli = nstba::cli::parse();
    match nstba::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", nstba::ui::for_terminal(&format!("{err:#}")));
            ExitCode::from(nstba::error::exit_code(&err))
        }
    }
}

/// glibc raises its mmap threshold each time a large buffer is freed, so that the next ones
/// come from its heaps, and then keeps freed heap memory: deploying 5 MB files held twice the
/// memory the files in flight needed. A fixed threshold of 1 MB keeps every file-sized buffer
/// in its own mapping, returned to the system when freed.
fn release_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
