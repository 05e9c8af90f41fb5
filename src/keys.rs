//! This device's signing key, and the keys of other devices it knows.
//!
//! The device key is made on first use and kept in its own IndexedDB
//! database (`papi-tracker-keys`). Where the browser has Ed25519 in
//! WebCrypto it is a non-extractable `CryptoKey`: the private key cannot be
//! read out of the browser, not even by this app. Elsewhere (older
//! browsers) the secret is kept there as bytes and signs through
//! `papi_core::signature`. It is never put in a batch, a backup or a log.
//!
//! The keyring (`papi_core::trust::Keyring`: devices trusted on first use,
//! introduced by the server, revoked) is small and kept in localStorage.

use gloo_storage::{LocalStorage, Storage};

use idb::{Factory, ObjectStoreParams, TransactionMode};
use js_sys::{Object, Reflect, Uint8Array};
use papi_core::batch::{Batch, Bundle};
use papi_core::signature::{decode_hex, hex, DeviceKey};
use papi_core::trust::Keyring;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DB_NAME: &str = "papi-tracker-keys";
const STORE: &str = "keys";
const DEVICE: &str = "device";
const KEYRING: &str = "papi-tracker.keyring";

/// How this device signs.
#[derive(Clone)]
pub enum Signer {
    /// A non-extractable WebCrypto Ed25519 key.
    WebCrypto {
        private: web_sys::CryptoKey,
        public_hex: String,
    },
    /// The secret in this browser's storage (no Ed25519 in WebCrypto).
    Stored(DeviceKey),
}

impl Signer {
    /// The public key, as batches carry it.
    pub fn public_hex(&self) -> String {
        match self {
            Signer::WebCrypto { public_hex, .. } => public_hex.clone(),
            Signer::Stored(k) => k.public_hex(),
        }
    }

    /// Whether the private key cannot leave the browser.
    pub fn non_extractable(&self) -> bool {
        matches!(self, Signer::WebCrypto { .. })
    }

    /// The signature over `message`, lowercase hex.
    pub async fn sign(&self, message: &[u8]) -> Result<String, String> {
        match self {
            Signer::Stored(k) => Ok(k.sign(message)),
            Signer::WebCrypto { private, .. } => {
                let subtle = subtle()?;
                let data = Uint8Array::from(message);
                let promise = subtle
                    .sign_with_object_and_buffer_source(&algorithm(), private, &data)
                    .map_err(js_text)?;
                let sig = JsFuture::from(promise).await.map_err(js_text)?;
                Ok(hex(&Uint8Array::new(&sig).to_vec()))
            }
        }
    }
}

fn js_text(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let window = web_sys::window().ok_or("không có cửa sổ trình duyệt")?;
    Ok(window.crypto().map_err(js_text)?.subtle())
}

fn algorithm() -> Object {
    let alg = Object::new();
    let _ = Reflect::set(&alg, &"name".into(), &"Ed25519".into());
    alg
}

fn idb_text(e: idb::Error) -> String {
    e.to_string()
}

async fn open_db() -> Result<idb::Database, String> {
    let factory = Factory::new().map_err(idb_text)?;
    let mut req = factory.open(DB_NAME, Some(1)).map_err(idb_text)?;
    req.on_upgrade_needed(|event| {
        use idb::DatabaseEvent;
        if let Ok(db) = event.database() {
            if !db.store_names().iter().any(|n| n == STORE) {
                let _ = db.create_object_store(STORE, ObjectStoreParams::new());
            }
        }
    });
    req.await.map_err(idb_text)
}

/// The stored key, if any.
async fn load(db: &idb::Database) -> Result<Option<Signer>, String> {
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(idb_text)?;
    let store = tx.object_store(STORE).map_err(idb_text)?;
    let value = store
        .get(JsValue::from_str(DEVICE))
        .map_err(idb_text)?
        .await
        .map_err(idb_text)?;
    Ok(value.and_then(|v| signer_of(&v)))
}

fn signer_of(v: &JsValue) -> Option<Signer> {
    let public_hex = Reflect::get(v, &"public".into()).ok()?.as_string()?;
    if let Ok(private) = Reflect::get(v, &"private".into()) {
        if let Ok(private) = private.dyn_into::<web_sys::CryptoKey>() {
            return Some(Signer::WebCrypto {
                private,
                public_hex,
            });
        }
    }
    let secret = Reflect::get(v, &"secret".into()).ok()?.as_string()?;
    let key = DeviceKey::from_secret(decode_hex::<32>(&secret)?);
    (key.public_hex() == public_hex).then_some(Signer::Stored(key))
}

/// A new non-extractable WebCrypto key, or `None` where the browser has no
/// Ed25519.
async fn generate_webcrypto() -> Option<(Object, Signer)> {
    let subtle = subtle().ok()?;
    let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
    let promise = subtle
        .generate_key_with_object(&algorithm(), false, &usages)
        .ok()?;
    let pair = JsFuture::from(promise).await.ok()?;
    let private: web_sys::CryptoKey = Reflect::get(&pair, &"privateKey".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let public: web_sys::CryptoKey = Reflect::get(&pair, &"publicKey".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let raw = JsFuture::from(subtle.export_key("raw", &public).ok()?)
        .await
        .ok()?;
    let public_hex = hex(&Uint8Array::new(&raw).to_vec());
    let entry = Object::new();
    let _ = Reflect::set(&entry, &"public".into(), &public_hex.clone().into());
    let _ = Reflect::set(&entry, &"private".into(), &private);
    Some((
        entry,
        Signer::WebCrypto {
            private,
            public_hex,
        },
    ))
}

fn generate_stored() -> (Object, Signer) {
    let mut secret = [0u8; 32];
    secret[..16].copy_from_slice(&crate::platform::random16());
    secret[16..].copy_from_slice(&crate::platform::random16());
    let key = DeviceKey::from_secret(secret);
    let entry = Object::new();
    let _ = Reflect::set(&entry, &"public".into(), &key.public_hex().into());
    let _ = Reflect::set(&entry, &"secret".into(), &hex(&secret).into());
    (entry, Signer::Stored(key))
}

/// This device's key: the stored one, or a new one made and kept now. Two
/// tabs making one at once: `add` lets only the first be kept, and the
/// other tab reads that one back.
pub async fn device_signer() -> Result<Signer, String> {
    let db = open_db().await?;
    if let Some(s) = load(&db).await? {
        return Ok(s);
    }
    let (entry, _) = match generate_webcrypto().await {
        Some(made) => made,
        None => generate_stored(),
    };
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(idb_text)?;
    let store = tx.object_store(STORE).map_err(idb_text)?;
    // `add` fails if another tab stored one first: then that one is ours.
    if let Ok(req) = store.add(&entry, Some(&JsValue::from_str(DEVICE))) {
        let _ = req.await;
    }
    let _ = tx.await;
    load(&db)
        .await?
        .ok_or_else(|| "không lưu được khóa ký của thiết bị".to_string())
}

/// The receiver's keyring (empty when none is kept). An unreadable one is
/// an error, never replaced by an empty one.
pub fn keyring() -> Result<Keyring, String> {
    let text = LocalStorage::raw().get_item(KEYRING).ok().flatten();
    match text {
        None => Ok(Keyring::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| {
            format!(
                "danh sách thiết bị đã biết không đọc được ({e}): không ghi đè, hãy báo quản trị"
            )
        }),
    }
}

pub fn save_keyring(ring: &Keyring) -> Result<(), String> {
    LocalStorage::set(KEYRING, ring).map_err(|e| e.to_string())
}

/// A sealed batch, signed by this device.
pub async fn sign_batch(signer: &Signer, mut b: Batch) -> Result<Batch, String> {
    let signature = signer.sign(&b.signing_message()).await?;
    b.attach_signature(signature);
    Ok(b)
}

/// A sealed bundle: every batch in it, then the bundle, signed by this
/// device.
pub async fn sign_bundle(signer: &Signer, mut bundle: Bundle) -> Result<Bundle, String> {
    for b in bundle.batches.iter_mut() {
        let signature = signer.sign(&b.signing_message()).await?;
        b.attach_signature(signature);
    }
    bundle.signature = Some(signer.sign(&bundle.canonical()).await?);
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn the_device_key_is_made_once_and_its_signatures_verify_in_the_core() {
        let a = device_signer().await.unwrap();
        // Chromium has Ed25519 in WebCrypto: the private key cannot leave it.
        assert!(a.non_extractable());
        let b = device_signer().await.unwrap();
        assert_eq!(a.public_hex(), b.public_hex(), "kept, not made again");
        let sig = a.sign(b"noi dung").await.unwrap();
        assert_eq!(
            papi_core::signature::verify(&a.public_hex(), b"noi dung", &sig),
            Ok(())
        );
        assert!(papi_core::signature::verify(&a.public_hex(), b"noi dung khac", &sig).is_err());
    }

    #[wasm_bindgen_test]
    async fn a_stored_secret_signs_like_the_core() {
        let (entry, made) = generate_stored();
        let back = signer_of(&entry).expect("read back");
        assert_eq!(back.public_hex(), made.public_hex());
        assert!(!back.non_extractable());
        let sig = back.sign(b"x").await.unwrap();
        assert_eq!(
            papi_core::signature::verify(&made.public_hex(), b"x", &sig),
            Ok(())
        );
        // A stored entry whose secret does not match its public key is not
        // a key.
        let _ = Reflect::set(&entry, &"public".into(), &"00".repeat(32).into());
        assert!(signer_of(&entry).is_none());
    }

    #[wasm_bindgen_test]
    fn an_unreadable_keyring_is_an_error_and_left_alone() {
        LocalStorage::raw().set_item(KEYRING, "{not json").unwrap();
        assert!(keyring().is_err());
        assert_eq!(
            LocalStorage::raw().get_item(KEYRING).unwrap().as_deref(),
            Some("{not json")
        );
        LocalStorage::raw().remove_item(KEYRING).unwrap();
        assert_eq!(keyring().unwrap(), Keyring::new());
    }
}
