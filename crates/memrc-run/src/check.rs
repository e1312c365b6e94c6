//! `memrc check` / `model.check()`: validation, rest and initial state, assumption checks,
//! sizes and the expected cost, without simulating.

use std::fmt::Write as _;

use memrc::Grid;
use memrc_io::{
    CircuitModel, DEFAULT_MEMORY_LIMIT, HopfieldModel, LoadedModel, ModelKind, NetworkModel,
    human_bytes,
};
use serde::Serialize;

use crate::error::{Result, RunError, brief};
use crate::settings::{Cost, Overrides, apply_overrides, whole_steps};
use crate::{Kind, circuit};

/// One assumption of the gradient form checked at the initial state (a conductance ≥ 0, a
/// node's total conductance > 0, `W` positive definite, …).
#[derive(Debug, Clone, Serialize)]
pub struct Assumption {
    /// What is checked (`na: g ≥ 0`).
    pub what: String,
    /// The value checked (NaN fails).
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Whether it holds.
    pub ok: bool,
}

/// The report of a check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Model name.
    pub name: String,
    /// Where it came from.
    pub origin: String,
    /// Its kind.
    pub kind: Kind,
    /// The assumption checks (circuits and Hopfield networks).
    pub assumptions: Vec<Assumption>,
    /// Whether every assumption holds.
    pub all_ok: bool,
    /// The expected cost of a run.
    pub cost: Cost,
    /// The memory limit \[bytes\].
    pub memory_limit: u64,
    /// The whole report as `memrc check` prints it.
    pub text: String,
}

/// Checks a loaded model with the overrides applied (nothing is simulated).
pub fn check(mut model: LoadedModel, ov: &Overrides) -> Result<CheckReport> {
    let cost = apply_overrides(&mut model, ov)?;
    let mut out = format!("{} ({}): valid\n", model.name, model.origin);
    if !model.description.is_empty() {
        let _ = writeln!(out, "  {}", model.description);
    }
    let mut assumptions = Vec::new();
    let kind = match &model.kind {
        ModelKind::Circuit(c) => {
            check_circuit(&mut out, &mut assumptions, &model, c)?;
            Kind::Circuit
        }
        ModelKind::Network(n) => {
            check_network(&mut out, n);
            Kind::Network
        }
        ModelKind::Hopfield(h) => {
            check_hopfield(&mut out, &mut assumptions, h)?;
            Kind::Hopfield
        }
    };
    let _ = writeln!(
        out,
        "\nexpected cost: {} steps; recorded traces {}, solver {}; total {} (limit {})",
        cost.steps,
        human_bytes(cost.trace_bytes),
        human_bytes(cost.solver_bytes),
        human_bytes(cost.total()),
        human_bytes(DEFAULT_MEMORY_LIMIT as f64)
    );
    Ok(CheckReport {
        name: model.name.clone(),
        origin: model.origin.clone(),
        kind,
        all_ok: assumptions.iter().all(|a| a.ok),
        assumptions,
        cost,
        memory_limit: DEFAULT_MEMORY_LIMIT,
        text: out,
    })
}

fn ok(b: bool) -> &'static str {
    if b { "ok" } else { "NO" }
}

/// The smallest of `xs`, NaN if any is NaN (`f64::min` drops NaN, so that a NaN would pass
/// an assumption check built on it), `+inf` if there are none.
fn min_or_nan(xs: impl IntoIterator<Item = f64>) -> f64 {
    xs.into_iter().fold(f64::INFINITY, |m, x| {
        if x.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.min(x)
        }
    })
}

/// The largest of `xs` and 0, NaN if any is NaN (see [`min_or_nan`]).
fn max_or_nan(xs: impl IntoIterator<Item = f64>) -> f64 {
    xs.into_iter().fold(0.0, |m: f64, x| {
        if x.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.max(x)
        }
    })
}

fn check_hopfield(out: &mut String, list: &mut Vec<Assumption>, h: &HopfieldModel) -> Result<()> {
    let net = &h.network;
    let n = net.n_units();
    let steps = whole_steps(h.t_end, h.dt, "dt")?;
    let grid =
        Grid::span(0.0, h.t_end, steps).map_err(|e| RunError::simulation("the time grid", e))?;
    let _ = writeln!(
        out,
        "\nHopfield network: {n} units, RK4 on 0..{} s, dt {} s",
        brief(h.t_end),
        brief(h.dt)
    );
    let _ = writeln!(out, "  initial V: {:?} V", h.initial);
    let _ = writeln!(out, "\nassumption checks:");
    let min_c = min_or_nan(net.capacitances().iter().copied());
    let caps_ok = net.capacitances().iter().all(|c| *c > 0.0);
    let _ = writeln!(out, "  capacitances positive: {}", ok(caps_ok));
    list.push(Assumption {
        what: "smallest capacitance > 0".into(),
        value: min_c,
        unit: "F".into(),
        ok: caps_ok,
    });
    let eig = net.min_weight_eigenvalue();
    let pd = net.weights_positive_definite();
    let _ = writeln!(
        out,
        "  W symmetric (symmetrised on load): ok; smallest eigenvalue {eig:.4e} S: W positive definite: {}",
        ok(pd)
    );
    list.push(Assumption {
        what: "W positive definite (smallest eigenvalue)".into(),
        value: eig,
        unit: "S".into(),
        ok: pd,
    });
    let _ = writeln!(out, "\nsize: {n} unknowns per time, {} samples", grid.len());
    Ok(())
}

fn check_circuit(
    out: &mut String,
    list: &mut Vec<Assumption>,
    model: &LoadedModel,
    c: &CircuitModel,
) -> Result<()> {
    let circuit = &c.circuit;
    let n = circuit.n_nodes();
    let ns = circuit.n_states();
    let g_unit = if circuit::per_area(model) {
        "S/m^2"
    } else {
        "S"
    };
    let sim = &c.simulation;
    let _ = writeln!(
        out,
        "  solver {}, t = {}..{} s, dt {} s, {} probe(s)",
        sim.solver.name(),
        brief(sim.t_start),
        brief(sim.t_end),
        brief(sim.dt),
        c.probes.len()
    );
    for line in c.drive_report(g_unit != "S") {
        let _ = writeln!(out, "  {line}");
    }
    let names = circuit.state_names();
    let rest = circuit.rest_state();
    let _ = writeln!(out, "\nrest state:");
    match &rest {
        Ok((v, x)) => {
            for (node, vj) in circuit.nodes().iter().zip(v) {
                let _ = writeln!(out, "  v_{} = {:.6} mV", node.name, vj * 1e3);
            }
            for (name, xj) in names.iter().zip(x) {
                let _ = writeln!(out, "  {name} = {xj:.6e}");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  none: {e}");
        }
    }
    let (v0, x0) = c
        .initial_state()
        .map_err(|e| RunError::simulation("computing the initial state", e))?;
    let differs = rest.as_ref().map_or(true, |(v, x)| v != &v0 || x != &x0);
    if differs {
        let _ = writeln!(out, "initial state (differs from rest):");
        for (node, vj) in circuit.nodes().iter().zip(&v0) {
            let _ = writeln!(out, "  v_{} = {:.6} mV", node.name, vj * 1e3);
        }
        let rest_x = rest.as_ref().ok().map(|(_, x)| x);
        for (k, (name, xj)) in names.iter().zip(&x0).enumerate() {
            if rest_x.and_then(|x| x.get(k)) != Some(xj) {
                let _ = writeln!(out, "  {name} = {xj:.6e}");
            }
        }
    }
    let _ = writeln!(out, "\nassumption checks (at the initial state):");
    for (b, br) in circuit.branches().iter().enumerate() {
        let p = br.ports.len();
        let mut w = vec![0.0; p];
        let mut g = vec![0.0; p * p];
        circuit.port_voltages(b, &v0, &mut w);
        let off = circuit.state_offset(b);
        let nsb = br.element.n_states();
        br.element.conductance(&x0[off..off + nsb], &w, &mut g);
        // NaN propagates, so a NaN conductance fails the check; so does a non-finite
        // off-diagonal entry of a multi-port's G.
        let min_diag = if g.iter().all(|x| x.is_finite()) {
            min_or_nan((0..p).map(|q| g[q * p + q]))
        } else {
            f64::NAN
        };
        let positive = min_diag >= 0.0;
        if p == 1 {
            let _ = writeln!(
                out,
                "  {}: g = {:.6e} {g_unit} ≥ 0: {}",
                br.name,
                g[0],
                ok(positive)
            );
            list.push(Assumption {
                what: format!("{}: g ≥ 0", br.name),
                value: g[0],
                unit: g_unit.into(),
                ok: positive,
            });
        } else {
            let scale = max_or_nan(g.iter().map(|x| x.abs())).max(f64::MIN_POSITIVE);
            let asym = max_or_nan(
                (0..p)
                    .flat_map(|q| (0..p).map(move |r| (q, r)))
                    .map(|(q, r)| (g[q * p + r] - g[r * p + q]).abs()),
            );
            let _ = writeln!(
                out,
                "  {} ({p}-port): min diagonal G = {:.6e} {g_unit} ≥ 0: {}; symmetry max|G - G^T| = {:.3e} (relative {:.1e}): {}",
                br.name,
                min_diag,
                ok(positive),
                asym,
                asym / scale,
                if asym <= 1e-12 * scale {
                    "symmetric"
                } else {
                    "not symmetric (a directed coupling: the gradient form holds per port)"
                }
            );
            list.push(Assumption {
                what: format!("{}: min diagonal G ≥ 0", br.name),
                value: min_diag,
                unit: g_unit.into(),
                ok: positive,
            });
        }
    }
    let mut a = vec![0.0; n * n];
    let mut j = vec![0.0; n];
    circuit.stamp_all(&x0, &v0, &mut a, &mut j);
    for (k, node) in circuit.nodes().iter().enumerate() {
        let total = a[k * n + k];
        let _ = writeln!(
            out,
            "  node {}: total conductance {:.6e} {g_unit} > 0: {}",
            node.name,
            total,
            ok(total > 0.0)
        );
        list.push(Assumption {
            what: format!("node {}: total conductance > 0", node.name),
            value: total,
            unit: g_unit.into(),
            ok: total > 0.0,
        });
    }
    let _ = writeln!(out, "  all positive: {}", ok(list.iter().all(|a| a.ok)));
    let _ = writeln!(
        out,
        "\nsize: {n} node(s), {ns} state(s), {} unknowns per time, {} samples",
        n + ns,
        sim.steps + 1
    );
    Ok(())
}

/// The network part of the report: sizes and the memory estimate.
fn check_network(out: &mut String, n: &NetworkModel) {
    let solver = match n.builder.current_scheme() {
        memrc::net::Scheme::Dopri5 { rtol } | memrc::net::Scheme::Rk23 { rtol } => {
            format!(
                "{} (rtol {})",
                n.builder.current_scheme().key(),
                brief(rtol)
            )
        }
        s => s.key().to_string(),
    };
    let _ = writeln!(
        out,
        "  network: dt {} s, t_end {} s ({} steps), solver {solver}, seed {}, {} thread(s)",
        brief(n.dt),
        brief(n.t_end),
        n.steps,
        n.seed,
        n.threads
    );
    let _ = writeln!(out, "\npopulations:");
    let mut offset = 0;
    for (name, size) in &n.populations {
        let _ = writeln!(
            out,
            "  {name}: {size} neurons (global ids {offset}..{})",
            offset + size - 1
        );
        offset += size;
    }
    let e = &n.estimate;
    let _ = writeln!(
        out,
        "\nsize: {} neurons, up to {} synapses (mean + 6 sd for random rules)",
        e.neurons, e.synapses
    );
    let _ = writeln!(
        out,
        "memory estimate: {} total = neuron state {} + synapses {} + building {}; recordings {}",
        human_bytes((e.total_bytes + n.recording_bytes) as f64),
        human_bytes(e.neuron_bytes as f64),
        human_bytes(e.synapse_bytes as f64),
        human_bytes(e.build_bytes as f64),
        human_bytes(n.recording_bytes as f64),
    );
    let _ = writeln!(
        out,
        "  neuron state: 2 × 8 B × (model variables + 3 + receptors × (1 + delay slots), + 1 for dopri5/rk23) per neuron (state, last spike, two scratch arrays, conductances and delay rings, step size; counted twice for the per-thread copy)"
    );
    let _ = writeln!(
        out,
        "  synapses: 4 B per synapse (u32 target) + 4 B if weights vary + 2 B if delays vary, plus 8 B per presynaptic neuron (row offsets)"
    );
    let _ = writeln!(
        out,
        "  building: 8 B per synapse of the largest fixed-in-degree or list projection (temporary)"
    );
}

#[cfg(test)]
mod tests {
    use super::{max_or_nan, min_or_nan};

    /// Issue #14 §3: the extremes that assumption checks compare are NaN when any value is,
    /// so `min >= 0`, `max <= tol` and `> 0` all fail on NaN (f64::min and f64::max drop it).
    #[test]
    fn extremes_of_checks_propagate_nan() {
        assert_eq!(min_or_nan([3.0, 1.0, 2.0]), 1.0);
        assert_eq!(max_or_nan([-3.0, 1.0, 2.0]), 2.0);
        assert_eq!(max_or_nan([-3.0]), 0.0);
        for xs in [
            [f64::NAN, 1.0, 2.0],
            [1.0, f64::NAN, 2.0],
            [1.0, 2.0, f64::NAN],
        ] {
            let (lo, hi) = (min_or_nan(xs), max_or_nan(xs));
            assert!(lo.is_nan() && hi.is_nan(), "{xs:?}");
            let passes = [lo >= 0.0, lo > 0.0, hi <= 1e-12];
            assert_eq!(passes, [false; 3], "{xs:?}");
        }
    }
}
