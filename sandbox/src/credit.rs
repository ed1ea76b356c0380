//! Per-key USD balances in exact nano-USD: holds for streams, charges, spending.

pub use minitoolai::catalog::{format_nano_usd as usd, nano_to_usd as usd_f64};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The balances of every configured key.
#[derive(Clone)]
pub struct Ledger {
    accounts: Arc<Mutex<HashMap<String, Account>>>,
}

/// One key's money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Account {
    /// What is left, in nano-USD (holds not deducted).
    pub balance_nano: u64,
    /// Set aside for streams still running.
    pub held_nano: u64,
    /// Charged so far.
    pub spent_nano: u64,
    /// Charged requests so far.
    pub requests: u64,
}

impl Account {
    /// What a new request may still use.
    pub fn available_nano(&self) -> u64 {
        self.balance_nano.saturating_sub(self.held_nano)
    }
}

/// Why a charge was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insufficient {
    /// What the request needed.
    pub needed_nano: u64,
    /// What the key could spend.
    pub available_nano: u64,
}

impl Insufficient {
    /// The text of the 402 answer.
    pub fn message(&self) -> String {
        format!(
            "insufficient credit: this request may cost up to {} and the key has {} available",
            usd(self.needed_nano),
            usd(self.available_nano)
        )
    }
}

impl Ledger {
    /// A ledger with these keys and starting balances.
    pub fn new(accounts: &[(String, u64)]) -> Self {
        let map = accounts
            .iter()
            .map(|(key, balance)| (key.clone(), Account { balance_nano: *balance, ..Account::default() }))
            .collect();
        Self { accounts: Arc::new(Mutex::new(map)) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Account>> {
        // A panic while holding the lock cannot leave an account half-updated: every
        // update below is a few plain integer assignments, so the data is still consistent.
        self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Most keys a sandbox holds, so key creation cannot grow memory without bound.
    pub const MAX_KEYS: usize = 10_000;

    /// Creates `key` with `balance_nano`, or resets its balance and spending if it exists.
    /// Returns false when the ledger is full.
    pub fn open(&self, key: &str, balance_nano: u64) -> bool {
        let mut accounts = self.lock();
        if !accounts.contains_key(key) && accounts.len() >= Self::MAX_KEYS {
            return false;
        }
        accounts.insert(key.to_owned(), Account { balance_nano, ..Account::default() });
        true
    }

    /// Whether `key` is a configured key.
    pub fn knows(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// Whether `text` contains any configured key (to keep it out of logs).
    pub fn mentions_a_key(&self, text: &str) -> bool {
        self.lock().keys().any(|k| text.contains(k.as_str()))
    }

    /// The account of `key`.
    pub fn account(&self, key: &str) -> Option<Account> {
        self.lock().get(key).copied()
    }

    /// Sets `amount` aside for a request whose final cost is known only at its end.
    pub fn hold(&self, key: &str, amount: u64) -> Result<Hold, Insufficient> {
        let mut accounts = self.lock();
        let account = accounts.get_mut(key).ok_or(Insufficient { needed_nano: amount, available_nano: 0 })?;
        if account.available_nano() < amount {
            return Err(Insufficient { needed_nano: amount, available_nano: account.available_nano() });
        }
        account.held_nano += amount;
        Ok(Hold { ledger: self.clone(), key: key.to_owned(), amount, settled: false })
    }

    /// Charges `amount` at once (image jobs).
    pub fn charge(&self, key: &str, amount: u64) -> Result<(), Insufficient> {
        self.hold(key, amount)?.settle(amount);
        Ok(())
    }
}

/// Money set aside for one request. Settle it with the actual cost; dropping it unsettled
/// releases it without charging.
pub struct Hold {
    ledger: Ledger,
    key: String,
    amount: u64,
    settled: bool,
}

impl Hold {
    /// Releases the hold and charges `cost` (at most the amount held).
    pub fn settle(mut self, cost: u64) {
        self.finish(Some(cost));
    }

    fn finish(&mut self, cost: Option<u64>) {
        if self.settled {
            return;
        }
        self.settled = true;
        let mut accounts = self.ledger.lock();
        if let Some(account) = accounts.get_mut(&self.key) {
            account.held_nano = account.held_nano.saturating_sub(self.amount);
            if let Some(cost) = cost {
                let cost = cost.min(self.amount).min(account.balance_nano);
                account.balance_nano -= cost;
                account.spent_nano += cost;
                account.requests += 1;
            }
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.finish(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_settle_and_release() {
        let ledger = Ledger::new(&[("k".into(), 1_000)]);
        let hold = ledger.hold("k", 600).expect("covered");
        assert_eq!(ledger.account("k").map(|a| a.available_nano()), Some(400));
        assert_eq!(ledger.hold("k", 500).err(), Some(Insufficient { needed_nano: 500, available_nano: 400 }));
        hold.settle(250);
        let a = ledger.account("k").expect("exists");
        assert_eq!((a.balance_nano, a.held_nano, a.spent_nano, a.requests), (750, 0, 250, 1));
        drop(ledger.hold("k", 700).expect("covered"));
        assert_eq!(ledger.account("k").map(|a| (a.balance_nano, a.held_nano)), Some((750, 0)));
        assert!(ledger.charge("k", 751).is_err());
        ledger.charge("k", 750).expect("covered");
        assert_eq!(ledger.account("k").map(|a| (a.balance_nano, a.spent_nano, a.requests)), Some((0, 1000, 2)));
        assert!(ledger.hold("nobody", 0).is_err());
    }
}
