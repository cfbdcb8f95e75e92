//! Diagnostics about spec files: an error or a warning, pointing at file, line, column and field.

use serde_saphyr::Location;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub level: Level,
    pub file: PathBuf,
    /// 1-based line and column, when the YAML has them.
    pub at: Option<(u64, u64)>,
    /// Path of the offending field, e.g. `objectives[1].target`; empty for the whole file.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.at {
            write!(f, ":{line}:{column}")?;
        }
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, ": {level}: ")?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Collects the diagnostics of one file.
pub struct Diagnostics {
    file: PathBuf,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: &Path) -> Diagnostics {
        Diagnostics {
            file: file.to_path_buf(),
            items: Vec::new(),
        }
    }

    pub fn push(
        &mut self,
        level: Level,
        at: Option<Location>,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            level,
            file: self.file.clone(),
            at: at.and_then(line_column),
            field: field.into(),
            message: message.into(),
            hint,
        });
    }

    /// The file these diagnostics are about.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// A diagnostic at a line and column found otherwise than by the YAML parser (a document
    /// of a multi-document file).
    pub fn at_line(
        &mut self,
        level: Level,
        at: Option<(u64, u64)>,
        field: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            level,
            file: self.file.clone(),
            at,
            field: field.to_owned(),
            message: message.into(),
            hint,
        });
    }

    pub fn error(&mut self, at: Option<Location>, field: &str, message: impl Into<String>) {
        self.push(Level::Error, at, field, message, None);
    }

    pub fn error_hint(
        &mut self,
        at: Option<Location>,
        field: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Level::Error, at, field, message, Some(hint.into()));
    }

    pub fn warn(
        &mut self,
        at: Option<Location>,
        field: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Level::Warning, at, field, message, Some(hint.into()));
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
}

fn line_column(l: Location) -> Option<(u64, u64)> {
    (l.line() > 0).then(|| (l.line(), l.column()))
}
