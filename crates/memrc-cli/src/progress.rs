//! Progress and cancellation of `memrc run`.
//!
//! **Design.** The solvers report progress through observers
//! ([`memrc::circuit::relaxation::solve_relaxation_observed`],
//! [`memrc::circuit::relaxation::solve_stepping_observed`]; the general ODE methods are run in
//! chunks with a check between chunks). Every observer call goes through
//! [`Monitor::observe`], which
//!
//! - moves the progress bar (stderr, [`indicatif`]); the bar stays hidden for the first second
//!   of a run, with `--quiet`, and when stderr is not a terminal;
//! - returns `false` once cancellation was requested, so the solver stops with
//!   `SolverError::Cancelled`.
//!
//! Cancellation is requested by Ctrl-C or SIGTERM (treated alike): [`install_ctrlc`] installs a handler that sets a flag on
//! the first Ctrl-C (the run then stops cleanly at the next observer call: nothing is written,
//! the process exits with `error: interrupted` and status 130) and exits at once with status 130
//! on the second. Files are only ever written into a hidden staging directory that is renamed
//! into place at the very end, so an exit at any moment leaves nothing that looks complete.
//!
//! For tests, the environment variable `MEMRC_CANCEL_AFTER_ITERATIONS=N` requests cancellation
//! at the `N`-th observer call, exactly as a Ctrl-C at that moment would.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Set by the first Ctrl-C (or the test hook).
static CANCELLED: AtomicBool = AtomicBool::new(false);

/// The error of a run stopped by Ctrl-C: `main` prints `error: interrupted` and exits with 130.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Installs the Ctrl-C and SIGTERM handler (once; a failure to install only loses clean
/// cancellation).
pub fn install_ctrlc() {
    let _ = ctrlc::set_handler(|| {
        if CANCELLED.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: leave at once. Only hidden staging directories can be left behind.
            eprintln!("\nerror: interrupted");
            std::process::exit(130);
        }
    });
}

/// Whether cancellation was requested.
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` if cancellation was requested.
pub fn check() -> anyhow::Result<()> {
    if cancelled() {
        Err(Interrupted.into())
    } else {
        Ok(())
    }
}

/// The progress bar and the cancellation check of one run.
pub struct Monitor {
    bar: ProgressBar,
    start: Instant,
    visible: bool,
    show: bool,
    calls: u64,
    cancel_after: Option<u64>,
}

/// Resolution of the bar.
const TICKS: u64 = 1000;

impl Monitor {
    /// A monitor for a run; `quiet` never shows the bar.
    pub fn new(quiet: bool, message: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(TICKS), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{elapsed_precise}] {wide_bar} {percent:>3}%")
        {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        let cancel_after = std::env::var("MEMRC_CANCEL_AFTER_ITERATIONS")
            .ok()
            .and_then(|s| s.trim().parse().ok());
        Self {
            bar,
            start: Instant::now(),
            visible: false,
            show: !quiet && std::io::stderr().is_terminal(),
            calls: 0,
            cancel_after,
        }
    }

    /// Reports the fraction done; returns `false` when the run must stop.
    pub fn observe(&mut self, fraction: f64) -> bool {
        self.calls += 1;
        if self.cancel_after.is_some_and(|n| self.calls >= n) {
            CANCELLED.store(true, Ordering::SeqCst);
        }
        if self.show && !self.visible && self.start.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.visible = true;
        }
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.bar.set_position((f * TICKS as f64) as u64);
        !cancelled()
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl memrc_run::Observer for Monitor {
    fn observe(&mut self, fraction: f64) -> bool {
        Monitor::observe(self, fraction)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
