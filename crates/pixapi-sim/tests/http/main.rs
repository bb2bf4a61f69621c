//! pixapi-sim over real loopback HTTP (one test binary, several modules).

mod admin;
mod binary;
mod common;
mod edits;
mod errors;
mod faults;
mod formats;
mod generations;
mod hostile;
mod openai;
mod props;
mod strict;
mod tasks;
