//! `load_str` never panics: on arbitrary text and on mutations of a valid model file.

use proptest::prelude::*;

const VALID: &str = include_str!("../../../examples/two_neurons.toml");
const HOPFIELD: &str = include_str!("../../../examples/hopfield.toml");

fn mutate(base: &str, edits: &[(usize, u8, String)]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for (pos, op, text) in edits {
        if s.is_empty() {
            break;
        }
        let p = pos % s.len();
        match op % 4 {
            0 => {
                s.remove(p);
            }
            1 => {
                for (k, c) in text.chars().enumerate() {
                    s.insert(p + k, c);
                }
            }
            2 => {
                if let Some(c) = text.chars().next() {
                    s[p] = c;
                }
            }
            _ => {
                // Duplicate a line-sized chunk.
                let end = (p + 40).min(s.len());
                let chunk: Vec<char> = s[p..end].to_vec();
                for (k, c) in chunk.into_iter().enumerate() {
                    s.insert(end + k, c);
                }
            }
        }
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
        let _ = memrc_io::load_str(&s, "fuzz.toml");
    }

    #[test]
    fn tomlish_text_never_panics(s in "(\\[\\[?(model|node|element|simulation|stimulus|probe|hopfield|channel)\\]\\]?\n|[a-z_]{1,8} = (\"[-0-9.e ]{0,6}[munpkM]?[VAsSFm]?(/cm\\^2)?\"|[0-9.e-]{1,6}|\\[[0-9, \\[\\]]{0,12}\\]|\\{ [a-z]{1,4} = \"[0-9 a-z]{0,6}\" \\})\n){0,24}") {
        let _ = memrc_io::load_str(&s, "fuzz.toml");
    }

    #[test]
    fn mutations_of_a_valid_file_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), "[\\[\\]\"=,{}a-z0-9 .\n^/*()-]{1,6}"), 1..6),
        which in any::<bool>(),
    ) {
        let base = if which { VALID } else { HOPFIELD };
        let text = mutate(base, &edits);
        if let Err(e) = memrc_io::load_str(&text, "mutant.toml") {
            let m = e.to_string();
            prop_assert!(!m.contains('\n'), "{m}");
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
    }
}

/// Inputs are read up to a limit, never without one: a model file above it (or an endless
/// one, `/dev/zero`) is refused with one line naming the file and the limit; so are sample
/// and connection files.
#[test]
fn oversized_inputs_are_refused_before_they_are_read_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hh_step.toml");
    let size = std::fs::metadata(&model).expect("example").len();
    let small = memrc_io::LoadOptions::default().input_limit(size - 1);
    let e = memrc_io::load_with(&model, &small).expect_err("over the limit");
    assert!(e.to_string().contains("larger than the input limit"), "{e}");
    let exact = memrc_io::LoadOptions::default().input_limit(size);
    assert!(memrc_io::load_with(&model, &exact).is_ok());
    // An endless file stops at the limit.
    if std::path::Path::new("/dev/zero").exists() {
        let e =
            memrc_io::read_input(std::path::Path::new("/dev/zero"), 1 << 20).expect_err("endless");
        assert!(e.contains("larger than the input limit of 1.0 MiB"), "{e}");
    }
    // A sample file above the limit.
    let samples = tmp.path().join("s.csv");
    std::fs::write(&samples, "t,i\n0,0\n1,1\n").expect("writes");
    let e = memrc_io::samples::read_samples(&samples, 4).expect_err("over the limit");
    assert!(e.contains("larger than the input limit"), "{e}");
    assert!(memrc_io::samples::read_samples(&samples, 1 << 10).is_ok());
}
