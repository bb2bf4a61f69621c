//! pixapi-sim over real loopback HTTP (one test binary, several modules).

mod admin;
mod binary;
mod common;
mod edits;
mod errors;
mod faults;
mod generations;
mod props;
mod hostile;
mod strict;
mod tasks;
