//! The layering of `src/` (docs/design.md §15, the README's layout): which top-level module may
//! use which. Read from the source itself (every `crate::name` path, `use crate::{..}` groups
//! included), so a new import that breaks a layer fails here, in CI, before review.
//!
//! `cargo nextest run layers` prints the graph it found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first. A module may use modules of lower layers only; modules of one
/// layer do not use each other. `main` and `lib` sit on top and may use anything.
const LAYERS: &[&[&str]] = &[
    // The leaves: nothing of NetSuite, credentials or commands.
    &["error", "secret"],
    &["ui", "account"],
    &["fsio"],
    &["store", "config", "project"],
    &["browser", "http"],
    // The credential kinds over the transport, then the NetSuite client over both.
    &["auth"],
    &["netsuite"],
    &["credentials", "filecabinet"],
    // The library's front door and the parser, then the commands on top.
    &["api", "cli"],
    &["commands"],
];

fn top_modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            if e.file_type().unwrap().is_dir() {
                Some(name)
            } else {
                name.strip_suffix(".rs").map(str::to_string)
            }
        })
        .collect()
}

/// Every top-level module a piece of Rust names through `crate::`.
fn uses(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the names at the group's top level.
            let (mut depth, mut expecting, mut word) = (0, true, String::new());
            for c in group.chars() {
                if depth == 0 && expecting && (c.is_alphanumeric() || c == '_') {
                    word.push(c);
                    continue;
                }
                if !word.is_empty() {
                    found.insert(std::mem::take(&mut word));
                    expecting = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if c.is_whitespace() => {}
                    _ if depth == 0 => expecting = false,
                    _ => {}
                }
            }
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(word);
        }
    }
    found.retain(|m| modules.contains(m));
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_modules(&src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_str()
                .unwrap();
            let top = first.strip_suffix(".rs").unwrap_or(first).to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut used = uses(&text, &modules);
            // main.rs reaches the library as `nstba::`.
            if top == "main" {
                used.extend(uses(&text.replace("nstba::", "crate::"), &modules));
            }
            used.remove(&top);
            graph.entry(top).or_default().extend(used);
        }
    }
    graph
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Modules that reach themselves through others (the strongly connected parts of the graph).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let mut out: Vec<Vec<String>> = Vec::new();
    for m in graph.keys() {
        let from_m = reach(m);
        if !from_m.contains(m) || out.iter().any(|c| c.contains(m)) {
            continue;
        }
        let mut cycle: Vec<String> = from_m
            .iter()
            .filter(|other| reach(other).contains(m))
            .cloned()
            .collect();
        cycle.sort();
        out.push(cycle);
    }
    out
}

#[test]
fn the_modules_of_src_keep_their_layers() {
    let graph = graph();
    println!("src/ top-level modules and what they use:");
    for (m, used) in &graph {
        let used: Vec<&str> = used.iter().map(String::as_str).collect();
        println!("  {m} -> {}", used.join(", "));
    }
    let mut broken = Vec::new();
    for cycle in cycles(&graph) {
        broken.push(format!("an import cycle: {}", cycle.join(" <-> ")));
    }
    for (m, used) in &graph {
        if m == "main" || m == "lib" {
            continue;
        }
        let Some(own) = layer_of(m) else {
            broken.push(format!(
                "src/{m} is in no layer: add it to LAYERS in tests/layers.rs"
            ));
            continue;
        };
        for u in used {
            match layer_of(u) {
                Some(l) if l < own => {}
                _ => broken.push(format!(
                    "{m} (layer {own}) uses {u} (layer {}): a module uses only lower layers",
                    layer_of(u).map_or("none".into(), |l| l.to_string())
                )),
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_reader_sees_groups_and_paths() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let text = "use crate::a::X;\nuse crate::{b::{self, Y}, c};\nfn f() { crate::d::g(); }";
    let found: Vec<String> = uses(text, &modules).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "d"]);
    let nested = "use crate::{b::{c::Z, a}};";
    let found: Vec<String> = uses(nested, &modules).into_iter().collect();
    assert_eq!(found, ["b"]);
}
