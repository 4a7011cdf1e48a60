//! The capability folders of `core/src` must not import each other in a circle: each one can
//! then be read, tested and changed with only the folders below it in mind. The crate root
//! (`lib.rs` and `context.rs`, which assembles every service into `Parley`) is the composition
//! root and is left out of the graph; `crate::Error`, `ErrorCode` and `Result` count as uses
//! of `kernel`. Redis is spoken only inside `realtime/`, in this crate and in the api and
//! worker crates.

#![allow(clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The crate root's re-exports and the folder each one comes from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[
    ("Error", "kernel"),
    ("ErrorCode", "kernel"),
    ("Result", "kernel"),
    ("Parley", "context"),
];

/// Files of the composition root: they may name every capability.
const ROOT_FILES: &[&str] = &["lib", "context"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read core/src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The capability a file belongs to: its top folder, or its own name at the top level.
fn capability(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_owned()
}

/// Source without `//` comments, so doc examples and prose do not count as imports.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every top-level name used through `crate::` in `text`, including each item of a
/// `crate::{a, b::c}` group.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `parley_crate::`, not ours
        }
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item_start) = (1usize, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        names.insert(ident_at(&group[i..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = capability(&file);
        if ROOT_FILES.contains(&from.as_str()) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("read a source file");
        let deps = graph.entry(from.clone()).or_default();
        for name in crate_uses(&code(&text)) {
            let to = ROOT_REEXPORTS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(name.as_str(), |(_, folder)| folder)
                .to_owned();
            if to != from && !ROOT_FILES.contains(&to.as_str()) {
                deps.insert(to);
            }
        }
    }
    graph
}

/// One import circle, as the path that closes it, if the graph has any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn capability_folders_do_not_import_each_other_in_a_circle() {
    let graph = graph();
    let picture: Vec<String> = graph
        .iter()
        .map(|(from, to)| {
            format!(
                "  {from} -> {}",
                Vec::from_iter(to.iter().cloned()).join(", ")
            )
        })
        .collect();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import circle between capability folders: {}\nthe whole graph:\n{}",
            cycle.join(" -> "),
            picture.join("\n")
        );
    }
}

#[test]
fn the_checker_sees_a_circle_and_group_imports() {
    let uses = crate_uses("use crate::{a::B, c, d::{e, f}};\nlet x = crate::g::h();");
    assert_eq!(uses, BTreeSet::from(["a", "c", "d", "g"].map(String::from)));
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(["a", "b", "c", "a"].map(String::from).to_vec())
    );
}

#[test]
fn only_realtime_speaks_to_redis() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for other in ["api/src", "worker/src"] {
        rust_files(&workspace.join(other), &mut files);
    }
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src()) || capability(f) != "realtime")
        .filter(|f| {
            let text = code(&fs::read_to_string(f).expect("read a source file"));
            text.contains("redis::") || text.contains("use redis")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "Redis used outside realtime/: {outside:?}"
    );
}
