//! Allocation-free dense LU for the small per-step blocks of the memRC solvers (one block per
//! time step, of the size of the circuit's unknowns at one instant). Hand-written because it
//! runs once per step in the Newton stage and time stepping, where a general-purpose
//! factorisation's allocation would dominate the cost of a 4 × 4 solve.

/// Solves `a x = b` in place (`a` row-major `n × n`, overwritten by its LU factors; `b`
/// overwritten by `x`) with partial pivoting. Returns `false` if `a` is singular.
pub fn lu_solve_in_place(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    for col in 0..n {
        let (mut piv, mut best) = (col, a[col * n + col].abs());
        for r in col + 1..n {
            let v = a[r * n + col].abs();
            if v > best {
                best = v;
                piv = r;
            }
        }
        if best == 0.0 || !best.is_finite() {
            return false;
        }
        if piv != col {
            for c in 0..n {
                a.swap(col * n + c, piv * n + c);
            }
            b.swap(col, piv);
        }
        let d = a[col * n + col];
        for r in col + 1..n {
            let f = a[r * n + col] / d;
            if f != 0.0 {
                for c in col + 1..n {
                    a[r * n + c] -= f * a[col * n + c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    for r in (0..n).rev() {
        let mut s = b[r];
        for c in r + 1..n {
            s -= a[r * n + c] * b[c];
        }
        b[r] = s / a[r * n + r];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_pivoting_system_and_detects_singularity() {
        let mut a = [0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let x = [1.0, -2.0, 0.5];
        let mut b = [2.0 * x[1] + x[2], x[0] + x[1], 3.0 * x[0] + x[2]];
        assert!(lu_solve_in_place(&mut a, &mut b, 3));
        for (p, q) in b.iter().zip(x) {
            assert!((p - q).abs() < 1e-14);
        }
        let mut s = [1.0, 2.0, 2.0, 4.0];
        assert!(!lu_solve_in_place(&mut s, &mut [1.0, 1.0], 2));
    }
}
