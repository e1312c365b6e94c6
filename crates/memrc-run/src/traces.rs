//! The recorded data of a run: trace columns on a time axis (circuits, Hopfield networks),
//! recordings of network populations as neurons × time arrays, and spikes.

/// Recorded columns on their rows (circuit probes, Hopfield units).
#[derive(Debug, Clone, Default)]
pub struct Traces {
    /// Row times \[s\].
    pub t: Vec<f64>,
    /// Columns, aligned with `t`.
    pub columns: Vec<Column>,
}

/// One recorded column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Name with its unit (`v_soma_V`, `na.m`, `mem.phi_Wb`): the `traces.csv` header.
    pub name: String,
    /// SI unit (`1` for dimensionless).
    pub unit: String,
    /// Panel of the column in plots (`voltage`, `state [1]`, …).
    pub group: String,
    /// Values, aligned with [`Traces::t`] (NaN where the probe does not sample the row).
    pub values: Vec<f64>,
}

/// One recorded variable of a network population: a neurons × samples array.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Population.
    pub population: String,
    /// Variable (`v`, `m`, a receptor conductance `ge`).
    pub variable: String,
    /// SI unit (`1` for dimensionless).
    pub unit: String,
    /// Population-local neuron indices (the rows).
    pub neurons: Vec<usize>,
    /// Sample times \[s\] (the columns).
    pub times: Vec<f64>,
    /// `values[j * times.len() + k]`: neuron `neurons[j]` at `times[k]` (row-major, neurons × time).
    pub values: Vec<f64>,
}

impl Recorded {
    /// Row `j` (neuron `neurons[j]`) over time.
    pub fn row(&self, j: usize) -> &[f64] {
        let m = self.times.len();
        &self.values[j * m..(j + 1) * m]
    }

    /// The column name of neuron row `j` in `traces.csv`: `POP.VAR[i]_UNIT` (`exc.v[0]_V`).
    pub fn column_name(&self, j: usize) -> String {
        let i = self.neurons.get(j).copied().unwrap_or(j);
        format!(
            "{}.{}[{i}]{}",
            self.population,
            self.variable,
            unit_suffix(&self.unit)
        )
    }

    /// The array's key in `traces.npz`: `POP_VAR_UNIT` (`exc_v_V`, `exc_m`), a Python identifier.
    pub fn key(&self) -> String {
        identifier(&format!(
            "{}_{}{}",
            self.population,
            self.variable,
            unit_suffix(&self.unit)
        ))
    }
}

/// Spikes of a run in memory, sorted by time, then id (a run's are in a
/// [`crate::SpikeStore`]).
#[derive(Debug, Clone, Default)]
pub struct Spikes {
    /// Times \[s\].
    pub times: Vec<f64>,
    /// Global ids (populations numbered in file order; in a circuit, the node index).
    pub ids: Vec<u32>,
    /// The populations the ids belong to, in order (a circuit: one per membrane node).
    pub populations: Vec<Population>,
}

/// A population's name and its range of global ids.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Population {
    /// Name.
    pub name: String,
    /// First global id.
    pub offset: usize,
    /// Number of neurons.
    pub size: usize,
}

impl Spikes {
    /// Index into [`Spikes::populations`] of each spike (`u16::MAX` for an id outside them).
    pub fn population_index(&self) -> Vec<u16> {
        population_index(&self.populations, &self.ids)
    }
}

/// Index into `populations` of each id (`u16::MAX` for an id outside them).
pub fn population_index(populations: &[Population], ids: &[u32]) -> Vec<u16> {
    ids.iter()
        .map(|&id| {
            let id = id as usize;
            populations
                .iter()
                .position(|p| id >= p.offset && id < p.offset + p.size)
                .map_or(u16::MAX, |k| k.min(u16::MAX as usize) as u16)
        })
        .collect()
}

/// A unit as a column-name suffix: `A/m^2` → `_A_per_m2`; nothing for dimensionless.
pub fn unit_suffix(unit: &str) -> String {
    if unit == "1" || unit.is_empty() {
        String::new()
    } else {
        format!("_{}", unit_tag(unit))
    }
}

/// A unit as a name part: `A/m^2` → `A_per_m2`.
pub fn unit_tag(unit: &str) -> String {
    unit.replace('/', "_per_")
        .replace(['^', '*', '(', ')', ' '], "")
}

/// `name` as a Python identifier: every character that is not a letter, digit or `_` becomes `_`
/// (`na.m` → `na_m`, `exc.v[0]_V` → `exc_v_0__V`), with a leading `_` before a digit.
pub fn identifier(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(unit_tag("A/m^2"), "A_per_m2");
        assert_eq!(identifier("na.m"), "na_m");
        assert_eq!(identifier("mem.phi_Wb"), "mem_phi_Wb");
        assert_eq!(identifier("2x"), "_2x");
        let r = Recorded {
            population: "exc".into(),
            variable: "v".into(),
            unit: "V".into(),
            neurons: vec![3, 5],
            times: vec![0.0, 1.0],
            values: vec![1.0, 2.0, 3.0, 4.0],
        };
        assert_eq!(r.key(), "exc_v_V");
        assert_eq!(r.column_name(1), "exc.v[5]_V");
        assert_eq!(r.row(1), &[3.0, 4.0]);
    }
}
