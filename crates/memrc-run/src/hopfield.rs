//! Hopfield network models (paper eq. 50): RK4 from the model's initial voltages, the columns
//! `V1_V … Vn_V`, `Phi1_V …`, `L_W`, and the summary.

use memrc::hopfield::HopfieldRun;
use memrc_io::HopfieldModel;
use serde::Serialize;

use crate::error::{Result, RunError};
use crate::traces::{Column, Traces};

/// `summary.json` of a Hopfield run (with the common fields of [`crate::Summary`]).
#[derive(Debug, Clone, Serialize)]
pub struct HopfieldSummary {
    /// `rk4` and its steps.
    pub solver: serde_json::Value,
    /// `W`, `C`, `I`, activations, `V0`.
    pub network: serde_json::Value,
    /// The run: Lyapunov function, equilibrium, gradient-form residual ([`HopfieldRun`]'s
    /// scalar fields).
    pub run: serde_json::Value,
}

/// Simulates a Hopfield model; a unit voltage leaving its plausible range during the run is an
/// error naming the unit and the time ([`crate::sanity::check_hopfield`]).
pub fn simulate(h: &HopfieldModel) -> Result<HopfieldRun> {
    let run = h
        .network
        .simulate(&h.initial, h.t_end, h.dt)
        .map_err(|source| RunError::simulation("simulating the Hopfield network", source))?;
    crate::sanity::check_hopfield(&run)?;
    Ok(run)
}

/// The columns of a Hopfield run.
pub fn traces(run: &HopfieldRun) -> Traces {
    let n = run.units;
    let mut columns = Vec::with_capacity(2 * n + 1);
    let mut col = |name: String, unit: &str, group: &str, values| {
        columns.push(Column {
            name,
            unit: unit.into(),
            group: group.into(),
            values,
        })
    };
    for (prefix, group, traj) in [
        ("V", "voltage", &run.voltages),
        ("Phi", "output", &run.outputs),
    ] {
        for k in 0..n {
            col(
                format!("{prefix}{}_V", k + 1),
                "V",
                group,
                traj.component(k),
            );
        }
    }
    col("L_W".into(), "W", "L", run.lyapunov.component(0));
    Traces {
        t: run.voltages.grid().times(),
        columns,
    }
}

/// The summary and the report of a Hopfield run.
pub fn summary(name: &str, h: &HopfieldModel, run: &HopfieldRun) -> (HopfieldSummary, String) {
    let net = &h.network;
    let doc = HopfieldSummary {
        solver: serde_json::json!({ "name": "rk4", "statistics": { "steps": run.steps, "dt": run.dt } }),
        network: serde_json::json!({
            "W": net.weights(),
            "C": net.capacitances(),
            "I": net.input(),
            "activations": net.activations().iter().map(|a| a.name()).collect::<Vec<_>>(),
            "V0": h.initial,
        }),
        run: serde_json::to_value(run).unwrap_or_default(),
    };
    let report = format!(
        "{name}: RK4, {} steps of {} s to t = {} s: L from {:.6} to {:.6} ({}), {}\n",
        run.steps,
        crate::brief(run.dt),
        crate::brief(run.t_end),
        run.lyapunov_initial,
        run.lyapunov_final,
        if run.lyapunov_decreasing {
            "decreasing"
        } else {
            "NOT decreasing"
        },
        if run.equilibrium {
            "settled at an equilibrium"
        } else {
            "not yet at an equilibrium"
        }
    );
    (doc, report)
}
