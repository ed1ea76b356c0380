//! IndexedDB persistence (through rexie): conversations, image jobs and settings, each
//! record a JSON string under its id.

use std::rc::Rc;

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

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
        Rexie::builder(DB_NAME)
            .version(1)
            .add_object_store(ObjectStore::new(CONVERSATIONS))
            .add_object_store(ObjectStore::new(JOBS))
            .add_object_store(ObjectStore::new(IMAGES))
            .add_object_store(ObjectStore::new(SETTINGS))
            .build()
            .await
            .map(|db| Self(Rc::new(db)))
            .map_err(|e| err("could not open the browser database", e))
    }

    /// Writes one record.
    pub async fn put<T: Serialize>(&self, store: &str, id: &str, value: &T) -> Result<(), StorageError> {
        let json = serde_json::to_string(value).map_err(|e| err("could not encode", e))?;
        self.put_raw(store, id, &JsValue::from_str(&json)).await
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
