//! The parser's own checks: every argument described, every command with examples.

use super::*;
use clap::CommandFactory as _;

/// Every command's help has an Examples section of 2 to 4 lines and every argument a
/// description; that every example parses, and that those that can run do, is
/// tests/help_examples.rs's.
#[test]
fn every_command_has_examples_and_every_argument_help() {
    fn visit(cmd: &clap::Command, path: &str, seen: &mut usize) {
        let path = format!("{path} {}", cmd.get_name()).trim().to_string();
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" {
                assert!(
                    arg.get_help().is_some(),
                    "{path}: argument {id} has no help"
                );
            }
        }
        if path != "nstba" && cmd.get_subcommands().next().is_none() {
            let help = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            let examples: Vec<&str> = help
                .split_once("Examples:\n")
                .unwrap_or_else(|| panic!("{path}: no Examples section"))
                .1
                .lines()
                .collect();
            assert!((2..=4).contains(&examples.len()), "{path}: {examples:?}");
            *seen += examples.len();
        }
        for sub in cmd.get_subcommands() {
            visit(sub, &path, seen);
        }
    }
    let mut seen = 0;
    visit(&Cli::command(), "", &mut seen);
    assert!(
        seen > 30 && seen < 1000,
        "{seen} examples; arguments without help above"
    );
}
