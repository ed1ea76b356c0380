//! IndexedDB persistence (through rexie): conversations, image jobs and settings, each
//! record a JSON string under its id.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::conversation::Conversation;
use crate::journal;

const DB_NAME: &str = "minitoolai";
/// Store of conversations.
pub const CONVERSATIONS: &str = "conversations";
/// Store of image jobs.
pub const JOBS: &str = "jobs";
/// Store of image bytes kept locally.
pub const IMAGES: &str = "images";
/// Store of settings (never the API key).
pub const SETTINGS: &str = "settings";

/// An open database. Cheap to clone.
#[derive(Clone)]
pub struct Db(Rc<Rexie>);

/// A storage failure, in words for the user.
pub type StorageError = String;

fn err(what: &str, e: impl std::fmt::Debug) -> StorageError {
    let detail = format!("{e:?}");
    if detail.contains("QuotaExceeded") {
        format!("{what}: the browser's storage is full")
    } else {
        format!("{what}: {detail}")
    }
}

impl Db {
    /// Opens (or creates) the database.
    pub async fn open() -> Result<Self, StorageError> {
        let db = Rexie::builder(DB_NAME)
            .version(1)
            .add_object_store(ObjectStore::new(CONVERSATIONS))
            .add_object_store(ObjectStore::new(JOBS))
            .add_object_store(ObjectStore::new(IMAGES))
            .add_object_store(ObjectStore::new(SETTINGS))
            .build()
            .await
            .map(|db| Self(Rc::new(db)))
            .map_err(|e| err("could not open the browser database", e))?;
        db.replay_journal().await;
        Ok(db)
    }

    /// Writes what the journal still holds (changes made just before the page went away)
    /// into IndexedDB, then drops those entries.
    async fn replay_journal(&self) {
        let Some(local) = local_storage() else { return };
        let keys: Vec<String> = (0..local.length().unwrap_or(0)).filter_map(|i| local.key(i).ok().flatten()).collect();
        for key in keys {
            let Some((store, id)) = journal::parse_key(&key) else { continue };
            let Some(store) = [CONVERSATIONS, JOBS, SETTINGS, IMAGES].into_iter().find(|s| *s == store) else {
                continue;
            };
            let Some(value) = local.get_item(&key).ok().flatten() else { continue };
            let Some(entry) = journal::decode(&value) else {
                let _ = local.remove_item(&key);
                continue;
            };
            let done = match entry.json {
                // Image bytes are never journalled (only their deletion is).
                Some(_) if store == IMAGES => Ok(()),
                // Another tab may have written this conversation since: both are kept.
                Some(json) if store == CONVERSATIONS => {
                    let json = self.reconciled(id, json).await;
                    self.put_raw(store, id, &JsValue::from_str(&json)).await
                }
                Some(json) => self.put_raw(store, id, &JsValue::from_str(json)).await,
                None => self.delete(store, id).await,
            };
            if done.is_ok() && journal::is_settled_by(local.get_item(&key).ok().flatten().as_deref(), entry.stamp) {
                let _ = local.remove_item(&key);
            }
        }
    }

    /// A journalled conversation record (`json`) with what the database holds of it.
    async fn reconciled(&self, id: &str, json: &str) -> String {
        let journaled = serde_json::from_str::<Conversation>(json);
        let stored = self.get::<Conversation>(CONVERSATIONS, id).await.ok().flatten();
        match (stored, journaled) {
            (Some(stored), Ok(journaled)) => {
                serde_json::to_string(&Conversation::reconcile(stored, journaled)).unwrap_or_else(|_| json.to_owned())
            }
            _ => json.to_owned(),
        }
    }

    /// Saves a record (`None`: deletes it). The change is in the journal when this returns,
    /// so a reload right after keeps it; the returned future writes it to IndexedDB.
    pub fn write(
        &self,
        store: &'static str,
        id: String,
        json: Option<String>,
    ) -> impl Future<Output = Result<(), StorageError>> + 'static {
        let key = journal::key(store, &id);
        let stamp = record_in_journal(&key, json.as_deref());
        let db = self.clone();
        async move {
            let done = match &json {
                Some(json) => db.put_raw(store, &id, &JsValue::from_str(json)).await,
                None => db.delete(store, &id).await,
            };
            if let (Ok(()), Some(stamp), Some(local)) = (&done, stamp, local_storage()) {
                if journal::is_settled_by(local.get_item(&key).ok().flatten().as_deref(), &stamp) {
                    let _ = local.remove_item(&key);
                }
            }
            done
        }
    }

    /// Writes one raw value (for image bytes).
    pub async fn put_raw(&self, store: &str, id: &str, value: &JsValue) -> Result<(), StorageError> {
        let tx = self.0.transaction(&[store], TransactionMode::ReadWrite).map_err(|e| err("could not save", e))?;
        let s = tx.store(store).map_err(|e| err("could not save", e))?;
        s.put(value, Some(&JsValue::from_str(id))).await.map_err(|e| err("could not save", e))?;
        tx.done().await.map_err(|e| err("could not save", e))?;
        Ok(())
    }

    /// Reads one raw value.
    pub async fn get_raw(&self, store: &str, id: &str) -> Result<Option<JsValue>, StorageError> {
        let tx = self.0.transaction(&[store], TransactionMode::ReadOnly).map_err(|e| err("could not read", e))?;
        let s = tx.store(store).map_err(|e| err("could not read", e))?;
        s.get(JsValue::from_str(id)).await.map_err(|e| err("could not read", e))
    }

    /// Reads one record.
    pub async fn get<T: DeserializeOwned>(&self, store: &str, id: &str) -> Result<Option<T>, StorageError> {
        Ok(self.get_raw(store, id).await?.and_then(|v| v.as_string()).and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Deletes one record.
    pub async fn delete(&self, store: &str, id: &str) -> Result<(), StorageError> {
        let tx = self.0.transaction(&[store], TransactionMode::ReadWrite).map_err(|e| err("could not delete", e))?;
        let s = tx.store(store).map_err(|e| err("could not delete", e))?;
        s.delete(JsValue::from_str(id)).await.map_err(|e| err("could not delete", e))?;
        tx.done().await.map_err(|e| err("could not delete", e))?;
        Ok(())
    }

    /// Reads every record of a store; records that no longer decode are skipped.
    pub async fn all<T: DeserializeOwned>(&self, store: &str) -> Result<Vec<T>, StorageError> {
        let tx = self.0.transaction(&[store], TransactionMode::ReadOnly).map_err(|e| err("could not read", e))?;
        let s = tx.store(store).map_err(|e| err("could not read", e))?;
        let values = s.get_all(None, None).await.map_err(|e| err("could not read", e))?;
        Ok(values.iter().filter_map(|v| v.as_string()).filter_map(|s| serde_json::from_str(&s).ok()).collect())
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

thread_local! {
    static STAMPS: RefCell<journal::Stamps> =
        RefCell::new(journal::Stamps::new(format!("{:x}", (js_sys::Math::random() * 4e9) as u64)));
}

/// Writes the change to the journal; its stamp, or `None` when the journal could not take it
/// (storage full or unavailable). Then no older entry for the record may stay either: replayed,
/// it would undo this change.
fn record_in_journal(key: &str, json: Option<&str>) -> Option<String> {
    let local = local_storage()?;
    if !journal::takes(json.map(str::len)) {
        let _ = local.remove_item(key);
        return None;
    }
    let stamp = STAMPS.with(|s| s.borrow_mut().next_stamp());
    match local.set_item(key, &journal::encode(&stamp, json)) {
        Ok(()) => Some(stamp),
        Err(_) => {
            let _ = local.remove_item(key);
            None
        }
    }
}
