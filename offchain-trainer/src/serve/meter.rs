//! Metering and paying for use: every answer of a chain model adds its tokens (prompt and
//! completion) at the server's price to what is owed for that model; every `--pay-every`
//! blocks, each model owed at least the chain's minimum payment is paid for with
//! `Attribution::pay_for_use`. Answers of the base alone are not metered: no one's data is in
//! the base.
//!
//! **Rounding, with nothing lost.** The price is in plancks per 1000 tokens, so a request's
//! cost is usually a fraction of a planck. What is owed is kept exactly, in thousandths of a
//! planck (`price × tokens`); a payment is its whole plancks (`owed / 1000`, rounded down)
//! and the fraction (< 1 planck) stays owed for the next one. So after any sequence of
//! requests and payments, paid + still owed = price × tokens / 1000 exactly.
//!
//! **Failures.** Only a payment the chain confirmed is taken off what is owed; one the chain
//! or the node refused is tried again at the next interval with whatever accrued meanwhile.
//! A payment whose outcome is unknown (the connection failed after it was sent) is never
//! simply sent again, which could pay twice: it is kept as pending, with its nonce and the
//! last block it may land in, and no payment is sent until the chain tells. Once
//! the signer's finalized nonce passes it, it landed and is settled; once its lifetime is
//! over with the nonce unmoved, it never will, and the amount is owed again. (This needs the
//! key to sign for this server alone, as `--suri`'s help says: another signer's transaction
//! with that nonce would read as this payment.) Tokens metered while a payment is on its way
//! are added to the owed amount, not overwritten by it. With a state directory the ledger is
//! written after every change (atomically), so a restart loses nothing, pending payments
//! included.

use crate::{Error, Result};
use openledger_client::{Landing, Sent};
use serde::{Deserialize, Serialize};
use std::{
	collections::BTreeMap,
	future::Future,
	path::{Path, PathBuf},
	sync::Mutex,
};

/// Tokens a price is given for.
pub const TOKENS_PER_PRICE: u128 = 1000;

/// Pays for a model's use: the chain, or a test's stand-in.
pub trait Payer: Send + Sync {
	/// The smallest payment the chain accepts (`Attribution::MinPayment`), in plancks.
	fn min_payment(&self) -> impl Future<Output = std::result::Result<u128, String>> + Send;

	/// Pays `amount` plancks for the use of `model` and waits until that is final. `Ok` says
	/// where it landed (for the log).
	fn pay(
		&self,
		model: u64,
		amount: u128,
	) -> impl Future<Output = std::result::Result<String, Unpaid>> + Send;

	/// What became of a payment whose outcome was unknown.
	fn landing(
		&self,
		sent: &Sent,
	) -> impl Future<Output = std::result::Result<Landing, String>> + Send;
}

/// Why a payment did not go through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpaid {
	/// It did not take effect (refused, or never sent): it may be sent again.
	Refused(String),
	/// It was sent and may yet land: it must not be sent again until `Payer::landing` tells.
	Unknown { why: String, sent: Sent },
}

/// A payment whose outcome was unknown, until the chain tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
	pub amount: u128,
	pub sent: Sent,
}

/// One model's account, all in plancks except `owed_milli`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
	/// Every token metered for the model.
	pub tokens: u128,
	/// Owed and not yet paid, in thousandths of a planck.
	pub owed_milli: u128,
	/// Paid on chain.
	pub paid: u128,
	/// Payments that failed since the last one that went through.
	pub failures: u32,
	/// A payment sent whose outcome is not known yet: the model is not paid again until it
	/// is.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub pending: Option<Pending>,
}

impl Account {
	/// The whole plancks owed (what a payment now would be).
	pub fn payable(&self) -> u128 {
		self.owed_milli / TOKENS_PER_PRICE
	}
}

/// The server's ledger: one account per model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
	/// Plancks per 1000 tokens, as last configured (new tokens use the current price).
	pub price: u128,
	pub models: BTreeMap<u64, Account>,
}

/// The ledger and where it is kept.
pub struct Meter {
	price: u128,
	ledger: Mutex<Ledger>,
	path: Option<PathBuf>,
	/// Held while the server runs: two servers on one ledger would pay twice.
	_lock: Option<std::fs::File>,
}

/// What happened to one model's payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
	pub model: u64,
	pub amount: u128,
	/// Where it landed, or why it failed.
	pub outcome: std::result::Result<String, String>,
	/// Sent, with its outcome unknown: neither paid nor to be sent again yet.
	pub pending: bool,
}

impl Meter {
	/// A meter at `price` plancks per 1000 tokens, continuing the ledger at `path` if there is
	/// one (the file is created at the first change).
	pub fn open(price: u128, path: Option<PathBuf>) -> Result<Meter> {
		let lock = path.as_deref().map(lock).transpose()?;
		let mut ledger = match &path {
			Some(path) if path.exists() => {
				let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
				serde_json::from_str(&text).map_err(|e| Error::format(path, e))?
			},
			_ => Ledger::default(),
		};
		ledger.price = price;
		Ok(Meter { price, ledger: Mutex::new(ledger), path, _lock: lock })
	}

	/// Adds `tokens` of `model`'s use at the price.
	pub fn record(&self, model: u64, tokens: u64) -> Result<()> {
		self.change(|ledger| {
			let account = ledger.models.entry(model).or_default();
			account.tokens = account.tokens.saturating_add(u128::from(tokens));
			account.owed_milli =
				account.owed_milli.saturating_add(self.price.saturating_mul(u128::from(tokens)));
		})
	}

	/// Models owed at least `min_payment` (and at least one planck), with what to pay; not
	/// those with a payment pending.
	pub fn due(&self, min_payment: u128) -> Vec<(u64, u128)> {
		let ledger = self.ledger.lock().expect("not poisoned");
		ledger
			.models
			.iter()
			.filter(|(_, account)| account.pending.is_none())
			.map(|(model, account)| (*model, account.payable()))
			.filter(|(_, amount)| *amount >= min_payment.max(1))
			.collect()
	}

	/// Takes a confirmed payment off what `model` owes.
	pub fn settle(&self, model: u64, amount: u128) -> Result<()> {
		self.change(|ledger| {
			let account = ledger.models.entry(model).or_default();
			// `due` never offers more than is owed and only this takes it off.
			account.owed_milli = account.owed_milli.saturating_sub(amount * TOKENS_PER_PRICE);
			account.paid = account.paid.saturating_add(amount);
			account.failures = 0;
			account.pending = None;
		})
	}

	/// A payment that did not go through: what it was for stays owed.
	fn failed(&self, model: u64) -> Result<()> {
		self.change(|ledger| {
			let account = ledger.models.entry(model).or_default();
			account.failures = account.failures.saturating_add(1);
			account.pending = None;
		})
	}

	fn hold(&self, model: u64, pending: Pending) -> Result<()> {
		self.change(|ledger| ledger.models.entry(model).or_default().pending = Some(pending))
	}

	fn pending(&self) -> Vec<(u64, Pending)> {
		let ledger = self.ledger.lock().expect("not poisoned");
		ledger.models.iter().filter_map(|(model, a)| Some((*model, a.pending?))).collect()
	}

	/// A copy of the ledger.
	pub fn ledger(&self) -> Ledger {
		self.ledger.lock().expect("not poisoned").clone()
	}

	fn change(&self, apply: impl FnOnce(&mut Ledger)) -> Result<()> {
		let mut ledger = self.ledger.lock().expect("not poisoned");
		apply(&mut ledger);
		match &self.path {
			Some(path) => save(path, &ledger),
			None => Ok(()),
		}
	}

	/// Learns what became of the pending payments, then pays every model that is due, one
	/// transaction each, and settles those that went through. A model whose payment fails
	/// keeps what it owes; one whose payment is pending waits for it.
	pub async fn pay_due(&self, payer: &impl Payer) -> std::result::Result<Vec<Payment>, String> {
		let mut payments = Vec::new();
		for (model, Pending { amount, sent }) in self.pending() {
			let (recorded, outcome) = match payer.landing(&sent).await {
				Ok(Landing::Landed) => (
					self.settle(model, amount),
					Ok(format!("landed with nonce {} (its outcome was unknown)", sent.nonce)),
				),
				Ok(Landing::Dead) => (
					self.failed(model),
					Err(format!(
						"the payment sent with nonce {} did not land by block {}",
						sent.nonce, sent.valid_until
					)),
				),
				// Still unknown: the model waits, and so does the question.
				Ok(Landing::Pending) => continue,
				Err(why) => {
					eprintln!("serve: cannot learn what became of model {model}'s payment: {why}");
					continue;
				},
			};
			written(recorded);
			payments.push(Payment { model, amount, outcome, pending: false });
		}
		// While a payment is pending nothing else is sent: a new payment would take the
		// pending one's nonce if that one was dropped, and its landing would read as the
		// pending one's.
		if !self.pending().is_empty() {
			return Ok(payments);
		}
		let min_payment = payer.min_payment().await?;
		for (model, amount) in self.due(min_payment) {
			let (recorded, outcome, pending) = match payer.pay(model, amount).await {
				Ok(receipt) => (self.settle(model, amount), Ok(receipt), false),
				Err(Unpaid::Refused(why)) => (self.failed(model), Err(why), false),
				Err(Unpaid::Unknown { why, sent }) => (
					self.hold(model, Pending { amount, sent }),
					Err(format!(
						"{why}; pending until nonce {} lands or block {} passes",
						sent.nonce, sent.valid_until
					)),
					true,
				),
			};
			written(recorded);
			payments.push(Payment { model, amount, outcome, pending });
			if pending {
				// Nothing more this round (see above).
				break;
			}
		}
		Ok(payments)
	}
}

/// Paid (or pending) but not written down: say so loudly; the ledger in memory is right.
fn written(recorded: Result<()>) {
	if let Err(error) = recorded {
		eprintln!("serve: cannot write the ledger: {error}");
	}
}

/// An exclusive lock beside the ledger at `path`, refused while another server holds it.
fn lock(path: &Path) -> Result<std::fs::File> {
	let lock_path = path.with_extension("lock");
	let file = std::fs::OpenOptions::new()
		.create(true)
		.truncate(false)
		.write(true)
		.open(&lock_path)
		.map_err(|e| Error::io(&lock_path, e))?;
	match file.try_lock() {
		Ok(()) => Ok(file),
		Err(std::fs::TryLockError::WouldBlock) => Err(Error::Invalid(format!(
			"another server keeps its ledger in {} (it holds {}): give each server its own 			 --state",
			path.display(),
			lock_path.display()
		))),
		Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&lock_path, e)),
	}
}

/// Writes `ledger` to `path` atomically (a reader never sees half a file).
fn save(path: &Path, ledger: &Ledger) -> Result<()> {
	let partial = path.with_extension("partial");
	let text = serde_json::to_vec_pretty(ledger).expect("a ledger serialises");
	std::fs::write(&partial, text).map_err(|e| Error::io(&partial, e))?;
	std::fs::rename(&partial, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::atomic::{AtomicUsize, Ordering};

	/// Pays, or fails the first `fail` payments (or loses track of the first `lose`, which
	/// then land or not as `landing` says); records what it paid.
	struct FakePayer {
		min: u128,
		fail: AtomicUsize,
		lose: AtomicUsize,
		landing: Mutex<Landing>,
		paid: Mutex<Vec<(u64, u128)>>,
	}

	impl FakePayer {
		fn new(min: u128, fail: usize) -> FakePayer {
			FakePayer {
				min,
				fail: AtomicUsize::new(fail),
				lose: AtomicUsize::new(0),
				landing: Mutex::new(Landing::Pending),
				paid: Mutex::new(Vec::new()),
			}
		}

		fn paid(&self) -> Vec<(u64, u128)> {
			self.paid.lock().unwrap().clone()
		}
	}

	impl Payer for FakePayer {
		async fn min_payment(&self) -> std::result::Result<u128, String> {
			Ok(self.min)
		}

		async fn pay(&self, model: u64, amount: u128) -> std::result::Result<String, Unpaid> {
			if self.fail.load(Ordering::SeqCst) > 0 {
				self.fail.fetch_sub(1, Ordering::SeqCst);
				return Err(Unpaid::Refused("the node is gone".into()));
			}
			if self.lose.load(Ordering::SeqCst) > 0 {
				self.lose.fetch_sub(1, Ordering::SeqCst);
				let sent = Sent { nonce: 40, valid_until: 132 };
				return Err(Unpaid::Unknown { why: "the connection dropped".into(), sent });
			}
			self.paid.lock().unwrap().push((model, amount));
			Ok(format!("block #{}", self.paid.lock().unwrap().len()))
		}

		async fn landing(&self, sent: &Sent) -> std::result::Result<Landing, String> {
			assert_eq!(*sent, Sent { nonce: 40, valid_until: 132 });
			Ok(*self.landing.lock().unwrap())
		}
	}

	fn block_on<F: Future>(future: F) -> F::Output {
		tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
	}

	#[test]
	fn fractions_of_a_planck_carry_over_and_nothing_is_lost() {
		// 7 plancks per 1000 tokens: 150 tokens cost 1.05 plancks.
		let meter = Meter::open(7, None).unwrap();
		let payer = FakePayer::new(1, 0);
		let mut total_tokens = 0u128;
		for tokens in [150u64, 150, 150, 1, 999, 3] {
			meter.record(9, tokens).unwrap();
			total_tokens += u128::from(tokens);
			block_on(meter.pay_due(&payer)).unwrap();
			let account = meter.ledger().models[&9];
			let paid: u128 = payer.paid().iter().map(|p| p.1).sum();
			assert_eq!(account.paid, paid);
			// paid + owed (in thousandths) = price × tokens, exactly.
			assert_eq!(paid * 1000 + account.owed_milli, 7 * total_tokens);
			assert!(account.owed_milli < 1000, "whole plancks are always paid");
		}
		assert_eq!(payer.paid(), [(9, 1), (9, 1), (9, 1), (9, 7)]);
		assert_eq!(meter.ledger().models[&9].owed_milli, 7 * 1453 - 10_000);
	}

	#[test]
	fn a_model_is_paid_only_once_it_owes_the_minimum() {
		let meter = Meter::open(1000, None).unwrap(); // 1 planck per token
		let payer = FakePayer::new(100, 0);
		meter.record(1, 60).unwrap();
		meter.record(2, 120).unwrap();
		assert_eq!(block_on(meter.pay_due(&payer)).unwrap().len(), 1);
		assert_eq!(payer.paid(), [(2, 120)]);
		meter.record(1, 40).unwrap();
		block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(payer.paid(), [(2, 120), (1, 100)]);
		let ledger = meter.ledger();
		assert_eq!((ledger.models[&1].paid, ledger.models[&1].owed_milli), (100, 0));
		assert_eq!(ledger.models[&1].tokens, 100);
	}

	#[test]
	fn a_failed_payment_keeps_its_amount_and_is_retried_with_what_accrued_since() {
		let meter = Meter::open(1000, None).unwrap();
		let payer = FakePayer::new(1, 1);
		meter.record(4, 10).unwrap();
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(payments[0].outcome, Err("the node is gone".into()));
		assert_eq!(meter.ledger().models[&4].failures, 1);
		assert_eq!(meter.ledger().models[&4].payable(), 10);
		meter.record(4, 5).unwrap();
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(
			payments[0],
			Payment { model: 4, amount: 15, outcome: Ok("block #1".into()), pending: false }
		);
		assert_eq!(
			meter.ledger().models[&4],
			Account { tokens: 15, owed_milli: 0, paid: 15, failures: 0, pending: None }
		);
	}

	/// The connection drops after a payment was sent: it is not sent again (that could pay
	/// twice) until the chain tells; landed, it is settled; dead, it is owed again.
	#[test]
	fn a_payment_whose_outcome_is_unknown_is_never_sent_twice() {
		let meter = Meter::open(1000, None).unwrap();
		let payer = FakePayer::new(1, 0);
		payer.lose.store(1, Ordering::SeqCst);
		meter.record(4, 10).unwrap();
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert!(matches!(&payments[0].outcome, Err(why) if why.contains("pending")));
		let pending = Pending { amount: 10, sent: Sent { nonce: 40, valid_until: 132 } };
		assert_eq!(meter.ledger().models[&4].pending, Some(pending));

		// Still unknown, with more use meanwhile: nothing is sent for the model.
		meter.record(4, 5).unwrap();
		assert!(block_on(meter.pay_due(&payer)).unwrap().is_empty());
		assert!(payer.paid().is_empty());

		// It landed: settled, and what accrued since is paid at once.
		*payer.landing.lock().unwrap() = Landing::Landed;
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(payments.len(), 2, "{payments:?}");
		assert!(matches!(&payments[0].outcome, Ok(how) if how.contains("landed")));
		assert_eq!(payer.paid(), [(4, 5)]);
		let account = meter.ledger().models[&4];
		assert_eq!((account.paid, account.payable(), account.pending), (15, 0, None));

		// Lost again, and it died: owed again, and paid at the next round.
		meter.record(4, 7).unwrap();
		payer.lose.store(1, Ordering::SeqCst);
		*payer.landing.lock().unwrap() = Landing::Dead;
		block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(meter.ledger().models[&4].pending.map(|p| p.amount), Some(7));
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert!(matches!(&payments[0].outcome, Err(why) if why.contains("did not land")));
		assert_eq!(
			payments[1],
			Payment { model: 4, amount: 7, outcome: Ok("block #2".into()), pending: false }
		);
		let account = meter.ledger().models[&4];
		assert_eq!((account.paid, account.payable(), account.pending), (22, 0, None));
		assert_eq!(account.tokens * 1000, account.paid * 1000 + account.owed_milli);
	}

	/// One payment pending stops every other model's too: a new payment would take its
	/// nonce if it was dropped, and landing would then read as the pending one's.
	#[test]
	fn no_other_payment_is_sent_while_one_is_pending() {
		let meter = Meter::open(1000, None).unwrap();
		let payer = FakePayer::new(1, 0);
		payer.lose.store(1, Ordering::SeqCst);
		meter.record(1, 10).unwrap();
		meter.record(2, 20).unwrap();
		let payments = block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(payments.len(), 1, "model 2 waits in the same round: {payments:?}");
		assert!(payments[0].pending);
		assert!(block_on(meter.pay_due(&payer)).unwrap().is_empty(), "and in the next ones");
		assert!(payer.paid().is_empty());
		*payer.landing.lock().unwrap() = Landing::Landed;
		block_on(meter.pay_due(&payer)).unwrap();
		assert_eq!(payer.paid(), [(2, 20)], "model 1's landed, then model 2 is paid");
		assert_eq!(meter.ledger().models[&1].paid, 10);
	}

	#[test]
	fn a_pending_payment_survives_a_restart() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("ledger.json");
		let meter = Meter::open(1000, Some(path.clone())).unwrap();
		let payer = FakePayer::new(1, 0);
		payer.lose.store(1, Ordering::SeqCst);
		meter.record(2, 9).unwrap();
		block_on(meter.pay_due(&payer)).unwrap();
		drop(meter);
		let meter = Meter::open(1000, Some(path)).unwrap();
		assert_eq!(meter.ledger().models[&2].pending.map(|p| p.amount), Some(9));
		assert!(meter.due(1).is_empty(), "a pending payment is not sent again after a restart");
	}

	#[test]
	fn tokens_metered_during_a_payment_are_not_overwritten() {
		let meter = Meter::open(1000, None).unwrap();
		meter.record(1, 10).unwrap();
		let due = meter.due(1);
		meter.record(1, 3).unwrap(); // arrives while the payment of 10 is in flight
		meter.settle(1, due[0].1).unwrap();
		assert_eq!(meter.ledger().models[&1].payable(), 3);
	}

	#[test]
	fn the_ledger_survives_a_restart_and_new_tokens_take_the_new_price() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("ledger.json");
		let meter = Meter::open(2000, Some(path.clone())).unwrap();
		meter.record(3, 1).unwrap();
		meter.settle(3, 1).unwrap();
		meter.record(3, 1).unwrap();
		drop(meter);
		let meter = Meter::open(5000, Some(path)).unwrap();
		meter.record(3, 1).unwrap();
		let ledger = meter.ledger();
		assert_eq!(ledger.price, 5000);
		assert_eq!(
			ledger.models[&3],
			Account { tokens: 3, owed_milli: 8000, paid: 1, failures: 0, pending: None }
		);
	}

	#[test]
	fn one_ledger_serves_one_server_at_a_time() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("ledger.json");
		let first = Meter::open(1, Some(path.clone())).unwrap();
		let Err(err) = Meter::open(1, Some(path.clone())) else { panic!("locked") };
		assert!(err.to_string().contains("another server"), "{err}");
		drop(first);
		Meter::open(1, Some(path)).unwrap();
	}

	#[test]
	fn a_price_of_zero_owes_nothing() {
		let meter = Meter::open(0, None).unwrap();
		meter.record(1, 1_000_000).unwrap();
		assert!(meter.due(0).is_empty());
	}

	#[test]
	fn huge_counts_saturate_instead_of_wrapping() {
		let meter = Meter::open(u128::MAX / 2, None).unwrap();
		meter.record(1, 3).unwrap();
		assert_eq!(meter.ledger().models[&1].owed_milli, u128::MAX);
	}
}
