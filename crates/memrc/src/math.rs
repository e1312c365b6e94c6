//! Bottom-level numerics shared by the rest of the crate; depends on nothing else in it.
//!
//! - The exponential integrator's φ-functions [`phi1`], [`phi2`], and the "linoid"
//!   `x / (1 − e^{−x})` of the Hodgkin–Huxley rate functions ([`x_over_one_minus_exp_neg`]) with
//!   its derivative [`linoid_slope`].
//! - [`exp_step`] / [`exp_relax`]: the one exponential (Rush–Larsen) update of the scalar linear
//!   ODE `ẋ = a − b x` over a step, exact for constant `a`, `b` and for `b → 0`; the schemes of
//!   [`crate::discretisation::LinearStep`] and the solver's exponential steps are built on it.
//! - [`Rk4Work`] / [`rk4_step`]: the one classical fourth-order Runge–Kutta step.
//! - [`DenseLu`]: the one dense LU factorisation with partial pivoting (Newton matrices of the
//!   implicit solvers, node equations of memRC circuits).
//! - [`logistic_pair`]: `1/(1 + e^{−u})` and its complement `1/(1 + e^{u})`, each to full
//!   relative precision (the edge coordinate of windowed memristors).

/// `(e^z − 1)/z`, accurate near `z = 0` (the exponential integrator's φ₁ function).
#[inline]
pub fn phi1(z: f64) -> f64 {
    if z.abs() < 1e-5 {
        1.0 + z * (0.5 + z / 6.0)
    } else {
        z.exp_m1() / z
    }
}

/// `φ₂(z) = (e^z − 1 − z)/z²` (series near 0).
pub fn phi2(z: f64) -> f64 {
    if z.abs() < 0.1 {
        let mut sum = 0.0;
        let (mut zp, mut fact) = (1.0, 2.0);
        for n in 0..16 {
            sum += zp / fact;
            zp *= z;
            fact *= (n + 3) as f64;
        }
        sum
    } else {
        (z.exp_m1() - z) / (z * z)
    }
}

/// `x / (1 − e^{−x})`, the removable-singularity form of the HH rate functions
/// (`= 1/φ₁(−x)`), exact to rounding at and near `x = 0` where it tends to `1`.
#[inline]
pub fn x_over_one_minus_exp_neg(x: f64) -> f64 {
    1.0 / phi1(-x)
}

/// Derivative of the linoid `L(x) = x / (1 − e^{−x})`:
///
/// ```text
///   L'(x) = (1 − e^{−x} − x e^{−x}) / (1 − e^{−x})²
///         = 1/2 + Σ_{k≥1} B_{2k} x^{2k−1} / (2k−1)!
///         = 1/2 + x/6 − x³/180 + x⁵/5040 − x⁷/151200 + …
/// ```
///
/// The Bernoulli series (through `x¹⁵`) is used for `|x| < 1/2`, where the closed form would
/// lose digits to the cancellation `1 − e^{−x} − x e^{−x} ≈ x²/2` (its truncation error there is
/// below `1e-17` relative); the closed form, written with `expm1`, elsewhere, where the
/// cancellation costs at most `≈ 4ε/|x| ≤ 2e-15` relative. Finite for every finite `x`: tends
/// to `0` for `x → −∞` and to `1` for `x → +∞`.
#[inline]
pub fn linoid_slope(x: f64) -> f64 {
    // B_{2k} / (2k − 1)! for k = 1..8.
    const C: [f64; 8] = [
        1.0 / 6.0,
        -1.0 / 180.0,
        1.0 / 5040.0,
        -1.0 / 151_200.0,
        1.0 / 4_790_016.0,
        -691.0 / 108_972_864_000.0,
        7.0 / 37_362_124_800.0,
        -3617.0 / 666_913_927_680_000.0,
    ];
    if x.abs() < 0.5 {
        let x2 = x * x;
        let mut p = C[7];
        for &c in C[..7].iter().rev() {
            p = p * x2 + c;
        }
        0.5 + x * p
    } else if x < -700.0 {
        // e^{−x} overflows; L'(x) ≈ (|x| − 1) e^{x} underflows to 0.
        0.0
    } else {
        let em = (-x).exp(); // e^{−x}
        let d = -(-x).exp_m1(); // 1 − e^{−x}
        (d - x * em) / (d * d)
    }
}

/// `(e^{−b h}, h φ₁(−b h))`: with `a`, `b` constant over a step of length `h` \[s\], the scalar
/// linear ODE `ẋ = a − b x` (`b` in 1/s) is solved exactly by
///
/// ```text
///   x(h) = e^{−bh} x(0) + a h φ₁(−bh)   (= a/b + (x(0) − a/b) e^{−bh} for b ≠ 0),
/// ```
///
/// and the φ₁ form stays exact as `b → 0` (then it is `x(0) + a h`). Exponential Euler
/// (Rush–Larsen) freezes `a`, `b` at the left node; EXP2 uses their averages over the step
/// (`docs/numerics.md#exp2`).
#[inline]
pub fn exp_step(b: f64, h: f64) -> (f64, f64) {
    let z = -b * h;
    (z.exp(), h * phi1(z))
}

/// The exact step `x ↦ e^{−bh} x + a h φ₁(−bh)` of `ẋ = a − b x` with constant `a`, `b` (see
/// [`exp_step`]). For `b ≥ 0` it is a convex combination of `x` and `a/b`, so gating variables
/// stay in `[0, 1]` at any `h`.
#[inline]
pub fn exp_relax(x: f64, a: f64, b: f64, h: f64) -> f64 {
    let (e, c) = exp_step(b, h);
    e * x + c * a
}

/// The logistic function and its complement, `(σ(u), 1 − σ(u)) = (1/(1 + e^{−u}), 1/(1 + e^{u}))`,
/// each computed to full relative precision: the smaller of the two is `e^{−|u|}/(1 + e^{−|u|})`,
/// never the difference `1 − σ`, so it keeps its digits down to the underflow near `|u| ≈ 745`
/// (`1 − σ(40) ≈ 4.2e-18` is returned as such, where `1.0 − σ(40)` would be `0`). NaN gives NaN.
#[inline]
pub fn logistic_pair(u: f64) -> (f64, f64) {
    let e = (-u.abs()).exp(); // in (0, 1]
    let big = 1.0 / (1.0 + e);
    let small = e / (1.0 + e);
    if u >= 0.0 { (big, small) } else { (small, big) }
}

/// Stage buffers of [`rk4_step`] for `n` states, allocated once.
#[derive(Debug, Clone)]
pub struct Rk4Work {
    k: [Vec<f64>; 4],
    tmp: Vec<f64>,
}

impl Rk4Work {
    /// Buffers for `n` states.
    pub fn new(n: usize) -> Self {
        Rk4Work {
            k: std::array::from_fn(|_| vec![0.0; n]),
            tmp: vec![0.0; n],
        }
    }
}

/// One step of the classical fourth-order Runge–Kutta method (Kutta 1901; Hairer, Nørsett &
/// Wanner, *Solving ODEs I*, §II.1) for `ẋ = f`, advancing `x` in place over `h`.
///
/// `f(c, y, dy)` writes the right-hand side at the state `y` and the stage time `t + c·h`,
/// `c ∈ {0, ½, 1}` (the caller maps `c` to its time or its interpolated input). Does not
/// allocate; `work` must have been made for `x.len()` states.
pub fn rk4_step(
    work: &mut Rk4Work,
    h: f64,
    x: &mut [f64],
    mut f: impl FnMut(f64, &[f64], &mut [f64]),
) {
    let [k1, k2, k3, k4] = &mut work.k;
    let tmp = &mut work.tmp;
    f(0.0, x, k1);
    for ((t, x), k) in tmp.iter_mut().zip(x.iter()).zip(k1.iter()) {
        *t = x + h * 0.5 * k;
    }
    f(0.5, tmp, k2);
    for ((t, x), k) in tmp.iter_mut().zip(x.iter()).zip(k2.iter()) {
        *t = x + h * 0.5 * k;
    }
    f(0.5, tmp, k3);
    for ((t, x), k) in tmp.iter_mut().zip(x.iter()).zip(k3.iter()) {
        *t = x + h * k;
    }
    f(1.0, tmp, k4);
    for (i, xi) in x.iter_mut().enumerate() {
        *xi += h / 6.0 * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]);
    }
}

/// A reference solution for tests: `x(t_end)` of the scalar ODE `ẋ = f(t, x)` from
/// `x(0) = x0` by `steps` equal [`rk4_step`]s.
#[cfg(test)]
pub(crate) fn rk4_reference(f: impl Fn(f64, f64) -> f64, x0: f64, t_end: f64, steps: usize) -> f64 {
    let h = t_end / steps as f64;
    let mut work = Rk4Work::new(1);
    let mut x = [x0];
    for k in 0..steps {
        let t = k as f64 * h;
        rk4_step(&mut work, h, &mut x, |c, y, dy| dy[0] = f(t + c * h, y[0]));
    }
    x[0]
}

/// Dense LU factorisation with partial pivoting, in place and without allocation after
/// [`DenseLu::new`]. nalgebra's `LU` takes its matrix by value, so each refactorisation would
/// allocate; the matrices here are small and dense, and a 40-line factorisation keeps the hot
/// paths allocation-free (it is checked against nalgebra in the tests).
///
/// LU factors `P M = L U` of an `n × n` matrix, stored row-major in one buffer.
#[derive(Debug, Clone)]
pub struct DenseLu {
    n: usize,
    lu: Vec<f64>,
    piv: Vec<usize>,
}

impl DenseLu {
    /// Workspace for `n × n` matrices.
    pub fn new(n: usize) -> Self {
        DenseLu {
            n,
            lu: vec![0.0; n * n],
            piv: vec![0; n],
        }
    }

    /// Factors the Newton matrix `M = I − c J` (`J` dense row-major).
    ///
    /// # Errors
    /// The column index of a zero or non-finite pivot: `M` is singular (to working precision).
    pub fn factor_shifted(&mut self, jac: &[f64], c: f64) -> Result<(), usize> {
        let n = self.n;
        for (i, row) in self.lu.chunks_exact_mut(n).enumerate() {
            for (j, m) in row.iter_mut().enumerate() {
                *m = -c * jac[i * n + j] + if i == j { 1.0 } else { 0.0 };
            }
        }
        self.factor_in_place()
    }

    /// Factors a general matrix `M` (row-major).
    ///
    /// # Errors
    /// As [`DenseLu::factor_shifted`].
    pub fn factor(&mut self, m: &[f64]) -> Result<(), usize> {
        self.lu.copy_from_slice(&m[..self.n * self.n]);
        self.factor_in_place()
    }

    fn factor_in_place(&mut self) -> Result<(), usize> {
        let n = self.n;
        let a = &mut self.lu;
        for k in 0..n {
            // Pivot: the largest entry of column k on or below the diagonal.
            let mut p = k;
            for i in k + 1..n {
                if a[i * n + k].abs() > a[p * n + k].abs() {
                    p = i;
                }
            }
            self.piv[k] = p;
            let pivot = a[p * n + k];
            if pivot == 0.0 || !pivot.is_finite() {
                return Err(k);
            }
            if p != k {
                for j in 0..n {
                    a.swap(k * n + j, p * n + j);
                }
            }
            for i in k + 1..n {
                let l = a[i * n + k] / pivot;
                a[i * n + k] = l;
                if l != 0.0 {
                    for j in k + 1..n {
                        a[i * n + j] -= l * a[k * n + j];
                    }
                }
            }
        }
        Ok(())
    }

    /// Solves `M y = b` in place (`b ← y`) with the last factorisation.
    pub fn solve(&self, b: &mut [f64]) {
        let (n, a) = (self.n, &self.lu);
        for k in 0..n {
            b.swap(k, self.piv[k]);
        }
        for i in 0..n {
            let s: f64 = (0..i).map(|j| a[i * n + j] * b[j]).sum();
            b[i] -= s;
        }
        for i in (0..n).rev() {
            let s: f64 = (i + 1..n).map(|j| a[i * n + j] * b[j]).sum();
            b[i] = (b[i] - s) / a[i * n + i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{DMatrix, DVector};

    #[test]
    fn solves_like_nalgebra_and_reports_singular_matrices() {
        let n = 5;
        // A deterministic, non-symmetric, well-conditioned matrix that needs pivoting.
        let m: Vec<f64> = (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                ((i * 7 + j * 3) % 11) as f64 - 5.0 + if i == (j + 2) % n { 9.0 } else { 0.0 }
            })
            .collect();
        let b: Vec<f64> = (0..n).map(|i| i as f64 - 1.5).collect();
        let mut lu = DenseLu::new(n);
        lu.factor(&m).expect("invertible");
        let mut y = b.clone();
        lu.solve(&mut y);
        let reference = DMatrix::from_row_slice(n, n, &m)
            .lu()
            .solve(&DVector::from_vec(b))
            .expect("invertible");
        for (a, r) in y.iter().zip(reference.iter()) {
            assert!((a - r).abs() < 1e-12 * (1.0 + r.abs()), "{a} vs {r}");
        }
        // I − c J with J = I/c is the zero matrix.
        let jac = [2.0, 0.0, 0.0, 2.0];
        assert_eq!(DenseLu::new(2).factor_shifted(&jac, 0.5), Err(0));
    }

    #[test]
    fn exponential_step_is_exact_for_constant_coefficients_and_b_zero() {
        let (a, b, h, x0): (f64, f64, f64, f64) = (2.0, 5.0, 0.3, 0.1);
        let exact = a / b + (x0 - a / b) * (-b * h).exp();
        assert!((exp_relax(x0, a, b, h) - exact).abs() < 1e-15);
        assert_eq!(exp_relax(x0, a, 0.0, h), x0 + a * h);
    }

    #[test]
    fn rk4_step_is_fourth_order() {
        // ẋ = −x + t on [0, 1] from x(0) = 1: x(t) = t − 1 + 2e^{−t}.
        let err = |steps: usize| {
            let h = 1.0 / steps as f64;
            let mut work = Rk4Work::new(1);
            let mut x = [1.0];
            for s in 0..steps {
                let t = s as f64 * h;
                rk4_step(&mut work, h, &mut x, |c, y, dy| dy[0] = -y[0] + t + c * h);
            }
            (x[0] - 2.0 * (-1.0_f64).exp()).abs()
        };
        let order = (err(10) / err(20)).log2();
        assert!((order - 4.0).abs() < 0.1, "order {order}");
    }

    #[test]
    fn logistic_pair_keeps_both_halves_to_full_precision() {
        // Reference: 1/(1 + e^{-u}) written out where it is well conditioned.
        for u in [-3.0, -0.5, 0.0, 0.25, 2.0, 10.0] {
            let (a, b) = logistic_pair(u);
            assert!((a - 1.0 / (1.0 + (-u).exp())).abs() <= 2e-16 * a);
            assert!((b - 1.0 / (1.0 + u.exp())).abs() <= 2e-16 * b);
            assert!((a + b - 1.0).abs() <= 3e-16);
        }
        // Far out the small half is e^{-|u|}(1 - e^{-|u|} + …), not a rounded-away difference.
        for u in [40.0, 300.0, 700.0] {
            let (a, b) = logistic_pair(u);
            let want = (-u).exp();
            assert_eq!(a, 1.0);
            assert!(
                (b - want).abs() <= 2e-16 * want,
                "u = {u}: {b:e} vs {want:e}"
            );
            assert_eq!(logistic_pair(-u), (b, a));
        }
        let (a, b) = logistic_pair(f64::NAN);
        assert!(a.is_nan() && b.is_nan());
    }
}
