//! The recorded columns of a model run (`traces.csv`, `traces.npz` and the probe plots), shared
//! by the circuit, Hopfield and network runs.

use std::fmt::Write as _;
use std::io::Cursor;

use anyhow::{Context, Result};

/// Recorded columns on their rows.
#[derive(Debug, Clone)]
pub struct Traces {
    /// Row times \[s\].
    pub t: Vec<f64>,
    /// Column names (with units).
    pub names: Vec<String>,
    /// SI unit of each column (`1` for dimensionless), for plots.
    pub units: Vec<String>,
    /// Panel of each column (plots group columns by it).
    pub groups: Vec<String>,
    /// Column values, aligned with `t` (NaN where not sampled).
    pub columns: Vec<Vec<f64>>,
}

impl Traces {
    /// `traces.csv`.
    pub fn csv(&self) -> String {
        let mut out = String::with_capacity(self.t.len() * (self.names.len() + 1) * 16);
        out.push_str("t_s");
        for n in &self.names {
            out.push(',');
            out.push_str(n);
        }
        out.push('\n');
        for (k, t) in self.t.iter().enumerate() {
            let _ = write!(out, "{t:e}");
            for c in &self.columns {
                out.push(',');
                if let Some(x) = c.get(k).filter(|x| !x.is_nan()) {
                    let _ = write!(out, "{x:e}");
                }
            }
            out.push('\n');
        }
        out
    }

    /// `traces.npz`.
    pub fn npz(&self) -> Result<Vec<u8>> {
        use ndarray::Array1;
        use ndarray_npy::NpzWriter;
        let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
        npz.add_array("t", &Array1::from_vec(self.t.clone()))
            .context("writing traces.npz")?;
        for (name, c) in self.names.iter().zip(&self.columns) {
            npz.add_array(name.as_str(), &Array1::from_vec(c.clone()))
                .context("writing traces.npz")?;
        }
        Ok(npz.finish().context("writing traces.npz")?.into_inner())
    }
}
