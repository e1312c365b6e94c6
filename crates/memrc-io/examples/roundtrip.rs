//! Prints a model file as the loader re-serialises it: `cargo run -p memrc-io --example roundtrip FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: roundtrip FILE.toml");
        std::process::exit(2);
    };
    match memrc_io::load(&path) {
        Ok(m) => match m.file.to_toml_string() {
            Ok(t) => print!("{t}"),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
