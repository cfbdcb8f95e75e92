//! The layout README's "Layout" section describes, held on every `crate::`, `slo::` and
//! `super::` path in `src/` (comments included, so that a doc link cannot point the wrong way
//! either): no loose files at the top of `src/`, `core/` imports nothing of the crate, `aws/`
//! only `core/`, and no circle between top-level modules.

use crate::support::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules it names, with a file that does.
type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `a/b/c.rs` → `[a, b, c]`; `a/b/mod.rs` → `[a, b]`; `lib.rs` → `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The first identifier of each path in `text` after `prefix` (`crate::`): `crate::a::b` and
/// `crate::{a, b::c}` give `a` and `b`.
fn roots_after(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        // `my_crate::` is not `crate::`.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        out.push(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

/// The top-level modules `text` (the file at `rel`, in module `top`) names.
fn named_modules(rel: &Path, text: &str, tops: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = roots_after(text, "crate::")
        .into_iter()
        .chain(roots_after(text, "slo::"))
        .collect();
    // `super::…`: resolved from the file's module; a chain that reaches the crate's root
    // names a top-level module (inside a file's `mod tests`, one `super` less is meant, so
    // only names that are top-level modules count).
    let module = module_path(rel);
    let mut search = text;
    while let Some(at) = search.find("super::") {
        let mut rest = &search[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        if ups >= module.len() {
            out.extend(roots_after(&format!("crate::{rest}"), "crate::"));
        }
        search = &search[at + "super::".len() * ups..];
    }
    out.retain(|m| tops.contains(m));
    out
}

fn graph() -> (Graph, Vec<PathBuf>) {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let tops: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(f.strip_prefix(&src).unwrap()).first().cloned())
        .collect();
    let mut graph = Graph::new();
    let mut loose = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = module_path(rel);
        if rel.components().count() == 1 {
            if !matches!(rel.to_str(), Some("lib.rs" | "main.rs")) {
                loose.push(rel.to_path_buf());
            }
            continue;
        }
        let top = module[0].clone();
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_modules(rel, &text, &tops) {
            if named != top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(named)
                    .or_insert_with(|| rel.to_path_buf());
            }
        }
    }
    (graph, loose)
}

/// A circle through `start`, if there is one: the modules on it, `start` first.
fn circle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &Graph, start: &str, at: &str, path: &mut Vec<String>) -> bool {
        for next in graph.get(at).into_iter().flat_map(|e| e.keys()) {
            if next == start {
                return true;
            }
            if !path.contains(next) {
                path.push(next.clone());
                if walk(graph, start, next, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, start, &mut path).then_some(path)
}

#[test]
fn src_has_feature_folders_a_pure_core_aws_on_core_only_and_no_circles() {
    let (graph, loose) = graph();
    assert!(
        loose.is_empty(),
        "loose files at the top of src/ (only lib.rs and main.rs belong there): {loose:?}"
    );
    let of = |m: &str| graph.get(m).cloned().unwrap_or_default();
    assert!(
        of("core").is_empty(),
        "core/ must import nothing of the crate: {:?}",
        of("core")
    );
    let aws: Vec<_> = of("aws").into_iter().filter(|(m, _)| m != "core").collect();
    assert!(aws.is_empty(), "aws/ may import only core/: {aws:?}");
    for start in graph.keys() {
        if let Some(circle) = circle_through(&graph, start) {
            let edges: Vec<String> = circle
                .iter()
                .zip(circle.iter().cycle().skip(1))
                .map(|(a, b)| format!("{a} → {b} ({})", graph[a][b].display()))
                .collect();
            panic!("top-level modules in a circle: {}", edges.join(", "));
        }
    }
}

/// The checker itself: it finds what it is meant to find.
#[test]
fn the_layout_checker_reads_paths_groups_supers_and_circles() {
    let tops: BTreeSet<String> = ["core", "aws", "report", "notify"].map(String::from).into();
    let named = |rel: &str, text: &str| named_modules(Path::new(rel), text, &tops);
    assert_eq!(
        named(
            "aws/x.rs",
            "use crate::{core::a, report::b};\n// see crate::notify"
        ),
        ["core", "notify", "report"].map(String::from).into()
    );
    assert_eq!(
        named("aws/mod.rs", "use super::report::X; use super::*;"),
        ["report"].map(String::from).into()
    );
    assert_eq!(
        named("aws/a/b.rs", "use super::super::x; use my_crate::report;"),
        BTreeSet::new()
    );
    let mut g = Graph::new();
    g.entry("a".into())
        .or_default()
        .insert("b".into(), "a/x.rs".into());
    g.entry("b".into())
        .or_default()
        .insert("c".into(), "b/x.rs".into());
    assert_eq!(circle_through(&g, "a"), None);
    g.entry("c".into())
        .or_default()
        .insert("a".into(), "c/x.rs".into());
    assert_eq!(
        circle_through(&g, "a"),
        Some(["a", "b", "c"].map(String::from).to_vec())
    );
}

/// Every port (a `pub trait` of `src/aws/`) has an in-memory implementation in
/// `aws/memory.rs` and is covered by the failure-injecting wrapper in `aws/failing.rs`.
#[test]
fn every_port_has_an_in_memory_version_and_a_failing_wrapper() {
    let dir = root().join("src/aws");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let (memory, failing) = (read("memory.rs"), read("failing.rs"));
    let mut ports = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("pub trait ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                ports.push(name);
            }
        }
    }
    ports.sort();
    assert!(ports.len() >= 11, "ports found: {ports:?}");
    for port in &ports {
        assert!(
            memory.contains(&format!(" {port} for ")),
            "{port} has no in-memory implementation in aws/memory.rs"
        );
        assert!(
            failing.contains(&format!(" {port} for Failing<T>")),
            "{port} is not covered by aws/failing.rs"
        );
    }
}
