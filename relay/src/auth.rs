//! Who is calling: the relay access token of a request, checked against the ledger.

use axum::http::{HeaderMap, StatusCode};

use crate::errors::{ApiError, Shape};
use crate::secret;
use crate::state::Shared;
use crate::store::Token;

/// The caller's live token, or the 401 (or 503 when the ledger is down) to answer.
pub async fn authenticate(st: &Shared, headers: &HeaderMap, shape: Shape) -> Result<Token, ApiError> {
    let Some(presented) = secret::bearer(headers) else {
        return Err(ApiError::new(
            shape,
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "missing relay token: send the header Authorization: Bearer <relay token> (ask the relay's operator for one)",
        ));
    };
    let token = st.store.token_by_hash(&secret::hash(presented)).await.map_err(|e| ledger_down(shape, &e))?;
    match token {
        None => Err(ApiError::new(
            shape,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "incorrect relay token (this is a relay: it takes the tokens its operator hands out, not MiniToolAI keys)",
        )),
        Some(t) if t.revoked_ms.is_some() => Err(ApiError::new(
            shape,
            StatusCode::UNAUTHORIZED,
            "revoked_token",
            "this relay token was revoked by the relay's operator",
        )),
        Some(t) => Ok(t),
    }
}

/// The answer when the ledger cannot be read or written: nothing is forwarded then.
pub fn ledger_down(shape: Shape, e: &crate::store::StoreError) -> ApiError {
    eprintln!("minitoolai-relay: ledger error: {e}");
    ApiError::new(
        shape,
        StatusCode::SERVICE_UNAVAILABLE,
        "ledger_unavailable",
        "the relay's ledger is unavailable; try again later",
    )
}
