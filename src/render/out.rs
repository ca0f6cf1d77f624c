//! [`Out`]: the one sink every printer writes through, stdout or stderr,
//! with its colour decision.
//!
//! A closed pipe (`cxtrain plan | head`) is the reader's choice, not a
//! failure: the first `EPIPE` closes the sink quietly, later output is
//! dropped, and the command ends with its own exit code, as ripgrep does.
//! Any other write error on stdout is an [`OutputError`] (exit 1). Stderr is
//! best effort: when even it cannot be written there is nowhere left to say
//! so, and a broken stderr must never stop an apply half-way.

use std::io::{self, IsTerminal, Write};

use super::{ColorChoice, Paint};
use crate::exit::exits;

/// Where output goes, and whether it is coloured.
pub struct Out {
    writer: Box<dyn Write + Send>,
    paint: Paint,
    terminal: bool,
    best_effort: bool,
    closed: bool,
}

/// Stdout could not be written (other than a closed pipe).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write output: {0}")]
#[diagnostic(code(cxtrain::output))]
pub struct OutputError(io::Error);

exits! {
    Error: OutputError;
}

impl Out {
    /// Standard output: results (plans, tables, reports).
    pub fn stdout(color: ColorChoice) -> Out {
        let terminal = io::stdout().is_terminal();
        Out::new(Box::new(io::stdout()), color.paint_for(terminal), terminal)
    }

    /// Standard error: warnings, progress, prompts and the final error.
    /// Best effort (see the module comment).
    pub fn stderr(color: ColorChoice) -> Out {
        let terminal = io::stderr().is_terminal();
        Out {
            best_effort: true,
            ..Out::new(Box::new(io::stderr()), color.paint_for(terminal), terminal)
        }
    }

    fn new(writer: Box<dyn Write + Send>, paint: Paint, terminal: bool) -> Out {
        Out {
            writer,
            paint,
            terminal,
            best_effort: false,
            closed: false,
        }
    }

    /// How to colour what goes to this sink.
    pub fn paint(&self) -> Paint {
        self.paint
    }

    /// Whether the sink is a terminal (a person is watching).
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Runs a printer against the sink and flushes; see the module comment
    /// for what happens when the reader has gone away.
    pub fn emit(
        &mut self,
        print: impl FnOnce(&mut dyn Write, Paint) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        if self.closed {
            return Ok(());
        }
        let paint = self.paint;
        let written = print(&mut self.writer, paint).and_then(|()| self.writer.flush());
        match written {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(_) if self.best_effort => Ok(()),
            Err(e) => Err(OutputError(e)),
        }
    }

    /// Writes `text` as it is.
    pub fn text(&mut self, text: &str) -> Result<(), OutputError> {
        self.emit(|w, _| w.write_all(text.as_bytes()))
    }

    /// Writes `line` and a line end.
    pub fn line(&mut self, line: &str) -> Result<(), OutputError> {
        self.emit(|w, _| writeln!(w, "{line}"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::exit::{ErrorExit, Exit};

    /// A writer that fails with `kind` once `budget` bytes were written,
    /// recording what got through.
    struct Failing {
        kind: io::ErrorKind,
        budget: usize,
        seen: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.budget < buf.len() {
                return Err(io::Error::from(self.kind));
            }
            self.budget -= buf.len();
            self.seen.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn failing(kind: io::ErrorKind, budget: usize) -> (Out, Arc<Mutex<Vec<u8>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let writer = Failing {
            kind,
            budget,
            seen: Arc::clone(&seen),
        };
        (Out::new(Box::new(writer), Paint(false), false), seen)
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_drops_the_rest() {
        let (mut out, seen) = failing(io::ErrorKind::BrokenPipe, 6);
        out.line("first").unwrap();
        out.line("second").unwrap();
        out.text("third").unwrap();
        assert_eq!(seen.lock().unwrap().as_slice(), b"first\n");
    }

    #[test]
    fn other_errors_fail_on_stdout_but_not_on_a_best_effort_sink() {
        let (mut out, _) = failing(io::ErrorKind::StorageFull, 0);
        let err = out.line("x").unwrap_err();
        assert!(err.to_string().starts_with("cannot write output"), "{err}");
        assert_eq!(err.exit(), Exit::Error);
        let (out, _) = failing(io::ErrorKind::StorageFull, 0);
        let mut best_effort = Out {
            best_effort: true,
            ..out
        };
        best_effort.line("x").unwrap();
    }

    #[test]
    fn printers_get_the_sink_colour() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let writer = Failing {
            kind: io::ErrorKind::Other,
            budget: usize::MAX,
            seen: Arc::clone(&seen),
        };
        let mut out = Out::new(Box::new(writer), Paint(true), false);
        out.emit(|w, p| write!(w, "{}", p.bold("b"))).unwrap();
        assert_eq!(seen.lock().unwrap().as_slice(), b"\x1b[1mb\x1b[0m");
    }
}
