//! Printing results: aligned tables for people, one JSON document for programs (`--json`),
//! and progress bars on stderr that stay out of the way of both.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

#[derive(Clone, Copy)]
pub struct Output {
	pub json: bool,
}

impl Output {
	/// Prints `value` as JSON, or `human()` as text.
	pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
		if self.json {
			println!("{}", serde_json::to_string_pretty(value).expect("results serialize"));
		} else {
			let text = human();
			if !text.is_empty() {
				println!("{}", text.trim_end());
			}
		}
	}

	/// A note for people on stderr; silent with `--json`.
	pub fn note(&self, text: impl AsRef<str>) {
		if !self.json {
			eprintln!("{}", text.as_ref());
		}
	}

	/// A progress bar over `total` units of `unit` (`bytes` or `files`), hidden with `--json`
	/// or when stderr is not a terminal.
	pub fn progress(&self, total: u64, bytes: bool) -> ProgressBar {
		if self.json {
			return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
		}
		let template = if bytes {
			"{spinner} {msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
		} else {
			"{spinner} {msg:30!} [{bar:30}] {pos}/{len} eta {eta}"
		};
		let bar = ProgressBar::new(total);
		bar.set_style(
			ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> "),
		);
		bar
	}
}

/// One record as `label: value` lines, the labels right-aligned.
pub fn fields(rows: &[(&str, String)]) -> String {
	let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
	rows.iter().map(|(label, value)| format!("{label:>width$}: {value}\n")).collect()
}

/// Left-aligned columns separated by two spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
	let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
	for row in rows {
		for (width, cell) in widths.iter_mut().zip(row) {
			*width = (*width).max(cell.chars().count());
		}
	}
	let line = |cells: Vec<String>| {
		let padded: Vec<String> =
			cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:width$}")).collect();
		padded.join("  ").trim_end().to_string()
	};
	let mut out = line(header.iter().map(|h| h.to_string()).collect());
	for row in rows {
		out.push('\n');
		out.push_str(&line(row.clone()));
	}
	out
}

#[cfg(test)]
mod tests {
	#[test]
	fn tables_align_columns() {
		let text = super::table(
			&["id", "name"],
			&[vec!["1".into(), "Text".into()], vec!["10".into(), "A".into()]],
		);
		assert_eq!(text, "id  name\n1   Text\n10  A");
	}
}
