//! The parser's own checks: every argument described, every example parsed.

use super::*;
use clap::CommandFactory as _;

/// Splits a shell line into words (quotes, no expansion); stops at a comment.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if !any => break,
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Every command's help has an Examples section, every argument a description, and every
/// example is an invocation this nstba accepts.
#[test]
fn every_command_has_examples_that_parse() {
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
            for example in examples {
                // The nstba part of a pipeline or a substitution.
                let part = example.rsplit('|').next().unwrap_or(example);
                let part = part.split(['>', '<']).next().unwrap_or(part);
                let Some(at) = part.find("nstba ") else {
                    continue;
                };
                let args = words(part[at..].trim_end_matches(')'));
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("{path}: example '{example}' does not parse: {e}");
                }
                *seen += 1;
            }
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
