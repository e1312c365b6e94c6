//! Sampled stimulus files: two columns `t, i`, as CSV (with a header line) or NPY
//! (`float64`/`float32`, shape `(n, 2)`, C or Fortran order).

use std::path::Path;

/// Reads `(times, values)` from a `.csv` or `.npy` file of at most `limit` bytes, in the
/// file's own units. Errors are one-line messages naming the file and, for CSV, the line.
pub fn read_samples(path: &Path, limit: u64) -> Result<(Vec<f64>, Vec<f64>), String> {
    let shown = path.display();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes =
        crate::load::read_input(path, limit).map_err(|e| format!("cannot read '{shown}': {e}"))?;
    match ext.as_deref() {
        Some("csv") | Some("txt") => {
            let text =
                String::from_utf8(bytes).map_err(|_| format!("'{shown}' is not UTF-8 text"))?;
            parse_csv(&text).map_err(|e| format!("{shown}:{e}"))
        }
        Some("npy") => parse_npy(&bytes).map_err(|e| format!("{shown}: {e}")),
        _ => Err(format!(
            "'{shown}': unknown sample file type (expected a .csv or .npy file)"
        )),
    }
}

/// Parses CSV text: optional header line, then lines `t, i`; `#` comments and blank lines
/// are skipped. Errors start with the 1-based line number (`"5: …"`).
pub fn parse_csv(text: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let header = |fields: &[&str], nums: &[Option<f64>]| {
        if nums.iter().all(Option::is_some) {
            Ok(false)
        } else if fields.len() == 2 {
            Ok(true)
        } else {
            Err(format!(
                "the header must name two columns (t, i), got {} field(s)",
                fields.len()
            ))
        }
    };
    let rows = two_columns(
        text,
        header,
        |x: f64| x.is_finite(),
        "two finite numbers 't, i'",
    )?;
    let (t, v): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
    if t.len() < 2 {
        return Err(format!("0: needs at least 2 samples, got {}", t.len()));
    }
    Ok((t, v))
}

/// The rows of a two-column CSV text: `#` comments and blank lines are skipped; the first
/// other line is a header, skipped, when `header(fields, values)` says so (or refused with its
/// message); every other line must be two comma-separated values of type `T` that pass `valid`,
/// else the error is `expected {row}, got '…'`. Errors start with the 1-based line number
/// (`"5: …"`).
pub(crate) fn two_columns<T: std::str::FromStr + Copy>(
    text: &str,
    header: impl Fn(&[&str], &[Option<T>]) -> Result<bool, String>,
    valid: impl Fn(T) -> bool,
    row: &str,
) -> Result<Vec<(T, T)>, String> {
    let mut out = Vec::new();
    let mut first = true;
    for (k, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let values: Vec<Option<T>> = fields.iter().map(|f| f.parse::<T>().ok()).collect();
        if std::mem::take(&mut first)
            && header(&fields, &values).map_err(|e| format!("{}: {e}", k + 1))?
        {
            continue;
        }
        match values.as_slice() {
            [Some(a), Some(b)] if valid(*a) && valid(*b) => out.push((*a, *b)),
            _ => return Err(format!("{}: expected {row}, got '{line}'", k + 1)),
        }
    }
    Ok(out)
}

/// Parses an NPY file of shape `(n, 2)`.
pub fn parse_npy(bytes: &[u8]) -> Result<(Vec<f64>, Vec<f64>), String> {
    let bad = |m: &str| Err(format!("not a valid .npy file: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return bad("missing the \\x93NUMPY magic");
    }
    let (hlen, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => {
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (usize::try_from(n).unwrap_or(usize::MAX), 12)
        }
        _ => return bad("unsupported version"),
    };
    let Some(header) = bytes.get(start..start.saturating_add(hlen)) else {
        return bad("truncated header");
    };
    let header = std::str::from_utf8(header).map_err(|_| "header is not text".to_string())?;
    let descr = dict_value(header, "descr").ok_or("header has no 'descr'")?;
    let fortran = dict_value(header, "fortran_order").ok_or("header has no 'fortran_order'")?;
    let shape = dict_value(header, "shape").ok_or("header has no 'shape'")?;
    let width = match descr.trim_matches(['\'', '"']) {
        "<f8" | "f8" | "float64" => 8,
        "<f4" | "f4" | "float32" => 4,
        d => return Err(format!("dtype {d} is not supported (use float64)")),
    };
    let fortran = match fortran {
        "True" => true,
        "False" => false,
        f => return Err(format!("fortran_order {f} is not True/False")),
    };
    let dims: Vec<usize> = shape
        .trim_matches(['(', ')'])
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("bad shape {shape}")))
        .collect::<Result<_, _>>()?;
    let [n, 2] = dims[..] else {
        return Err(format!("shape {shape} is not (n, 2)"));
    };
    let data = &bytes[start + hlen..];
    if Some(data.len()) != n.checked_mul(2 * width) {
        return Err(format!(
            "data has {} bytes, shape {shape} needs {}",
            data.len(),
            n.saturating_mul(2 * width)
        ));
    }
    let vals: Vec<f64> = if width == 8 {
        data.chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    } else {
        data.chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect()
    };
    let at = |r: usize, c: usize| {
        if fortran {
            vals[c * n + r]
        } else {
            vals[r * 2 + c]
        }
    };
    let t: Vec<f64> = (0..n).map(|r| at(r, 0)).collect();
    let v: Vec<f64> = (0..n).map(|r| at(r, 1)).collect();
    if let Some(k) = t.iter().chain(&v).position(|x| !x.is_finite()) {
        return Err(format!("non-finite value at row {}", k % n.max(1)));
    }
    if n < 2 {
        return Err(format!("needs at least 2 samples, got {n}"));
    }
    Ok((t, v))
}

/// The text of `'key': value` in a Python dict literal (value up to the next top-level comma).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let i = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[i + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0;
    for (j, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..j].trim()),
            _ => {}
        }
    }
    None
}

/// Writes `(t, i)` as an NPY `float64` array of shape `(n, 2)` (for tests and tools).
pub fn npy_bytes(t: &[f64], v: &[f64]) -> Vec<u8> {
    let n = t.len().min(v.len());
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({n}, 2), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for k in 0..n {
        out.extend_from_slice(&t[k].to_le_bytes());
        out.extend_from_slice(&v[k].to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_header_and_errors() {
        let (t, v) = parse_csv("t,i\n0, 1\n# c\n1, 2\n").expect("valid");
        assert_eq!((t, v), (vec![0.0, 1.0], vec![1.0, 2.0]));
        assert_eq!(
            parse_csv("t,i\n0,1\n1,x\n").unwrap_err(),
            "3: expected two finite numbers 't, i', got '1,x'"
        );
        assert!(parse_csv("t,i\n0,1\n").unwrap_err().contains("at least 2"));
    }

    #[test]
    fn npy_round_trip_and_garbage() {
        let b = npy_bytes(&[0.0, 1.0, 2.0], &[3.0, 4.0, 5.0]);
        assert_eq!(
            parse_npy(&b).expect("valid"),
            (vec![0.0, 1.0, 2.0], vec![3.0, 4.0, 5.0])
        );
        assert!(parse_npy(b"garbage").is_err());
        assert!(parse_npy(&b[..b.len() - 3]).unwrap_err().contains("bytes"));
    }
}
