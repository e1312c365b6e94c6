//! No module imports one that imports it back: the `use crate::…` and `super::…` paths of the
//! non-test code of each crate (memrc, memrc-io, memrc-run, memrc-cli) form an acyclic graph, at the level
//! of the crate's top modules and of sibling submodules (a module using its own parent's items
//! is not counted: `mod.rs` declares its children). Test code (`#[cfg(test)]` modules, `tests.rs`,
//! `*_tests.rs`) is left out, as are comments and doc links.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("source directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`net/coupling.rs` → `[net, coupling]`, `net/mod.rs` →
/// `[net]`, `lib.rs`/`main.rs` → `[]`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src)
        .expect("inside src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    parts
}

/// The code of a file without its test module and without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.split(" //").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Identifiers following `prefix::` in `code` (e.g. the `net` of `crate::net::NetError`).
fn paths_after<'a>(
    code: &'a str,
    prefix: &'a str,
) -> impl Iterator<Item = (String, Option<String>)> + 'a {
    code.match_indices(prefix).filter_map(move |(i, _)| {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let rest = &code[i + prefix.len()..];
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let first = ident(rest);
        if first.is_empty() {
            return None;
        }
        let after = &rest[first.len()..];
        let second = after
            .strip_prefix("::")
            .map(ident)
            .filter(|s| !s.is_empty());
        Some((first, second))
    })
}

/// The node of a module: its first two path segments.
fn node(path: &[String]) -> String {
    path.iter().take(2).cloned().collect::<Vec<_>>().join("/")
}

fn edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let is_module = |p: &[String]| modules.contains(p);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
        if name
            .as_deref()
            .is_some_and(|n| n == "tests.rs" || n.ends_with("_tests.rs"))
        {
            continue;
        }
        let me = module_of(src, f);
        if me.is_empty() {
            continue;
        }
        let text = code(&std::fs::read_to_string(f).expect("reads"));
        let mut targets: Vec<Vec<String>> = Vec::new();
        for (a, b) in paths_after(&text, "crate::") {
            let mut t = vec![a];
            if let Some(b) = b.filter(|b| is_module(&[t[0].clone(), b.clone()])) {
                t.push(b);
            }
            targets.push(t);
        }
        // `super::x` from a submodule file names a sibling module (or an item of the parent).
        let parent: Vec<String> = me[..me.len() - 1].to_vec();
        for (a, _) in paths_after(&text, "super::") {
            let mut t = parent.clone();
            t.push(a);
            if is_module(&t) {
                targets.push(t);
            }
        }
        for t in targets {
            if !is_module(&t[..1]) {
                continue;
            }
            let (from, to) = if t[0] != me[0] {
                (me[0].clone(), t[0].clone())
            } else if t.len() >= 2 && me.len() >= 2 && t[1] != me[1] {
                (node(&me), node(&t))
            } else {
                continue;
            };
            graph.entry(from).or_default().insert(to);
        }
    }
    graph
}

/// A cycle of the graph, if any, as the list of its nodes.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in ["memrc", "memrc-io", "memrc-run", "memrc-cli"] {
        let src = crates.join(krate).join("src");
        let graph = edges(&src);
        assert!(
            graph.values().map(BTreeSet::len).sum::<usize>() > 5,
            "{krate}: the scan found the imports"
        );
        if let Some(c) = cycle(&graph) {
            panic!("{krate}: module cycle {}", c.join(" -> "));
        }
    }
}

#[test]
fn a_cycle_is_found() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        g.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(cycle(&g).map(|c| c.join(" ")), Some("a b c a".to_string()));
    g.get_mut("c").map(|s| s.remove("a"));
    assert_eq!(cycle(&g), None);
}
