//! A receptor's state over a population and its exact step: single exponentials and the
//! double exponential of NeuroML2's `expTwoSynapse` ([`Receptor`](super::Receptor)).

/// A receptor's state over a population ([`Receptor`](super::Receptor)).
#[derive(Debug, Clone)]
pub(crate) struct ReceptorState {
    pub(crate) name: String,
    pub(crate) e_rev: f64,
    /// `e^{−dt/τ}` (`τ` the decay time).
    pub(crate) decay: f64,
    /// The rise of a double exponential; `None` for a single exponential.
    pub(crate) rise: Option<Rise>,
    /// The state spikes add their weights to \[S\]: the conductance of a single exponential;
    /// for a double exponential `u = B/f` (the weights, decayed with `τ_d`).
    pub(crate) g: Vec<f64>,
    /// The conductance `g = f (u − A/f)` \[S\] of a double exponential (empty for a single
    /// exponential).
    pub(crate) cond: Vec<f64>,
    /// Ring of pending increments, `slots × (hi − lo)`, the neurons held here (`[slot][neuron]`); 0 slots when every
    /// projection onto the receptor has delay 0 (increments go straight to `g`).
    pub(crate) slots: usize,
    pub(crate) ring: Vec<f64>,
}

/// The exact propagator over a step `h` of a double-exponential receptor
/// ([`Receptor::double_exponential`](super::Receptor::double_exponential)): with
/// `u(t) = u₀ e^{−t/τ_d}` and `A(t) = A₀ e^{−t/τ_r}`, the conductance
/// `g = f u − A` obeys `g(t₀ + h) = g(t₀) e^{−h/τ_r} + f (e^{−h/τ_d} − e^{−h/τ_r}) u(t₀)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rise {
    /// Waveform factor `f` (dimensionless).
    pub(crate) factor: f64,
    /// `e^{−dt/τ_r}` and `f (e^{−dt/τ_d} − e^{−dt/τ_r})`.
    pub(crate) step: (f64, f64),
    /// The same over half a step.
    pub(crate) half: (f64, f64),
}

impl Rise {
    /// The propagators of rise `tau_rise` and decay `tau_decay` \[s\] over steps `dt` \[s\].
    pub(crate) fn new(tau_rise: f64, tau_decay: f64, dt: f64) -> Self {
        let factor = super::spec::waveform_factor(tau_rise, tau_decay);
        // e^{−h/τ_d} − e^{−h/τ_r} without cancellation for h ≪ τ.
        let over = |h: f64| {
            let gain = (-h / tau_decay).exp_m1() - (-h / tau_rise).exp_m1();
            ((-h / tau_rise).exp(), factor * gain)
        };
        Self {
            factor,
            step: over(dt),
            half: over(dt / 2.0),
        }
    }
}

impl ReceptorState {
    /// The conductance \[S\] among a receptor's arrays: `g`, or `cond` for a double exponential.
    pub(crate) fn conductance<'a>(&self, g: &'a [f64], cond: &'a [f64]) -> &'a [f64] {
        if self.rise.is_some() { cond } else { g }
    }

    /// Advances `g` (and `cond`) exactly over one step, for neurons without new spikes:
    /// `g ← g e^{−dt/τ}`, or the double exponential's [`Rise`] propagator.
    pub(crate) fn advance(&self, g: &mut [f64], cond: &mut [f64]) {
        let decay = self.decay;
        match self.rise {
            None => g.iter_mut().for_each(|g| *g *= decay),
            Some(Rise {
                step: (rise, gain), ..
            }) => {
                for (u, c) in g.iter_mut().zip(cond) {
                    *c = *c * rise + gain * *u;
                    *u *= decay;
                }
            }
        }
    }

    /// The conductance at the step's midpoint `g(t + dt/2) = a g(t) + b u(t)` as `(a, b)`.
    pub(crate) fn half_step(&self) -> (f64, f64) {
        match self.rise {
            None => (self.decay.sqrt(), 0.0),
            Some(r) => r.half,
        }
    }

    /// The exponentials the conductance is a sum of over a step, as (reversal \[V\], rate
    /// \[1/s\]): `g e^{−t/τ}`, or `(g − f u) e^{−t/τ_r} + f u e^{−t/τ_d}` (in that order).
    pub(crate) fn components(&self, dt: f64) -> impl Iterator<Item = (f64, f64)> {
        let rise = self.rise.map(|r| (self.e_rev, -r.step.0.ln() / dt));
        rise.into_iter()
            .chain(std::iter::once((self.e_rev, -self.decay.ln() / dt)))
    }
}
