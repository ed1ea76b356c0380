//! HMAC-SHA256 signatures of job ids, and the ids of the images jobs produce.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How many bytes of the MAC a signature keeps (32 hex digits).
const SIGNATURE_BYTES: usize = 16;

/// Signs with the server secret.
pub struct Signer {
    secret: Vec<u8>,
}

impl Signer {
    /// A signer for `secret`, or for a random one when `None`.
    pub fn new(secret: Option<&str>) -> Self {
        let secret = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                let mut buf = vec![0u8; 32];
                if getrandom::fill(&mut buf).is_err() {
                    // No OS randomness: fall back to the clock, which still differs per start.
                    let nanos =
                        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
                    buf = format!("{nanos}:{}", std::process::id()).into_bytes();
                }
                buf
            }
        };
        Self { secret }
    }

    fn mac(&self, purpose: &str, message: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        mac
    }

    /// The signature of a job id: hex of the first 16 bytes of HMAC-SHA256(secret, "job\0" + id).
    pub fn job_signature(&self, jobid: u64) -> String {
        hex(&self.mac("job", &jobid.to_string()).finalize().into_bytes()[..SIGNATURE_BYTES])
    }

    /// Whether `signature` is the signature of `jobid`, compared in constant time.
    pub fn verify_job(&self, jobid: u64, signature: &str) -> bool {
        match unhex(signature.trim()) {
            Some(bytes) if bytes.len() == SIGNATURE_BYTES => {
                self.mac("job", &jobid.to_string()).verify_truncated_left(&bytes).is_ok()
            }
            _ => false,
        }
    }

    /// The unguessable name of a job's image file (so image URLs cannot be enumerated).
    pub fn image_id(&self, jobid: u64) -> String {
        hex(&self.mac("image", &jobid.to_string()).finalize().into_bytes()[..12])
    }

    /// A chat completion id suffix, unique per request number.
    pub fn completion_id(&self, n: u64) -> String {
        hex(&self.mac("chatcmpl", &n.to_string()).finalize().into_bytes()[..12])
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_job() {
        let s = Signer::new(Some("secret"));
        let sig = s.job_signature(12345678);
        assert_eq!(sig.len(), 32);
        assert!(s.verify_job(12345678, &sig));
        assert!(s.verify_job(12345678, &sig.to_uppercase()));
        assert!(!s.verify_job(12345679, &sig));
        assert!(!s.verify_job(12345678, &sig[..30]));
        assert!(!s.verify_job(12345678, "zz"));
        assert!(!s.verify_job(12345678, "é"));
        assert!(!Signer::new(Some("other")).verify_job(12345678, &sig));
        assert_ne!(Signer::new(None).job_signature(1), Signer::new(None).job_signature(1));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(unhex("0"), None);
    }
}
