//! How failures become JSON-RPC errors: one code per kind, a message that says what to do.

use jsonrpsee::types::{error::INVALID_PARAMS_CODE, ErrorObjectOwned};
use pallet_datanets_runtime_api::QueryError;

/// Error codes of the `datanets_*` methods besides JSON-RPC's own `-32602` (invalid params:
/// a malformed address or a page larger than the maximum).
pub mod code {
	pub const DATANET_NOT_FOUND: i32 = 4001;
	pub const SUBMISSION_NOT_FOUND: i32 = 4002;
	pub const NOT_VALIDATOR: i32 = 4003;
	/// The runtime API call failed: an unknown block hash, or a runtime without the API.
	pub const RUNTIME: i32 = 5001;
}

pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(INVALID_PARAMS_CODE, message.into(), None::<()>)
}

pub fn runtime(error: impl core::fmt::Display) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code::RUNTIME, format!("runtime API call failed: {error}"), None::<()>)
}

/// `what` names the thing asked for, e.g. "datanet 7" or "submission 12".
pub fn query(error: QueryError, what: &str) -> ErrorObjectOwned {
	let (code, message) = match error {
		QueryError::DatanetNotFound => {
			(code::DATANET_NOT_FOUND, format!("{what}: no such datanet (see datanets_list)"))
		},
		QueryError::SubmissionNotFound => {
			(code::SUBMISSION_NOT_FOUND, format!("{what}: no such submission"))
		},
		QueryError::NotValidator => {
			(code::NOT_VALIDATOR, format!("{what}: the account has no bond on this datanet"))
		},
		QueryError::PageTooLarge { max } => {
			(INVALID_PARAMS_CODE, format!("limit is above the maximum page size of {max}"))
		},
	};
	ErrorObjectOwned::owned(code, message, None::<()>)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn query_errors_have_codes_and_say_what_was_asked() {
		let unknown = query(QueryError::DatanetNotFound, "datanet 9");
		assert_eq!(unknown.code(), code::DATANET_NOT_FOUND);
		assert!(unknown.message().starts_with("datanet 9: no such datanet"));
		let oversize = query(QueryError::PageTooLarge { max: 1000 }, "datanet 0");
		assert_eq!(oversize.code(), INVALID_PARAMS_CODE);
		assert!(oversize.message().contains("maximum page size of 1000"));
		assert_eq!(query(QueryError::NotValidator, "x").code(), code::NOT_VALIDATOR);
		assert_eq!(query(QueryError::SubmissionNotFound, "x").code(), code::SUBMISSION_NOT_FOUND);
	}
}
