//! Identifiers: ULID-like ids for requests and tasks, random tokens for file URLs.

use rand::Rng;
use std::time::{SystemTime, UNIX_EPOCH};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 26 characters of Crockford base32: 48 bits of milliseconds, then 80 random bits.
pub fn ulid() -> String {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let rnd: u128 = rand::rng().random::<u128>() & ((1u128 << 80) - 1);
    let v: u128 = ((ms & 0xFFFF_FFFF_FFFF) << 80) | rnd;
    (0..26).rev().map(|i| CROCKFORD[((v >> (i * 5)) & 31) as usize] as char).collect()
}

pub fn request_id() -> String {
    format!("req_{}", ulid())
}

pub fn task_id() -> String {
    format!("task_{}", ulid())
}

/// An unguessable token for a file URL (32 hex characters).
pub fn file_token() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes() {
        let t = super::task_id();
        assert_eq!(t.len(), 5 + 26);
        assert!(t[5..].chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_ne!(super::ulid(), super::ulid());
        assert_eq!(super::file_token().len(), 32);
    }
}
