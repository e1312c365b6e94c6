use super::hh_rates::{self, ALPHA_M, ALPHA_N, BETA_N};
use super::parse::{MAX_DEPTH, parse};
use super::program::Program;
use super::*;
use crate::element::channel::hh::{self, HhPotassium, HhSodium};
use crate::element::channel::test_util::check_jacobian;
use crate::element::{Element, ElementJacobian};

/// Compiles a one-variable expression in `v`.
fn prog(src: &str) -> Program {
    let n = parse(src, &["v"], "variable").unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let p = Program::compile(&n, 1).expect("compiles");
    assert_eq!(p.n_vars(), 1);
    p
}

fn ev(src: &str, v: f64) -> f64 {
    prog(src).eval(v)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// The classic HH sodium channel at the catalogue defaults, named `my-na`.
fn na_spec() -> ExprChannelSpec {
    ExprChannelSpec {
        name: "my-na".into(),
        ..ExprChannelSpec::hh_sodium(1200.0, 0.050)
    }
}

/// The classic HH potassium channel at the catalogue defaults, named `my-k`.
fn k_spec() -> ExprChannelSpec {
    ExprChannelSpec {
        name: "my-k".into(),
        ..ExprChannelSpec::hh_potassium(360.0, -0.077)
    }
}
#[test]
fn operators_precedence_and_literals() {
    let cases: &[(&str, f64, f64)] = &[
        ("1+2*3", 0.0, 7.0),
        ("(1+2)*3", 0.0, 9.0),
        ("8/4/2", 0.0, 1.0),
        ("10-4-3", 0.0, 3.0),
        ("2^3^2", 0.0, 512.0),
        ("-v^2", 3.0, -9.0),
        ("(-v)^2", 3.0, 9.0),
        ("2^-1", 0.0, 0.5),
        ("-2^2", 0.0, -4.0),
        ("--v", 2.0, 2.0),
        ("+v", 2.0, 2.0),
        ("2*-v", 2.0, -4.0),
        ("v^0.5", 16.0, 4.0),
        ("1e-3", 0.0, 1e-3),
        ("2.5E+2", 0.0, 250.0),
        (".5*v", 3.0, 1.5),
        ("1.", 0.0, 1.0),
        (" 3 *\tv ", 2.0, 6.0),
    ];
    for &(src, v, want) in cases {
        assert_eq!(ev(src, v), want, "{src} at {v}");
    }
}

#[test]
fn functions() {
    let v = 0.7_f64;
    let cases: &[(&str, f64)] = &[
        ("exp(v)", v.exp()),
        ("log(v)", v.ln()),
        ("sqrt(v)", v.sqrt()),
        ("abs(-v)", v),
        ("tanh(v)", v.tanh()),
        ("sinh(v)", v.sinh()),
        ("cosh(v)", v.cosh()),
        ("min(v, 0.2)", 0.2),
        ("max(v, 0.2)", v),
        ("pow(v, 3)", v.powi(3)),
        ("pow(2, v)", 2f64.powf(v)),
        ("exprel(v)", v.exp_m1() / v),
        ("exp(v)-1", v.exp_m1()),
        ("1-exp(v)", -v.exp_m1()),
    ];
    for &(src, want) in cases {
        assert!(
            rel(ev(src, v), want) <= 2e-16,
            "{src}: {} vs {want}",
            ev(src, v)
        );
    }
    assert_eq!(ev("exprel(v)", 0.0), 1.0);
    assert!(rel(ev("exprel(v)", 1e-10), 1.0 + 0.5e-10) <= 1e-16);
    assert!(rel(ev("exprel(v)", -30.0), (1.0 - (-30f64).exp()) / 30.0) <= 1e-15);
}

#[test]
fn derivatives_of_every_function_match_central_differences() {
    let srcs = [
        "exp(v)",
        "log(v)",
        "sqrt(v)",
        "abs(v-1)",
        "tanh(v)",
        "sinh(v)",
        "cosh(v)",
        "min(v, 2-v)",
        "max(v^2, 0.5)",
        "pow(v, 3)",
        "pow(2, v)",
        "v^v",
        "exprel(v)",
        "exprel(3*v-2)",
        "exp(v)-1",
        "1/(1+exp(-v))",
        "v/(1-exp(-v))",
        "-v^2/3",
    ];
    for src in srcs {
        let n = parse(src, &["v"], "variable").expect("parses");
        let d = Program::compile(&super::parse::diff(&n, 0), 1).expect("compiles");
        let f = prog(src);
        for &v in &[0.3, 0.77, 1.4, 2.2] {
            let h = 1e-5;
            let fd = (f.eval(v + h) - f.eval(v - h)) / (2.0 * h);
            let got = d.eval(v);
            assert!(
                (got - fd).abs() <= 1e-8 * got.abs().max(1.0),
                "{src}' at {v}: {got} vs {fd}"
            );
        }
    }
}

#[test]
fn block_evaluation_is_bitwise_the_scalar_evaluation() {
    // Every operation kind (and the derivatives, which use sign/select/exprel slopes), on a
    // grid through the removable singularities and the cancellation points.
    let srcs = hh_rates::ALL.into_iter().chain([
        "(0.1*v+4)/(1-exp(-0.1*v-4))",
        "v/(exp(v/5)-1) + 2*v - v^2/3 + 2^v + v^-1.5",
        "min(v, 2-v) * max(v^2, 0.5) + abs(v-1) + sqrt(abs(v)) + log(abs(v)+1)",
        "tanh(v/10) + sinh(v/30) + cosh(v/30) + pow(abs(v), 0.3) + exprel(v/7)",
        "3",
        "(v+40)/(v+40)",
        "v - (v + 1e-14)",
    ]);
    let mut xs: Vec<f64> = (0..=1200).map(|k| -100.0 + 0.1 * f64::from(k)).collect();
    for s in [-40.0, -55.0, 0.0, 20.0] {
        for d in [0.0, 1e-12, -1e-12, 1e-7, -1e-7] {
            xs.push(s + d);
        }
    }
    xs.extend([f64::NAN, f64::INFINITY, -1e300, 0.0]);
    for src in srcs {
        let n = parse(src, &["v"], "variable").expect("parses");
        let mut progs = vec![prog(src)];
        progs.push(Program::compile(&super::parse::diff(&n, 0), 1).expect("compiles"));
        for p in &progs {
            // Blocks of several sizes, so lanes meet different neighbours.
            for chunk in [1, 7, 512] {
                for c in xs.chunks(chunk) {
                    let mut out = vec![0.0; c.len()];
                    p.eval_batch(c, &mut out);
                    for (x, y) in c.iter().zip(&out) {
                        // Bitwise, except NaN payloads (Rust does not specify them).
                        let want = p.eval(*x);
                        assert!(
                            y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()),
                            "{src} at {x}: block {y} vs scalar {want}"
                        );
                    }
                }
            }
        }
    }
    // Several variables (a conductance in gate names).
    let n = parse("m^3*h + n^4 - m*h/(n+1)", &["m", "h", "n"], "gate").expect("parses");
    let p = Program::compile(&n, 3).expect("compiles");
    let vars: Vec<Vec<f64>> = (0..3)
        .map(|j| {
            (0..300)
                .map(|k| (f64::from(k) * 0.0037 + f64::from(j) * 0.31) % 1.0)
                .collect()
        })
        .collect();
    let mut out = vec![0.0; 300];
    p.values_batch(|j| &vars[j], &mut out);
    for (k, y) in out.iter().enumerate() {
        let want = p.run(&[vars[0][k], vars[1][k], vars[2][k]]).0;
        assert_eq!(y.to_bits(), want.to_bits());
    }
}

#[test]
fn constants_fold_and_programs_are_short() {
    assert!(prog("2*3+4").len() == 1);
    // 0.1*(v+40)/(−expm1(−(v+40)/10)): fused constant operands.
    assert!(prog(ALPHA_M).len() <= 10, "{}", prog(ALPHA_M).len());
}

#[test]
fn removable_singularity_matches_the_builtin_alpha_m() {
    let forms = [
        ALPHA_M,
        "0.1*(v+40)/(1-1/exp((v+40)/10))",
        "(0.1*v+4)/(1-exp(-0.1*v-4))",
        "1/exprel(-(v+40)/10)",
        "-0.1*(v+40)/(exp(-(v+40)/10)-1)",
    ];
    for src in forms {
        let p = prog(src);
        for mag in [0.0, 1e-12, 1e-9, 1e-6, 1e-3] {
            for sign in [-1.0, 1.0] {
                let v = -40.0 + sign * mag;
                let want = 1e-3 * hh::alpha_m(v * 1e-3);
                let got = p.eval(v);
                assert!(
                    rel(got, want) <= 1e-10,
                    "{src} at {v}: {got} vs {want} (rel {:e})",
                    rel(got, want)
                );
            }
        }
    }
    // The canonical form is exact to rounding right at and around the point.
    let p = prog(ALPHA_M);
    for d in [0.0, 1e-12, -1e-9, 1e-6, -1e-3] {
        let v = -40.0 + d;
        assert!(rel(p.eval(v), 1e-3 * hh::alpha_m(v * 1e-3)) <= 4e-16, "{v}");
    }
}

#[test]
fn no_nan_on_a_fine_sweep() {
    let srcs = hh_rates::ALL
        .into_iter()
        .chain(["(0.1*v+4)/(1-exp(-0.1*v-4))"]);
    for src in srcs {
        let n = parse(src, &["v"], "variable").expect("parses");
        let f = Program::compile(&n, 1).expect("compiles");
        let d = Program::compile(&super::parse::diff(&n, 0), 1).expect("compiles");
        // −150 … +100 mV in steps of 1 µV, plus the singular points exactly.
        let mut k = 0;
        while k <= 250_000 {
            let v = -150.0 + 1e-3 * f64::from(k);
            assert!(
                f.eval(v).is_finite() && d.eval(v).is_finite(),
                "{src} at {v}"
            );
            k += 1;
        }
        for v in [-40.0, -55.0, -35.0, -65.0] {
            assert!(
                f.eval(v).is_finite() && d.eval(v).is_finite(),
                "{src} at {v}"
            );
        }
    }
}

/// Compares two elements' `a`, `b`, conductance and Jacobian.
fn assert_same_element(ours: &dyn Element, builtin: &dyn Element, tol: f64, tol_jac: f64) {
    let ns = builtin.n_states();
    assert_eq!(ours.n_states(), ns);
    assert_eq!(ours.state_names(), builtin.state_names());
    assert_eq!(ours.battery(0), builtin.battery(0));
    let xs: [[f64; 2]; 3] = [[0.05, 0.6], [0.5, 0.3], [0.97, 0.01]];
    let mut k = 0;
    while k <= 500 {
        let vm = -0.150 + 0.0005 * f64::from(k) + if k % 7 == 0 { 0.0 } else { 1.3e-6 };
        let w = [vm - builtin.battery(0)];
        let (mut a1, mut b1, mut a2, mut b2) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
        assert!(ours.linear_coefficients(&w, &mut a1[..ns], &mut b1[..ns]));
        assert!(builtin.linear_coefficients(&w, &mut a2[..ns], &mut b2[..ns]));
        for j in 0..ns {
            assert!(
                rel(a1[j], a2[j]) <= tol,
                "a[{j}] at {vm}: {} vs {}",
                a1[j],
                a2[j]
            );
            assert!(
                rel(b1[j], b2[j]) <= tol,
                "b[{j}] at {vm}: {} vs {}",
                b1[j],
                b2[j]
            );
        }
        for x in &xs {
            let x = &x[..ns];
            let (mut g1, mut g2) = ([0.0], [0.0]);
            ours.conductance(x, &w, &mut g1);
            builtin.conductance(x, &w, &mut g2);
            assert!(rel(g1[0], g2[0]) <= tol, "g at {vm}");
            let mut j1 = ElementJacobian::for_element(ours);
            let mut j2 = ElementJacobian::for_element(builtin);
            ours.jacobian(x, &w, &mut j1);
            builtin.jacobian(x, &w, &mut j2);
            for (name, p, q) in [
                ("df_dx", &j1.df_dx, &j2.df_dx),
                ("df_dv", &j1.df_dv, &j2.df_dv),
                ("dg_dx", &j1.dg_dx, &j2.dg_dx),
                ("dg_dv", &j1.dg_dv, &j2.dg_dv),
            ] {
                let scale = q.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
                for (e1, e2) in p.iter().zip(q.iter()) {
                    assert!(
                        (e1 - e2).abs() <= tol_jac * e2.abs().max(1e-12 * scale),
                        "{name} at {vm} mV, x = {x:?}: {e1} vs {e2}"
                    );
                }
            }
        }
        k += 1;
    }
}

#[test]
fn hh_as_expressions_equals_the_builtin_hh() {
    let na = ExprChannel::new(&na_spec()).expect("valid");
    let k = ExprChannel::new(&k_spec()).expect("valid");
    let na0 = HhSodium::build(&[]).expect("defaults");
    let k0 = HhPotassium::build(&[]).expect("defaults");
    assert_same_element(&na, na0.as_ref(), 1e-12, 1e-12);
    assert_same_element(&k, k0.as_ref(), 1e-12, 1e-12);
    // At the singular points themselves the Jacobian comes from the extrapolated limit.
    for (el, el0, v) in [(&na, &na0, -0.040), (&k, &k0, -0.055)] {
        let w = [v - el.battery(0)];
        let x = [0.3, 0.6];
        let ns = el.n_states();
        let mut j1 = ElementJacobian::for_element(el);
        let mut j2 = ElementJacobian::for_element(el0.as_ref());
        el.jacobian(&x[..ns], &w, &mut j1);
        el0.jacobian(&x[..ns], &w, &mut j2);
        for (e1, e2) in j1.df_dv.iter().zip(&j2.df_dv) {
            assert!(rel(*e1, *e2) <= 1e-10, "df_dv at {v}: {e1} vs {e2}");
        }
    }
}

#[test]
fn tau_inf_form_equals_alpha_beta_form() {
    let a = format!("({ALPHA_N})");
    let b = format!("({BETA_N})");
    let ti = ExprChannelSpec {
        gates: vec![ExprGateSpec {
            name: "n".into(),
            kinetics: ExprKinetics::TauInf {
                tau: format!("1/({a}+{b})"),
                inf: format!("{a}/({a}+{b})"),
            },
            q10: None,
        }],
        ..k_spec()
    };
    let ti = ExprChannel::new(&ti).expect("valid");
    let k0 = HhPotassium::build(&[]).expect("defaults");
    assert_same_element(&ti, k0.as_ref(), 1e-13, 1e-11);
    for v_mv in [-90.0, -55.0, -54.9, -20.0, 30.0] {
        check_jacobian(&ti, &[0.4], &[v_mv * 1e-3 + 0.077]);
    }
    let mut x = [0.0];
    ti.initial_state(&[-0.065 + 0.077], &mut x);
    let (a, b) = (hh::alpha_n(-0.065), hh::beta_n(-0.065));
    assert!(rel(x[0], a / (a + b)) <= 1e-14, "{x:?}");
}

#[test]
fn element_interface() {
    let na = ExprChannel::new(&na_spec()).expect("valid");
    assert_eq!(na.name(), "my-na");
    assert_eq!(na.gate_names(), ["m", "h"]);
    assert_eq!(na.info().name, "expr-channel");
    assert_eq!(na.state_form(), StateForm::Linear);
    assert_eq!(na.param_values(), vec![("gbar", 1200.0), ("e_rev", 0.050)]);
    let w = [-0.030 - 0.050];
    let x = [0.3, 0.7];
    let (mut a, mut b, mut f) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    na.linear_coefficients(&w, &mut a, &mut b);
    na.state_rhs(&x, &w, &mut f);
    for j in 0..2 {
        assert!((f[j] - (a[j] - b[j] * x[j])).abs() <= 1e-12 * b[j]);
    }
    let leak = ExprChannel::new(&ExprChannelSpec {
        name: "leak".into(),
        gbar: 3.0,
        e_rev: -0.054387,
        conductance: "1".into(),
        gates: vec![],
    })
    .expect("valid");
    let mut g = [0.0];
    leak.conductance(&[], &[0.0], &mut g);
    assert_eq!((leak.n_states(), g[0]), (0, 3.0));
}

fn err_of(spec: &ExprChannelSpec) -> ModelError {
    ExprChannel::new(spec).expect_err("invalid spec")
}

fn with_alpha(alpha: &str) -> ExprChannelSpec {
    ExprChannelSpec {
        gates: vec![ExprGateSpec::alpha_beta("n", alpha, BETA_N)],
        ..k_spec()
    }
}

#[test]
fn unknown_function_is_reported_with_a_suggestion_and_column() {
    let e = err_of(&with_alpha("0.1*expp(v)"));
    assert_eq!(
        e.to_string(),
        "channel 'my-k' gate 'n' alpha: unknown function 'expp' (did you mean 'exp'?) at column 5 in \"0.1*expp(v)\""
    );
    assert!(matches!(
        e,
        ModelError::BadExpression {
            position: Some(4),
            ..
        }
    ));
}

#[test]
fn bad_expressions_are_errors_with_positions() {
    let cases: &[(&str, Option<usize>, &str)] = &[
        ("0.1*x", Some(4), "unknown variable 'x'"),
        ("0.1*vv", Some(4), "did you mean 'v'"),
        ("0.1*(v+40", Some(4), "unbalanced '('"),
        ("0.1*v)", Some(5), "unbalanced ')'"),
        ("0.1*/v", Some(4), "unexpected '/'"),
        ("2v", Some(1), "expected an operator"),
        ("v**2", Some(2), "use '^'"),
        ("exp", Some(0), "needs its arguments"),
        ("exp(v, 1)", Some(0), "takes 1 argument"),
        ("min(v)", Some(0), "takes 2 arguments"),
        ("v $ 2", Some(2), "unexpected character '$'"),
        ("1e400", Some(0), "out of range"),
        ("1..2", Some(0), "malformed number"),
        ("v+", Some(2), "unexpected end"),
        ("", None, "empty expression"),
        ("   ", None, "empty expression"),
        ("exp()", Some(0), "takes 1 argument"),
    ];
    for &(src, pos, reason) in cases {
        match err_of(&with_alpha(src)) {
            ModelError::BadExpression {
                context,
                expression,
                position,
                reason: r,
            } => {
                assert_eq!(context, "channel 'my-k' gate 'n' alpha");
                assert_eq!(expression, src);
                assert_eq!(position, pos, "{src}: {r}");
                assert!(r.contains(reason), "{src}: {r}");
            }
            e => panic!("{src}: {e}"),
        }
    }
}

#[test]
fn hostile_input_is_rejected_without_overflow() {
    let deep = format!("{}v{}", "(".repeat(2000), ")".repeat(2000));
    let minus = format!("{}v", "-".repeat(3000));
    let pow = vec!["v"; 1000].join("^");
    let chain = vec!["v"; 1500].join("+");
    let calls = format!("{}v{}", "exp(".repeat(500), ")".repeat(500));
    let long = "1+".repeat(3000) + "1";
    for src in [deep, minus, pow, chain, calls, long] {
        let e = err_of(&with_alpha(&src));
        assert!(
            matches!(&e, ModelError::BadExpression { reason, .. }
                if reason.contains("nested") || reason.contains("too long")),
            "{e}"
        );
    }
    // Just inside the limit works.
    let ok = format!(
        "{}v{}",
        "(".repeat(MAX_DEPTH - 2),
        ")".repeat(MAX_DEPTH - 2)
    );
    assert_eq!(ev(&ok, 2.0), 2.0);
}

#[test]
fn spec_errors() {
    let mut s = k_spec();
    s.gates[0].name = "v".into();
    assert!(
        matches!(err_of(&s), ModelError::Inconsistent { reason, .. } if reason.contains("'v'"))
    );
    s.gates[0].name = "exp".into();
    assert!(matches!(err_of(&s), ModelError::Inconsistent { .. }));
    s.gates[0].name = "n 1".into();
    assert!(matches!(err_of(&s), ModelError::Inconsistent { .. }));
    let mut s = na_spec();
    s.gates[1].name = "m".into();
    assert!(
        matches!(err_of(&s), ModelError::Inconsistent { reason, .. } if reason.contains("twice"))
    );
    let mut s = na_spec();
    s.conductance = "m^3*hh".into();
    let e = err_of(&s);
    assert!(
        matches!(&e, ModelError::BadExpression { context, position: Some(4), reason, .. }
            if context == "channel 'my-na' conductance" && reason.contains("unknown gate 'hh'")
                && reason.contains("did you mean 'h'")),
        "{e}"
    );
    // `v` is a variable of the conductance (the memoryless part); an unknown name is not.
    s.conductance = "m^3*h*v".into();
    assert!(ExprChannel::new(&s).is_ok_and(|c| c.is_voltage_dependent()));
    s.conductance = "m^3*h*w".into();
    assert!(matches!(err_of(&s), ModelError::BadExpression { .. }));
    let mut s = k_spec();
    s.gbar = f64::NAN;
    assert!(matches!(err_of(&s), ModelError::NonFinite { param, .. } if param == "gbar"));
    s.gbar = -1.0;
    assert!(matches!(err_of(&s), ModelError::ParamOutOfRange { param, .. } if param == "gbar"));
    s.gbar = 1.0;
    s.e_rev = 77.0;
    assert!(matches!(err_of(&s), ModelError::ParamOutOfRange { param, .. } if param == "e_rev"));
    let mut s = k_spec();
    s.gates[0].kinetics = ExprKinetics::TauInf {
        tau: "1".into(),
        inf: "m".into(),
    };
    let e = err_of(&s);
    assert!(
        e.to_string()
            .starts_with("channel 'my-k' gate 'n' inf: unknown variable 'm'"),
        "{e}"
    );
}

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn random_strings_never_panic(s in "[-+*/^(),.0-9eEvxmhn a-z$]{0,40}") {
            let _ = ExprChannel::new(&with_alpha(&s)).map(|c| {
                let mut a = [0.0];
                let mut b = [0.0];
                for w in [-0.2, 0.0, 0.037, 1.0] {
                    c.linear_coefficients(&[w], &mut a, &mut b);
                    let mut j = ElementJacobian::for_element(&c);
                    c.jacobian(&[0.5], &[w], &mut j);
                }
            });
            let mut cs = na_spec();
            cs.conductance = s.clone();
            let _ = ExprChannel::new(&cs).map(|c| {
                let mut g = [0.0];
                c.conductance(&[0.3, 0.2], &[0.0], &mut g);
            });
        }

        #[test]
        fn random_byte_soup_never_panics(s in "\\PC{0,60}") {
            let _ = ExprChannel::new(&with_alpha(&s)).map(|c| {
                let (mut a, mut b) = ([0.0], [0.0]);
                c.linear_coefficients(&[0.01], &mut a, &mut b);
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Comparisons, conditionals, parameters, temperature, instantaneous gates.

#[test]
fn comparisons_and_conditionals() {
    let cases: &[(&str, f64, f64)] = &[
        ("v < 1", 0.0, 1.0),
        ("v < 1", 1.0, 0.0),
        ("v <= 1", 1.0, 1.0),
        ("v > 1", 2.0, 1.0),
        ("v >= 2", 1.0, 0.0),
        ("v == 3", 3.0, 1.0),
        ("v != 3", 3.0, 0.0),
        // Comparisons bind loosest: (v + 1) < 2.
        ("v + 1 < 2", 0.5, 1.0),
        ("2*(v > 0) - 1", -4.0, -1.0),
        ("if(v > 0, v, -v)", -2.5, 2.5),
        ("if(v > 0, v, -v)", 2.5, 2.5),
        ("if(v, 10, 20)", 0.0, 20.0),
        ("if(v, 10, 20)", -1e-300, 10.0),
        ("if(v < -1, 1, if(v < 1, 2, 3))", 0.0, 2.0),
        ("if(v < -1, 1, if(v < 1, 2, 3))", 5.0, 3.0),
        // A constant condition picks its branch; the other is not evaluated.
        ("if(1 < 2, v, log(-1))", 4.0, 4.0),
    ];
    for &(src, v, want) in cases {
        assert_eq!(ev(src, v), want, "{src} at {v}");
    }
    // NaN: comparisons are false (but !=), if takes the else branch.
    assert_eq!(ev("v < 1", f64::NAN), 0.0);
    assert_eq!(ev("v != 1", f64::NAN), 1.0);
    assert_eq!(ev("if(v, 1, 2)", f64::NAN), 2.0);
    // Block evaluation is bitwise the scalar one.
    for src in ["if(v > 0.3, exp(v), 1 - v)", "(v <= 0.5)*v + (v > 0.5)*2"] {
        let p = prog(src);
        let xs: Vec<f64> = (0..64).map(|i| -1.0 + 0.05 * f64::from(i)).collect();
        let mut out = vec![0.0; xs.len()];
        p.eval_batch(&xs, &mut out);
        for (x, y) in xs.iter().zip(&out) {
            assert_eq!(y.to_bits(), p.eval(*x).to_bits(), "{src} at {x}");
        }
    }
    // The derivative of if is that of the branch taken.
    let n = parse("if(v > 1, v^2, 3*v)", &["v"], "variable").expect("parses");
    let d = Program::compile(&super::parse::diff(&n, 0), 1).expect("compiles");
    assert_eq!((d.eval(2.0), d.eval(0.5)), (4.0, 3.0));
    let n = parse("v < 1", &["v"], "variable").expect("parses");
    assert_eq!(super::parse::diff(&n, 0), super::parse::Node::Num(0.0));
}

#[test]
fn comparison_errors_are_located() {
    let cases: &[(&str, Option<usize>, &str)] = &[
        ("v < 1 < 2", Some(6), "comparisons do not chain"),
        ("v = 1", Some(2), "write '=='"),
        ("v ! 1", Some(2), "write '!='"),
        ("if(v, 1)", Some(0), "takes 3 arguments"),
        ("< v", Some(0), "unexpected '<'"),
        ("v <", Some(3), "unexpected end"),
    ];
    for &(src, pos, reason) in cases {
        match err_of(&with_alpha(src)) {
            ModelError::BadExpression {
                position,
                reason: r,
                ..
            } => {
                assert_eq!(position, pos, "{src}: {r}");
                assert!(r.contains(reason), "{src}: {r}");
            }
            e => panic!("{src}: {e}"),
        }
    }
}

fn context(parameters: &[(&str, f64)], celsius: f64) -> ExprContext {
    ExprContext {
        parameters: parameters
            .iter()
            .map(|(n, x)| (n.to_string(), *x))
            .collect(),
        celsius,
    }
}

#[test]
fn named_parameters_and_celsius_are_constants_of_every_expression() {
    // HH potassium with its constants as parameters equals the literal one.
    let spec = ExprChannelSpec {
        gates: vec![ExprGateSpec::alpha_beta(
            "n",
            "a*(v+vh)/(1-exp(-(v+vh)/k))",
            "0.125*exp(-(v+65)/80) + 0*celsius",
        )],
        ..k_spec()
    };
    let ctx = context(&[("a", 0.01), ("vh", 55.0), ("k", 10.0)], 20.0);
    let with = ExprChannel::with_context(&spec, &ctx).expect("valid");
    let literal = ExprChannel::new(&k_spec()).expect("valid");
    for v in [-80.0, -55.0, -20.0, 10.0] {
        assert_eq!(
            with.gate_coefficients(0, v),
            literal.gate_coefficients(0, v),
            "{v}"
        );
    }
    // celsius is the context's temperature.
    let t = ExprChannel::with_context(
        &ExprChannelSpec {
            conductance: "n^4*celsius".into(),
            ..k_spec()
        },
        &context(&[], 20.0),
    )
    .expect("valid");
    assert_eq!(t.conductance_factor(&[0.5], -65.0), 0.0625 * 20.0);
    // An unknown name suggests a parameter; without a close one the known names are listed.
    let e = ExprChannel::with_context(&with_alpha("0.1*vhh"), &ctx).expect_err("unknown");
    assert!(e.to_string().contains("did you mean 'vh'?"), "{e}");
    let e = ExprChannel::with_context(&with_alpha("0.1*zzzz"), &ctx).expect_err("unknown");
    assert!(
        e.to_string()
            .contains("(known names: v, a, vh, k, celsius)"),
        "{e}"
    );
    // Names that mean something else are refused, as are repeats and non-finite values.
    for (params, what) in [
        (vec![("v", 1.0)], "'v'"),
        (vec![("celsius", 1.0)], "'celsius'"),
        (vec![("exp", 1.0)], "function"),
        (vec![("n", 1.0)], "parameter"),
        (vec![("a", 1.0), ("a", 2.0)], "twice"),
        (vec![("a", f64::NAN)], "not finite"),
        (vec![("2a", 1.0)], "identifier"),
    ] {
        let e = ExprChannel::with_context(&k_spec(), &context(&params, 6.3)).expect_err("bad");
        assert!(
            matches!(&e, ModelError::Inconsistent { reason, .. } if reason.contains(what)),
            "{params:?}: {e}"
        );
    }
}

#[test]
fn q10_scales_both_rates_by_q10_to_the_temperature_difference_over_ten() {
    let phi = 3f64.powf((20.0 - 6.3) / 10.0);
    let q = Q10::Temperature {
        q10: 3.0,
        reference: 6.3,
    };
    assert_eq!(q.factor(20.0), phi);
    assert_eq!(q.factor(6.3), 1.0);
    assert_eq!(Q10::Fixed(2.5).factor(37.0), 2.5);
    let a = format!("({ALPHA_N})");
    let b = format!("({BETA_N})");
    for gate in [
        ExprGateSpec::alpha_beta("n", ALPHA_N, BETA_N),
        ExprGateSpec::tau_inf("n", &format!("1/({a}+{b})"), &format!("{a}/({a}+{b})")),
    ] {
        let spec = |q: Option<Q10>| ExprChannelSpec {
            gates: vec![ExprGateSpec {
                q10: q,
                ..gate.clone()
            }],
            ..k_spec()
        };
        let cold = ExprChannel::with_context(&spec(None), &context(&[], 20.0)).expect("valid");
        let at_ref = ExprChannel::with_context(&spec(Some(q)), &context(&[], 6.3)).expect("valid");
        let warm = ExprChannel::with_context(&spec(Some(q)), &context(&[], 20.0)).expect("valid");
        for v in [-90.0, -55.0, -30.0, 20.0] {
            let (a0, b0) = cold.gate_coefficients(0, v);
            assert_eq!(at_ref.gate_coefficients(0, v), (a0, b0), "φ = 1 at T0");
            let (a1, b1) = warm.gate_coefficients(0, v);
            assert!(rel(a1, phi * a0) <= 4e-16, "a at {v}: {a1} vs {}", phi * a0);
            assert!(rel(b1, phi * b0) <= 4e-16, "b at {v}: {b1} vs {}", phi * b0);
            // The steady state does not change.
            assert!(rel(warm.gate_steady_state(0, v), cold.gate_steady_state(0, v)) <= 4e-16);
        }
        // The closed-form Jacobian includes φ.
        check_jacobian(&warm, &[0.3], &[-0.02 - warm.e_rev()]);
    }
    // Invalid factors, and a factor on an instantaneous gate, are refused.
    for gate in [
        ExprGateSpec::alpha_beta("n", ALPHA_N, BETA_N).with_q10(Q10::Fixed(0.0)),
        ExprGateSpec::alpha_beta("n", ALPHA_N, BETA_N).with_q10(Q10::Temperature {
            q10: 3.0,
            reference: f64::NAN,
        }),
        ExprGateSpec::instantaneous("n", "0.5").with_q10(Q10::Fixed(2.0)),
    ] {
        let s = ExprChannelSpec {
            gates: vec![gate],
            ..k_spec()
        };
        assert!(
            matches!(err_of(&s), ModelError::Inconsistent { .. }),
            "{s:?}"
        );
    }
}

/// Morris–Lecar's calcium channel (Morris and Lecar 1981; V1 = −1.2 mV, V2 = 18 mV), its
/// activation instantaneous: `g = ḡ m∞(v)`, no state.
fn ml_calcium() -> ExprChannelSpec {
    ExprChannelSpec {
        name: "ml-ca".into(),
        gbar: 44.0,
        e_rev: 0.120,
        conductance: "m".into(),
        gates: vec![ExprGateSpec::instantaneous(
            "m",
            "0.5*(1 + tanh((v + 1.2)/18))",
        )],
    }
}

/// Compares the closed-form Jacobian of `el` with central differences, `∂g/∂w` included.
fn check_full_jacobian(el: &dyn Element, x: &[f64], w: f64) {
    let mut exact = ElementJacobian::for_element(el);
    let mut fd = ElementJacobian::for_element(el);
    el.jacobian(x, &[w], &mut exact);
    crate::element::finite_difference_jacobian(el, x, &[w], &mut fd);
    for (name, a, b) in [
        ("df_dx", &exact.df_dx, &fd.df_dx),
        ("df_dv", &exact.df_dv, &fd.df_dv),
        ("dg_dx", &exact.dg_dx, &fd.dg_dx),
        ("dg_dv", &exact.dg_dv, &fd.dg_dv),
    ] {
        for (p, q) in a.iter().zip(b.iter()) {
            assert!(
                (p - q).abs() <= 1e-6 * p.abs().max(q.abs()).max(1e-3),
                "{name}: {a:?} vs {b:?} at w = {w}"
            );
        }
    }
}

#[test]
fn an_instantaneous_gate_is_a_memoryless_conductance_of_v() {
    let ca = ExprChannel::new(&ml_calcium()).expect("valid");
    assert_eq!(ca.n_states(), 0);
    assert!(ca.gate_names().is_empty());
    assert_eq!(ca.instantaneous_gate_names(), ["m"]);
    assert!(ca.is_voltage_dependent());
    assert_eq!(ca.state_form(), StateForm::Linear);
    for vm in [-80.0, -1.2, 0.0, 35.0] {
        let w = vm * 1e-3 - 0.120;
        let mut g = [0.0];
        ca.conductance(&[], &[w], &mut g);
        let want = 44.0 * 0.5 * (1.0 + ((vm + 1.2) / 18.0_f64).tanh());
        assert!(rel(g[0], want) <= 4e-16, "g at {vm}: {} vs {want}", g[0]);
        // ∂g/∂w [S/V] = ḡ m∞'(v) · 10³ (v in mV).
        let mut j = ElementJacobian::for_element(&ca);
        ca.jacobian(&[], &[w], &mut j);
        let sech2 = 1.0 - ((vm + 1.2) / 18.0_f64).tanh().powi(2);
        let slope = 44.0 * 0.5 * sech2 / 18.0 * 1e3;
        assert!(rel(j.dg_dv[0], slope) <= 1e-14, "dg/dv at {vm}");
        check_full_jacobian(&ca, &[], w);
    }
    // Mixed with a gate that has kinetics (HH sodium with m instantaneous, Rinzel 1985), and v
    // in the expression: only h is a state, every derivative in closed form.
    let na = ExprChannel::new(&ExprChannelSpec {
        conductance: "m^3*h*(1 + 0.001*v)".into(),
        gates: vec![
            ExprGateSpec::instantaneous(
                "m",
                &format!("({ALPHA_M})/(({ALPHA_M}) + 4*exp(-(v+65)/18))"),
            ),
            ExprGateSpec::alpha_beta("h", hh_rates::ALPHA_H, hh_rates::BETA_H),
        ],
        ..na_spec()
    })
    .expect("valid");
    assert_eq!(na.state_names(), ["h"]);
    for vm in [-70.0, -40.0, -10.0] {
        check_full_jacobian(&na, &[0.4], vm * 1e-3 - 0.050);
    }
    // Block evaluation of the conductance with v is bitwise the scalar one.
    let h: Vec<f64> = (0..40).map(|i| 0.01 + 0.02 * f64::from(i)).collect();
    let v: Vec<f64> = (0..40).map(|i| -90.0 + 3.0 * f64::from(i)).collect();
    let mut out = vec![0.0; 40];
    na.conductance_factor_batch(|_| &h, &v, &mut out);
    for k in 0..40 {
        assert_eq!(
            out[k].to_bits(),
            na.conductance_factor(&[h[k]], v[k]).to_bits()
        );
    }
    // An instantaneous gate's inf sees v only, not the other gates.
    let e = err_of(&ExprChannelSpec {
        gates: vec![
            ExprGateSpec::instantaneous("m", "h"),
            ExprGateSpec::alpha_beta("h", hh_rates::ALPHA_H, hh_rates::BETA_H),
        ],
        ..na_spec()
    });
    assert!(e.to_string().contains("unknown variable 'h'"), "{e}");
}

#[test]
fn a_sum_that_cancels_everywhere_around_a_point_keeps_its_value() {
    // 1 + tanh(x) loses more than three digits for x < −3.8 (a flagged sum) but has no
    // singularity there: the value is the direct one, accurate to its absolute rounding.
    let p = prog("0.5*(1 + tanh((v + 1.2)/18))");
    for v in [-80.0, -120.0, -300.0] {
        let x: f64 = (v + 1.2) / 18.0;
        // 1 + tanh x = 2/(1 + e^{−2x}), accurate in the tail.
        let want = 1.0 / (1.0 + (-2.0 * x).exp());
        assert!(
            (p.eval(v) - want).abs() <= 1e-16,
            "{v}: {} vs {want}",
            p.eval(v)
        );
    }
}
