//! Which device keys a receiver knows, and what a signed file is worth to
//! it. A signature proves that a file was made by the holder of a key; the
//! keyring says whose key that is: introduced by the server (the first
//! batch a unit's token posted with it), or trusted on first use by an
//! officer who compared the fingerprint with the commune over the phone.
//! A key speaks for one unit and one device; a revoked key speaks for
//! nobody from then on (what it signed before stays applied).
//!
//! The same judgement runs in the app (import) and on the server (posts).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::batch::Origin;
use crate::dates::{format_vn, vn_date};
use crate::signature::{fingerprint, short_fingerprint};

/// How a key became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// The sync server: the first batch a unit's token posted with it.
    Server,
    /// An officer compared its fingerprint with the unit's and trusted it.
    Officer,
}

/// A device key the receiver knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownKey {
    /// Lowercase hex Ed25519 public key.
    pub key: String,
    /// The unit dataset `unit_code` belongs to: a key known for 01864 of
    /// one dataset does not speak for 01864 of another (GSO reuses codes).
    /// Keyrings kept before datasets were named are of the 2020 one.
    #[serde(default = "v1_units")]
    pub units: String,
    pub unit_code: String,
    pub device_id: String,
    #[serde(with = "crate::dates::serde_instant")]
    pub known_since: DateTime<Utc>,
    pub source: KeySource,
    #[serde(default, with = "crate::dates::serde_opt_instant")]
    pub revoked_at: Option<DateTime<Utc>>,
}

fn v1_units() -> String {
    crate::batch::V1_UNITS.to_string()
}

impl KnownKey {
    /// Whether this key is the one of `origin`'s unit (in its dataset) and
    /// device.
    pub fn speaks_for(&self, origin: &Origin) -> bool {
        self.units == origin.units
            && self.unit_code == origin.unit_code
            && self.device_id == origin.device_id
    }

    /// The unit and device this key speaks for, as a file names them.
    pub fn origin(&self) -> Origin {
        Origin {
            units: self.units.clone(),
            unit_code: self.unit_code.clone(),
            device_id: self.device_id.clone(),
            signer: Some(self.key.clone()),
        }
    }
}

/// What a file's signature is worth to this receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a key known for this unit and device.
    Verified(KnownKey),
    /// Signed by a key nobody has vouched for yet: the officer compares its
    /// fingerprint with the unit's before anything is applied.
    UnknownDevice { key: String, unit_code: String },
    /// Version 1: no signature. Applied only where signatures are not
    /// required.
    Unsigned,
    /// Signed by a key revoked on `revoked_at`: refused.
    Revoked(KnownKey),
    /// Signed by a key revoked since, but the sync server received it
    /// before the revocation (the server's time, which the receiver trusts;
    /// a file's own times could be written by anyone): what the device sent
    /// while it was still the unit's stays valid.
    ReceivedBeforeRevocation {
        known: KnownKey,
        received_at: DateTime<Utc>,
    },
    /// Unsigned, in the name of a device known to sign: what a forger who
    /// cannot sign would send. Refused.
    UnsignedFromSigner { known: KnownKey },
    /// In the name of a device whose key was revoked, signed by another key
    /// or unsigned: a revoked device stays revoked (a replacement device has
    /// a new id). Refused.
    DeviceRevoked { known: KnownKey },
    /// The key is known for another unit or device, or this unit's device
    /// is known with another key: a forgery, refused.
    Impostor { known: KnownKey },
}

impl Verdict {
    /// Whether the file's batches may be applied without asking anyone.
    pub fn may_apply(&self, signatures_required: bool) -> bool {
        match self {
            Verdict::Verified(_) | Verdict::ReceivedBeforeRevocation { .. } => true,
            Verdict::Unsigned => !signatures_required,
            _ => false,
        }
    }

    /// Whether no officer can make it acceptable (refused for good).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Verdict::Revoked(_)
                | Verdict::Impostor { .. }
                | Verdict::UnsignedFromSigner { .. }
                | Verdict::DeviceRevoked { .. }
        )
    }

    /// One line for the import screen. `name` gives a unit's name.
    pub fn message_vi(&self, name: impl Fn(&str) -> String) -> String {
        match self {
            Verdict::Verified(k) => format!(
                "Đã xác minh: thiết bị {} của {}, {} từ {}.",
                short_fingerprint(&k.key),
                name(&k.unit_code),
                match k.source {
                    KeySource::Server => "máy chủ giới thiệu",
                    KeySource::Officer => "cán bộ đã đối chiếu",
                },
                format_vn(vn_date(k.known_since))
            ),
            Verdict::ReceivedBeforeRevocation { known, received_at } => format!(
                "Đã xác minh: thiết bị {} của {}; máy chủ nhận lô ngày {}, trước khi khóa bị thu hồi ngày {}.",
                short_fingerprint(&known.key),
                name(&known.unit_code),
                format_vn(vn_date(*received_at)),
                known
                    .revoked_at
                    .map(|t| format_vn(vn_date(t)))
                    .unwrap_or_default()
            ),
            Verdict::UnknownDevice { key, unit_code } => format!(
                "Thiết bị chưa biết của {}: hãy gọi cho đơn vị đó và đối chiếu dấu vân tay khóa {} trước khi tin cậy.",
                name(unit_code),
                fingerprint(key).unwrap_or_default()
            ),
            Verdict::Unsigned => {
                "Không có chữ ký (lô định dạng phiên bản 1, từ ứng dụng cũ).".into()
            }
            Verdict::Revoked(k) => format!(
                "Bị từ chối: khóa của thiết bị {} ({}) đã bị thu hồi ngày {}.",
                short_fingerprint(&k.key),
                name(&k.unit_code),
                k.revoked_at
                    .map(|t| format_vn(vn_date(t)))
                    .unwrap_or_default()
            ),
            Verdict::UnsignedFromSigner { known } => format!(
                "Bị từ chối: tệp không có chữ ký nhưng mang tên thiết bị {} của {}, thiết bị này ký mọi lô: tệp có thể bị giả mạo. Lô cũ xuất trước khi cập nhật ứng dụng cần được nhập trước lô có chữ ký đầu tiên.",
                short_fingerprint(&known.key),
                name(&known.unit_code)
            ),
            Verdict::DeviceRevoked { known } => format!(
                "Bị từ chối: thiết bị {} của {} đã bị thu hồi ngày {}; lô mang tên thiết bị này chỉ được nhận khi có chữ ký bằng khóa cũ và máy chủ đã nhận trước ngày thu hồi. Thiết bị thay thế phải đăng ký lại (mã thiết bị mới).",
                known.device_id.chars().take(12).collect::<String>(),
                name(&known.unit_code),
                known
                    .revoked_at
                    .map(|t| format_vn(vn_date(t)))
                    .unwrap_or_default()
            ),
            Verdict::Impostor { known } => format!(
                "Bị từ chối: chữ ký không khớp thiết bị đã biết ({} của {}): tệp có thể bị giả mạo.",
                short_fingerprint(&known.key),
                name(&known.unit_code)
            ),
        }
    }
}

/// Why a key cannot be trusted as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustError {
    /// The file is unsigned: there is no key to trust.
    Unsigned,
    /// The verdict is a refusal: trusting would override a revocation or
    /// let one device speak for another.
    Refused(Verdict),
}

/// The keys a receiver knows, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyring {
    keys: BTreeMap<String, KnownKey>,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring::default()
    }

    pub fn keys(&self) -> impl Iterator<Item = &KnownKey> {
        self.keys.values()
    }

    pub fn get(&self, key: &str) -> Option<&KnownKey> {
        self.keys.get(key)
    }

    /// What a file signed as `origin` says is worth.
    pub fn judge(&self, origin: &Origin) -> Verdict {
        self.judge_received(origin, None)
    }

    /// `judge`, for a batch the sync server received at `received_at`: a
    /// key revoked after that time still speaks for what it sent before.
    pub fn judge_received(&self, origin: &Origin, received_at: Option<DateTime<Utc>>) -> Verdict {
        let Some(signer) = &origin.signer else {
            return match (self.live_key_of(origin), self.revoked_key_of(origin)) {
                (Some(k), _) => Verdict::UnsignedFromSigner { known: k.clone() },
                (None, Some(k)) => Verdict::DeviceRevoked { known: k.clone() },
                (None, None) => Verdict::Unsigned,
            };
        };
        if let Some(k) = self.keys.get(signer) {
            if let Some(revoked) = k.revoked_at {
                return match received_at {
                    Some(r) if r < revoked && k.speaks_for(origin) => {
                        Verdict::ReceivedBeforeRevocation {
                            known: k.clone(),
                            received_at: r,
                        }
                    }
                    _ => Verdict::Revoked(k.clone()),
                };
            }
            if !k.speaks_for(origin) {
                return Verdict::Impostor { known: k.clone() };
            }
            return Verdict::Verified(k.clone());
        }
        // A device keeps its key: the same unit and device with another
        // key is someone else writing in its name, and a revoked device
        // stays revoked whatever key it shows.
        match (self.live_key_of(origin), self.revoked_key_of(origin)) {
            (Some(k), _) => Verdict::Impostor { known: k.clone() },
            (None, Some(k)) => Verdict::DeviceRevoked { known: k.clone() },
            (None, None) => Verdict::UnknownDevice {
                key: signer.clone(),
                unit_code: origin.unit_code.clone(),
            },
        }
    }

    /// The live key known for `origin`'s unit and device.
    fn live_key_of(&self, origin: &Origin) -> Option<&KnownKey> {
        self.keys
            .values()
            .find(|k| k.speaks_for(origin) && k.revoked_at.is_none())
    }

    /// A revoked key of `origin`'s unit and device, the earliest revoked.
    fn revoked_key_of(&self, origin: &Origin) -> Option<&KnownKey> {
        self.keys
            .values()
            .filter(|k| k.speaks_for(origin) && k.revoked_at.is_some())
            .min_by_key(|k| k.revoked_at)
    }

    /// Trust the key that signed `origin` from `at` on (trust on first
    /// use, or the server's introduction). A known key stays as it was.
    pub fn trust(
        &mut self,
        origin: &Origin,
        at: DateTime<Utc>,
        source: KeySource,
    ) -> Result<&KnownKey, TrustError> {
        let key = origin.signer.clone().ok_or(TrustError::Unsigned)?;
        match self.judge(origin) {
            Verdict::Verified(_) | Verdict::UnknownDevice { .. } => {}
            refused => return Err(TrustError::Refused(refused)),
        }
        Ok(self.keys.entry(key.clone()).or_insert(KnownKey {
            key,
            units: origin.units.clone(),
            unit_code: origin.unit_code.clone(),
            device_id: origin.device_id.clone(),
            known_since: at,
            source,
            revoked_at: None,
        }))
    }

    /// Revoke a key (known as `of`'s unit and device) from `at` on: files it signs are refused from now on.
    /// A key nobody knew is recorded as revoked, so it cannot be trusted
    /// later by mistake. Returns false when it was revoked already.
    pub fn revoke(&mut self, key: &str, of: &Origin, at: DateTime<Utc>) -> bool {
        let entry = self.keys.entry(key.to_string()).or_insert(KnownKey {
            key: key.to_string(),
            units: of.units.clone(),
            unit_code: of.unit_code.clone(),
            device_id: of.device_id.clone(),
            known_since: at,
            source: KeySource::Officer,
            revoked_at: None,
        });
        if entry.revoked_at.is_some() {
            return false;
        }
        entry.revoked_at = Some(at);
        true
    }

    /// Take in what another keyring knows (the server's list): keys this
    /// one lacks are added; a revocation is kept from whichever side has
    /// it, the earliest. Returns how many entries changed.
    pub fn absorb(&mut self, others: impl IntoIterator<Item = KnownKey>) -> usize {
        let mut changed = 0;
        for k in others {
            match self.keys.get_mut(&k.key) {
                None => {
                    self.keys.insert(k.key.clone(), k);
                    changed += 1;
                }
                Some(mine) => {
                    let revoked = match (mine.revoked_at, k.revoked_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if revoked != mine.revoked_at {
                        mine.revoked_at = revoked;
                        changed += 1;
                    }
                }
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 8, 0, 0).unwrap()
    }

    fn origin(unit: &str, device: &str, key: Option<&str>) -> Origin {
        Origin {
            units: "thai-nguyen-2025".into(),
            unit_code: unit.into(),
            device_id: device.into(),
            signer: key.map(str::to_string),
        }
    }

    #[test]
    fn first_use_then_verified() {
        let mut ring = Keyring::new();
        let o = origin("01864", "dev-a", Some("k1"));
        assert_eq!(
            ring.judge(&o),
            Verdict::UnknownDevice {
                key: "k1".into(),
                unit_code: "01864".into()
            }
        );
        assert!(!ring.judge(&o).may_apply(false));
        ring.trust(&o, at(1), KeySource::Officer).unwrap();
        let v = ring.judge(&o);
        assert!(matches!(v, Verdict::Verified(ref k) if k.known_since == at(1)));
        assert!(v.may_apply(true));
    }

    #[test]
    fn an_unsigned_file_in_the_name_of_a_signing_device_is_refused() {
        let mut ring = Keyring::new();
        ring.trust(
            &origin("01864", "dev-a", Some("k1")),
            at(1),
            KeySource::Officer,
        )
        .unwrap();
        let v = ring.judge(&origin("01864", "dev-a", None));
        assert!(matches!(v, Verdict::UnsignedFromSigner { ref known } if known.key == "k1"));
        assert!(v.is_refusal() && !v.may_apply(false));
        assert!(v.message_vi(|c| c.to_string()).contains("giả mạo"));
        // Another device of the unit, unsigned: an old release's file.
        assert_eq!(
            ring.judge(&origin("01864", "dev-b", None)),
            Verdict::Unsigned
        );
    }

    #[test]
    fn unsigned_files_pass_only_where_signatures_are_not_required() {
        let ring = Keyring::new();
        let v = ring.judge(&origin("01864", "dev-a", None));
        assert_eq!(v, Verdict::Unsigned);
        assert!(v.may_apply(false));
        assert!(!v.may_apply(true));
        let mut ring = ring;
        assert_eq!(
            ring.trust(&origin("01864", "dev-a", None), at(1), KeySource::Officer)
                .unwrap_err(),
            TrustError::Unsigned
        );
    }

    #[test]
    fn a_known_device_with_another_key_is_an_impostor() {
        let mut ring = Keyring::new();
        ring.trust(
            &origin("01864", "dev-a", Some("k1")),
            at(1),
            KeySource::Server,
        )
        .unwrap();
        let forged = origin("01864", "dev-a", Some("k2"));
        let v = ring.judge(&forged);
        assert!(matches!(v, Verdict::Impostor { ref known } if known.key == "k1"));
        assert!(v.is_refusal());
        assert!(matches!(
            ring.trust(&forged, at(2), KeySource::Officer),
            Err(TrustError::Refused(_))
        ));
    }

    #[test]
    fn a_key_speaks_for_one_unit_and_device() {
        let mut ring = Keyring::new();
        ring.trust(
            &origin("01864", "dev-a", Some("k1")),
            at(1),
            KeySource::Server,
        )
        .unwrap();
        for other in [
            origin("01867", "dev-a", Some("k1")),
            origin("01864", "dev-b", Some("k1")),
        ] {
            assert!(matches!(ring.judge(&other), Verdict::Impostor { .. }));
        }
    }

    /// GSO reuses codes: 01864 was Xã Bộc Bố in the 2020 set and is Xã
    /// Bằng Thành since 2025. A key known for one is nobody in the other.
    #[test]
    fn a_key_speaks_for_a_code_only_in_its_own_dataset() {
        let mut ring = Keyring::new();
        let old = Origin {
            units: "bac-kan-2020".into(),
            ..origin("01864", "dev-a", Some("k1"))
        };
        ring.trust(&old, at(1), KeySource::Officer).unwrap();
        let new = origin("01864", "dev-a", Some("k1"));
        assert!(
            matches!(ring.judge(&new), Verdict::Impostor { ref known } if known.units == "bac-kan-2020")
        );
        // Nor does the other dataset's device make this one's known.
        let other_key = origin("01864", "dev-a", Some("k2"));
        assert!(matches!(
            ring.judge(&other_key),
            Verdict::UnknownDevice { .. }
        ));
        // A keyring kept before datasets were named reads as the 2020 one.
        let text = r#"{"keys":{"k1":{"key":"k1","unit_code":"01864","device_id":"dev-a","known_since":"2026-03-01T08:00:00Z","source":"officer"}}}"#;
        let kept: Keyring = serde_json::from_str(text).unwrap();
        assert!(matches!(kept.judge(&old), Verdict::Verified(_)));
        assert!(matches!(kept.judge(&new), Verdict::Impostor { .. }));
    }

    #[test]
    fn what_the_server_received_before_a_revocation_stays_valid() {
        let mut ring = Keyring::new();
        let o = origin("01864", "dev-a", Some("k1"));
        ring.trust(&o, at(1), KeySource::Server).unwrap();
        ring.revoke("k1", &o, at(5));
        // Received by the server before the revocation: applied.
        let before = ring.judge_received(&o, Some(at(4)));
        assert!(
            matches!(before, Verdict::ReceivedBeforeRevocation { received_at, .. } if received_at == at(4))
        );
        assert!(before.may_apply(true) && !before.is_refusal());
        assert!(before
            .message_vi(|c| c.to_string())
            .contains("trước khi khóa bị thu hồi"));
        // At or after it, or with no server time (a file): refused.
        for received in [Some(at(5)), Some(at(6)), None] {
            let v = ring.judge_received(&o, received);
            assert!(matches!(v, Verdict::Revoked(_)), "{received:?}");
            assert!(!v.may_apply(false));
        }
        // The revoked key in another unit's or device's name is refused
        // whenever the server received it.
        let elsewhere = origin("01840", "dev-a", Some("k1"));
        assert!(matches!(
            ring.judge_received(&elsewhere, Some(at(2))),
            Verdict::Revoked(_)
        ));
    }

    #[test]
    fn revoked_keys_are_refused_and_cannot_be_trusted_again() {
        let mut ring = Keyring::new();
        let o = origin("01864", "dev-a", Some("k1"));
        ring.trust(&o, at(1), KeySource::Officer).unwrap();
        assert!(ring.revoke("k1", &o, at(5)));
        assert!(!ring.revoke("k1", &o, at(6)));
        assert!(matches!(ring.judge(&o), Verdict::Revoked(ref k) if k.revoked_at == Some(at(5))));
        assert!(ring.trust(&o, at(7), KeySource::Officer).is_err());
        // A replacement device, new key and id, is a new device.
        let new = origin("01864", "dev-c", Some("k3"));
        assert!(matches!(ring.judge(&new), Verdict::UnknownDevice { ref key, .. } if key == "k3"));
        // The revoked device stays revoked: for a brand-new key (which
        // cannot be trusted either) and for an unsigned file in its name.
        let new_key = origin("01864", "dev-a", Some("k9"));
        assert!(matches!(
            ring.judge(&new_key),
            Verdict::DeviceRevoked { ref known } if known.key == "k1"
        ));
        assert!(ring.trust(&new_key, at(7), KeySource::Server).is_err());
        assert!(ring.get("k9").is_none());
        let unsigned = origin("01864", "dev-a", None);
        let v = ring.judge(&unsigned);
        assert!(matches!(v, Verdict::DeviceRevoked { .. }), "{v:?}");
        assert!(v.is_refusal() && !v.may_apply(false));
        assert!(v.message_vi(|c| c.to_string()).contains("đã bị thu hồi"));
        // Even for what the server received before the revocation: only
        // the device's own key speaks for that.
        assert!(matches!(
            ring.judge_received(&unsigned, Some(at(2))),
            Verdict::DeviceRevoked { .. }
        ));
        // The same device id in another unit is another device.
        assert!(matches!(
            ring.judge(&origin("01840", "dev-a", None)),
            Verdict::Unsigned
        ));
    }

    #[test]
    fn absorbing_the_servers_list_keeps_every_revocation() {
        let mut ring = Keyring::new();
        ring.trust(
            &origin("01864", "dev-a", Some("k1")),
            at(1),
            KeySource::Officer,
        )
        .unwrap();
        ring.revoke("k1", &origin("01864", "dev-a", None), at(9));
        let server = vec![
            KnownKey {
                key: "k1".into(),
                units: "thai-nguyen-2025".into(),
                unit_code: "01864".into(),
                device_id: "dev-a".into(),
                known_since: at(1),
                source: KeySource::Server,
                revoked_at: Some(at(4)),
            },
            KnownKey {
                key: "k2".into(),
                units: "thai-nguyen-2025".into(),
                unit_code: "01867".into(),
                device_id: "dev-b".into(),
                known_since: at(2),
                source: KeySource::Server,
                revoked_at: None,
            },
        ];
        assert_eq!(ring.absorb(server.clone()), 2);
        assert_eq!(ring.get("k1").unwrap().revoked_at, Some(at(4)));
        assert!(matches!(
            ring.judge(&origin("01867", "dev-b", Some("k2"))),
            Verdict::Verified(_)
        ));
        assert_eq!(ring.absorb(server), 0);
    }

    #[test]
    fn messages_name_the_unit_and_the_fingerprint() {
        let key = crate::signature::DeviceKey::from_secret([3; 32]).public_hex();
        let mut ring = Keyring::new();
        let o = origin("01864", "dev-a", Some(&key));
        let name = |c: &str| format!("Xã {c}");
        let unknown = ring.judge(&o).message_vi(name);
        assert!(unknown.contains(&fingerprint(&key).unwrap()), "{unknown}");
        assert!(unknown.contains("Xã 01864"), "{unknown}");
        ring.trust(&o, at(1), KeySource::Officer).unwrap();
        let ok = ring.judge(&o).message_vi(name);
        assert!(ok.contains("Xã 01864") && ok.contains("01/03/2026"), "{ok}");
    }
}
