//! `summary.json`: the element, its parameters and drive, and every measured property.
//!
//! Top-level keys (energies and conductances carry the element's units in the key, like the
//! CSV columns: `dissipated_energy_J` and `min_conductance_S` for devices,
//! `dissipated_energy_J_per_m2` and `min_conductance_S_per_m2` for channel densities, which
//! also get `dissipated_energy_J` and `min_conductance_S` for a patch of
//! `membrane_area_m2 = 1` m²):
//!
//! | key | meaning |
//! |---|---|
//! | `element`, `summary`, `source`, `ports`, `states` | the kind |
//! | `parameters` | `[{name, value, unit, default}]` in table order (SI) |
//! | `batteries_V` | `E` per port; the analysis uses the port voltage `v − E` |
//! | `integration` | how the response was integrated: `method` (`memconductance` or `dopri5`), `step_control`, `sample_intervals`, `accepted_steps`, `rejected_steps`, `refined` (the step control needed more steps than samples: `--dt` was too coarse for the dynamics) |
//! | `drive` | waveform, `amplitude_V`, `frequency_Hz`, `offset_V`, `periods`, `dt_s` (as given), `samples`, `step_s` (as used), `duration_s`, `driven_port`, `hold_V` |
//! | `units` | unit of each quantity |
//! | `dissipated_energy_<E>` | `∫ (v − E)ᵀ i dt` of the memristive part |
//! | `min_conductance_<G>` | `ε = min_t λ_min(G)` (Assumption 2/3) |
//! | `passive`, `pinched` | eq. (12); pinched hysteresis (`null` for multi-ports) |
//! | `dissipation_identity_rel_error` | eq. (29a) |
//! | `cocontent_identity_rel_error` | eq. (31), max over the paths straight, quadratic, sine, staggered, bent |
//! | `gradient_identity_rel_error` | eq. (33d), max over the directions drive, bump, sine |
//! | `degenerate_metric_samples` | floored `1/g` samples per identity and in total |
//! | `positivity`, `passivity`, `pinch`, `dissipation`, `cocontent`, `gradient`, `fading_memory`, `hysteresis_sweep`, `per_port` | the full reports |

use memrc::Element;
use serde_json::{Value, json};

use super::Run;
use super::drive::Drive;

pub use crate::traces::unit_tag;

/// The `summary.json` document of a run on `drive` (`None`: on sampled voltages, whose `drive`
/// entry has `waveform: "samples"` and no amplitude, frequency, offset or periods).
pub fn summary(el: &dyn Element, drive: Option<&Drive>, hold: f64, run: &Run) -> Value {
    let info = el.info();
    let r = &run.reports;
    let energy_unit = if info.current_unit.ends_with("/m^2") {
        "J/m^2"
    } else {
        "J"
    };
    let params: Vec<Value> = el
        .param_values()
        .into_iter()
        .map(|(name, value)| {
            let p = info.params.iter().find(|p| p.name == name);
            json!({
                "name": name,
                "value": value,
                "unit": p.map(|p| p.unit),
                "default": p.map(|p| p.default),
            })
        })
        .collect();
    let (d_dis, d_co, d_grad) = r.degenerate();
    let mut doc = json!({
        "element": info.name,
        "summary": info.summary,
        "source": info.source,
        "ports": el.n_ports(),
        "states": el.state_names(),
        "parameters": params,
        "batteries_V": (0..el.n_ports()).map(|p| el.battery(p)).collect::<Vec<_>>(),
        "integration": run.integration,
        "drive": drive_doc(el, drive, hold, run),
        "units": {
            "time": "s",
            "voltage": "V",
            "current": info.current_unit,
            "conductance": info.conductance_unit,
            "energy": energy_unit,
            "loop_area": format!("V*{}", info.current_unit),
        },
        "passive": r.passivity.passive,
        "pinched": r.pinch.map(|p| p.pinched),
        "dissipation_identity_rel_error": r.dissipation.rel_error,
        "cocontent_identity_rel_error": r.cocontent_max(),
        "gradient_identity_rel_error": r.gradient_max(),
        "degenerate_metric_samples": {
            "dissipation": d_dis,
            "cocontent": d_co,
            "gradient": d_grad,
            "total": d_dis + d_co + d_grad,
            "note": "samples where the 1/g metric was floored (g below 1e-12 max|g|, or G only semi-definite); where non-zero the identities hold only on the non-degenerate part",
        },
        "positivity": r.positivity,
        "passivity": r.passivity,
        "pinch": r.pinch,
        "dissipation": r.dissipation,
        "cocontent": r.cocontent,
        "gradient": r.gradient,
        "fading_memory": r.fading_memory,
        "hysteresis_sweep": r.hysteresis_sweep,
        "per_port": r.ports,
    });
    if let Value::Object(map) = &mut doc {
        map.insert(
            format!("dissipated_energy_{}", unit_tag(energy_unit)),
            json!(r.passivity.dissipated_energy),
        );
        map.insert(
            format!("min_conductance_{}", unit_tag(info.conductance_unit)),
            json!(r.positivity.epsilon),
        );
        if energy_unit != "J" {
            // Channel densities: the absolute keys describe a 1 m² patch of membrane, so
            // every summary has the same `dissipated_energy_J` / `min_conductance_S` keys.
            map.insert(
                "dissipated_energy_J".into(),
                json!(r.passivity.dissipated_energy),
            );
            map.insert("min_conductance_S".into(), json!(r.positivity.epsilon));
            map.insert("membrane_area_m2".into(), json!(1.0));
        }
    }
    doc
}

/// The `drive` entry of the summary.
fn drive_doc(el: &dyn Element, drive: Option<&Drive>, hold: f64, run: &Run) -> Value {
    let grid = run.v.grid();
    let mut doc = json!({
        "waveform": drive.map_or("samples", |d| d.waveform.name()),
    });
    if let (Some(d), Value::Object(map)) = (drive, &mut doc) {
        for (key, value) in [
            ("amplitude_V", d.amplitude),
            ("frequency_Hz", d.frequency),
            ("offset_V", d.offset),
            ("periods", d.periods),
            ("dt_s", d.dt),
        ] {
            map.insert(key.into(), json!(value));
        }
    }
    if let Value::Object(map) = &mut doc {
        for (key, value) in [
            ("step_s", json!(grid.dt())),
            ("samples", json!(grid.len())),
            ("duration_s", json!(grid.t_end() - grid.t0())),
            ("driven_port", json!(0)),
            (
                "hold_V",
                json!(if el.n_ports() > 1 { Some(hold) } else { None }),
            ),
            (
                "voltage",
                json!("terminal voltage v; the element's port voltage is v - E"),
            ),
        ] {
            map.insert(key.into(), value);
        }
    }
    doc
}
