//! IndexedDB persistence (through rexie): conversations, image jobs and settings, each
//! record a JSON string under its id.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::conversation::Conversation;
use crate::gallery::{DeletedChange, DeletedCharges};
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
/// The record (in [`SETTINGS`]) of what the gallery's deleted jobs were charged.
pub const DELETED_SPEND_ID: &str = "gallery-deleted-spend";

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
                Some(json) if store == CONVERSATIONS => self.put_conversation(id, json).await,
                Some(json) => self.put_raw(store, id, &JsValue::from_str(json)).await,
                None => self.delete(store, id).await,
            };
            if done.is_ok() && journal::is_settled_by(local.get_item(&key).ok().flatten().as_deref(), entry.stamp) {
                let _ = local.remove_item(&key);
            }
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
                Some(json) if store == CONVERSATIONS => db.put_conversation(&id, json).await,
                Some(json) => db.put_raw(store, &id, &JsValue::from_str(json)).await,
                None if store == CONVERSATIONS => db.delete_conversation(&id).await,
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

    /// Applies `change` to the stored record of what the gallery's deleted jobs were charged
    /// ([`DELETED_SPEND_ID`]) and returns the record as written. `local`, this tab's whole
    /// copy with the change made when it has one, is kept in the journal until the write
    /// lands (a reload right after keeps the change).
    ///
    /// Each tab used to write its own copy whole: two tabs deleting at once each wrote theirs,
    /// and the later one dropped what the other's deletion had cost. The change is applied in
    /// one readwrite transaction, which IndexedDB runs one after another across tabs.
    pub fn change_deleted(
        &self,
        change: DeletedChange,
        local: Option<&DeletedCharges>,
    ) -> impl Future<Output = Result<DeletedCharges, StorageError>> + 'static {
        let key = journal::key(SETTINGS, DELETED_SPEND_ID);
        let json = local.and_then(|local| serde_json::to_string(local).ok());
        let stamp = json.and_then(|json| record_in_journal(&key, Some(&json)));
        let db = self.clone();
        async move {
            let failed = |e| err("could not save", e);
            let tx = db.0.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(failed)?;
            let records = tx.store(SETTINGS).map_err(failed)?;
            let id = JsValue::from_str(DELETED_SPEND_ID);
            let stored = records.get(id.clone()).await.map_err(failed)?.and_then(|v| v.as_string());
            let mut record: DeletedCharges =
                stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
            change.apply(&mut record);
            let json = serde_json::to_string(&record).map_err(|e| err("could not save", e))?;
            records.put(&JsValue::from_str(&json), Some(&id)).await.map_err(failed)?;
            tx.done().await.map_err(failed)?;
            if let (Some(stamp), Some(local)) = (stamp, local_storage()) {
                if journal::is_settled_by(local.get_item(&key).ok().flatten().as_deref(), &stamp) {
                    let _ = local.remove_item(&key);
                }
            }
            Ok(record)
        }
    }

    /// Writes a conversation's record (`json`) so that no other tab's write is lost.
    ///
    /// Each tab saves a whole conversation at a time, and two tabs can save one at once:
    /// the write that reaches IndexedDB last would be the record, without what the other tab
    /// wrote. So the write is one readwrite transaction, which IndexedDB runs one after
    /// another across tabs: it reads who wrote the record last (a stamp beside it), and when
    /// that was not this tab's last write, it merges the stored record with this one
    /// ([`Conversation::reconcile`]) before it writes, and the tab takes the result in
    /// ([`on_merged`]). A tab writing alone reads only the stamp.
    async fn put_conversation(&self, id: &str, json: &str) -> Result<(), StorageError> {
        let failed = |e| err("could not save", e);
        let tx = self.0.transaction(&[CONVERSATIONS, SETTINGS], TransactionMode::ReadWrite).map_err(failed)?;
        let records = tx.store(CONVERSATIONS).map_err(failed)?;
        let stamps = tx.store(SETTINGS).map_err(failed)?;
        let (key, stamp_key) = (JsValue::from_str(id), JsValue::from_str(&written_key(id)));
        let last = stamps.get(stamp_key.clone()).await.map_err(failed)?.and_then(|v| v.as_string());
        let mine = WRITTEN.with(|w| w.borrow().get(id).cloned());
        let merged = if last.is_some() && last == mine {
            None
        } else {
            let stored = records.get(key.clone()).await.map_err(failed)?.and_then(|v| v.as_string());
            stored.and_then(|stored| merged(&stored, json))
        };
        let record = JsValue::from_str(merged.as_deref().unwrap_or(json));
        records.put(&record, Some(&key)).await.map_err(failed)?;
        let stamp = STAMPS.with(|s| s.borrow_mut().next_stamp());
        stamps.put(&JsValue::from_str(&stamp), Some(&stamp_key)).await.map_err(failed)?;
        tx.done().await.map_err(failed)?;
        WRITTEN.with(|w| w.borrow_mut().insert(id.to_owned(), stamp));
        if let Some(both) = merged {
            if let Some(on) = ON_MERGED.with(|o| o.borrow().clone()) {
                on(both);
            }
        }
        Ok(())
    }

    /// Reads every conversation, and takes them as this tab's copies: its first write of
    /// each merges only what another tab wrote after this read (records that no longer
    /// decode are skipped).
    pub async fn conversations(&self) -> Result<Vec<Conversation>, StorageError> {
        let failed = |e| err("could not read", e);
        // One transaction: no write comes between the records and their stamps.
        let tx = self.0.transaction(&[CONVERSATIONS, SETTINGS], TransactionMode::ReadOnly).map_err(failed)?;
        let records = tx.store(CONVERSATIONS).map_err(failed)?.get_all(None, None).await.map_err(failed)?;
        let convs: Vec<Conversation> =
            records.iter().filter_map(|v| v.as_string()).filter_map(|s| serde_json::from_str(&s).ok()).collect();
        // Every stamp in two requests (their keys, their values, in one key order), not one
        // request per conversation: the stamps' keys are "written:" and the id, so they lie
        // between "written:" and "written;" (';' is the character after ':').
        let stamps = tx.store(SETTINGS).map_err(failed)?;
        let range = || {
            rexie::KeyRange::bound(
                &JsValue::from_str(&written_key("")),
                &JsValue::from_str("written;"),
                None,
                Some(true),
            )
            .map_err(|e| err("could not read", e))
        };
        let keys = stamps.get_all_keys(Some(range()?), None).await.map_err(failed)?;
        let values = stamps.get_all(Some(range()?), None).await.map_err(failed)?;
        WRITTEN.with(|w| {
            let mut w = w.borrow_mut();
            for (key, value) in keys.iter().zip(&values) {
                let id = key.as_string().and_then(|k| k.strip_prefix(&written_key("")).map(str::to_owned));
                if let (Some(id), Some(stamp)) = (id, value.as_string()) {
                    w.insert(id, stamp);
                }
            }
        });
        Ok(convs)
    }

    /// Deletes a conversation's record and the stamp of its last write.
    async fn delete_conversation(&self, id: &str) -> Result<(), StorageError> {
        let failed = |e| err("could not delete", e);
        let tx = self.0.transaction(&[CONVERSATIONS, SETTINGS], TransactionMode::ReadWrite).map_err(failed)?;
        tx.store(CONVERSATIONS).map_err(failed)?.delete(JsValue::from_str(id)).await.map_err(failed)?;
        tx.store(SETTINGS).map_err(failed)?.delete(JsValue::from_str(&written_key(id))).await.map_err(failed)?;
        tx.done().await.map_err(failed)?;
        WRITTEN.with(|w| w.borrow_mut().remove(id));
        Ok(())
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
    /// The stamp of this tab's last write of each conversation, by id.
    static WRITTEN: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    /// See [`on_merged`].
    static ON_MERGED: RefCell<Option<OnMerged>> = RefCell::new(None);
}

/// What [`on_merged`] calls.
type OnMerged = Rc<dyn Fn(String)>;

/// The key, in the settings store, of the stamp of conversation `id`'s last write.
fn written_key(id: &str) -> String {
    format!("written:{id}")
}

/// The stored record of a conversation (`stored`) and the one being written (`json`), as
/// one record with both; `None` when either does not decode (the write then stands alone).
/// `None` also when the stored record adds nothing to this one.
fn merged(stored: &str, json: &str) -> Option<String> {
    let stored = serde_json::from_str::<Conversation>(stored).ok()?;
    let mine = serde_json::from_str::<Conversation>(json).ok()?;
    let both = Conversation::reconcile(stored, mine.clone());
    if both == mine {
        return None;
    }
    serde_json::to_string(&both).ok()
}

/// Calls `on` with a conversation's record each time a write merged in what another tab
/// had stored (see [`Db::put_conversation`]): the tab's own copy must take it in, or its
/// next write would leave it out again.
pub fn on_merged(on: impl Fn(String) + 'static) {
    ON_MERGED.with(|o| *o.borrow_mut() = Some(Rc::new(on)));
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
