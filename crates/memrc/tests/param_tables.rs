//! The documentation agrees with the schema it documents.
//!
//! - Every catalogue kind's doc comment holds a parameter table (`| param | unit | default | …`)
//!   whose name, unit and default of each parameter equal the kind's [`ParamInfo`] table. The
//!   table is the one in the doc comment of the type that implements the kind (found through the
//!   element's `Debug` name), read from the source files under `src/element/`.
//! - Every citation of the numerical notes (`docs/numerics` + `.md`) in the workspace's
//!   sources names a section of them that exists (`…#hh-rest`).
//!
//! [`ParamInfo`]: memrc::params::ParamInfo

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memrc::element::{Catalogue, KindInfo};

/// One row of a doc-comment parameter table: unit and default as written.
#[derive(Debug, Clone)]
struct Row {
    unit: String,
    default: String,
}

/// `.rs` files below `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Units and numbers as the doc tables write them, in the ASCII spelling of the schema.
fn normalise(cell: &str) -> String {
    cell.trim()
        .trim_matches('`')
        .replace('²', "^2")
        .replace('·', "*")
        .replace('−', "-")
}

/// The parameter tables of the doc comments of `source`, keyed by the name of the type (struct
/// or enum) the comment documents.
fn doc_tables(source: &str) -> BTreeMap<String, BTreeMap<String, Row>> {
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = source.lines().map(str::trim_start).collect();
    let mut k = 0;
    while k < lines.len() {
        if !lines[k].starts_with("///") {
            k += 1;
            continue;
        }
        // One doc comment: its lines, then the attributes, then the item.
        let mut table = BTreeMap::new();
        let mut in_table = false;
        while k < lines.len() && lines[k].starts_with("///") {
            let text = lines[k].trim_start_matches('/').trim();
            if let Some(row) = text.strip_prefix('|') {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                let first = cells[0];
                if first == "param" || first == "parameter" {
                    in_table = true;
                } else if in_table && !first.starts_with('-') && cells.len() >= 3 {
                    table.insert(
                        normalise(first),
                        Row {
                            unit: normalise(cells[1]),
                            default: normalise(cells[2]),
                        },
                    );
                }
            } else {
                in_table = false;
            }
            k += 1;
        }
        while k < lines.len() && lines[k].starts_with("#[") {
            k += 1;
        }
        if table.is_empty() || k == lines.len() {
            continue;
        }
        let item = lines[k]
            .strip_prefix("pub struct ")
            .or_else(|| lines[k].strip_prefix("pub enum "));
        if let Some(item) = item {
            let name: String = item
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name, table);
        }
    }
    out
}

#[test]
fn doc_comment_parameter_tables_match_the_catalogue_schema() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&manifest.join("src/element"), &mut files);
    let mut tables = BTreeMap::new();
    for f in &files {
        let source = std::fs::read_to_string(f).expect("readable source");
        for (ty, table) in doc_tables(&source) {
            assert!(
                tables.insert(ty.clone(), table).is_none(),
                "{ty}: two documented types of that name"
            );
        }
    }
    // The kinds of each documented type (the HP window variants share one type).
    let mut kinds: BTreeMap<String, Vec<&KindInfo>> = BTreeMap::new();
    for entry in Catalogue::all() {
        let el = (entry.build)(&[]).unwrap_or_else(|e| panic!("{}: {e}", entry.info.name));
        let ty: String = format!("{el:?}")
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        kinds.entry(ty).or_default().push(entry.info);
    }
    let mut checked = 0;
    for (ty, kinds) in &kinds {
        let names: Vec<&str> = kinds.iter().map(|k| k.name).collect();
        let table = tables
            .get(ty)
            .unwrap_or_else(|| panic!("{names:?}: the doc comment of {ty} has no parameter table"));
        for kind in kinds {
            for p in kind.params {
                let row = table.get(p.name).unwrap_or_else(|| {
                    panic!(
                        "{}: parameter '{}' missing from the doc table",
                        kind.name, p.name
                    )
                });
                assert_eq!(row.unit, p.unit, "{}: unit of '{}'", kind.name, p.name);
                let written = row.default.split_whitespace().next().unwrap_or("");
                let value: f64 = written.parse().unwrap_or_else(|e| {
                    panic!("{}: default '{written}' of '{}': {e}", kind.name, p.name)
                });
                assert_eq!(value, p.default, "{}: default of '{}'", kind.name, p.name);
                checked += 1;
            }
        }
        for row in table.keys() {
            assert!(
                kinds.iter().any(|k| k.params.iter().any(|p| p.name == row)),
                "{ty}: doc table row '{row}' is no parameter of {names:?}"
            );
        }
    }
    assert!(checked > 50, "only {checked} parameters checked");
}

/// GitHub's anchor of a Markdown heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn numerics_citations_name_existing_sections() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Spelled in two pieces so that this file does not cite the notes itself.
    let file = format!("{}.md", "numerics");
    let notes = std::fs::read_to_string(root.join("docs").join(&file)).expect("docs/numerics");
    let anchors: Vec<String> = notes
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(slug)
        .collect();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let mut cited = 0;
    for f in &files {
        let source = std::fs::read_to_string(f).expect("readable source");
        for (at, _) in source.match_indices(&file) {
            let rest = &source[at + file.len()..];
            let anchor: String = rest
                .strip_prefix('#')
                .unwrap_or_else(|| {
                    panic!("{}: a citation of {file} without a section", f.display())
                })
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(
                anchors.contains(&anchor),
                "{}: no section '#{anchor}' in docs/{file} (sections: {anchors:?})",
                f.display()
            );
            cited += 1;
        }
    }
    assert!(cited >= 10, "only {cited} citations found");
}
