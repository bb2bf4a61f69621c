// Generated from crates/pixbench-core/src/kind.rs by `cargo test -p pixbench-core`. Do not edit.
import type { ErrorKind } from "./ErrorKind";

/** Every kind, in the order Rust declares them. */
export const ALL_KINDS: readonly ErrorKind[] = ["bad_request", "unauthorized", "insufficient_credits", "model_not_found", "prompt_rejected", "unprocessable", "rate_limited", "server_error", "model_unavailable", "unexpected_status", "timeout", "poll_deadline", "connect", "connection_lost", "malformed", "too_large", "task_failed", "task_not_found", "cancelled", "url_expired", "refused_url", "too_slow", "invalid", "not_found", "missing", "not_an_image", "extra_outputs", "partial", "unsaved", "finished_after_cancel", "waiting", "given_up", "interrupted", "over_budget", "no_key", "keychain", "not_granted", "unreadable", "disk", "data_dir", "store", "busy", "decode", "encode", "no_recipe", "metrics", "catalog", "sandbox", "client", "internal", "unknown"];

/** `ErrorKind::is_transient`: sending it again may succeed. */
export const TRANSIENT_KINDS: readonly ErrorKind[] = ["rate_limited", "server_error", "model_unavailable", "timeout", "connect", "connection_lost", "too_slow"];

/** `ErrorKind::is_policy`: a refusal of the content. */
export const POLICY_KINDS: readonly ErrorKind[] = ["prompt_rejected"];

/** `ErrorKind::is_budget`: the UI shows its budget notice instead of an error. */
export const BUDGET_KINDS: readonly ErrorKind[] = ["over_budget"];
