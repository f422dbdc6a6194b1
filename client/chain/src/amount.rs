//! OPEN amounts as people write them ("12.5") and as the chain counts them (plancks, 18
//! decimals).

/// Decimals of OPEN, as in the chain spec's `tokenDecimals`.
pub const DECIMALS: u32 = 18;
const ONE: u128 = 10u128.pow(DECIMALS);

/// Parses a decimal OPEN amount into plancks: `12`, `0.5`, `1_000`.
pub fn parse(text: &str) -> Result<u128, String> {
	let cleaned = text.trim().replace('_', "");
	let refuse = || format!("`{text}` is not an OPEN amount (e.g. 10 or 0.25)");
	let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
	if whole.is_empty() && fraction.is_empty() {
		return Err(refuse());
	}
	if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
		return Err(refuse());
	}
	if fraction.len() > DECIMALS as usize {
		return Err(format!("`{text}` has more than {DECIMALS} decimals"));
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| refuse())? };
	let padded = format!("{fraction:0<width$}", width = DECIMALS as usize);
	let fraction: u128 = padded.parse().map_err(|_| refuse())?;
	whole
		.checked_mul(ONE)
		.and_then(|plancks| plancks.checked_add(fraction))
		.ok_or_else(|| format!("`{text}` is too large"))
}

/// Formats plancks as OPEN without trailing zeros: `12.5 OPEN`.
pub fn format(plancks: u128) -> String {
	let (whole, fraction) = (plancks / ONE, plancks % ONE);
	if fraction == 0 {
		return format!("{whole} OPEN");
	}
	let digits = format!("{fraction:0width$}", width = DECIMALS as usize);
	format!("{whole}.{} OPEN", digits.trim_end_matches('0'))
}

/// `format` of a decimal planck string as the RPC returns balances.
pub fn format_text(plancks: &str) -> String {
	plancks.parse().map(format).unwrap_or_else(|_| format!("{plancks} plancks"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_round_trip() {
		assert_eq!(parse("12").unwrap(), 12 * ONE);
		assert_eq!(parse("0.5").unwrap(), ONE / 2);
		assert_eq!(parse(".25").unwrap(), ONE / 4);
		assert_eq!(parse("1_000").unwrap(), 1000 * ONE);
		assert_eq!(format(12 * ONE + ONE / 2), "12.5 OPEN");
		assert_eq!(format(3), "0.000000000000000003 OPEN");
		assert_eq!(format_text("2000000000000000000"), "2 OPEN");
	}

	#[test]
	fn bad_amounts_are_refused() {
		for bad in ["", ".", "1.2.3", "-1", "ten", "1e3", "0.0000000000000000001"] {
			assert!(parse(bad).is_err(), "{bad}");
		}
		assert!(parse("999999999999999999999999").is_err());
	}
}
