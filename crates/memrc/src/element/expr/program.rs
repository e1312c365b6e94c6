//! Compilation of a syntax tree into a flat stack program, its allocation-free evaluation, and
//! the evaluation of removable singularities by their limit.
//!
//! # Cancellation guards
//!
//! Relative errors propagate unchanged through `*`, `/`, unary minus and powers, but a sum or
//! difference that nearly cancels multiplies them by `max(|a|, |b|)/|a ± b|`. The compiler marks
//! every `+`/`−` whose relative error matters for the result — those reached from the root (or
//! from a division operand) through operations that pass relative errors on — and that is not
//! exact by construction (both operands a variable or a literal: `v + 40` is exact when it
//! cancels, by Sterbenz's lemma). A marked operation sets a flag when it loses more than three
//! digits (`|a ± b| < 10⁻³ max(|a|, |b|)`); a division whose operands are both zero sets it too.
//! Arguments of `exp`, `cosh`, `exprel` and of the exponent of `^` pass only *absolute* errors on
//! and are not marked, which is why `e^{−(0.1 v + 4)}` needs no guard.
//!
//! # Limits
//!
//! When a one-variable program raises the flag at `v`, [`Program::eval`] evaluates it at
//! `v ± h`, `v ± 2h`, `v ± 3h` and extrapolates the symmetric means `m(h)` to `h → 0`:
//!
//! ```text
//!   f(v) ≈ (15 m(h) − 6 m(2h) + m(3h)) / 10,      error O(h⁶)
//! ```
//!
//! starting from `h = 10⁻⁴` (in the unit of `v`, mV for rate expressions) and growing `h`
//! fourfold until none of the six points raises the flag. Where every neighbourhood raises it
//! (a sum that cancels all around `v`, e.g. `1 + tanh(x)` deep in its tail: no singularity),
//! the direct value is kept when it is finite. Near a 0/0 point where the fast
//! path is exact (all HH-type rates after the `expm1` rewrite) only the point itself is
//! affected and the limit is accurate to rounding; elsewhere the result has the accuracy of an
//! evaluation that loses at most three digits (`≈ 10⁻¹³` relative).

use super::parse::{BinOp, ExprError, Func, Node, depends, if_then, max, min, select};

/// Largest program accepted (operations), bounding the size of derivatives.
const MAX_OPS: usize = 20_000;
/// Largest evaluation stack accepted.
const MAX_STACK: usize = 256;
/// A guarded sum or difference raises the flag when it loses more than this fraction.
const LOSS: f64 = 1e-3;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Num(f64),
    Var(u16),
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    /// `x + c` (also `c + x`: IEEE addition commutes exactly).
    AddC(f64),
    /// `x − c`.
    SubC(f64),
    /// `x · c` (also `c · x`).
    MulC(f64),
    /// `x / c`.
    DivC(f64),
    /// `x^c`, non-integer `c`.
    PowC(f64),
    /// `c − x`.
    CSub(f64),
    /// `c / x`.
    CDiv(f64),
    /// `c^x`.
    CPow(f64),
    Exp,
    Expm1,
    /// `x^n`, integer `n`.
    PowI(i32),
    /// Guarded `+`.
    AddChk,
    /// Guarded `−`.
    SubChk,
    /// Division flagging `0/0`.
    DivChk,
    /// Any other one-argument function.
    F1(Func),
    Min,
    Max,
    Select,
    /// A comparison (`Func::Lt` … `Func::Ne`): `1` or `0`.
    Cmp(Func),
    /// `if(c, a, b)`.
    If,
}

/// A compiled expression in `n_vars` variables.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    ops: Vec<Op>,
    stack: usize,
    n_vars: usize,
    /// `Some(value)` when the program is a constant.
    constant: Option<f64>,
}

struct Compiler {
    ops: Vec<Op>,
    depth: usize,
    max_depth: usize,
}

fn is_leaf(n: &Node) -> bool {
    matches!(n, Node::Num(_) | Node::Var(_))
}

/// The fused op of `x op c` with the constant `c` on the right, or of `c op x` with
/// `constant_left`.
fn constant_operand(op: BinOp, c: f64, constant_left: bool) -> Op {
    match (op, constant_left) {
        (BinOp::Add, _) => Op::AddC(c),
        (BinOp::Mul, _) => Op::MulC(c),
        (BinOp::Sub, false) => Op::SubC(c),
        (BinOp::Sub, true) => Op::CSub(c),
        (BinOp::Div, false) => Op::DivC(c),
        (BinOp::Div, true) => Op::CDiv(c),
        (BinOp::Pow, false) => Op::PowC(c),
        (BinOp::Pow, true) => Op::CPow(c),
    }
}

fn any_var(n: &Node, n_vars: usize) -> bool {
    (0..n_vars).any(|i| depends(n, i))
}

impl Compiler {
    fn emit(&mut self, op: Op, pops: usize, pushes: usize) {
        self.ops.push(op);
        self.depth = self.depth + pushes - pops;
        self.max_depth = self.max_depth.max(self.depth);
    }

    /// Emits code for `n`; `sensitive` says whether the relative error of `n` matters.
    fn node(&mut self, n: &Node, sensitive: bool, n_vars: usize) {
        match n {
            Node::Num(x) => self.emit(Op::Num(*x), 0, 1),
            Node::Var(i) => self.emit(Op::Var(*i as u16), 0, 1),
            Node::Neg(a) => {
                self.node(a, sensitive, n_vars);
                self.emit(Op::Neg, 1, 1);
            }
            Node::Bin(op, a, b) => {
                let guarded = sensitive
                    && matches!(op, BinOp::Add | BinOp::Sub)
                    && !(is_leaf(a) && is_leaf(b));
                if guarded {
                    self.node(a, true, n_vars);
                    self.node(b, true, n_vars);
                    let o = if *op == BinOp::Add {
                        Op::AddChk
                    } else {
                        Op::SubChk
                    };
                    self.emit(o, 2, 1);
                    return;
                }
                if *op == BinOp::Div && any_var(a, n_vars) && any_var(b, n_vars) {
                    self.node(a, true, n_vars);
                    self.node(b, true, n_vars);
                    self.emit(Op::DivChk, 2, 1);
                    return;
                }
                // Operand sensitivity: the exponent of a power passes absolute errors only.
                let sb = *op != BinOp::Pow;
                match (a.as_ref(), b.as_ref()) {
                    (_, Node::Num(c))
                        if *op == BinOp::Pow && c.fract() == 0.0 && c.abs() <= 64.0 =>
                    {
                        self.node(a, true, n_vars);
                        self.emit(Op::PowI(*c as i32), 1, 1);
                    }
                    (_, Node::Num(c)) => {
                        self.node(a, true, n_vars);
                        self.emit(constant_operand(*op, *c, false), 1, 1);
                    }
                    (Node::Num(c), _) => {
                        self.node(b, sb, n_vars);
                        self.emit(constant_operand(*op, *c, true), 1, 1);
                    }
                    _ => {
                        self.node(a, true, n_vars);
                        self.node(b, sb, n_vars);
                        let o = match op {
                            BinOp::Add => Op::Add,
                            BinOp::Sub => Op::Sub,
                            BinOp::Mul => Op::Mul,
                            BinOp::Div => Op::Div,
                            BinOp::Pow => Op::Pow,
                        };
                        self.emit(o, 2, 1);
                    }
                }
            }
            Node::Call(f, args) => {
                let arg_sensitive = !matches!(
                    f,
                    Func::Exp | Func::Cosh | Func::Exprel | Func::ExprelSlope | Func::Sign
                );
                match f {
                    Func::Min | Func::Max => {
                        for a in args {
                            self.node(a, true, n_vars);
                        }
                        let o = if *f == Func::Min { Op::Min } else { Op::Max };
                        self.emit(o, 2, 1);
                    }
                    Func::Select => {
                        for (k, a) in args.iter().enumerate() {
                            self.node(a, k >= 2, n_vars);
                        }
                        self.emit(Op::Select, 4, 1);
                    }
                    // The condition and the compared values pass no relative error on.
                    Func::If => {
                        for (k, a) in args.iter().enumerate() {
                            self.node(a, k >= 1 && sensitive, n_vars);
                        }
                        self.emit(Op::If, 3, 1);
                    }
                    f if f.is_comparison() => {
                        for a in args {
                            self.node(a, false, n_vars);
                        }
                        self.emit(Op::Cmp(*f), 2, 1);
                    }
                    _ => {
                        for a in args {
                            self.node(a, arg_sensitive, n_vars);
                        }
                        let o = match f {
                            Func::Exp => Op::Exp,
                            Func::Expm1 => Op::Expm1,
                            f => Op::F1(*f),
                        };
                        self.emit(o, f.arity(), 1);
                    }
                }
            }
        }
    }
}

impl Program {
    /// Compiles `n` (variables `0..n_vars`).
    pub(crate) fn compile(n: &Node, n_vars: usize) -> Result<Self, ExprError> {
        let mut c = Compiler {
            ops: Vec::new(),
            depth: 0,
            max_depth: 0,
        };
        c.node(n, true, n_vars);
        if c.ops.len() > MAX_OPS || c.max_depth > MAX_STACK {
            return Err(ExprError {
                position: None,
                reason: format!(
                    "expression is too large to compile ({} operations, stack {})",
                    c.ops.len(),
                    c.max_depth
                ),
            });
        }
        let constant = match c.ops.as_slice() {
            [Op::Num(x)] => Some(*x),
            _ => None,
        };
        Ok(Self {
            ops: c.ops,
            stack: c.max_depth,
            n_vars,
            constant,
        })
    }

    /// Number of variables.
    #[cfg(test)]
    pub(crate) fn n_vars(&self) -> usize {
        self.n_vars
    }

    /// Number of operations (for tests and reports).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    /// One pass of the program: the value and whether a guard fired.
    #[inline]
    pub(crate) fn run(&self, vars: &[f64]) -> (f64, bool) {
        self.run_vars(|i| vars[i])
    }

    /// [`Program::run`] with variable `i` given by `var(i)`. Does not allocate.
    #[inline]
    pub(crate) fn run_vars(&self, var: impl Fn(usize) -> f64) -> (f64, bool) {
        if let Some(c) = self.constant {
            return (c, false);
        }
        if self.stack <= 8 {
            self.run_with::<8>(var)
        } else if self.stack <= 32 {
            self.run_with::<32>(var)
        } else {
            self.run_with::<MAX_STACK>(var)
        }
    }

    #[inline]
    fn run_with<const N: usize>(&self, var: impl Fn(usize) -> f64) -> (f64, bool) {
        let mut s = [0.0_f64; N];
        let mut sp = 0usize;
        let mut flag = false;
        for op in &self.ops {
            match *op {
                Op::Num(x) => {
                    s[sp] = x;
                    sp += 1;
                }
                Op::Var(i) => {
                    s[sp] = var(usize::from(i));
                    sp += 1;
                }
                Op::Neg => s[sp - 1] = -s[sp - 1],
                Op::Add => {
                    sp -= 1;
                    s[sp - 1] += s[sp];
                }
                Op::Sub => {
                    sp -= 1;
                    s[sp - 1] -= s[sp];
                }
                Op::Mul => {
                    sp -= 1;
                    s[sp - 1] *= s[sp];
                }
                Op::Div => {
                    sp -= 1;
                    s[sp - 1] /= s[sp];
                }
                Op::Pow => {
                    sp -= 1;
                    s[sp - 1] = s[sp - 1].powf(s[sp]);
                }
                Op::AddC(c) => s[sp - 1] += c,
                Op::SubC(c) => s[sp - 1] -= c,
                Op::MulC(c) => s[sp - 1] *= c,
                Op::DivC(c) => s[sp - 1] /= c,
                Op::PowC(c) => s[sp - 1] = s[sp - 1].powf(c),
                Op::CSub(c) => s[sp - 1] = c - s[sp - 1],
                Op::CDiv(c) => s[sp - 1] = c / s[sp - 1],
                Op::CPow(c) => s[sp - 1] = c.powf(s[sp - 1]),
                Op::Exp => s[sp - 1] = s[sp - 1].exp(),
                Op::Expm1 => s[sp - 1] = s[sp - 1].exp_m1(),
                Op::PowI(n) => s[sp - 1] = s[sp - 1].powi(n),
                Op::AddChk | Op::SubChk => {
                    sp -= 1;
                    let (a, b) = (s[sp - 1], s[sp]);
                    let r = if *op == Op::AddChk { a + b } else { a - b };
                    flag |= r.abs() < LOSS * a.abs().max(b.abs());
                    s[sp - 1] = r;
                }
                Op::DivChk => {
                    sp -= 1;
                    let (a, b) = (s[sp - 1], s[sp]);
                    flag |= a == 0.0 && b == 0.0;
                    s[sp - 1] = a / b;
                }
                Op::F1(f) => s[sp - 1] = f.apply1(s[sp - 1]),
                Op::Min => {
                    sp -= 1;
                    s[sp - 1] = min(s[sp - 1], s[sp]);
                }
                Op::Max => {
                    sp -= 1;
                    s[sp - 1] = max(s[sp - 1], s[sp]);
                }
                Op::Select => {
                    sp -= 3;
                    s[sp - 1] = select(s[sp - 1], s[sp], s[sp + 1], s[sp + 2]);
                }
                Op::Cmp(f) => {
                    sp -= 1;
                    s[sp - 1] = f.compare(s[sp - 1], s[sp]);
                }
                Op::If => {
                    sp -= 2;
                    s[sp - 1] = if_then(s[sp - 1], s[sp], s[sp + 1]);
                }
            }
        }
        (s[0], flag)
    }

    /// The value of a one-variable program at `x`, with removable singularities and
    /// cancellations repaired by the limit (module docs). Does not allocate.
    #[inline]
    pub(crate) fn eval(&self, x: f64) -> f64 {
        debug_assert!(self.n_vars == 1);
        let (y, flagged) = self.run(&[x]);
        if flagged { self.limit(x, y) } else { y }
    }

    /// [`Program::run`] over a block of lanes, operations outer and lanes inner: `var(i)` gives
    /// variable `i` of every lane (at least `out.len()` values), `out[k]` receives lane `k`'s
    /// value and `flags[k]` whether a guard fired in lane `k`. Every lane goes through the same
    /// IEEE operations as [`Program::run`], so the values are bitwise identical to it. `stack`
    /// is scratch space (`stack depth × lanes` values), grown when too small and otherwise
    /// reused: no allocation once it is large enough.
    pub(crate) fn run_batch<'a>(
        &self,
        var: impl Fn(usize) -> &'a [f64],
        out: &mut [f64],
        flags: &mut [bool],
        stack: &mut Vec<f64>,
    ) {
        let n = out.len();
        let flags = &mut flags[..n];
        flags.fill(false);
        if let Some(c) = self.constant {
            out.fill(c);
            return;
        }
        let need = self.stack * n;
        if stack.len() < need {
            stack.resize(need, 0.0);
        }
        let s = &mut stack[..need];
        // Slot `k` of the stack is `s[k n .. (k + 1) n]`.
        let mut sp = 0usize;
        for op in &self.ops {
            match *op {
                Op::Num(x) => {
                    s[sp * n..(sp + 1) * n].fill(x);
                    sp += 1;
                }
                Op::Var(i) => {
                    s[sp * n..(sp + 1) * n].copy_from_slice(&var(usize::from(i))[..n]);
                    sp += 1;
                }
                Op::Neg => unary(top(s, sp, n), |x| -x),
                Op::Add => binary(s, &mut sp, n, |a, b| a + b),
                Op::Sub => binary(s, &mut sp, n, |a, b| a - b),
                Op::Mul => binary(s, &mut sp, n, |a, b| a * b),
                Op::Div => binary(s, &mut sp, n, |a, b| a / b),
                Op::Pow => binary(s, &mut sp, n, f64::powf),
                Op::AddC(c) => unary(top(s, sp, n), |x| x + c),
                Op::SubC(c) => unary(top(s, sp, n), |x| x - c),
                Op::MulC(c) => unary(top(s, sp, n), |x| x * c),
                Op::DivC(c) => unary(top(s, sp, n), |x| x / c),
                Op::PowC(c) => unary(top(s, sp, n), |x| x.powf(c)),
                Op::CSub(c) => unary(top(s, sp, n), |x| c - x),
                Op::CDiv(c) => unary(top(s, sp, n), |x| c / x),
                Op::CPow(c) => unary(top(s, sp, n), |x| c.powf(x)),
                Op::Exp => unary(top(s, sp, n), f64::exp),
                Op::Expm1 => unary(top(s, sp, n), f64::exp_m1),
                Op::PowI(k) => unary(top(s, sp, n), |x| x.powi(k)),
                Op::AddChk | Op::SubChk => {
                    sp -= 1;
                    let (a, b) = pair(s, sp, n);
                    let add = *op == Op::AddChk;
                    for ((x, &y), f) in a.iter_mut().zip(b).zip(flags.iter_mut()) {
                        let r = if add { *x + y } else { *x - y };
                        *f |= r.abs() < LOSS * x.abs().max(y.abs());
                        *x = r;
                    }
                }
                Op::DivChk => {
                    sp -= 1;
                    let (a, b) = pair(s, sp, n);
                    for ((x, &y), f) in a.iter_mut().zip(b).zip(flags.iter_mut()) {
                        *f |= *x == 0.0 && y == 0.0;
                        *x /= y;
                    }
                }
                Op::F1(f) => unary(top(s, sp, n), |x| f.apply1(x)),
                Op::Min => binary(s, &mut sp, n, min),
                Op::Max => binary(s, &mut sp, n, max),
                Op::Select => {
                    sp -= 3;
                    let (lo, hi) = s.split_at_mut(sp * n);
                    let a = &mut lo[(sp - 1) * n..];
                    let (b, rest) = hi.split_at(n);
                    let (c, d) = rest.split_at(n);
                    for (k, x) in a.iter_mut().enumerate() {
                        *x = select(*x, b[k], c[k], d[k]);
                    }
                }
                Op::Cmp(f) => binary(s, &mut sp, n, |a, b| f.compare(a, b)),
                Op::If => {
                    sp -= 2;
                    let (lo, hi) = s.split_at_mut(sp * n);
                    let c = &mut lo[(sp - 1) * n..];
                    let (a, b) = hi.split_at(n);
                    for (k, x) in c.iter_mut().enumerate() {
                        *x = if_then(*x, a[k], b[k]);
                    }
                }
            }
        }
        out.copy_from_slice(&s[..n]);
    }

    /// [`Program::eval`] over a block: `out[k]` is `eval(xs[k])`, bitwise. The lanes are
    /// evaluated together by [`Program::run_batch`] (on a per-thread scratch stack, allocated
    /// once per thread and size); lanes that raise the cancellation flag are evaluated again by
    /// [`Program::eval`], so removable singularities get the same limit.
    pub(crate) fn eval_batch(&self, xs: &[f64], out: &mut [f64]) {
        debug_assert!(self.n_vars == 1 && xs.len() >= out.len());
        SCRATCH.with_borrow_mut(|(stack, flags)| {
            if flags.len() < out.len() {
                flags.resize(out.len(), false);
            }
            self.run_batch(|_| xs, out, flags, stack);
            for ((y, &x), &f) in out.iter_mut().zip(xs).zip(flags.iter()) {
                if f {
                    *y = self.eval(x);
                }
            }
        });
    }

    /// [`Program::run`]'s values over a block (flags ignored, as `run(..).0` does): `var(i)`
    /// gives variable `i` of every lane. Bitwise identical to `run`; per-thread scratch.
    pub(crate) fn values_batch<'a>(&self, var: impl Fn(usize) -> &'a [f64], out: &mut [f64]) {
        SCRATCH.with_borrow_mut(|(stack, flags)| {
            if flags.len() < out.len() {
                flags.resize(out.len(), false);
            }
            self.run_batch(var, out, flags, stack);
        });
    }

    /// The extrapolated limit at `x` (fast value `y` as the fallback).
    ///
    /// When no neighbourhood is free of the flag (a sum that cancels everywhere around `x`,
    /// such as `1 + tanh(x)` deep in its tail, not a removable singularity), the fast value is
    /// as accurate as the evaluation can be and is kept; only a non-finite fast value (the
    /// singular point itself) is replaced by the estimate from the smallest neighbourhood.
    #[cold]
    fn limit(&self, x: f64, y: f64) -> f64 {
        let mut h = 1e-4 * x.abs().max(1.0);
        let mut first = None;
        for _ in 0..10 {
            let mut m = [0.0; 3];
            let mut clean = true;
            for (k, mk) in m.iter_mut().enumerate() {
                let d = h * (k + 1) as f64;
                let (p, fp) = self.run(&[x + d]);
                let (q, fq) = self.run(&[x - d]);
                clean &= !fp && !fq;
                *mk = 0.5 * (p + q);
            }
            let est = (15.0 * m[0] - 6.0 * m[1] + m[2]) / 10.0;
            if est.is_finite() {
                if clean {
                    return est;
                }
                first.get_or_insert(est);
            }
            h *= 4.0;
        }
        if y.is_finite() { y } else { first.unwrap_or(y) }
    }
}

thread_local! {
    /// Scratch of the block evaluators: the stack (`depth × lanes`) and the lane flags. Grown
    /// to the largest block and program seen on the thread, then reused.
    static SCRATCH: std::cell::RefCell<(Vec<f64>, Vec<bool>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Slot `sp − 1` (the top of the stack) of a block stack of `n` lanes.
#[inline(always)]
fn top(s: &mut [f64], sp: usize, n: usize) -> &mut [f64] {
    &mut s[(sp - 1) * n..sp * n]
}

/// Slots `sp − 1` (mutable) and `sp` of a block stack of `n` lanes.
#[inline(always)]
fn pair(s: &mut [f64], sp: usize, n: usize) -> (&mut [f64], &[f64]) {
    let (lo, hi) = s.split_at_mut(sp * n);
    (&mut lo[(sp - 1) * n..], &hi[..n])
}

#[inline(always)]
fn unary(a: &mut [f64], f: impl Fn(f64) -> f64) {
    for x in a {
        *x = f(*x);
    }
}

/// Pops the top slot and combines it into the new top: `a ← f(a, b)`.
#[inline(always)]
fn binary(s: &mut [f64], sp: &mut usize, n: usize, f: impl Fn(f64, f64) -> f64) {
    *sp -= 1;
    let (a, b) = pair(s, *sp, n);
    for (x, &y) in a.iter_mut().zip(b) {
        *x = f(*x, y);
    }
}
