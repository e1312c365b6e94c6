//! Lexer, parser, constant folding, the `expm1` rewrite and symbolic differentiation of rate
//! expressions.
//!
//! Grammar (precedence from low to high; `^` is right-associative and binds tighter than unary
//! minus, so `-v^2 = −(v²)` and `2^-1 = 0.5`):
//!
//! ```text
//!   compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
//!   sum     := product (('+' | '-') product)*
//!   product := unary (('*' | '/') unary)*
//!   unary   := ('-' | '+') unary | power
//!   power   := primary ('^' unary)?
//!   primary := number | name | name '(' compare (',' compare)* ')' | '(' compare ')'
//! ```
//!
//! A comparison is `1` when it holds and `0` otherwise (`NaN` compares false except for `!=`);
//! it does not chain (`a < b < c` is an error: write `if(a < b, …)` or multiply two
//! comparisons). Names are variables (indices) or named constants (parameters, `celsius`),
//! which are replaced by their values ([`parse_with`]).
//!
//! Input length, nesting and tree depth are bounded ([`MAX_LEN`], [`MAX_DEPTH`]), so every
//! recursive pass over a tree (folding, differentiation, compilation, drop) has a bounded
//! depth and hostile input cannot overflow the stack.

use crate::error::suggest;

/// Longest accepted expression \[bytes\].
pub(crate) const MAX_LEN: usize = 4096;
/// Deepest accepted syntax tree (nesting of parentheses, calls and operators).
pub(crate) const MAX_DEPTH: usize = 64;

/// A parse or validation failure: where (byte offset) and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExprError {
    pub position: Option<usize>,
    pub reason: String,
}

fn err<T>(position: Option<usize>, reason: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        position,
        reason: reason.into(),
    })
}

/// Functions. The first group is user-visible; the second is produced only by the rewrite
/// and by differentiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Exp,
    Log,
    Sqrt,
    Abs,
    Tanh,
    Sinh,
    Cosh,
    Min,
    Max,
    Pow,
    Exprel,
    /// `e^x − 1`.
    Expm1,
    /// `d exprel / dx`.
    ExprelSlope,
    /// `sign(x)` (`0` at `0`).
    Sign,
    /// `select(a, b, c, d) = c if a ≤ b else d` (derivative of `min`/`max`).
    Select,
    /// `if(c, a, b) = a if c ≠ 0 else b` (`b` when `c` is NaN).
    If,
    /// `a < b` (1 or 0), as are the other comparisons.
    Lt,
    /// `a ≤ b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a ≥ b`.
    Ge,
    /// `a == b`.
    Eq,
    /// `a ≠ b`.
    Ne,
}

/// User-visible functions: name, function, number of arguments.
pub(crate) const FUNCTIONS: &[(&str, Func, usize)] = &[
    ("exp", Func::Exp, 1),
    ("log", Func::Log, 1),
    ("sqrt", Func::Sqrt, 1),
    ("abs", Func::Abs, 1),
    ("tanh", Func::Tanh, 1),
    ("sinh", Func::Sinh, 1),
    ("cosh", Func::Cosh, 1),
    ("min", Func::Min, 2),
    ("max", Func::Max, 2),
    ("pow", Func::Pow, 2),
    ("exprel", Func::Exprel, 1),
    ("if", Func::If, 3),
];

/// Comparison operators as written, longest first.
const COMPARISONS: &[(&str, Func)] = &[
    ("<=", Func::Le),
    (">=", Func::Ge),
    ("==", Func::Eq),
    ("!=", Func::Ne),
    ("<", Func::Lt),
    (">", Func::Gt),
];

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// A syntax tree. Variables are indices into the variable list given to [`parse`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Num(f64),
    Var(usize),
    Neg(Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

/// `(e^x − 1)/x`, `1` at `0`, accurate everywhere.
#[inline]
pub(crate) fn exprel(x: f64) -> f64 {
    crate::element::phi1(x)
}

/// `d/dx (e^x − 1)/x = Σ_{k≥1} k x^{k−1}/(k+1)!`; the series (to `x¹⁶`) for `|x| < 1/2`, the
/// closed form `(e^x (x − 1) + 1)/x²` elsewhere (cancellation there costs at most a factor 8).
#[inline]
pub(crate) fn exprel_slope(x: f64) -> f64 {
    if x.abs() < 0.5 {
        // c_k = k / (k+1)!, k = 1..17, Horner in x.
        let mut p = 0.0;
        let mut fact = 1.0; // (k+1)!
        let mut c = [0.0; 17];
        for (i, ck) in c.iter_mut().enumerate() {
            let k = (i + 1) as f64;
            fact *= k + 1.0;
            *ck = k / fact;
        }
        for &ck in c.iter().rev() {
            p = p * x + ck;
        }
        p
    } else {
        (x.exp() * (x - 1.0) + 1.0) / (x * x)
    }
}

impl Func {
    /// Applies the function (the same code the compiled program runs, so constant folding
    /// gives bit-identical results).
    #[inline]
    pub(crate) fn apply1(self, x: f64) -> f64 {
        match self {
            Self::Exp => x.exp(),
            Self::Log => x.ln(),
            Self::Sqrt => x.sqrt(),
            Self::Abs => x.abs(),
            Self::Tanh => x.tanh(),
            Self::Sinh => x.sinh(),
            Self::Cosh => x.cosh(),
            Self::Exprel => exprel(x),
            Self::Expm1 => x.exp_m1(),
            Self::ExprelSlope => exprel_slope(x),
            Self::Sign => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0 * x
                }
            }
            Self::Min
            | Self::Max
            | Self::Pow
            | Self::Select
            | Self::If
            | Self::Lt
            | Self::Le
            | Self::Gt
            | Self::Ge
            | Self::Eq
            | Self::Ne => f64::NAN,
        }
    }

    /// Applies a comparison: `1` when it holds, `0` otherwise (`NaN` for other functions).
    #[inline]
    pub(crate) fn compare(self, a: f64, b: f64) -> f64 {
        let holds = match self {
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Eq => a == b,
            Self::Ne => a != b,
            _ => return f64::NAN,
        };
        if holds { 1.0 } else { 0.0 }
    }

    /// Whether the function is a comparison.
    pub(crate) fn is_comparison(self) -> bool {
        matches!(
            self,
            Self::Lt | Self::Le | Self::Gt | Self::Ge | Self::Eq | Self::Ne
        )
    }

    pub(crate) fn arity(self) -> usize {
        match self {
            Self::Min | Self::Max | Self::Pow => 2,
            f if f.is_comparison() => 2,
            Self::If => 3,
            Self::Select => 4,
            _ => 1,
        }
    }
}

/// `if(c, a, b)`: `a` if `c ≠ 0`, else `b` (also for a NaN condition).
#[inline]
pub(crate) fn if_then(c: f64, a: f64, b: f64) -> f64 {
    if c != 0.0 && !c.is_nan() { a } else { b }
}

#[inline]
pub(crate) fn min(a: f64, b: f64) -> f64 {
    if a <= b { a } else { b }
}

#[inline]
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if a >= b { a } else { b }
}

#[inline]
pub(crate) fn select(a: f64, b: f64, c: f64, d: f64) -> f64 {
    if a <= b { c } else { d }
}

#[inline]
pub(crate) fn binop(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => a.powf(b),
    }
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Num(f64),
    Name(&'a str),
    Op(u8),
    /// A comparison operator.
    Rel(Func),
    End,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// The next token and its byte offset.
    fn next(&mut self) -> Result<(Tok<'a>, usize), ExprError> {
        let b = self.src.as_bytes();
        while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&c) = b.get(start) else {
            return Ok((Tok::End, start));
        };
        if c.is_ascii_digit() || c == b'.' {
            let mut i = start;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let text = &self.src[start..i];
            self.pos = i;
            return match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok((Tok::Num(x), start)),
                Ok(_) => err(Some(start), format!("number '{text}' is out of range")),
                Err(_) => err(Some(start), format!("malformed number '{text}'")),
            };
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let mut i = start;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            self.pos = i;
            return Ok((Tok::Name(&self.src[start..i]), start));
        }
        if b"+-*/^(),".contains(&c) {
            self.pos += 1;
            return Ok((Tok::Op(c), start));
        }
        if let Some(&(text, f)) = COMPARISONS
            .iter()
            .find(|(t, _)| self.src[start..].starts_with(t))
        {
            self.pos += text.len();
            return Ok((Tok::Rel(f), start));
        }
        if c == b'=' || c == b'!' {
            let hint = if c == b'=' {
                "'=' is not an operator (write '==' to compare)"
            } else {
                "'!' is not an operator (write '!=' to compare)"
            };
            return err(Some(start), hint);
        }
        let ch = self.src[start..].chars().next().unwrap_or('?');
        err(Some(start), format!("unexpected character '{ch}'"))
    }
}

// ---------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok<'a>,
    at: usize,
    vars: &'a [&'a str],
    var_kind: &'a str,
    constants: &'a [(&'a str, f64)],
    nesting: usize,
}

/// A node with its depth.
type Sub = (Node, usize);

fn join(op: BinOp, a: Sub, b: Sub, at: usize) -> Result<Sub, ExprError> {
    let d = 1 + a.1.max(b.1);
    if d > MAX_DEPTH {
        return err(
            Some(at),
            format!("expression is too deeply nested (more than {MAX_DEPTH} levels)"),
        );
    }
    Ok((Node::Bin(op, Box::new(a.0), Box::new(b.0)), d))
}

impl<'a> Parser<'a> {
    fn bump(&mut self) -> Result<(), ExprError> {
        (self.tok, self.at) = self.lex.next()?;
        Ok(())
    }

    fn describe(&self) -> String {
        match self.tok {
            Tok::Num(_) | Tok::Name(_) => {
                let rest = &self.lex.src[self.at..self.lex.pos];
                format!("'{rest}'")
            }
            Tok::Op(c) => format!("'{}'", c as char),
            Tok::Rel(_) => format!("'{}'", &self.lex.src[self.at..self.lex.pos]),
            Tok::End => "the end".into(),
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return err(
                Some(self.at),
                format!("expression is too deeply nested (more than {MAX_DEPTH} levels)"),
            );
        }
        Ok(())
    }

    /// `sum (relop sum)?`: comparisons bind loosest and do not chain.
    fn compare(&mut self) -> Result<Sub, ExprError> {
        let lhs = self.sum()?;
        let Tok::Rel(f) = self.tok else {
            return Ok(lhs);
        };
        let at = self.at;
        self.bump()?;
        let rhs = self.sum()?;
        if let Tok::Rel(_) = self.tok {
            return err(
                Some(self.at),
                "comparisons do not chain: write 'if(a < b, …)' or multiply two comparisons",
            );
        }
        let d = 1 + lhs.1.max(rhs.1);
        if d > MAX_DEPTH {
            return err(
                Some(at),
                format!("expression is too deeply nested (more than {MAX_DEPTH} levels)"),
            );
        }
        Ok((Node::Call(f, vec![lhs.0, rhs.0]), d))
    }

    fn sum(&mut self) -> Result<Sub, ExprError> {
        self.enter()?;
        let mut lhs = self.product()?;
        while let Tok::Op(c @ (b'+' | b'-')) = self.tok {
            let at = self.at;
            self.bump()?;
            let rhs = self.product()?;
            let op = if c == b'+' { BinOp::Add } else { BinOp::Sub };
            lhs = join(op, lhs, rhs, at)?;
        }
        self.nesting -= 1;
        Ok(lhs)
    }

    fn product(&mut self) -> Result<Sub, ExprError> {
        let mut lhs = self.unary()?;
        while let Tok::Op(c @ (b'*' | b'/')) = self.tok {
            let at = self.at;
            self.bump()?;
            if c == b'*' && self.tok == Tok::Op(b'*') {
                return err(Some(self.at), "unexpected '*' (use '^' for powers)");
            }
            let rhs = self.unary()?;
            let op = if c == b'*' { BinOp::Mul } else { BinOp::Div };
            lhs = join(op, lhs, rhs, at)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Sub, ExprError> {
        match self.tok {
            Tok::Op(c @ (b'-' | b'+')) => {
                self.enter()?;
                self.bump()?;
                let (x, d) = self.unary()?;
                self.nesting -= 1;
                Ok(if c == b'-' {
                    (Node::Neg(Box::new(x)), d + 1)
                } else {
                    (x, d)
                })
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Sub, ExprError> {
        let base = self.primary()?;
        if self.tok == Tok::Op(b'^') {
            let at = self.at;
            self.enter()?;
            self.bump()?;
            let exponent = self.unary()?;
            self.nesting -= 1;
            return join(BinOp::Pow, base, exponent, at);
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Sub, ExprError> {
        let at = self.at;
        match self.tok {
            Tok::Num(x) => {
                self.bump()?;
                Ok((Node::Num(x), 1))
            }
            Tok::Op(b'(') => {
                self.bump()?;
                let inner = self.compare()?;
                self.expect_close(at)?;
                Ok(inner)
            }
            Tok::Name(name) => {
                self.bump()?;
                if self.tok == Tok::Op(b'(') {
                    self.call(name, at)
                } else if let Some(i) = self.vars.iter().position(|v| *v == name) {
                    Ok((Node::Var(i), 1))
                } else if let Some(&(_, x)) = self.constants.iter().find(|c| c.0 == name) {
                    Ok((Node::Num(x), 1))
                } else if FUNCTIONS.iter().any(|f| f.0 == name) {
                    err(
                        Some(at),
                        format!("function '{name}' needs its arguments in parentheses"),
                    )
                } else {
                    let known = || {
                        self.vars
                            .iter()
                            .copied()
                            .chain(self.constants.iter().map(|c| c.0))
                    };
                    let hint = match suggest(name, known()) {
                        s @ Some(_) => crate::error::did_you_mean(&s),
                        None => {
                            let all: Vec<&str> = known().collect();
                            if self.constants.is_empty() {
                                format!(
                                    " (known {}s: {})",
                                    self.var_kind,
                                    if all.is_empty() {
                                        "none".to_string()
                                    } else {
                                        all.join(", ")
                                    }
                                )
                            } else {
                                format!(" (known names: {})", all.join(", "))
                            }
                        }
                    };
                    err(
                        Some(at),
                        format!("unknown {} '{name}'{hint}", self.var_kind),
                    )
                }
            }
            Tok::End => err(Some(at), "unexpected end of expression"),
            Tok::Op(_) | Tok::Rel(_) => err(Some(at), format!("unexpected {}", self.describe())),
        }
    }

    fn expect_close(&mut self, open: usize) -> Result<(), ExprError> {
        if self.tok == Tok::Op(b')') {
            self.bump()
        } else if self.tok == Tok::End {
            err(Some(open), "unbalanced '(': no matching ')'")
        } else {
            err(
                Some(self.at),
                format!("expected ')', found {}", self.describe()),
            )
        }
    }

    fn call(&mut self, name: &str, at: usize) -> Result<Sub, ExprError> {
        let Some(&(_, func, arity)) = FUNCTIONS.iter().find(|f| f.0 == name) else {
            let hint = crate::error::hint(name, FUNCTIONS.iter().map(|f| f.0));
            return err(Some(at), format!("unknown function '{name}'{hint}"));
        };
        let open = self.at;
        self.enter()?;
        self.bump()?;
        let mut args = Vec::new();
        let mut depth = 0;
        if self.tok != Tok::Op(b')') {
            loop {
                let (a, d) = self.compare()?;
                args.push(a);
                depth = depth.max(d);
                if self.tok == Tok::Op(b',') {
                    self.bump()?;
                } else {
                    break;
                }
            }
        }
        self.expect_close(open)?;
        self.nesting -= 1;
        if args.len() != arity {
            return err(
                Some(at),
                format!(
                    "function '{name}' takes {arity} argument{}, got {}",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            );
        }
        let node = if func == Func::Pow {
            let mut it = args.into_iter();
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => Node::Bin(BinOp::Pow, Box::new(a), Box::new(b)),
                _ => return err(Some(at), "function 'pow' takes 2 arguments"),
            }
        } else {
            Node::Call(func, args)
        };
        if depth + 1 > MAX_DEPTH {
            return err(
                Some(at),
                format!("expression is too deeply nested (more than {MAX_DEPTH} levels)"),
            );
        }
        Ok((node, depth + 1))
    }
}

/// Parses `src` with the variables `vars` (`var_kind` names them in messages: "variable",
/// "gate"), folds constants and rewrites `1 − e^x`, `e^x − 1` into `expm1`.
#[cfg(test)]
pub(crate) fn parse(src: &str, vars: &[&str], var_kind: &str) -> Result<Node, ExprError> {
    parse_with(src, vars, var_kind, &[])
}

/// [`parse`] with named constants: a name of `constants` (not shadowed by a variable) stands
/// for its value and is folded like a literal.
pub(crate) fn parse_with(
    src: &str,
    vars: &[&str],
    var_kind: &str,
    constants: &[(&str, f64)],
) -> Result<Node, ExprError> {
    if src.len() > MAX_LEN {
        return err(
            None,
            format!(
                "expression is too long ({} bytes, at most {MAX_LEN})",
                src.len()
            ),
        );
    }
    if src.trim().is_empty() {
        return err(None, "empty expression");
    }
    let mut p = Parser {
        lex: Lexer { src, pos: 0 },
        tok: Tok::End,
        at: 0,
        vars,
        var_kind,
        constants,
        nesting: 0,
    };
    p.bump()?;
    let (node, _) = p.compare()?;
    match p.tok {
        Tok::End => Ok(rewrite(node)),
        Tok::Op(b')') => err(Some(p.at), "unbalanced ')'"),
        _ => err(
            Some(p.at),
            format!("expected an operator, found {}", p.describe()),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Simplifying constructors (used by folding and differentiation)

fn num(n: &Node) -> Option<f64> {
    if let Node::Num(x) = n { Some(*x) } else { None }
}

pub(crate) fn neg(a: Node) -> Node {
    match a {
        Node::Num(x) => Node::Num(-x),
        Node::Neg(x) => *x,
        a => Node::Neg(Box::new(a)),
    }
}

// The guards compare with `==` on purpose (so that -0.0 counts as 0.0); newer clippy flags them.
#[allow(clippy::redundant_guards)]
pub(crate) fn bin(op: BinOp, a: Node, b: Node) -> Node {
    match (op, num(&a), num(&b)) {
        (_, Some(x), Some(y)) => Node::Num(binop(op, x, y)),
        (BinOp::Add, Some(0.0), _) => b,
        (BinOp::Add | BinOp::Sub, _, Some(0.0)) => a,
        (BinOp::Sub, Some(0.0), _) => neg(b),
        (BinOp::Mul, Some(0.0), _) | (BinOp::Mul, _, Some(0.0)) => Node::Num(0.0),
        (BinOp::Mul, Some(1.0), _) => b,
        (BinOp::Mul | BinOp::Div | BinOp::Pow, _, Some(1.0)) => a,
        (BinOp::Div, Some(0.0), _) => Node::Num(0.0),
        (BinOp::Pow, _, Some(0.0)) => Node::Num(1.0),
        _ => Node::Bin(op, Box::new(a), Box::new(b)),
    }
}

pub(crate) fn call(f: Func, args: Vec<Node>) -> Node {
    // A constant condition picks its branch.
    let condition = if f == Func::If {
        args.first().and_then(num)
    } else {
        None
    };
    if let Some(c) = condition {
        let mut it = args.into_iter().skip(1);
        let (a, b) = (it.next(), it.next());
        return match (a, b) {
            (Some(a), Some(b)) => {
                if if_then(c, 1.0, 0.0) == 1.0 {
                    a
                } else {
                    b
                }
            }
            _ => Node::Num(f64::NAN),
        };
    }
    if args.iter().all(|a| num(a).is_some()) {
        let x: Vec<f64> = args.iter().filter_map(num).collect();
        let y = match (f, x.as_slice()) {
            (Func::Min, [a, b]) => min(*a, *b),
            (Func::Max, [a, b]) => max(*a, *b),
            (Func::Select, [a, b, c, d]) => select(*a, *b, *c, *d),
            (Func::If, [c, a, b]) => if_then(*c, *a, *b),
            (f, [a, b]) if f.is_comparison() => f.compare(*a, *b),
            (_, [a]) => f.apply1(*a),
            _ => f64::NAN,
        };
        return Node::Num(y);
    }
    Node::Call(f, args)
}

fn is_exp(n: &Node) -> bool {
    matches!(n, Node::Call(Func::Exp, _))
}

fn exp_arg(n: Node) -> Node {
    match n {
        Node::Call(Func::Exp, mut a) => a.pop().unwrap_or(Node::Num(f64::NAN)),
        other => other,
    }
}

/// Folds constant subtrees and rewrites `1 − e^x → −expm1(x)`, `e^x − 1 → expm1(x)`,
/// `e^x + (−1) → expm1(x)`, `−1 + e^x → expm1(x)`: the denominators of HH-type rate functions
/// then keep full relative accuracy near their zero.
pub(crate) fn rewrite(n: Node) -> Node {
    match n {
        Node::Num(_) | Node::Var(_) => n,
        Node::Neg(a) => neg(rewrite(*a)),
        Node::Call(f, args) => call(f, args.into_iter().map(rewrite).collect()),
        Node::Bin(op, a, b) => {
            let (a, b) = (rewrite(*a), rewrite(*b));
            let one = |n: &Node, v: f64| num(n) == Some(v);
            match op {
                BinOp::Sub if one(&a, 1.0) && is_exp(&b) => {
                    neg(Node::Call(Func::Expm1, vec![exp_arg(b)]))
                }
                BinOp::Sub if is_exp(&a) && one(&b, 1.0) => {
                    Node::Call(Func::Expm1, vec![exp_arg(a)])
                }
                BinOp::Add if is_exp(&a) && one(&b, -1.0) => {
                    Node::Call(Func::Expm1, vec![exp_arg(a)])
                }
                BinOp::Add if one(&a, -1.0) && is_exp(&b) => {
                    Node::Call(Func::Expm1, vec![exp_arg(b)])
                }
                _ => bin(op, a, b),
            }
        }
    }
}

/// Whether `n` depends on variable `var`.
pub(crate) fn depends(n: &Node, var: usize) -> bool {
    match n {
        Node::Num(_) => false,
        Node::Var(i) => *i == var,
        Node::Neg(a) => depends(a, var),
        Node::Bin(_, a, b) => depends(a, var) || depends(b, var),
        Node::Call(_, args) => args.iter().any(|a| depends(a, var)),
    }
}

/// The symbolic derivative `∂n/∂var`, simplified. The quotient rule is written as
/// `(a'b − ab')/(b·b)` so that near a removable singularity the cancellation sits in the
/// numerator of a division, where the evaluator detects it.
pub(crate) fn diff(n: &Node, var: usize) -> Node {
    use BinOp::*;
    if !depends(n, var) {
        return Node::Num(0.0);
    }
    let d = |x: &Node| diff(x, var);
    match n {
        Node::Num(_) => Node::Num(0.0),
        Node::Var(_) => Node::Num(1.0),
        Node::Neg(a) => neg(d(a)),
        Node::Bin(op, a, b) => {
            let (a, b) = (a.as_ref(), b.as_ref());
            match op {
                Add => bin(Add, d(a), d(b)),
                Sub => bin(Sub, d(a), d(b)),
                Mul => bin(Add, bin(Mul, d(a), b.clone()), bin(Mul, a.clone(), d(b))),
                Div => {
                    if !depends(b, var) {
                        bin(Div, d(a), b.clone())
                    } else {
                        let top = bin(Sub, bin(Mul, d(a), b.clone()), bin(Mul, a.clone(), d(b)));
                        bin(Div, top, bin(Mul, b.clone(), b.clone()))
                    }
                }
                Pow => match num(b) {
                    Some(c) => bin(
                        Mul,
                        bin(Mul, Node::Num(c), bin(Pow, a.clone(), Node::Num(c - 1.0))),
                        d(a),
                    ),
                    None => {
                        // (a^b)' = a^b (b' ln a + b a'/a)
                        let ln_a = call(Func::Log, vec![a.clone()]);
                        let inner = bin(
                            Add,
                            bin(Mul, d(b), ln_a),
                            bin(Div, bin(Mul, b.clone(), d(a)), a.clone()),
                        );
                        bin(Mul, n.clone(), inner)
                    }
                },
            }
        }
        Node::Call(f, args) => {
            let x = || args[0].clone();
            let chain = |outer: Node| bin(Mul, outer, d(&args[0]));
            match f {
                Func::Exp => chain(n.clone()),
                Func::Expm1 => chain(call(Func::Exp, vec![x()])),
                Func::Log => bin(Div, d(&args[0]), x()),
                Func::Sqrt => bin(Div, d(&args[0]), bin(Mul, Node::Num(2.0), n.clone())),
                Func::Abs => chain(call(Func::Sign, vec![x()])),
                Func::Tanh => chain(bin(Sub, Node::Num(1.0), bin(Mul, n.clone(), n.clone()))),
                Func::Sinh => chain(call(Func::Cosh, vec![x()])),
                Func::Cosh => chain(call(Func::Sinh, vec![x()])),
                Func::Exprel => chain(call(Func::ExprelSlope, vec![x()])),
                // d/dx exprel'(x) is not needed (no second derivatives); sign and select are
                // piecewise constant in their switching arguments.
                Func::ExprelSlope | Func::Sign => Node::Num(0.0),
                Func::Min | Func::Max => {
                    let (a, b) = (args[0].clone(), args[1].clone());
                    let (da, db) = (d(&args[0]), d(&args[1]));
                    if *f == Func::Min {
                        call(Func::Select, vec![a, b, da, db])
                    } else {
                        call(Func::Select, vec![b, a, da, db])
                    }
                }
                Func::Select => call(
                    Func::Select,
                    vec![args[0].clone(), args[1].clone(), d(&args[2]), d(&args[3])],
                ),
                // Piecewise: the derivative of the branch taken; comparisons are piecewise
                // constant.
                Func::If => call(Func::If, vec![args[0].clone(), d(&args[1]), d(&args[2])]),
                Func::Lt | Func::Le | Func::Gt | Func::Ge | Func::Eq | Func::Ne => Node::Num(0.0),
                Func::Pow => Node::Num(f64::NAN),
            }
        }
    }
}
