//! A workspace run as a test suite: each request file's `[expect]` read with the file's
//! own errors, held against the run it made (pass, fail or skipped, with the figure that
//! decided), and the suite's result as JUnit XML and JSON for CI. Nothing here sends a
//! request: `pixbench test` runs the files and hands the runs over.

pub mod expect;
pub mod golden;
pub mod report;

pub use expect::{check, Check, Expectations, Outcome};
pub use golden::{GoldenOutcome, Goldens};
pub use report::{CaseResult, Counts, SuiteReport};
