//! Physical quantities with units: `"120 mS/cm^2"`, `"-65 mV"`, `"1e-14 m^2/(V*s)"` → an SI
//! value with a [`Dimension`].
//!
//! # Grammar
//!
//! ```text
//! quantity := number [unit] | number '/' unit-tail      ("1/ms" = 1 per millisecond)
//! number   := ['+'|'-'] digits ['.' digits] [('e'|'E') ['+'|'-'] digits]   (finite)
//! unit     := term { ('*' | '·' | '/' | whitespace) term }   left to right; '/' divides by
//!             the single term after it ("m^2/V*s" = m²·s/V: use parentheses, "m^2/(V*s)")
//! term     := factor [ '^' ['-'] digits | '²' | '³' ]
//! factor   := '1' | '(' unit ')' | [prefix] symbol
//! prefix   := f p n u µ μ m c k M G              (u, µ and μ are all micro)
//! symbol   := m g s A mol M L V S Ohm ohm Ω F C Wb Hz rad deg
//! ```
//!
//! A whole identifier that is a symbol wins over prefix + symbol: `m` is the metre, `M` the molar
//! (mol/L), `mol` the mole, `mM` the millimolar, `ms` the millisecond, `mS` the millisiemens. The
//! mega prefix `M` is accepted only before `Ohm`/`Ω`/`Hz` (`MOhm`, `MHz`): `Ms` is rejected as
//! ambiguous (write `M*s` or `ms`), and so is any other `M` + symbol. A bare number (or a string
//! holding only a number) is in SI units of whatever the key expects.

use std::fmt;

/// Exponents of the SI base units `m, kg, s, A, mol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dimension(pub [i8; 5]);

const BASE: [&str; 5] = ["m", "kg", "s", "A", "mol"];

impl Dimension {
    /// Dimensionless.
    pub const NONE: Self = Self([0, 0, 0, 0, 0]);
    /// Metre.
    pub const LENGTH: Self = Self([1, 0, 0, 0, 0]);
    /// Square metre.
    pub const AREA: Self = Self([2, 0, 0, 0, 0]);
    /// Second.
    pub const TIME: Self = Self([0, 0, 1, 0, 0]);
    /// Hertz, 1/s.
    pub const FREQUENCY: Self = Self([0, 0, -1, 0, 0]);
    /// Ampere.
    pub const CURRENT: Self = Self([0, 0, 0, 1, 0]);
    /// Volt.
    pub const VOLTAGE: Self = Self([2, 1, -3, -1, 0]);
    /// Siemens.
    pub const CONDUCTANCE: Self = Self([-2, -1, 3, 2, 0]);
    /// Ohm.
    pub const RESISTANCE: Self = Self([2, 1, -3, -2, 0]);
    /// Farad.
    pub const CAPACITANCE: Self = Self([-2, -1, 4, 2, 0]);
    /// Weber (V s).
    pub const FLUX: Self = Self([2, 1, -2, -1, 0]);
    /// Coulomb.
    pub const CHARGE: Self = Self([0, 0, 1, 1, 0]);
    /// mol/m³.
    pub const CONCENTRATION: Self = Self([-3, 0, 0, 0, 1]);

    /// `self^k`.
    pub fn pow(self, k: i8) -> Self {
        let mut e = self.0;
        for a in &mut e {
            *a = a.saturating_mul(k);
        }
        Self(e)
    }

    /// The per-area form `self / m²`.
    pub fn per_area(self) -> Self {
        self / Self::AREA
    }

    /// A name for messages ("a conductance density") and the canonical SI unit ("S/m^2"), if
    /// the dimension is a common one.
    pub fn named(self) -> Option<(&'static str, &'static str)> {
        NAMED
            .iter()
            .find(|(d, _, _)| *d == self)
            .map(|(_, n, u)| (*n, *u))
    }

    /// Canonical unit text: the named unit or the base-unit product (`"kg m^2 s^-3"`).
    pub fn unit_text(self) -> String {
        if let Some((_, u)) = self.named() {
            return u.to_string();
        }
        let parts: Vec<String> = BASE
            .iter()
            .zip(self.0)
            .filter(|(_, e)| *e != 0)
            .map(|(b, e)| {
                if e == 1 {
                    (*b).to_string()
                } else {
                    format!("{b}^{e}")
                }
            })
            .collect();
        parts.join(" ")
    }

    /// "a voltage", "a conductance density", or "a quantity in kg m^2" for messages.
    pub fn describe(self) -> String {
        match self.named() {
            Some((n, _)) => format!("{} {n}", article(n)),
            None => format!("a quantity in {}", self.unit_text()),
        }
    }
}

impl std::ops::Mul for Dimension {
    type Output = Self;
    /// `self · other`.
    fn mul(self, other: Self) -> Self {
        let mut e = self.0;
        for (a, b) in e.iter_mut().zip(other.0) {
            *a = a.saturating_add(b);
        }
        Self(e)
    }
}

impl std::ops::Div for Dimension {
    type Output = Self;
    /// `self / other`.
    fn div(self, other: Self) -> Self {
        self * other.pow(-1)
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Common dimensions with their names and canonical units (first match wins).
const NAMED: &[(Dimension, &str, &str)] = &[
    (Dimension::NONE, "dimensionless number", "1"),
    (Dimension::VOLTAGE, "voltage", "V"),
    (Dimension::CURRENT, "current", "A"),
    (Dimension([-2, 0, 0, 1, 0]), "current density", "A/m^2"),
    (Dimension::CONDUCTANCE, "conductance", "S"),
    (Dimension([-4, -1, 3, 2, 0]), "conductance density", "S/m^2"),
    (Dimension::CAPACITANCE, "capacitance", "F"),
    (Dimension([-4, -1, 4, 2, 0]), "capacitance density", "F/m^2"),
    (Dimension::RESISTANCE, "resistance", "Ohm"),
    (Dimension::TIME, "time", "s"),
    (Dimension::FREQUENCY, "frequency", "Hz"),
    (Dimension::LENGTH, "length", "m"),
    (Dimension::AREA, "area", "m^2"),
    (Dimension::CONCENTRATION, "concentration", "mol/m^3"),
    (Dimension::FLUX, "magnetic flux", "Wb"),
    (Dimension::CHARGE, "charge", "C"),
    (Dimension([0, -1, 2, 1, 0]), "mobility", "m^2/(V*s)"),
];

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unit_text())
    }
}

/// A parsed unit: `value_SI = number · factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// Factor to SI.
    pub factor: f64,
    /// Dimension.
    pub dim: Dimension,
    /// `factor = mantissa · 10^exp10`, kept apart so that quantities convert with one
    /// correctly rounded decimal parse ("0.1 ms" is exactly the double nearest 1e-4).
    mantissa: f64,
    exp10: i32,
}

impl Unit {
    const ONE: Self = Self::new(1.0, 0, Dimension::NONE);

    const fn new(mantissa: f64, exp10: i32, dim: Dimension) -> Self {
        Self {
            factor: mantissa * pow10(exp10),
            dim,
            mantissa,
            exp10,
        }
    }

    fn powi(self, k: i32) -> Self {
        Self::new(
            self.mantissa.powi(k),
            self.exp10.saturating_mul(k),
            self.dim.pow(i8::try_from(k).unwrap_or(1)),
        )
    }

    fn times(self, other: Self, sign: i32) -> Self {
        let other = other.powi(sign);
        Self::new(
            self.mantissa * other.mantissa,
            self.exp10.saturating_add(other.exp10),
            self.dim * other.dim,
        )
    }
}

const fn pow10(e: i32) -> f64 {
    let mut x = 1.0;
    let mut k = if e < 0 { -e } else { e };
    if k > 400 {
        k = 400;
    }
    while k > 0 {
        x *= 10.0;
        k -= 1;
    }
    if e < 0 { 1.0 / x } else { x }
}

/// A parsed quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// Value in SI units.
    pub value: f64,
    /// Its dimension; `None` for a number without a unit (SI of whatever is expected).
    pub dim: Option<Dimension>,
    /// The unit as written (empty for a bare number).
    pub unit: String,
}

/// Why a quantity or unit string does not parse, with the byte offset of the problem in the
/// string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnitError {
    /// One-line description.
    pub message: String,
    /// Byte offset inside the parsed string.
    pub offset: usize,
}

fn err(offset: usize, message: impl Into<String>) -> UnitError {
    UnitError {
        message: message.into(),
        offset,
    }
}

/// Symbols: name, mantissa, power of ten, dimension.
const SYMBOLS: &[(&str, f64, i32, Dimension)] = &[
    ("m", 1.0, 0, Dimension::LENGTH),
    ("g", 1.0, -3, Dimension([0, 1, 0, 0, 0])),
    ("s", 1.0, 0, Dimension::TIME),
    ("A", 1.0, 0, Dimension::CURRENT),
    ("mol", 1.0, 0, Dimension([0, 0, 0, 0, 1])),
    ("M", 1.0, 3, Dimension::CONCENTRATION),
    ("L", 1.0, -3, Dimension([3, 0, 0, 0, 0])),
    ("V", 1.0, 0, Dimension::VOLTAGE),
    ("S", 1.0, 0, Dimension::CONDUCTANCE),
    ("Ohm", 1.0, 0, Dimension::RESISTANCE),
    ("ohm", 1.0, 0, Dimension::RESISTANCE),
    ("Ω", 1.0, 0, Dimension::RESISTANCE),
    ("F", 1.0, 0, Dimension::CAPACITANCE),
    ("C", 1.0, 0, Dimension::CHARGE),
    ("Wb", 1.0, 0, Dimension::FLUX),
    ("Hz", 1.0, 0, Dimension::FREQUENCY),
    ("rad", 1.0, 0, Dimension::NONE),
    ("deg", std::f64::consts::PI / 180.0, 0, Dimension::NONE),
];

/// Prefixes and their powers of ten.
const PREFIXES: &[(&str, i32)] = &[
    ("f", -15),
    ("p", -12),
    ("n", -9),
    ("u", -6),
    ("µ", -6),
    ("μ", -6),
    ("m", -3),
    ("c", -2),
    ("k", 3),
    ("M", 6),
    ("G", 9),
];

fn symbol(name: &str) -> Option<Unit> {
    SYMBOLS
        .iter()
        .find(|(s, _, _, _)| *s == name)
        .map(|(_, m, e, dim)| Unit::new(*m, *e, *dim))
}

/// Resolves one identifier (prefix + symbol) at byte `offset`. With `mega`, the prefix `M`
/// is mega before every symbol (see [`parse_expected`]).
fn identifier(id: &str, offset: usize, mega: bool) -> Result<Unit, UnitError> {
    if let Some(u) = symbol(id) {
        return Ok(u);
    }
    if id == "Ms" && !mega {
        return Err(err(
            offset,
            "unit 'Ms' is ambiguous: write 'M*s' (molar times second) or 'ms' (millisecond)",
        ));
    }
    for (p, f) in PREFIXES {
        if let Some(rest) = id.strip_prefix(p) {
            if let Some(u) = symbol(rest) {
                if *p == "M" && !mega && !matches!(rest, "Ohm" | "ohm" | "Ω" | "Hz") {
                    return Err(err(
                        offset,
                        format!(
                            "unit '{id}' is ambiguous: the prefix M (mega) applies only to Ohm and Hz; write 'M*{rest}' for molar times {rest}"
                        ),
                    ));
                }
                if matches!(rest, "rad" | "deg") {
                    break;
                }
                return Ok(Unit::new(u.mantissa, u.exp10 + f, u.dim));
            }
        }
    }
    let known: Vec<&str> = SYMBOLS.iter().map(|(s, _, _, _)| *s).collect();
    let mut candidates: Vec<String> = known.iter().map(|s| (*s).to_string()).collect();
    for (p, _) in PREFIXES {
        for s in &known {
            candidates.push(format!("{p}{s}"));
        }
    }
    match memrc::error::suggest(id, candidates.iter().map(String::as_str)) {
        Some(s) => Err(err(
            offset,
            format!("unknown unit '{id}' (did you mean '{s}'?)"),
        )),
        None => Err(err(
            offset,
            format!(
                "unknown unit '{id}'; units are {} with prefixes f p n u µ m c k M G",
                known.join(" ")
            ),
        )),
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    /// `M` is mega before every symbol (not only Ohm and Hz).
    mega: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        self.pos > start
    }

    /// unit := term { op term }
    fn unit(&mut self, depth: usize) -> Result<Unit, UnitError> {
        if depth > 16 {
            return Err(err(self.pos, "unit nests parentheses too deeply"));
        }
        self.skip_ws();
        let mut acc = self.term(depth)?;
        loop {
            let had_ws = self.skip_ws();
            match self.peek() {
                None | Some(')') => return Ok(acc),
                Some('*' | '·') => {
                    self.bump();
                    self.skip_ws();
                    let t = self.term(depth)?;
                    acc = combine(acc, t, 1);
                }
                Some('/') => {
                    self.bump();
                    self.skip_ws();
                    let t = self.term(depth)?;
                    acc = combine(acc, t, -1);
                }
                Some(_) if had_ws => {
                    let t = self.term(depth)?;
                    acc = combine(acc, t, 1);
                }
                Some(c) => {
                    return Err(err(
                        self.pos,
                        format!("unexpected '{c}' in unit: join units with '*' or '/'"),
                    ));
                }
            }
        }
    }

    fn term(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let base = self.factor(depth)?;
        let exp: i32 = match self.peek() {
            Some('^') => {
                self.bump();
                let start = self.pos;
                let neg = match self.peek() {
                    Some('-') => {
                        self.bump();
                        true
                    }
                    Some('+') => {
                        self.bump();
                        false
                    }
                    _ => false,
                };
                let digits = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
                let k: i32 = self.s[digits..self.pos]
                    .parse()
                    .ok()
                    .filter(|k: &i32| *k <= 12)
                    .ok_or_else(|| err(start, "expected a small integer exponent after '^'"))?;
                if neg { -k } else { k }
            }
            Some('²') => {
                self.bump();
                2
            }
            Some('³') => {
                self.bump();
                3
            }
            _ => 1,
        };
        Ok(base.powi(exp))
    }

    fn factor(&mut self, depth: usize) -> Result<Unit, UnitError> {
        let start = self.pos;
        match self.peek() {
            Some('(') => {
                self.bump();
                let u = self.unit(depth + 1)?;
                self.skip_ws();
                if self.bump() != Some(')') {
                    return Err(err(start, "unbalanced '(' in unit"));
                }
                Ok(u)
            }
            Some('1') => {
                self.bump();
                Ok(Unit::ONE)
            }
            Some(c) if c.is_alphabetic() => {
                while self.peek().is_some_and(char::is_alphabetic) {
                    self.bump();
                }
                identifier(&self.s[start..self.pos], start, self.mega)
            }
            Some(c) => Err(err(start, format!("expected a unit symbol, found '{c}'"))),
            None => Err(err(start, "expected a unit symbol, found the end")),
        }
    }
}

fn combine(a: Unit, b: Unit, sign: i8) -> Unit {
    a.times(b, i32::from(sign))
}

/// Parses a unit expression such as `"mS/cm^2"` or `"1/(M*s)"`.
pub fn parse_unit(s: &str) -> Result<Unit, UnitError> {
    unit_with(s, false)
}

fn unit_with(s: &str, mega: bool) -> Result<Unit, UnitError> {
    let mut p = Parser { s, pos: 0, mega };
    if s.trim().is_empty() {
        return Err(err(0, "empty unit"));
    }
    let u = p.unit(0)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(err(p.pos, format!("unexpected '{c}' in unit")));
    }
    Ok(u)
}

/// Length of the leading number of `s` (after optional sign), or 0.
pub(crate) fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        let f = i + 1;
        let mut j = f;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        digits += j - f;
        i = j;
    }
    if digits == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let e = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > e {
            i = j;
        }
    }
    i
}

/// Parses `"<number> \[unit\]"` into SI. A string with only a number has no dimension
/// ([`Quantity::dim`] is `None`).
pub fn parse_quantity(s: &str) -> Result<Quantity, UnitError> {
    quantity_with(s, false)
}

fn quantity_with(s: &str, mega: bool) -> Result<Quantity, UnitError> {
    let lead = s.len() - s.trim_start().len();
    let body = s.trim();
    let n = number_len(body);
    if n == 0 {
        return Err(err(
            lead,
            format!("'{body}' does not start with a number (write e.g. '1 {body}')"),
        ));
    }
    let value: f64 = body[..n]
        .parse()
        .map_err(|_| err(lead, format!("'{}' is not a number", &body[..n])))?;
    if !value.is_finite() {
        return Err(err(
            lead,
            format!("'{}' is not a finite number", &body[..n]),
        ));
    }
    let rest = &body[n..];
    let unit_text = rest.trim();
    if unit_text.is_empty() {
        return Ok(Quantity {
            value,
            dim: None,
            unit: String::new(),
        });
    }
    let unit_offset = lead + n + (rest.len() - rest.trim_start().len());
    // "1/ms": a unit that starts with '/' divides the number.
    let (to_parse, prefix_one) = if unit_text.starts_with('/') {
        (format!("1{unit_text}"), 1)
    } else {
        (unit_text.to_string(), 0)
    };
    if prefix_one == 0 && !rest.starts_with(char::is_whitespace) && rest.starts_with(['e', 'E']) {
        return Err(err(lead, format!("'{body}' is not a number")));
    }
    let u = unit_with(&to_parse, mega).map_err(|e| UnitError {
        offset: unit_offset + e.offset.saturating_sub(prefix_one),
        ..e
    })?;
    // Shift the decimal exponent, then parse once: correctly rounded for decimal prefixes.
    let (digits, e) = match body[..n].find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..n].parse::<i32>().unwrap_or(0)),
        None => (&body[..n], 0),
    };
    let shifted: f64 = format!("{digits}e{}", e.saturating_add(u.exp10))
        .parse()
        .unwrap_or(value * u.factor);
    let v = shifted * u.mantissa;
    if !v.is_finite() {
        return Err(err(lead, format!("'{body}' overflows in SI units")));
    }
    Ok(Quantity {
        value: v,
        dim: Some(u.dim),
        unit: unit_text.to_string(),
    })
}

/// Parses a quantity that must have the dimension `dim` (a bare number is in SI) into its SI
/// value: the parser of command-line options such as `--dt 10us` or `--offset=-65mV`.
///
/// As the expected dimension is known, the prefix `M` is mega before every symbol (`1MV` is
/// 10⁶ V), not only before Ohm and Hz. Messages name the input: `'abc' is not a number`,
/// `'nan' is not a finite number`, `'1mA' has unit 'mA' (a current), expected a voltage (V)`.
pub fn parse_expected(
    text: &str,
    dim: Dimension,
    unit_hint: Option<&str>,
) -> Result<f64, UnitError> {
    let body = text.trim();
    if number_len(body) == 0 {
        let message = match body.parse::<f64>() {
            // "inf", "NaN": numbers to Rust, but not finite ones.
            Ok(_) => format!("'{text}' is not a finite number"),
            Err(_) => format!("'{text}' is not a number"),
        };
        return Err(err(0, message));
    }
    let q = quantity_with(text, true)?;
    match q.dim {
        Some(d) if d != dim => Err(err(
            0,
            format!(
                "'{text}' has unit '{}' ({}), expected {}",
                q.unit,
                d.describe(),
                expected_text(dim, unit_hint)
            ),
        )),
        _ => Ok(q.value),
    }
}

/// What a key accepts: one dimension, or a per-area and an absolute form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this dimension.
    One(Dimension),
    /// Either `absolute` or `absolute / m²` (per area); bare numbers are ambiguous.
    Dual(Dimension),
}

/// Whether a quantity was given per area or absolute (for [`Expect::Dual`] keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// Absolute (F, S, A).
    Absolute,
    /// Per square metre (F/m², S/m², A/m²).
    PerArea,
}

/// Describes a dimension for "expected …" messages: "a voltage (V)".
pub fn expected_text(dim: Dimension, unit_hint: Option<&str>) -> String {
    let unit = unit_hint.map_or_else(|| dim.unit_text(), str::to_string);
    match dim.named() {
        Some((n, _)) if dim != Dimension::NONE => format!("{} {n} ({unit})", article(n)),
        Some(_) => "a dimensionless number".to_string(),
        None => format!("a quantity in {unit}"),
    }
}

/// Checks a parsed quantity against `dim`; `raw` is the input text for the message.
pub fn check_dimension(
    q: &Quantity,
    dim: Dimension,
    unit_hint: Option<&str>,
) -> Result<f64, String> {
    match q.dim {
        None => Ok(q.value),
        Some(d) if d == dim => Ok(q.value),
        Some(d) => Err(format!(
            "expected {}, got '{}' ({})",
            expected_text(dim, unit_hint),
            q.unit,
            d.describe()
        )),
    }
}

/// Checks a quantity against a per-area/absolute pair; returns the SI value and its form.
pub fn check_dual(q: &Quantity, absolute: Dimension) -> Result<(f64, Form), String> {
    let per = absolute.per_area();
    match q.dim {
        Some(d) if d == absolute => Ok((q.value, Form::Absolute)),
        Some(d) if d == per => Ok((q.value, Form::PerArea)),
        _ => {
            let expected = format!(
                "{} ({}) or {} ({})",
                absolute.describe(),
                absolute.unit_text(),
                per.describe(),
                per.unit_text()
            );
            Err(match q.dim {
                None => {
                    format!("a bare number is ambiguous here: expected {expected}; write the unit")
                }
                Some(d) => format!("expected {expected}, got '{}' ({})", q.unit, d.describe()),
            })
        }
    }
}

/// Plausible ranges of physical quantities, checked by the loader on every value of these
/// dimensions as written in a model file (issue #14 §3): `(dimension, largest magnitude in SI,
/// the bound as messages show it)`. A value beyond is a located load error naming it and the
/// range, instead of a run that goes on with `NaN`s or at 5e296 V.
///
/// - Voltages (initial values, reversal potentials, thresholds, voltage sources): |V| ≤ 10 V,
///   a hundred times the ~100 mV span of membrane potentials (Hodgkin & Huxley 1952, SI units).
/// - Current densities (`i_ext`, stimulus amplitudes per area): |J| ≤ 1000 A/m² = 100 mA/cm²,
///   10⁴ times the 10 µA/cm² that drives the Hodgkin–Huxley axon to fire, and beyond what the
///   sodium current (120 mS/cm² × 0.1 V = 12 mA/cm²) can balance.
/// - Currents (absolute `i_ext`, stimulus amplitudes, Hopfield inputs in normalised units):
///   |I| ≤ 10 A.
/// - Conductance densities (`gbar` per area, and a `[[channel]]`'s `gbar · conductance(gates)`
///   evaluated at load over its gates' `[0, 1]` box and the voltages of [`MEMBRANE_VOLTAGE`]):
///   |g| ≤ 10⁵ S/m² = 10 S/cm², three times
///   the densest ion-channel membrane known, the node of Ranvier (≈ 1000–2000 Na⁺ channels/µm² of
///   ≈ 15 pS, ≈ 3 S/cm²; Hille, *Ion Channels of Excitable Membranes*, 3rd ed., 2001),
///   and 80 times the Hodgkin–Huxley sodium `ḡ` of 120 mS/cm².
/// - Conductances (absolute `gbar`, synaptic weights, Hopfield weights in normalised units):
///   |G| ≤ 1000 S, a 1 mΩ conductor: with |V| ≤ 10 V it carries 10⁴ A.
/// - Capacitance densities (`capacitance` per area): |C| ≤ 1 F/m² = 100 µF/cm², a hundred times
///   the ≈ 0.9 µF/cm² of neuronal membranes (Gentet, Stuart & Clements 2000, *Biophys. J.*
///   79:314).
/// - Capacitances (absolute, Hopfield capacitances in normalised units): |C| ≤ 1000 F.
/// - Areas (a node's membrane `area`): ≤ 1 m², ten thousand times a squid giant axon's
///   membrane over a centimetre (0.5 mm across: 1.6 cm²).
/// - Resistances (device and source resistances): |R| ≤ 10¹⁵ Ω, beyond a gigaseal (10⁹–10¹⁰ Ω)
///   by five orders (a 10³³ Ω `r_off` drove a node to 10 V).
pub const PLAUSIBLE: &[(Dimension, f64, &str)] = &[
    (Dimension::VOLTAGE, 10.0, "±10 V"),
    (
        Dimension([-2, 0, 0, 1, 0]),
        1e3,
        "±1000 A/m^2 (±100 mA/cm^2)",
    ),
    (Dimension::CURRENT, 10.0, "±10 A"),
    (Dimension([-4, -1, 3, 2, 0]), 1e5, "±1e5 S/m^2 (±10 S/cm^2)"),
    (Dimension::CONDUCTANCE, 1e3, "±1000 S"),
    (Dimension([-4, -1, 4, 2, 0]), 1.0, "±1 F/m^2 (±100 uF/cm^2)"),
    (Dimension::CAPACITANCE, 1e3, "±1000 F"),
    (Dimension::AREA, 1.0, "1 m^2"),
    (Dimension::RESISTANCE, 1e15, "±1e15 Ohm"),
];

/// The plausible range of a neuron's membrane voltage, ±0.5 V \[V\], narrower than the ±10 V
/// of circuit node voltages ([`PLAUSIBLE`]). Physiological membrane potentials lie between the
/// potassium and sodium reversal potentials, about −100 mV to +60 mV (Hille 2001), and a
/// lipid bilayer held at 0.5–1 V breaks down by electroporation within microseconds (Weaver &
/// Chizmadzhev 1996, *Bioelectrochem. Bioenerg.* 41:135): a membrane model beyond ±0.5 V has
/// left the range its rate functions describe. Used for a `[[channel]]`'s expressions at load
/// (evaluated over this voltage range) and for network membranes during a run.
pub const MEMBRANE_VOLTAGE: f64 = 0.5;

/// Checks `value` (SI, of dimension `dim`) against its [`PLAUSIBLE`] range; dimensions without
/// a range pass. The error is a phrase for the caller's message: "is outside the plausible
/// range ±10 V of a voltage". `NaN` fails.
pub fn check_plausible(value: f64, dim: Dimension) -> Result<(), String> {
    match PLAUSIBLE.iter().find(|(d, _, _)| *d == dim) {
        Some((_, bound, shown)) if value.is_nan() || value.abs() > *bound => Err(format!(
            "is outside the plausible range {shown} of {}",
            dim.describe()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn si(s: &str) -> (f64, Dimension) {
        let q = parse_quantity(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (q.value, q.dim.unwrap_or(Dimension::NONE))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    #[test]
    fn the_documented_examples() {
        let cases: &[(&str, f64, Dimension)] = &[
            ("120 mS/cm^2", 1200.0, Dimension([-4, -1, 3, 2, 0])),
            ("-65 mV", -0.065, Dimension::VOLTAGE),
            ("1 uF/cm^2", 0.01, Dimension([-4, -1, 4, 2, 0])),
            ("1 µF/cm²", 0.01, Dimension([-4, -1, 4, 2, 0])),
            ("10 nm", 1e-8, Dimension::LENGTH),
            ("0.1 ms", 1e-4, Dimension::TIME),
            ("1e-14 m^2/(V*s)", 1e-14, Dimension([0, -1, 2, 1, 0])),
            ("1e-14 m^2/(V s)", 1e-14, Dimension([0, -1, 2, 1, 0])),
            ("1/ms", 1e3, Dimension::FREQUENCY),
            ("2 /ms", 2e3, Dimension::FREQUENCY),
            ("20000 um^2", 2e-8, Dimension::AREA),
            ("1.1e6 1/(M*s)", 1.1e3, Dimension([3, 0, -1, 0, -1])),
            ("1 mM", 1.0, Dimension::CONCENTRATION),
            ("1 M", 1e3, Dimension::CONCENTRATION),
            ("100 Ohm", 100.0, Dimension::RESISTANCE),
            ("100 Ω", 100.0, Dimension::RESISTANCE),
            ("16 kOhm", 16e3, Dimension::RESISTANCE),
            ("2 MOhm", 2e6, Dimension::RESISTANCE),
            ("10 Hz", 10.0, Dimension::FREQUENCY),
            ("1 mWb", 1e-3, Dimension::FLUX),
            ("3 S", 3.0, Dimension::CONDUCTANCE),
            ("3 F", 3.0, Dimension::CAPACITANCE),
            ("3 V", 3.0, Dimension::VOLTAGE),
            ("3 nA", 3e-9, Dimension::CURRENT),
            ("1 S/V^2", 1.0, Dimension([-6, -3, 9, 4, 0])),
            ("1 kg", 1.0, Dimension([0, 1, 0, 0, 0])),
            ("0.5", 0.5, Dimension::NONE),
            ("180 deg", std::f64::consts::PI, Dimension::NONE),
            ("1 m", 1.0, Dimension::LENGTH),
            ("1 mm", 1e-3, Dimension::LENGTH),
            ("1 s^-1", 1.0, Dimension::FREQUENCY),
            ("1 A*s", 1.0, Dimension::CHARGE),
        ];
        for (s, v, d) in cases {
            let (value, dim) = si(s);
            assert!(close(value, *v), "{s}: {value} vs {v}");
            assert_eq!(dim, *d, "{s}");
        }
    }

    #[test]
    fn malformed_inputs_are_errors_with_offsets() {
        for (s, needle, offset) in [
            ("mV", "does not start with a number", 0),
            ("1 Ms", "ambiguous", 2),
            ("1 Mm", "prefix M (mega)", 2),
            ("1 mVV", "unknown unit 'mVV'", 2),
            ("1 xyz", "unknown unit", 2),
            ("1 mS/(cm^2", "unbalanced", 5),
            ("1 mS/cm^", "exponent", 8),
            ("1 mS/cm^99", "exponent", 8),
            ("1e999 V", "not a finite number", 0),
            ("1 mS cm^2)", "unexpected ')'", 9),
            ("", "does not start with a number", 0),
            ("1 m$", "unexpected '$'", 3),
            ("1 ohms", "did you mean 'Ohm'", 2),
            ("1 mss", "did you mean 'ms'", 2),
            ("1 ((((((((((((((((((V))))))))))))))))))", "too deeply", 19),
        ] {
            let e = parse_quantity(s).expect_err(s);
            assert!(e.message.contains(needle), "{s}: {}", e.message);
            assert_eq!(e.offset, offset, "{s}: {}", e.message);
        }
    }

    #[test]
    fn expected_quantities_of_command_line_options() {
        let v = Dimension::VOLTAGE;
        let parse = |s: &str, dim: Dimension| parse_expected(s, dim, None);
        assert_eq!(parse("1.5", v), Ok(1.5));
        assert_eq!(parse("-65mV", v), Ok(-0.065));
        assert_eq!(parse("-65 mV", v), Ok(-0.065));
        assert_eq!(parse("2kHz", Dimension::FREQUENCY), Ok(2000.0));
        assert_eq!(parse("1e-3s", Dimension::TIME), Ok(1e-3));
        assert!((parse("20us", Dimension::TIME).expect("ok") - 20e-6).abs() < 1e-20);
        assert_eq!(parse("3", Dimension::NONE), Ok(3.0));
        assert_eq!(
            parse("10S/m^2", Dimension::CONDUCTANCE.per_area()),
            Ok(10.0)
        );
        assert_eq!(parse("2MV", v), Ok(2e6));
        assert_eq!(parse("1Ms", Dimension::TIME), Ok(1e6));
        for (bad, dim, needle) in [
            ("abc", v, "'abc' is not a number"),
            ("", v, "is not a number"),
            ("nan", v, "'nan' is not a finite number"),
            ("inf", Dimension::TIME, "not a finite number"),
            (
                "1mA",
                v,
                "'1mA' has unit 'mA' (a current), expected a voltage (V)",
            ),
            ("1xV", v, "unknown unit"),
            ("2V", Dimension::NONE, "expected a dimensionless number"),
        ] {
            let e = parse(bad, dim).expect_err(bad);
            assert!(e.message.contains(needle), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn dimension_messages_name_both_sides() {
        let q = parse_quantity("3 mV").expect("valid");
        let cd = Dimension::CONDUCTANCE.per_area();
        assert_eq!(
            check_dimension(&q, cd, None).unwrap_err(),
            "expected a conductance density (S/m^2), got 'mV' (a voltage)"
        );
        assert_eq!(
            check_dual(
                &parse_quantity("1 mV").expect("valid"),
                Dimension::CAPACITANCE
            )
            .unwrap_err(),
            "expected a capacitance (F) or a capacitance density (F/m^2), got 'mV' (a voltage)"
        );
        assert!(check_dual(&parse_quantity("1").expect("v"), Dimension::CAPACITANCE).is_err());
        let (v, form) = check_dual(
            &parse_quantity("2 uF/cm^2").expect("v"),
            Dimension::CAPACITANCE,
        )
        .expect("valid");
        assert!(close(v, 0.02) && form == Form::PerArea);
    }

    #[test]
    fn every_catalogue_unit_parses() {
        for e in memrc::element::Catalogue::all() {
            for p in e.info.params {
                parse_unit(p.unit).unwrap_or_else(|er| panic!("{}: {}: {er}", e.info.name, p.unit));
            }
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn round_trip_through_prefixes(
            x in -1e6f64..1e6,
            p in prop::sample::select(vec![("p", 1e-12), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("", 1.0), ("k", 1e3)]),
            u in prop::sample::select(vec!["V", "A", "S", "F", "s", "Ohm", "Hz", "Wb"]),
        ) {
            let s = format!("{x:e} {}{u}", p.0);
            let q = parse_quantity(&s).expect("valid");
            prop_assert!((q.value - x * p.1).abs() <= 1e-12 * (x * p.1).abs() + 1e-300, "{s}");
            let back = q.value / p.1;
            prop_assert!((back - x).abs() <= 1e-9 * x.abs() + 1e-300);
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_quantity(&s);
        }

        #[test]
        fn never_panics_on_unit_alphabet(s in "[0-9 .eE+\\-*/^()mMuµkSVFAsOhm²³]{0,24}") {
            let _ = parse_quantity(&s);
        }
    }
}
