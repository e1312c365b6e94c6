//! Energy balance of a memRC circuit solution (eq. 56–58), with batteries.
//!
//! For node `j`, multiplying `C_j v̇_j = −Σ_q P_qj i_q + I_j` by `v_j` and summing gives the power
//! balance `d/dt Σ ½ C_j v_j² = −Σ_q u_q i_q + vᵀ I`, where `u_q = v_plus − v_minus` is the
//! terminal voltage of port `q`. Splitting `u_q = w_q + E_q` (memristive part plus battery):
//!
//! ```text
//!   u_q i_q = w_q i_q + E_q i_q = w_qᵀ G w_q (dissipation ≥ 0) + E_q i_q (power into the battery)
//! ```
//!
//! so over `[0, T]`
//!
//! ```text
//!   ΔS_C = − Σ_b D_b + Σ_b P_b + W_src,
//!   D_b   = ∫ w_bᵀ G_b w_b dt      (dissipation of branch b, = ⟨w, grad_{1/G} E_{1/G}(w)⟩_{1/G}·…)
//!   P_b   = −∫ E_bᵀ i_b dt         (energy delivered by branch b's batteries)
//!   W_src = ∫ vᵀ I dt = ⟨v, i⟩     (energy from the current sources)
//! ```
//!
//! **Voltage sources** (paper eq. 56 with the sources' terminals made explicit): a source
//! `V(t)` delivering the current `i_s` into its node does the work `W_s = ∫ V i_s dt`; behind a
//! resistance `R` (`i_s = (V − v_j)/R`) the resistor dissipates `D_R = ∫ R i_s² dt`, and the
//! node receives `∫ v_j i_s dt = W_s − D_R`. An ideal source's current is Kirchhoff's law at
//! its node, `i_s = C_j V̇ + Σ_q P_qj i_q − I_j` (the source also charges the node's
//! capacitance). The balance becomes `ΔS_C = − Σ_b D_b − Σ_s D_R,s + Σ_b P_b + W_src`, with
//! `W_src` the work of every source (current and voltage). Per step, the voltage-source terms use
//! the same quadrature as the rest (`h · V̄_k · ī_s` with the trapezoid averages
//! `V̄_k = ½(V(t_k) + V(t_{k+1}))`, as the discrete equations sample a source behind a
//! resistance at the grid nodes; at a driven node `ī_s` is the step average of Kirchhoff's
//! law), so the balance still holds to rounding for the trapezoid scheme.
//!
//! This is eq. (56) with batteries made explicit, and with two slips of the printed paper
//! corrected: the second line of (56) must read `⟨v, −grad_{1/g} E_{1/g}(v) + i⟩` (the paper
//! has the sign of the gradient term flipped), and the subscripts in (56)–(58) are all the `1/g`
//! metric (the paper mixes `g` and `1/g`). Eq. (58), `⟨v, Σ_b i_b − i⟩ = −ΔS_C = 0`, holds only
//! for *closed* trajectories that return to their initial state; [`EnergyBalance::closed`]
//! reports its left-hand side and whether the trajectory has returned.
//!
//! **Quadrature.** Per step, the product of the step averages of voltage and current:
//! `h · ½(u_k + u_{k+1}) · ½(i_k + i_{k+1})` for the branches and `h · ½(v_k + v_{k+1}) · I_k`
//! (with `I_k` the exact source average the solvers use) for the sources; `ΔS_C` exactly. For a
//! solution of the trapezoid scheme on its own grid the balance then holds to rounding (the
//! scheme conserves this discrete energy); for other schemes the residual is the scheme's
//! energy error, `O(h²)`.

use super::{max_nan, min_nan};
use crate::circuit::discrete::CircuitSolution;
use crate::circuit::{Circuit, NodeId, Terminal};
use crate::discretisation::LinearStep;
use crate::error::{Error, TrajectoryError};
use crate::math::{phi1, phi2};
use crate::trajectory::Grid;

/// Energy of one branch over the trajectory [J or J/m²].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BranchEnergy {
    /// Branch name.
    pub name: String,
    /// `D_b = ∫ wᵀ G w dt ≥ 0`.
    pub dissipation: f64,
    /// `P_b = −∫ Eᵀ i dt`: energy delivered by the branch's batteries.
    pub battery_energy: f64,
}

/// Work, charge and current of one voltage source over the trajectory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VoltageSourceEnergy {
    /// Source name.
    pub name: String,
    /// Whether the source is ideal (prescribes its node's voltage).
    pub ideal: bool,
    /// `W_s = ∫ V i_s dt`: energy delivered by the source [J or J/m²].
    pub energy: f64,
    /// `∫ i_s dt`: charge delivered into the node [C or C/m²].
    pub charge: f64,
    /// `D_R = ∫ R i_s² dt`: dissipated in the series resistance (0 for an ideal source).
    pub series_dissipation: f64,
    /// The delivered current `i_s` at the first and the last sample, and its extremes over the
    /// samples [A or A/m²] ([`Circuit::voltage_source_current`]).
    pub current_initial: f64,
    /// At the last sample.
    pub current_final: f64,
    /// Smallest over the samples.
    pub current_min: f64,
    /// Largest over the samples.
    pub current_max: f64,
}

/// The closed-trajectory identity (58).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClosedTrajectory {
    /// `⟨v, Σ_b i_b − i⟩` \[J\]: zero for a closed trajectory.
    pub lhs: f64,
    /// `max_j |v_j(T) − v_j(0)|` \[V\].
    pub return_gap: f64,
    /// `return_gap ≤ 1e-6 V`: the trajectory is back where it started, so (58) applies.
    pub returned: bool,
}

/// The energy balance of a solution.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnergyBalance {
    /// `ΔS_C = Σ ½ C_j (v_j(T)² − v_j(0)²)`.
    pub capacitive_change: f64,
    /// Per branch.
    pub branches: Vec<BranchEnergy>,
    /// Per voltage source.
    pub voltage_sources: Vec<VoltageSourceEnergy>,
    /// `Σ_b D_b + Σ_s D_R,s`: the branches and the voltage sources' series resistances.
    pub total_dissipation: f64,
    /// `Σ_b P_b`.
    pub total_battery_energy: f64,
    /// `W_src`: the work of every source, current sources (`∫ vᵀ I dt`) and voltage sources
    /// (`Σ_s W_s`).
    pub source_energy: f64,
    /// `∫ vᵀ I dt`: the current sources alone.
    pub current_source_energy: f64,
    /// `ΔS_C + Σ D_b − Σ P_b − W_src`.
    pub residual: f64,
    /// `|residual|` divided by the sum of the absolute step powers `∫ (Σ|u_q i_q| + |vᵀI|) dt`.
    pub rel_residual: f64,
    /// Eq. (58).
    pub closed: ClosedTrajectory,
    /// The quadrature used (see [`energy_balance`] and [`energy_balance_for`]).
    pub quadrature: &'static str,
}

/// `(nodes, states, grid)` of `circuit` and `sol`, checking that `sol` has one voltage per node.
fn solution_sizes(circuit: &Circuit, sol: &CircuitSolution) -> Result<(usize, usize, Grid), Error> {
    let n = circuit.n_nodes();
    if sol.v.dim() != n {
        return Err(TrajectoryError::Mismatch {
            what: "node voltages of the solution".into(),
            expected: n,
            got: sol.v.dim(),
        }
        .into());
    }
    Ok((n, circuit.n_states(), *sol.v.grid()))
}

/// Computes the energy balance of `sol` (a solution of `circuit`; see the module docs).
pub fn energy_balance(circuit: &Circuit, sol: &CircuitSolution) -> Result<EnergyBalance, Error> {
    let (n, ns, grid) = solution_sizes(circuit, sol)?;
    let (h, nodes) = (grid.dt(), grid.len());
    let mut branches = Vec::new();
    let mut abs_total = 0.0;
    let mut lhs58_branch = 0.0;
    for (b, br) in circuit.branches().iter().enumerate() {
        let el = br.element.as_ref();
        let p = br.ports.len();
        let nsb = el.n_states();
        let off = circuit.state_offset(b);
        let mut w = vec![0.0; nodes * p];
        let mut i = vec![0.0; nodes * p];
        let mut g = vec![0.0; p * p];
        for k in 0..nodes {
            let vk = sol.v.at(k);
            let wk = &mut w[k * p..(k + 1) * p];
            circuit.port_voltages(b, vk, wk);
            let xk = if ns > 0 {
                &sol.x.at(k)[off..off + nsb]
            } else {
                &[][..]
            };
            el.conductance(xk, wk, &mut g);
            for q in 0..p {
                i[k * p + q] = (0..p).map(|r| g[q * p + r] * wk[r]).sum();
            }
        }
        let (mut diss, mut batt) = (0.0, 0.0);
        for k in 0..nodes - 1 {
            for q in 0..p {
                let e = el.battery(q);
                let wbar = 0.5 * (w[k * p + q] + w[(k + 1) * p + q]);
                let ibar = 0.5 * (i[k * p + q] + i[(k + 1) * p + q]);
                diss += h * wbar * ibar;
                batt -= h * e * ibar;
                abs_total += h * ((wbar + e) * ibar).abs();
            }
        }
        // ⟨v, Σ_b i_b⟩ of eq. (58): node-wise, the net branch current leaving each node times v.
        let mut leave = vec![0.0; n];
        let mut leave_next = vec![0.0; n];
        for k in 0..nodes - 1 {
            leave.fill(0.0);
            leave_next.fill(0.0);
            circuit.scatter_currents(b, &i[k * p..(k + 1) * p], &mut leave);
            circuit.scatter_currents(b, &i[(k + 1) * p..(k + 2) * p], &mut leave_next);
            for j in 0..n {
                let vbar = 0.5 * (sol.v.at(k)[j] + sol.v.at(k + 1)[j]);
                lhs58_branch += h * vbar * 0.5 * (leave[j] + leave_next[j]);
            }
        }
        branches.push(BranchEnergy {
            name: br.name.clone(),
            dissipation: diss,
            battery_energy: batt,
        });
    }
    let mut src = vec![0.0; n];
    let mut source_energy = 0.0;
    for k in 0..nodes - 1 {
        circuit.source_average(grid.time(k), grid.time(k + 1), &mut src);
        for (j, s) in src.iter().enumerate() {
            let vbar = 0.5 * (sol.v.at(k)[j] + sol.v.at(k + 1)[j]);
            source_energy += h * vbar * s;
            abs_total += h * (vbar * s).abs();
        }
    }
    let mut vs = Vec::new();
    let mut node_work = 0.0;
    for (s, src) in circuit.voltage_sources().iter().enumerate() {
        let j = src.node.0;
        let (mut work, mut charge, mut diss) = (0.0, 0.0, 0.0);
        let mut leave = (vec![0.0; n], vec![0.0; n]);
        let mut inj = vec![0.0; n];
        for k in 0..nodes - 1 {
            let (ta, tb) = (grid.time(k), grid.time(k + 1));
            let (va, vb) = (sol.v.at(k)[j], sol.v.at(k + 1)[j]);
            let vbar = 0.5 * (va + vb);
            let (volt, ibar) = match src.conductance {
                Some(g) => {
                    let vavg = 0.5 * (src.voltage.value(ta) + src.voltage.value(tb));
                    let ibar = g * (vavg - vbar);
                    diss += h * ibar * ibar / g;
                    (vavg, ibar)
                }
                None => {
                    // Kirchhoff's law at the driven node, averaged over the step.
                    let xk = |k: usize| if ns > 0 { sol.x.at(k) } else { &[][..] };
                    circuit.branch_currents(sol.v.at(k), xk(k), &mut leave.0);
                    circuit.branch_currents(sol.v.at(k + 1), xk(k + 1), &mut leave.1);
                    circuit.source_average(ta, tb, &mut inj);
                    let mut ibar = circuit.nodes()[j].capacitance * (vb - va) / h
                        + 0.5 * (leave.0[j] + leave.1[j])
                        - inj[j];
                    for o in circuit.voltage_sources() {
                        if let (Some(g), true) = (o.conductance, o.node.0 == j) {
                            let vo = 0.5 * (o.voltage.value(ta) + o.voltage.value(tb));
                            ibar -= g * (vo - vbar);
                        }
                    }
                    (vbar, ibar)
                }
            };
            work += h * volt * ibar;
            charge += h * ibar;
            node_work += h * vbar * ibar;
            abs_total += h * (volt * ibar).abs();
        }
        vs.push(source_report(circuit, sol, s, work, charge, diss));
    }
    Ok(EnergyBalance::assemble(
        circuit,
        sol,
        branches,
        vs,
        source_energy,
        lhs58_branch - node_work,
        abs_total,
        "trapezoidal (step-average voltage × step-average current)",
    ))
}

/// The report of voltage source `s` of `circuit` over `sol` from its integrated work, charge
/// and series dissipation, with the delivered current at the samples.
fn source_report(
    circuit: &Circuit,
    sol: &CircuitSolution,
    s: usize,
    energy: f64,
    charge: f64,
    series_dissipation: f64,
) -> VoltageSourceEnergy {
    let grid = sol.v.grid();
    let ns = circuit.n_states();
    let current: Vec<f64> = (0..grid.len())
        .map(|k| {
            let x = if ns > 0 { sol.x.at(k) } else { &[][..] };
            circuit.voltage_source_current(s, grid.time(k), sol.v.at(k), x)
        })
        .collect();
    let src = &circuit.voltage_sources()[s];
    VoltageSourceEnergy {
        name: src.name.clone(),
        ideal: src.is_ideal(),
        energy,
        charge,
        series_dissipation,
        current_initial: current.first().copied().unwrap_or(0.0),
        current_final: current.last().copied().unwrap_or(0.0),
        current_min: current.iter().copied().fold(f64::INFINITY, min_nan),
        current_max: current.iter().copied().fold(f64::NEG_INFINITY, max_nan),
    }
}

impl EnergyBalance {
    /// The balance from the integrated terms: `ΔS_C` from the end points, totals, residual,
    /// and eq. (58) from `⟨v, Σ_b i_b⟩ − ⟨v, i_vs⟩` (`lhs_branches`, the voltage sources'
    /// node work already subtracted) and the current sources' work.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        circuit: &Circuit,
        sol: &CircuitSolution,
        branches: Vec<BranchEnergy>,
        voltage_sources: Vec<VoltageSourceEnergy>,
        current_source_energy: f64,
        lhs_branches: f64,
        abs_total: f64,
        quadrature: &'static str,
    ) -> Self {
        let (v0, vt) = (sol.v.at(0), sol.v.at(sol.v.len() - 1));
        let capacitive_change: f64 = circuit
            .nodes()
            .iter()
            .enumerate()
            .map(|(j, nd)| 0.5 * nd.capacitance * (vt[j] * vt[j] - v0[j] * v0[j]))
            .sum();
        let total_dissipation: f64 = branches.iter().map(|b| b.dissipation).sum::<f64>()
            + voltage_sources
                .iter()
                .map(|s| s.series_dissipation)
                .sum::<f64>();
        let total_battery_energy: f64 = branches.iter().map(|b| b.battery_energy).sum();
        let source_energy =
            current_source_energy + voltage_sources.iter().map(|s| s.energy).sum::<f64>();
        let residual = capacitive_change + total_dissipation - total_battery_energy - source_energy;
        let return_gap = v0
            .iter()
            .zip(vt)
            .fold(0.0_f64, |m, (a, b)| max_nan(m, (a - b).abs()));
        Self {
            capacitive_change,
            branches,
            voltage_sources,
            total_dissipation,
            total_battery_energy,
            source_energy,
            current_source_energy,
            residual,
            // NaN in the total stays NaN (a failed balance), not the absolute residual.
            rel_residual: if abs_total == 0.0 {
                residual.abs()
            } else {
                residual.abs() / abs_total
            },
            closed: ClosedTrajectory {
                lhs: lhs_branches - current_source_energy,
                return_gap,
                returned: return_gap <= 1e-6,
            },
            quadrature,
        }
    }
}

/// `Σ_{n=m}^{m+14} (2ⁿ − c) z^{n−m}/(n+1)!`: the series of [`psi`] (`m = 1`, `c = 1`) and
/// [`chi`] (`m = 2`, `c = 2`) near `z = 0`, 15 terms.
fn moment_series(z: f64, m: i32, c: f64) -> f64 {
    let mut sum = 0.0;
    let (mut zp, mut two) = (1.0, 2.0_f64.powi(m));
    let mut fact: f64 = (2..=m + 1).map(f64::from).product();
    for n in m..m + 15 {
        sum += (two - c) * zp / fact;
        zp *= z;
        fact *= f64::from(n + 2);
        two *= 2.0;
    }
    sum
}

/// `(φ₁(2z) − φ₁(z))/z` with `φ₁(z) = (e^z − 1)/z`: the cross moment of the exponential step
/// used by [`energy_balance_for`] (series near 0, where the difference cancels).
fn psi(z: f64) -> f64 {
    if z.abs() < 0.1 {
        // Σ_{n≥1} (2ⁿ − 1) z^{n−1}/(n+1)!
        moment_series(z, 1, 1.0)
    } else {
        (phi1(2.0 * z) - phi1(z)) / z
    }
}

/// `(1 − 2φ₁(z) + φ₁(2z))/z²` (series near 0).
fn chi(z: f64) -> f64 {
    if z.abs() < 0.1 {
        // Σ_{n≥2} (2ⁿ − 2) z^{n−2}/(n+1)!
        moment_series(z, 2, 2.0)
    } else {
        (1.0 - 2.0 * phi1(z) + phi1(2.0 * z)) / (z * z)
    }
}

/// The energy balance with the quadrature *consistent with the scheme* that produced `sol`.
///
/// For the exponential schemes [`LinearStep::ExponentialEuler`] and
/// [`LinearStep::Exponential2`], a step is the exact solution of the voltage equation with the
/// branch conductances frozen over the step (at the left node, or averaged over both nodes):
/// `C v̇ = −Σ_b ḡ_b (v − E_b) + I_k`, so `v(s) = v_k e^{−λs} + a s φ₁(−λs)`. The power of every
/// term is then integrated exactly along that curve (closed-form moments `∫v ds`, `∫v² ds`),
/// and the balance holds to rounding. This applies to circuits whose branches are one-ports
/// from a node to ground (neurons, uncoupled membranes); for other circuits and schemes it is
/// [`energy_balance`] (trapezoidal, exact for [`LinearStep::Trapezoid`]), as it is for a circuit
/// with an ideal voltage source (whose node does not follow an exponential curve). A source
/// behind a resistance is part of its node's frozen linear equation (conductance `1/R`, Norton
/// current `V̄_k/R` with `V̄_k = V(t_k)` for exponential Euler and `½(V(t_k) + V(t_{k+1}))`
/// for EXP2, as the schemes freeze the coefficients), and its work and series dissipation are
/// integrated along the same curve. [`EnergyBalance::quadrature`] says which was used.
pub fn energy_balance_for(
    circuit: &Circuit,
    sol: &CircuitSolution,
    scheme: LinearStep,
) -> Result<EnergyBalance, Error> {
    let grounded = circuit
        .branches()
        .iter()
        .all(|b| b.ports.len() == 1 && matches!(b.ports[0], (Terminal::Node(_), Terminal::Ground)));
    let exponential = matches!(
        scheme,
        LinearStep::ExponentialEuler | LinearStep::Exponential2
    );
    let driven = (0..circuit.n_nodes()).any(|j| circuit.is_driven(j));
    if !(grounded && exponential) || driven {
        return energy_balance(circuit, sol);
    }
    let (n, ns, grid) = solution_sizes(circuit, sol)?;
    let (h, nodes) = (grid.dt(), grid.len());
    let nb = circuit.branches().len();
    // Conductance of every branch at every node.
    let mut g = vec![0.0; nodes * nb];
    let mut w = [0.0];
    let mut gb = [0.0];
    for (b, br) in circuit.branches().iter().enumerate() {
        let off = circuit.state_offset(b);
        let nsb = br.element.n_states();
        for k in 0..nodes {
            circuit.port_voltages(b, sol.v.at(k), &mut w);
            let xk = if ns > 0 {
                &sol.x.at(k)[off..off + nsb]
            } else {
                &[][..]
            };
            br.element.conductance(xk, &w, &mut gb);
            g[k * nb + b] = gb[0];
        }
    }
    let node_of = |b: usize| match circuit.branches()[b].ports[0].0 {
        Terminal::Node(NodeId(j)) => j,
        Terminal::Ground => 0,
    };
    let mut diss = vec![0.0; nb];
    let mut batt = vec![0.0; nb];
    let mut src = vec![0.0; n];
    let (mut source_energy, mut lhs58, mut abs_total) = (0.0, 0.0, 0.0);
    let nvs = circuit.voltage_sources().len();
    // Per voltage source: work, charge, series dissipation.
    let mut vs_acc = vec![(0.0, 0.0, 0.0); nvs];
    for k in 0..nodes - 1 {
        let (ta, tb) = (grid.time(k), grid.time(k + 1));
        circuit.source_average(ta, tb, &mut src);
        for (j, node) in circuit.nodes().iter().enumerate() {
            let c = node.capacitance;
            let gbar = |b: usize| match scheme {
                LinearStep::ExponentialEuler => g[k * nb + b],
                _ => 0.5 * (g[k * nb + b] + g[(k + 1) * nb + b]),
            };
            let (mut gsum, mut jsum) = (0.0, 0.0);
            for b in (0..nb).filter(|&b| node_of(b) == j) {
                gsum += gbar(b);
                jsum += gbar(b) * circuit.branches()[b].element.battery(0);
            }
            // Voltage sources behind a resistance: Norton current and conductance.
            let (mut g_vs, mut i_vs) = (0.0, 0.0);
            // The frozen source voltage of the step, as the scheme freezes its coefficients.
            let frozen = |s: &crate::circuit::VoltageSource| match scheme {
                LinearStep::ExponentialEuler => s.voltage.value(ta),
                _ => 0.5 * (s.voltage.value(ta) + s.voltage.value(tb)),
            };
            for s in circuit.voltage_sources().iter().filter(|s| s.node.0 == j) {
                if let Some(g) = s.conductance {
                    g_vs += g;
                    i_vs += g * frozen(s);
                }
            }
            let lambda = (gsum + g_vs) / c;
            let a = (jsum + src[j] + i_vs) / c;
            let vk = sol.v.at(k)[j];
            let z = -lambda * h;
            let m1 = vk * h * phi1(z) + a * h * h * phi2(z);
            let m2 = vk * vk * h * phi1(2.0 * z)
                + 2.0 * vk * a * h * h * psi(z)
                + a * a * h * h * h * chi(z);
            source_energy += src[j] * m1;
            abs_total += (src[j] * m1).abs();
            for (s, acc) in circuit.voltage_sources().iter().zip(vs_acc.iter_mut()) {
                if let (Some(g), true) = (s.conductance, s.node.0 == j) {
                    // ∫ V̄ g (V̄ − v) and ∫ g (V̄ − v)² along the step's curve.
                    let vb = frozen(s);
                    let work = g * vb * (vb * h - m1);
                    acc.0 += work;
                    acc.1 += g * (vb * h - m1);
                    acc.2 += g * (vb * vb * h - 2.0 * vb * m1 + m2);
                    lhs58 -= g * (vb * m1 - m2);
                    abs_total += work.abs();
                }
            }
            for b in (0..nb).filter(|&b| node_of(b) == j) {
                let e = circuit.branches()[b].element.battery(0);
                let gb = gbar(b);
                let d = gb * (m2 - 2.0 * e * m1 + e * e * h);
                let p = -e * gb * (m1 - e * h);
                diss[b] += d;
                batt[b] += p;
                lhs58 += gb * (m2 - e * m1);
                abs_total += d.abs() + p.abs();
            }
        }
    }
    let branches: Vec<BranchEnergy> = circuit
        .branches()
        .iter()
        .enumerate()
        .map(|(b, br)| BranchEnergy {
            name: br.name.clone(),
            dissipation: diss[b],
            battery_energy: batt[b],
        })
        .collect();
    let quadrature = match scheme {
        LinearStep::ExponentialEuler => "exact along exponential-Euler steps",
        _ => "exact along exp2 steps",
    };
    let vs = vs_acc
        .iter()
        .enumerate()
        .map(|(s, &(w, q, d))| source_report(circuit, sol, s, w, q, d))
        .collect();
    Ok(EnergyBalance::assemble(
        circuit,
        sol,
        branches,
        vs,
        source_energy,
        lhs58,
        abs_total,
        quadrature,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_functions_match_their_definitions_on_both_branches() {
        for z in [
            -1e-9, -1e-4, -0.05, -0.0999, -0.1001, -0.5, -3.0, -40.0, 0.07,
        ] {
            let p1 = |z: f64| z.exp_m1() / z;
            let psi_d = (p1(2.0 * z) - p1(z)) / z;
            let chi_d = (1.0 - 2.0 * p1(z) + p1(2.0 * z)) / (z * z);
            let phi2_d = (z.exp_m1() - z) / (z * z);
            if z.abs() > 1e-3 {
                assert!((psi(z) - psi_d).abs() < 1e-10 * psi_d.abs(), "psi({z})");
                assert!((chi(z) - chi_d).abs() < 1e-9 * chi_d.abs(), "chi({z})");
                assert!((phi2(z) - phi2_d).abs() < 1e-10 * phi2_d.abs(), "phi2({z})");
            }
        }
        assert!((psi(0.0) - 0.5).abs() < 1e-16);
        assert!((chi(0.0) - 1.0 / 3.0).abs() < 1e-16);
        assert!((phi2(0.0) - 0.5).abs() < 1e-16);
    }
}
