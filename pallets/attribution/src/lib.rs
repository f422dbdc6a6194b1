//! # Attribution pallet (Proof of Attribution)
//!
//! When a verified model is used, its data's contributors are paid.
//!
//! - **`pay_for_use(model, amount)`**, by anyone: `ContributorsShare` of the amount goes to
//!   the pallet's account for the model's contributors, `TrainersShare` is split equally
//!   among the trainers who verified it, and the rest, with the trainers' rounding, goes to
//!   the creator of its job. The contributors' part only adds to the model's running total
//!   (`Pool::to_contributors`): O(1) per payment, whatever the number of contributors. A
//!   payment that would overflow the model's running totals is refused (`Overflow`).
//! - **`claim(model, contributor, index, parts, proof)`**: the signer proves its row
//!   `(index, contributor, parts)` of the model's attribution table against the root its
//!   trainers agreed on (`openledger_primitives::attribution`, the same code the worker
//!   builds the table with) and is paid its row's share, `parts / 10⁹`, of everything the
//!   model's contributors were paid, rounded down, less what it was paid before: a second
//!   claim pays only what accrued since, and claiming often loses nothing to rounding. The
//!   parts of all rows claimed on a model are capped at 10⁹, so no table — the chain sees
//!   only its root — pays out more than the contributors' part.
//!
//! Conservation (`try_state`): for every model, claimed ≤ paid to contributors; the
//! pallet's account holds the existential deposit (the chain's first payment endows it)
//! plus everything paid to contributors and not yet claimed (claimable + rounding dust).
//!
//! Attacks on the money and why they fail: `red_team.rs` (forged proofs of any length or
//! leaf count, rows claimed twice, tables that are no tables, rounding by tiny payments,
//! self-payments, payees that cannot receive, the account's deposit, overflow).
//!
//! Reads: the view functions `model` and `claimable` (`queries.rs`), the same reads as the
//! runtime API `AttributionApi` and the node's `attribution_*` RPC methods.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(any(feature = "try-runtime", feature = "std"))]
mod invariants;
mod queries;
pub mod types;
pub mod views;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod red_team;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use views::QueryError;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate},
			tokens::{DepositConsequence, Preservation, Provenance},
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use openledger_primitives::attribution::{self, PARTS_PER_WHOLE};
	use sp_runtime::{
		traits::{AccountIdConversion, CheckedAdd, Saturating, Zero},
		PerThing, Perbill, SaturatedConversion, TokenError,
	};

	/// The currency's balance type.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Makes verified models for the benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	pub trait BenchmarkHelper<AccountId> {
		/// A verified model with `root`, `attesters` and `creator`.
		fn verified_model(
			root: openledger_primitives::Hash32,
			attesters: alloc::vec::Vec<AccountId>,
			creator: AccountId,
		) -> ModelId;
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// OPEN.
		type Currency: Mutate<Self::AccountId>;
		/// The models registry.
		type Models: VerifiedModels<Self::AccountId>;
		/// Share of a payment for the model's data contributors.
		#[pallet::constant]
		type ContributorsShare: Get<Perbill>;
		/// Share of a payment for the trainers who verified the model.
		#[pallet::constant]
		type TrainersShare: Get<Perbill>;
		/// Smallest payment: enough for every share to be worth a transfer.
		#[pallet::constant]
		type MinPayment: Get<BalanceOf<Self>>;
		/// Names the account holding the contributors' unclaimed parts.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
		/// Makes verified models for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Each paid-for model's payments and claims.
	#[pallet::storage]
	pub type Pools<T: Config> = StorageMap<_, Twox64Concat, ModelId, Pool<BalanceOf<T>>>;

	/// Each contributor's claims on a model.
	#[pallet::storage]
	pub type Claims<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		Claim<BalanceOf<T>>,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model's use was paid for.
		PaidForUse {
			/// The model.
			model: ModelId,
			/// Who paid.
			payer: T::AccountId,
			/// The whole payment.
			amount: BalanceOf<T>,
			/// Kept for the contributors.
			to_contributors: BalanceOf<T>,
			/// Paid to each trainer that could receive it.
			to_each_trainer: BalanceOf<T>,
			/// How many trainers were paid (the others' shares went to the contributors).
			trainers_paid: u32,
			/// Paid to the job's creator.
			to_creator: BalanceOf<T>,
		},
		/// A contributor was paid what its row accrued since its last claim.
		Claimed {
			/// The model.
			model: ModelId,
			/// The contributor.
			contributor: T::AccountId,
			/// Its row's parts per billion.
			parts: u32,
			/// Paid now.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No verified model has this id.
		ModelNotVerified,
		/// The payment is below `MinPayment`.
		PaymentTooSmall,
		/// The proof does not show `(index, contributor, parts)` in the model's table.
		WrongProof,
		/// A row is claimed by its own contributor only.
		ForeignAccount,
		/// The row has accrued nothing since its last claim.
		NothingToClaim,
		/// The contributor claimed before with another row's parts (a table that lists an
		/// account twice): only the first row it claimed counts.
		OtherRowClaimed,
		/// The rows claimed on this model would exceed 10⁹ parts: its table is not a table.
		PartsExceedWhole,
		/// The pallet's account cannot pay: a claim would take more than it holds.
		PoolShort,
		/// The model's running totals (paid in, kept for its contributors) would exceed the
		/// largest balance: the payment is refused rather than kept where no claim reaches it.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			// Summed as integers: `Perbill`'s own addition saturates at 100%.
			let shares = u64::from(T::ContributorsShare::get().deconstruct())
				+ u64::from(T::TrainersShare::get().deconstruct());
			assert!(
				shares <= u64::from(Perbill::ACCURACY),
				"the contributors' and trainers' shares exceed the payment"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pays `amount` for the use of verified `model`, split between its contributors
		/// (accrued, claimed later), its trainers and its job's creator.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::pay_for_use(MAX_ATTESTERS))]
		pub fn pay_for_use(
			origin: OriginFor<T>,
			model: ModelId,
			amount: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let payer = ensure_signed(origin)?;
			ensure!(amount >= T::MinPayment::get(), Error::<T>::PaymentTooSmall);
			let facts = T::Models::verified(model).ok_or(Error::<T>::ModelNotVerified)?;
			let trainers = facts.attesters.len() as u32;
			// Shares round down; the creator takes what rounding leaves.
			let to_contributors = T::ContributorsShare::get().mul_floor(amount);
			let to_trainers = T::TrainersShare::get().mul_floor(amount);
			let to_each_trainer = if trainers == 0 {
				Zero::zero()
			} else {
				to_trainers / BalanceOf::<T>::from(trainers)
			};
			let mut to_creator = amount
				.saturating_sub(to_contributors)
				.saturating_sub(to_each_trainer.saturating_mul(BalanceOf::<T>::from(trainers)));
			// A share an account cannot receive (a reaped account, a share below the
			// existential deposit) goes to the contributors rather than failing the payment:
			// no trainer or creator can make a model unpayable by emptying its account.
			let receivable = |who: &T::AccountId, share: BalanceOf<T>| {
				share.is_zero()
					|| T::Currency::can_deposit(who, share, Provenance::Extant)
						== DepositConsequence::Success
			};
			let mut kept = to_contributors;
			let mut paid_trainers = alloc::vec::Vec::with_capacity(facts.attesters.len());
			for trainer in &facts.attesters {
				if receivable(trainer, to_each_trainer) {
					paid_trainers.push(trainer);
				} else {
					kept = kept.saturating_add(to_each_trainer);
				}
			}
			if !receivable(&facts.creator, to_creator) {
				kept = kept.saturating_add(to_creator);
				to_creator = Zero::zero();
			}
			let trainers_paid = paid_trainers.len() as u32;
			let mut pool = Pools::<T>::get(model).unwrap_or_default();
			pool.paid_in = pool.paid_in.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
			pool.to_contributors =
				pool.to_contributors.checked_add(&kept).ok_or(Error::<T>::Overflow)?;
			let keep = Preservation::Preserve;
			let pot = Self::account();
			// The pallet's account keeps the existential deposit for ever (the first payment
			// on the chain endows it), so claims never reap it and burn rounding dust.
			let existential = T::Currency::minimum_balance();
			let endowment = existential.saturating_sub(T::Currency::balance(&pot));
			T::Currency::transfer(&payer, &pot, kept.saturating_add(endowment), keep)?;
			for trainer in paid_trainers {
				if !to_each_trainer.is_zero() {
					T::Currency::transfer(&payer, trainer, to_each_trainer, keep)?;
				}
			}
			if !to_creator.is_zero() {
				T::Currency::transfer(&payer, &facts.creator, to_creator, keep)?;
			}
			Pools::<T>::insert(model, pool);
			Self::deposit_event(Event::PaidForUse {
				model,
				payer,
				amount,
				to_contributors: kept,
				to_each_trainer,
				trainers_paid,
				to_creator,
			});
			Ok(Some(T::WeightInfo::pay_for_use(trainers)).into())
		}

		/// Pays the signer, row `index` of `model`'s attribution table with `parts`, what the
		/// row accrued since its last claim. `proof` holds the sibling hashes from the row's
		/// leaf up; `leaves` is the number of rows.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::claim(proof.len() as u32))]
		pub fn claim(
			origin: OriginFor<T>,
			model: ModelId,
			contributor: T::AccountId,
			index: u32,
			parts: u32,
			leaves: u32,
			proof: ProofOf,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(who == contributor, Error::<T>::ForeignAccount);
			let facts = T::Models::verified(model).ok_or(Error::<T>::ModelNotVerified)?;
			let row_proof = attribution::Proof { siblings: proof.into_inner(), leaves, index };
			ensure!(
				attribution::verify(&facts.attribution_root, &contributor, parts, &row_proof),
				Error::<T>::WrongProof
			);
			let mut pool = Pools::<T>::get(model).unwrap_or_default();
			let paid = match Claims::<T>::get(model, &contributor) {
				Some(claim) => {
					ensure!(claim.parts == parts, Error::<T>::OtherRowClaimed);
					claim.paid
				},
				None => {
					let total = pool.claimed_parts.saturating_add(parts);
					ensure!(total <= PARTS_PER_WHOLE, Error::<T>::PartsExceedWhole);
					pool.claimed_parts = total;
					Zero::zero()
				},
			};
			let owed: BalanceOf<T> =
				owed(parts, pool.to_contributors.saturated_into()).saturated_into();
			let amount = owed.saturating_sub(paid);
			ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
			T::Currency::transfer(&Self::account(), &contributor, amount, Preservation::Preserve)
				.map_err(|error| match error {
				DispatchError::Token(TokenError::FundsUnavailable) => Error::<T>::PoolShort.into(),
				other => other,
			})?;
			pool.claimed = pool.claimed.saturating_add(amount);
			Claims::<T>::insert(model, &contributor, Claim { parts, paid: owed });
			Pools::<T>::insert(model, pool);
			Self::deposit_event(Event::Claimed { model, contributor, parts, amount });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A verified model's attribution root, payees, and payments and claims so far.
		pub fn model(model: ModelId) -> Result<views::ModelAttributionOf<T>, QueryError> {
			Self::query_model(model)
		}

		/// What `account`'s row of `parts` on `model` may claim now (the row taken as given).
		pub fn claimable(
			model: ModelId,
			account: T::AccountId,
			parts: u32,
		) -> Result<views::ClaimableOf<T>, QueryError> {
			Self::query_claimable(model, account, parts)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The account holding the contributors' unclaimed parts.
		pub fn account() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}
	}
}
