//! The client against the real simulator over loopback: every endpoint, every error
//! row of the contract, every fault kind, retries, cancellation, async polling, URL
//! outputs and their expiry, the size limit, timing, and the curl export.

mod cancel;
mod common;
mod curl;
mod edits;
mod errors;
mod faults;
mod generations;
mod hostile;
mod limits;
mod models;
mod retries;
mod tasks;
