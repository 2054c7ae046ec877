//! Secret tokens for links sent by e-mail: 256 random bits, of which only a SHA-256 hash
//! is stored. A slow hash is not needed for secrets this long.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub struct SecretToken {
    raw: String,
    hash: [u8; 32],
}

impl SecretToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let raw = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash(&raw);
        Self { raw, hash }
    }

    /// The token itself: goes into the e-mail, never into the database or a log.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }
}

/// The stored form of a token as presented in a URL.
pub fn hash(raw: &str) -> [u8; 32] {
    Sha256::digest(raw.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_their_hash() {
        let a = SecretToken::generate();
        let b = SecretToken::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert_eq!(hash(a.expose()), *a.hash());
        assert_ne!(a.hash(), b.hash());
    }
}
