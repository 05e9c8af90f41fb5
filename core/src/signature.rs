//! Device signatures: every batch and bundle of format version 2 carries
//! its signer's Ed25519 public key and a signature over its canonical
//! content (docs/batch-format.md, "Signatures"). This module checks them and
//! says a key's fingerprint in a form two people can read to each other over
//! the phone. It holds no key: the app keeps its private key in the browser
//! (non-extractable WebCrypto where the browser has Ed25519), and signs with
//! `sign` only where it does not, and in tests.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Lowercase hex of a 32-byte Ed25519 public key.
pub const PUBLIC_KEY_HEX_LEN: usize = 64;
/// Lowercase hex of a 64-byte Ed25519 signature.
pub const SIGNATURE_HEX_LEN: usize = 128;

/// Why a signature does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// The public key is not 64 lowercase hex digits, or not a curve point.
    BadKey,
    /// The signature is not 128 lowercase hex digits.
    BadEncoding,
    /// Well formed, but not this key's signature over these bytes.
    Mismatch,
}

impl SignatureError {
    pub fn message_vi(self) -> &'static str {
        match self {
            SignatureError::BadKey => "khóa công khai của thiết bị ký không hợp lệ",
            SignatureError::BadEncoding => "chữ ký không đúng dạng",
            SignatureError::Mismatch => {
                "chữ ký không khớp nội dung: tệp đã bị sửa sau khi ký, hoặc không do thiết bị đó ký"
            }
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message_vi())
    }
}

/// Check `signature` (hex) by `public_key` (hex) over `message`. Strict
/// verification: no malleable or small-order forms.
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> Result<(), SignatureError> {
    let key = decode_key(public_key)?;
    let sig: [u8; 64] = decode_hex(signature).ok_or(SignatureError::BadEncoding)?;
    key.verify_strict(message, &Signature::from_bytes(&sig))
        .map_err(|_| SignatureError::Mismatch)
}

/// Whether `public_key` is a well-formed key (hex, a curve point).
pub fn check_key(public_key: &str) -> Result<(), SignatureError> {
    decode_key(public_key).map(|_| ())
}

fn decode_key(public_key: &str) -> Result<VerifyingKey, SignatureError> {
    let bytes: [u8; 32] = decode_hex(public_key).ok_or(SignatureError::BadKey)?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::BadKey)?;
    if key.is_weak() {
        return Err(SignatureError::BadKey);
    }
    Ok(key)
}

/// A key pair from 32 secret bytes (the caller draws them: the core draws
/// no random numbers). For browsers without Ed25519 in WebCrypto, and tests.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn from_secret(secret: [u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(&secret))
    }

    /// The public key as it travels in a batch (lowercase hex).
    pub fn public_hex(&self) -> String {
        hex(self.0.verifying_key().as_bytes())
    }

    /// The signature over `message`, as a batch carries it (lowercase hex).
    pub fn sign(&self, message: &[u8]) -> String {
        hex(&self.0.sign(message).to_bytes())
    }

    /// The secret bytes, for the browser's store when it has no WebCrypto
    /// Ed25519. Never put them in a batch, a backup or a log.
    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({})", self.public_hex())
    }
}

/// A key's fingerprint for people: 30 digits in six groups of five, from
/// the SHA-256 of the key's bytes (as messaging apps show safety numbers).
/// Read over the phone, a digit at a time; `None` for a malformed key.
pub fn fingerprint(public_key: &str) -> Option<String> {
    let bytes: [u8; 32] = decode_hex(public_key)?;
    let digest = Sha256::digest(bytes);
    let groups: Vec<String> = digest
        .chunks(5)
        .take(6)
        .map(|c| {
            let n = c.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
            format!("{:05}", n % 100_000)
        })
        .collect();
    Some(groups.join(" "))
}

/// The first group of the fingerprint: enough to tell devices apart on a
/// screen, not to verify one.
pub fn short_fingerprint(public_key: &str) -> String {
    fingerprint(public_key)
        .and_then(|f| f.split(' ').next().map(str::to_string))
        .unwrap_or_else(|| "?????".into())
}

/// Lowercase hex, as batches write hashes, keys and signatures.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Exactly `N` bytes from lowercase hex; anything else (upper case, odd
/// length, other characters) is `None`: one spelling per value.
pub fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, pair) in s.chunks(2).enumerate() {
        out[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> DeviceKey {
        DeviceKey::from_secret([n; 32])
    }

    #[test]
    fn a_signature_verifies_and_nothing_else_does() {
        let k = key(7);
        let sig = k.sign(b"content");
        assert_eq!(verify(&k.public_hex(), b"content", &sig), Ok(()));
        assert_eq!(
            verify(&k.public_hex(), b"content!", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&key(8).public_hex(), b"content", &sig),
            Err(SignatureError::Mismatch)
        );
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            verify(
                &k.public_hex(),
                b"content",
                &String::from_utf8(flipped).unwrap()
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_keys_and_signatures_are_named() {
        let k = key(7);
        let sig = k.sign(b"x");
        assert_eq!(verify("abc", b"x", &sig), Err(SignatureError::BadKey));
        assert_eq!(
            verify(&k.public_hex().to_uppercase(), b"x", &sig),
            Err(SignatureError::BadKey)
        );
        assert_eq!(
            verify(&k.public_hex(), b"x", &sig[..100]),
            Err(SignatureError::BadEncoding)
        );
        // The identity point is a small-order key: refused, whatever it signs.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(check_key(&hex(&identity)), Err(SignatureError::BadKey));
        assert_eq!(check_key(&k.public_hex()), Ok(()));
    }

    #[test]
    fn fingerprints_are_six_groups_of_five_digits_and_differ() {
        let a = fingerprint(&key(1).public_hex()).unwrap();
        let b = fingerprint(&key(2).public_hex()).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 35);
        assert!(a
            .split(' ')
            .all(|g| g.len() == 5 && g.bytes().all(|c| c.is_ascii_digit())));
        assert_eq!(short_fingerprint(&key(1).public_hex()), a[..5]);
        assert_eq!(fingerprint("zz"), None);
    }

    #[test]
    fn hex_round_trips_one_spelling() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex(&bytes), "0001abff");
        assert_eq!(decode_hex::<4>("0001abff"), Some(bytes));
        assert_eq!(decode_hex::<4>("0001ABFF"), None);
        assert_eq!(decode_hex::<4>("0001abf"), None);
    }

    #[test]
    fn the_secret_round_trips() {
        let k = key(9);
        assert_eq!(
            DeviceKey::from_secret(k.secret()).public_hex(),
            k.public_hex()
        );
    }
}
