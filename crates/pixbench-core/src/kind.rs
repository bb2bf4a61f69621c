//! `ErrorKind`: what kind of failure a `UiError`, a failed output or a benchmark sample
//! carries. One enum for the core, the CLI and the UI (exported to TypeScript as a union of
//! its wire names), so a kind is never a string someone can misspell on one side.
//!
//! The wire names are the strings stored in run rows and benchmark reports since the first
//! schema; kinds that were merged keep their old names as aliases so stored data reads.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Declares the enum, its wire names (serde and [`ErrorKind::as_str`] from one list) and
/// [`ErrorKind::ALL`], so no variant can be missing from either.
macro_rules! error_kinds {
    ($( $(#[doc = $doc:literal])* $variant:ident = $wire:literal $(| $alias:literal)* ;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
        #[ts(export)]
        pub enum ErrorKind {
            $( $(#[doc = $doc])* #[serde(rename = $wire)] $variant, )*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant,)*];

            /// The wire name, as stored and as the UI sees it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $wire,)*
                }
            }

            /// The kind of a stored or received name: old names of merged kinds read as
            /// the kind they were merged into, and a name this build does not know (an
            /// older build's `error`, a newer build's kind) as [`ErrorKind::Unknown`], so
            /// a stored run never fails to load over its error's kind.
            pub fn from_wire(name: &str) -> ErrorKind {
                match name {
                    $($wire $(| $alias)* => ErrorKind::$variant,)*
                    _ => ErrorKind::Unknown,
                }
            }
        }
    };
}

impl<'de> Deserialize<'de> for ErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(ErrorKind::from_wire(&name))
    }
}

error_kinds! {
    // ---- the server or the connection (from `pixapi::Error`) ----
    /// 400: the server refused the request's fields.
    BadRequest = "bad_request";
    /// 401: the key was rejected.
    Unauthorized = "unauthorized";
    /// 402: the account's balance is spent (not Pixbench's budget: that is `over_budget`).
    InsufficientCredits = "insufficient_credits";
    /// 404 on a model id.
    ModelNotFound = "model_not_found";
    /// 422 from moderation: the prompt or an image was refused.
    PromptRejected = "prompt_rejected";
    /// 422 for another reason.
    Unprocessable = "unprocessable";
    /// 429.
    RateLimited = "rate_limited";
    /// 5xx other than 503.
    ServerError = "server_error";
    /// 503: the model is not serving now.
    ModelUnavailable = "model_unavailable";
    /// A status the API does not document.
    UnexpectedStatus = "unexpected_status";
    /// No answer in time.
    Timeout = "timeout";
    /// An async task did not finish before the poll deadline.
    PollDeadline = "poll_deadline";
    /// The server could not be reached.
    Connect = "connect";
    /// The connection dropped mid-request or mid-answer.
    ConnectionLost = "connection_lost";
    /// An answer that is not what the API documents (or an answer without any image).
    Malformed = "malformed";
    /// An answer past the client's size bound.
    TooLarge = "too_large";
    /// The server's task ended as failed.
    TaskFailed = "task_failed";
    /// The server does not know the task id.
    TaskNotFound = "task_not_found";
    /// The user cancelled it.
    Cancelled = "cancelled";
    /// An output link expired before it was fetched.
    UrlExpired = "url_expired";
    /// An output link Pixbench will not fetch (scheme, private address, redirect).
    RefusedUrl = "refused_url";
    /// The answer came slower than the client's body pace allows.
    TooSlow = "too_slow";

    // ---- what Pixbench checks or does itself ----
    /// Input Pixbench refuses before sending anything: a form, a reference, a recipe, a
    /// matrix file, a key. The message says which field and what to do.
    Invalid = "invalid" | "invalid_request" | "invalid_reference" | "invalid_recipe" | "invalid_matrix"
        | "invalid_key" | "invalid_input";
    /// A run, benchmark, profile or output that is not (or no longer) there.
    NotFound = "not_found";
    /// A stored image or reference file is gone from the data directory.
    Missing = "missing" | "missing_image" | "missing_reference";
    /// The answer carried bytes that are not an image: a failed output, not a paid one.
    NotAnImage = "not_an_image";
    /// The server sent more images than asked; the extra ones were not kept.
    ExtraOutputs = "extra_outputs";
    /// Fewer images came back than asked.
    Partial = "partial";
    /// Paid images held in memory because the disk refused them.
    Unsaved = "unsaved";
    /// A task cancelled after the server accepted it finished anyway; its images are kept.
    FinishedAfterCancel = "finished_after_cancel";
    /// The server accepted the task but its outcome has not reached Pixbench yet: it keeps
    /// checking in the background (not an error to act on; the images may still come).
    Waiting = "waiting";
    /// The user stopped waiting for a task the server accepted: it may still be charged.
    GivenUp = "given_up";
    /// The app stopped while the run or benchmark was going.
    Interrupted = "interrupted";
    /// The run or benchmark would cross a budget.
    OverBudget = "over_budget";
    /// The profile has no key in the keychain.
    NoKey = "no_key";
    /// The OS keychain failed or is not there.
    Keychain = "keychain";
    /// A file the webview named was not handed over by a dialog or a drop.
    NotGranted = "not_granted";
    /// A file could not be read.
    Unreadable = "unreadable";
    /// A file could not be written (disk full, no permission).
    Disk = "disk";
    /// The data directory cannot be used (owned by another process, not writable).
    DataDir = "data_dir";
    /// The database failed.
    Store = "store";
    /// It cannot be done now (a run or a benchmark is still going).
    Busy = "busy";
    /// An image Pixbench stored could not be decoded.
    Decode = "decode";
    /// An export could not be encoded.
    Encode = "encode";
    /// An image has no Pixbench recipe in it.
    NoRecipe = "no_recipe";
    /// Image metrics could not be computed for a pair.
    Metrics = "metrics";
    /// A run names a catalog entry that is no longer there.
    Catalog = "catalog";
    /// The built-in Sandbox server could not start.
    Sandbox = "sandbox";
    /// The HTTP client could not be set up for a profile.
    Client = "client";
    /// A bug: something Pixbench did not expect.
    Internal = "internal";
    /// A kind this build does not know (stored by another version): shown as a plain error.
    Unknown = "unknown";
}

impl ErrorKind {
    /// Sending the same request again may succeed (the client already retried, bounded):
    /// the kinds of `pixapi::Error::is_retryable`.
    pub fn is_transient(self) -> bool {
        use ErrorKind::*;
        matches!(self, RateLimited | ServerError | ModelUnavailable | Connect | Timeout | ConnectionLost | TooSlow)
    }

    /// A refusal of the content, not a fault: sending it again is refused again.
    pub fn is_policy(self) -> bool {
        self == ErrorKind::PromptRejected
    }

    /// The run or benchmark would cross Pixbench's budget: the UI shows its budget notice.
    pub fn is_budget(self) -> bool {
        self == ErrorKind::OverBudget
    }

    /// Every later request would fail the same way: a benchmark stops at the first one
    /// instead of spending its whole matrix on it.
    pub fn stops_a_benchmark(self) -> bool {
        matches!(self, ErrorKind::Unauthorized | ErrorKind::InsufficientCredits)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&pixapi::Error> for ErrorKind {
    /// Exhaustive: a new client error is a compile error here until it has a kind.
    fn from(e: &pixapi::Error) -> ErrorKind {
        use pixapi::Error as E;
        match e {
            E::BadRequest { .. } => ErrorKind::BadRequest,
            E::Unauthorized => ErrorKind::Unauthorized,
            E::InsufficientCredits => ErrorKind::InsufficientCredits,
            E::ModelNotFound => ErrorKind::ModelNotFound,
            E::PromptRejected => ErrorKind::PromptRejected,
            E::Unprocessable { .. } => ErrorKind::Unprocessable,
            E::RateLimited { .. } => ErrorKind::RateLimited,
            E::Server { .. } => ErrorKind::ServerError,
            E::Unavailable => ErrorKind::ModelUnavailable,
            E::UnexpectedStatus { .. } => ErrorKind::UnexpectedStatus,
            E::Timeout => ErrorKind::Timeout,
            E::PollDeadline => ErrorKind::PollDeadline,
            E::Connect { .. } => ErrorKind::Connect,
            E::ConnectionLost { .. } => ErrorKind::ConnectionLost,
            E::Malformed { .. } => ErrorKind::Malformed,
            E::TooLarge { .. } => ErrorKind::TooLarge,
            E::TaskFailed { .. } => ErrorKind::TaskFailed,
            E::TaskNotFound => ErrorKind::TaskNotFound,
            E::Cancelled => ErrorKind::Cancelled,
            E::InvalidInput { .. } => ErrorKind::Invalid,
            E::UrlExpired => ErrorKind::UrlExpired,
            E::RefusedUrl { .. } => ErrorKind::RefusedUrl,
            E::TooSlow { .. } => ErrorKind::TooSlow,
        }
    }
}

/// The groups the UI tells apart, written as TypeScript from the methods above (with the
/// bindings, by `cargo test -p pixbench-core`), so the UI never keeps its own lists.
pub fn groups_typescript() -> String {
    let list = |pred: fn(ErrorKind) -> bool| {
        ErrorKind::ALL
            .iter()
            .filter(|k| pred(**k))
            .map(|k| format!("\"{}\"", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "// Generated from crates/pixbench-core/src/kind.rs by `cargo test -p pixbench-core`. Do not edit.\n\
         import type {{ ErrorKind }} from \"./ErrorKind\";\n\n\
         /** Every kind, in the order Rust declares them. */\n\
         export const ALL_KINDS: readonly ErrorKind[] = [{}];\n\n\
         /** `ErrorKind::is_transient`: sending it again may succeed. */\n\
         export const TRANSIENT_KINDS: readonly ErrorKind[] = [{}];\n\n\
         /** `ErrorKind::is_policy`: a refusal of the content. */\n\
         export const POLICY_KINDS: readonly ErrorKind[] = [{}];\n\n\
         /** `ErrorKind::is_budget`: the UI shows its budget notice instead of an error. */\n\
         export const BUDGET_KINDS: readonly ErrorKind[] = [{}];\n",
        list(|_| true),
        list(ErrorKind::is_transient),
        list(ErrorKind::is_policy),
        list(ErrorKind::is_budget),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()), "serde and as_str agree");
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), *k);
            assert!(seen.insert(k.as_str()), "{k} twice");
            assert!(k.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{k}");
        }
    }

    #[test]
    fn merged_kinds_of_stored_rows_still_read() {
        for (old, new) in [
            ("invalid_request", ErrorKind::Invalid),
            ("invalid_matrix", ErrorKind::Invalid),
            ("invalid_input", ErrorKind::Invalid),
            ("missing_reference", ErrorKind::Missing),
            ("missing_image", ErrorKind::Missing),
        ] {
            assert_eq!(serde_json::from_str::<ErrorKind>(&format!("\"{old}\"")).unwrap(), new, "{old}");
        }
        // An older build's catch-all and a newer build's kind still load.
        for name in ["error", "no_such_kind"] {
            assert_eq!(serde_json::from_str::<ErrorKind>(&format!("\"{name}\"")).unwrap(), ErrorKind::Unknown);
        }
    }

    #[test]
    fn every_client_error_has_the_kind_of_its_code() {
        // pixapi's own codes and ours agree wherever they were not merged.
        let samples = [
            pixapi::Error::Unauthorized,
            pixapi::Error::InsufficientCredits,
            pixapi::Error::Unavailable,
            pixapi::Error::Timeout,
            pixapi::Error::Cancelled,
            pixapi::Error::UrlExpired,
            pixapi::Error::TaskNotFound,
        ];
        for e in samples {
            assert_eq!(ErrorKind::from(&e).as_str(), e.code(), "{e:?}");
        }
    }

    #[test]
    fn groups_agree_with_the_client_retry_rule() {
        assert!(ErrorKind::from(&pixapi::Error::Unavailable).is_transient());
        assert!(!ErrorKind::Unauthorized.is_transient());
        assert!(ErrorKind::OverBudget.is_budget() && !ErrorKind::InsufficientCredits.is_budget());
        assert!(ErrorKind::InsufficientCredits.stops_a_benchmark());
        let ts = groups_typescript();
        assert!(ts.contains("export const BUDGET_KINDS: readonly ErrorKind[] = [\"over_budget\"];"), "{ts}");
    }

    /// Writes `ui/src/bindings/errorKinds.ts` beside ts-rs's files (checked in;
    /// `make test-bindings` fails when it is stale).
    #[test]
    fn export_bindings_error_kind_groups() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
        if dir.is_dir() {
            std::fs::write(dir.join("errorKinds.ts"), groups_typescript()).unwrap();
        }
    }
}
