//! Dense LU factorisation with partial pivoting, in place and without allocation after
//! [`DenseLu::new`]: the linear algebra of the Newton iterations of implicit methods.
//!
//! nalgebra's `LU` takes its matrix by value, so each refactorisation would allocate; the
//! Newton matrices here are small and dense, and a 40-line factorisation keeps the hot path
//! allocation-free (it is checked against nalgebra in the tests).

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
}
