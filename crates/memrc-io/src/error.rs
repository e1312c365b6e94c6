//! [`LoadError`]: what is wrong in a model file, and where.

use std::fmt;
use std::ops::Range;

/// A problem in a model file (or a file it refers to), located at `file:line:column`.
///
/// `Display` is one line, `file:line:column: message`, the form editors and terminals
/// understand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadError {
    /// The model file (path as given, or the origin passed to [`crate::load_str`]).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The offending key, e.g. `capacitance`, `gbar`, `gates.m.alpha`, or an unknown key as
    /// written (empty when the problem is the file's syntax or the file as a whole).
    pub key: String,
    /// What is wrong, naming the offending value and what was expected.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LoadError {}

/// Locates byte offsets of one source text.
#[derive(Debug, Clone)]
pub(crate) struct Source<'a> {
    pub origin: String,
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (characters) of byte offset `at`.
    pub fn line_col(&self, at: usize) -> (usize, usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// An error at byte offset `at`.
    pub fn at(&self, at: usize, key: impl Into<String>, message: impl Into<String>) -> LoadError {
        let (line, column) = self.line_col(at);
        let message: String = message.into();
        LoadError {
            file: self.origin.clone(),
            line,
            column,
            key: key.into(),
            message: brief_line(&message),
        }
    }

    /// An error at the start of `span`.
    pub fn span(
        &self,
        span: &Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> LoadError {
        self.at(span.start, key, message)
    }

    /// An error at byte `offset` inside the string value at `span` (when the string is written
    /// without escapes, else at the value's start).
    pub fn inside(
        &self,
        span: &Range<usize>,
        value: &str,
        offset: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> LoadError {
        let inner = span.start + 1;
        let exact = self
            .text
            .get(inner..inner.saturating_add(value.len()))
            .is_some_and(|t| t == value);
        let at = if exact && offset <= value.len() {
            inner + offset
        } else {
            span.start
        };
        self.at(at, key, message)
    }
}

/// Longest message of a [`LoadError`], in characters: the rest is cut at a word and ends in `…`.
pub const MESSAGE_CHARS: usize = 400;

/// A message as errors show it (issue #14 §4): on one line ([`one_line`]), every word longer
/// than [`memrc::error::EXCERPT_CHARS`] (a value, a name or a path as written, e.g. a 2 MB
/// bogus quantity) cut to its [`memrc::error::excerpt`], and the whole at most
/// [`MESSAGE_CHARS`] characters. Every [`LoadError`] made through [`Source`] passes here.
pub(crate) fn brief_line(s: &str) -> String {
    let s = one_line(s);
    let long = s
        .split(' ')
        .any(|w| w.chars().nth(memrc::error::EXCERPT_CHARS + 20).is_some());
    let mut s = if long {
        s.split(' ')
            .map(|w| {
                if w.chars().nth(memrc::error::EXCERPT_CHARS + 20).is_some() {
                    memrc::error::excerpt(w)
                } else {
                    w.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s
    };
    if let Some((cut, _)) = s.char_indices().nth(MESSAGE_CHARS) {
        let cut = s[..cut].rfind(' ').filter(|i| *i > cut / 2).unwrap_or(cut);
        s.truncate(cut);
        s.push_str(" …");
    }
    s
}

/// Collapses a message onto one line.
pub(crate) fn one_line(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return s.to_string();
    }
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
