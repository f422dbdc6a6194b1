//! Benchmarks of every weight of `WeightInfo`, each at its worst case.
//!
//! Submissions are made the way a client makes them: a reservation in one block, `submit`
//! in a later one, validators bonded before the submission's block. Earnings of an epoch
//! that must be settled are recorded with the pallet's own bookkeeping
//! (`record_epoch_score`, `record_agreeing_stake`), as an acceptance or a settlement would.

use super::*;
use crate::Pallet as DatanetsPallet;
use alloc::{vec, vec::Vec};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate},
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{BlakeTwo256, Hash, One, Saturating, Zero},
	Perbill,
};

const SALT: [u8; 32] = [7; 32];

/// An account with enough for every deposit, bond and funding a benchmark asks of it.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let per_use = T::DatanetDeposit::get()
		.saturating_add(stake::<T>().saturating_mul((T::MaxValidators::get() + 2).into()))
		.saturating_add(reward::<T>().saturating_mul(4u32.into()))
		.saturating_add(DatanetsPallet::<T>::submission_deposit(T::MaxFileBytes::get()))
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, per_use.saturating_mul(10u32.into()));
	who
}

/// A validator's bond: large enough that every slash of it moves something.
fn stake<T: Config>() -> BalanceOf<T> {
	T::MinValidatorBond::get().saturating_mul(100u32.into())
}

/// A datanet's release per epoch.
fn reward<T: Config>() -> BalanceOf<T> {
	T::MinValidatorBond::get().saturating_mul(10u32.into())
}

/// One-block periods (the length of a period does not change any cost).
fn rules<T: Config>(threshold: Perbill, participation: Perbill) -> VotingRulesOf<T> {
	VotingRules {
		approval_threshold: threshold,
		min_participation: participation,
		commit_period: One::one(),
		reveal_period: One::one(),
	}
}

/// A text datanet with the longest name and description, funded with two epochs' release.
fn datanet_of<T: Config>(owner: &T::AccountId, rules: VotingRulesOf<T>) -> DatanetId {
	let id = DatanetsPallet::<T>::do_create_datanet(
		owner.clone(),
		vec![b'n'; T::MaxNameLength::get() as usize],
		vec![b'd'; T::MaxDescriptionLength::get() as usize],
		Modality::Text,
		CapOverrides::default(),
		rules,
		reward::<T>(),
	)
	.expect("benchmark datanet is valid");
	DatanetsPallet::<T>::fund_rewards(
		RawOrigin::Signed(owner.clone()).into(),
		id,
		reward::<T>().saturating_mul(2u32.into()),
		None,
	)
	.expect("owner is funded");
	id
}

fn simple_datanet<T: Config>(owner: &T::AccountId) -> DatanetId {
	datanet_of::<T>(owner, rules::<T>(Perbill::from_percent(50), Perbill::from_percent(50)))
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

fn advance<T: Config>(blocks: u32) {
	frame_system::Pallet::<T>::set_block_number(now::<T>().saturating_add(blocks.into()));
}

/// Gives `datanet` earnings in the current epoch, then moves to the first block of the next
/// epoch: the datanet has an ended epoch that the next change to its pool must settle.
fn leave_unsettled_epoch<T: Config>(datanet: DatanetId, earner: &T::AccountId) {
	let mut record = Datanets::<T>::get(datanet).expect("datanet exists");
	DatanetsPallet::<T>::record_epoch_score(datanet, &mut record, earner, 1).expect("no overflow");
	Datanets::<T>::insert(datanet, record);
	let next = DatanetsPallet::<T>::current_epoch() + 1;
	frame_system::Pallet::<T>::set_block_number(T::EpochLength::get().saturating_mul(next.into()));
}

/// Gives `datanet` a synthetic first entry in its accepted log, so that the next
/// acceptance reads the previous head (an empty log has none to read). Only the head of
/// the entry is ever read by an acceptance.
fn accepted_before<T: Config>(datanet: DatanetId) {
	let mut record = Datanets::<T>::get(datanet).expect("datanet exists");
	let entry = AcceptedEntry { submission: SubmissionId::MAX, head: [1; 32] };
	AcceptedSubmissions::<T>::insert(datanet, record.accepted_count, entry);
	record.accepted_count += 1;
	Datanets::<T>::insert(datanet, record);
}

fn bond<T: Config>(datanet: DatanetId, validator: &T::AccountId, amount: BalanceOf<T>) {
	DatanetsPallet::<T>::do_bond(datanet, validator, amount).expect("validator is funded");
}

fn bonded_validators<T: Config>(datanet: DatanetId, count: u32) -> Vec<T::AccountId> {
	(0..count)
		.map(|index| {
			let validator = funded::<T>("validator", index);
			bond::<T>(datanet, &validator, stake::<T>());
			validator
		})
		.collect()
}

/// The CID text slowest to parse among canonical ones, distinct for each `seed`, and the
/// size of the file it names. A file of at most one chunk is a CIDv1 `raw` sha2-256; its
/// base58btc text (`z…`, about 50 characters) is the slowest form to decode: base58 is
/// quadratic in the length and searches a 58-letter alphabet per character. Should
/// `MaxCidLength` be too short for it, a CIDv0 (`Qm…`, 46 characters, also base58) of a
/// file of more than one chunk.
fn slowest_cid<T: Config>(seed: u32) -> (Vec<u8>, u64) {
	let digest: [u8; 32] = BlakeTwo256::hash_of(&(b"openledger/bench-cid", seed).encode()).into();
	let mut binary = vec![0x01, 0x55, 0x12, 0x20];
	binary.extend_from_slice(&digest);
	let text = [&b"z"[..], &base58btc(&binary)].concat();
	if text.len() <= T::MaxCidLength::get() as usize {
		return (text, cid::CANONICAL_CHUNK_BYTES.min(T::MaxFileBytes::get()));
	}
	let mut v0 = vec![0x12, 0x20];
	v0.extend_from_slice(&digest);
	(base58btc(&v0), cid::CANONICAL_CHUNK_BYTES + 1)
}

fn base58btc(bytes: &[u8]) -> Vec<u8> {
	const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	let mut digits: Vec<u8> = Vec::new();
	for &byte in bytes {
		let mut carry = byte as u32;
		for digit in digits.iter_mut() {
			carry += (*digit as u32) << 8;
			*digit = (carry % 58) as u8;
			carry /= 58;
		}
		while carry > 0 {
			digits.push((carry % 58) as u8);
			carry /= 58;
		}
	}
	let zeros = bytes.iter().take_while(|&&b| b == 0).count();
	let mut text = vec![b'1'; zeros];
	text.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize]));
	text
}

/// Reserves the CID of `text` for `contributor` in the current block.
fn reserve_cid<T: Config>(contributor: &T::AccountId, datanet: DatanetId, text: &[u8]) {
	let binary = cid::parse(text).expect("benchmark CID parses");
	DatanetsPallet::<T>::do_reserve(
		contributor.clone(),
		vec![reservation(datanet, &binary, contributor)],
	)
	.expect("one reservation");
}

/// Reserves a CID in the current block and submits it (1 byte) in the next one.
fn submit_as<T: Config>(contributor: &T::AccountId, datanet: DatanetId, seed: u32) -> SubmissionId {
	let (text, _) = slowest_cid::<T>(seed);
	reserve_cid::<T>(contributor, datanet, &text);
	advance::<T>(1);
	DatanetsPallet::<T>::do_submit(contributor.clone(), datanet, text, 1, FileFormat::Txt)
		.expect("benchmark submission is valid")
}

fn commit<T: Config>(submission: SubmissionId, validator: &T::AccountId, ballot: Ballot) {
	let sealed = commitment(submission, ballot.approve, ballot.quality, &SALT, validator);
	DatanetsPallet::<T>::do_commit(submission, validator.clone(), sealed)
		.expect("validator has stake on the submission");
}

fn reveal<T: Config>(submission: SubmissionId, validator: &T::AccountId, ballot: Ballot) {
	DatanetsPallet::<T>::do_reveal(submission, validator.clone(), ballot, SALT)
		.expect("reveal period is open");
}

/// Moves to the first block after the submission's commit (`reveal = false`) or reveal
/// period.
fn past_period<T: Config>(submission: SubmissionId, reveal: bool) {
	let record = Submissions::<T>::get(submission).expect("submission exists");
	let end = if reveal { record.reveal_ends } else { record.commit_ends };
	frame_system::Pallet::<T>::set_block_number(end.saturating_add(One::one()));
}

fn status<T: Config>(submission: SubmissionId) -> Option<SubmissionStatus> {
	Submissions::<T>::get(submission).map(|s| s.status)
}

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(<T as frame_system::Config>::RuntimeEvent::from(
		event,
	));
}

/// Accounts of the synthetic leaderboard, best first by position.
fn ranked<T: Config>(position: u32) -> T::AccountId {
	account("ranked", position, 0)
}

/// Writes a Fibonacci AVL tree of height `height` (every node's left subtree one taller
/// than its right, the fewest nodes an AVL tree of that height can have) over the
/// positions `first..`, best first; returns its root, size and height.
fn fibonacci_tree<T: Config>(
	board: Board,
	first: u32,
	height: u8,
) -> (Option<T::AccountId>, u32, u8, u32) {
	if height == 0 {
		return (None, 0, 0, first);
	}
	let (left, left_size, left_height, middle) = fibonacci_tree::<T>(board, first, height - 1);
	let (right, right_size, right_height, next) =
		fibonacci_tree::<T>(board, middle + 1, height.saturating_sub(2));
	let id = ranked::<T>(middle);
	let node = RankNode {
		standing: Standing {
			score: u64::from(u32::MAX - middle),
			accepted: 1,
			first_accepted_at: Zero::zero(),
		},
		left,
		right,
		left_size,
		right_size,
		left_height,
		right_height,
	};
	let size = node.size();
	RankNodes::<T>::insert(board, &id, node);
	(Some(id), size, height, next)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_datanet() {
		let owner = funded::<T>("owner", 0);
		let id = NextDatanetId::<T>::get();
		let caps = CapOverrides { daily_bytes_per_account: Some(1), max_file_bytes: Some(1) };

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			vec![b'n'; T::MaxNameLength::get() as usize],
			vec![b'd'; T::MaxDescriptionLength::get() as usize],
			Modality::Text,
			caps,
			DatanetsPallet::<T>::default_voting(),
			reward::<T>(),
		);

		assert_eq!(Datanets::<T>::get(id).map(|d| d.owner), Some(owner));
	}

	#[benchmark]
	fn update_description() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let description = vec![b'u'; T::MaxDescriptionLength::get() as usize];

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, description.clone());

		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.description.to_vec()), Some(description));
	}

	#[benchmark]
	fn lower_caps() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let caps = CapOverrides { daily_bytes_per_account: Some(1), max_file_bytes: Some(1) };

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, caps);

		assert_last_event::<T>(Event::CapsLowered {
			datanet,
			caps: DatanetCaps { daily_bytes_per_account: 1, max_file_bytes: 1 },
		});
	}

	#[benchmark]
	fn close_datanet() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet);

		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.status), Some(DatanetStatus::Closed));
	}

	/// Funding that first settles an ended epoch and schedules a new rate.
	#[benchmark]
	fn fund_rewards() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let epoch = DatanetsPallet::<T>::current_epoch();
		leave_unsettled_epoch::<T>(datanet, &owner);
		let amount = reward::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, amount, Some(amount));

		assert!(Epochs::<T>::get(datanet, epoch).release.is_some());
		assert_eq!(
			Datanets::<T>::get(datanet).and_then(|d| d.next_reward_per_epoch),
			Some((epoch + 2, amount))
		);
	}

	/// The slowest canonical CID to parse, reserved in an earlier block, by a contributor
	/// who is also a validator of the datanet (its bond is read to exclude it from the
	/// stake snapshot) and already used some of today's caps; a deposit is held.
	#[benchmark]
	fn submit() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let contributor = funded::<T>("contributor", 0);
		bond::<T>(datanet, &contributor, stake::<T>());
		submit_as::<T>(&contributor, datanet, 0);
		let (cid, bytes) = slowest_cid::<T>(1);
		reserve_cid::<T>(&contributor, datanet, &cid);
		advance::<T>(1);
		let id = NextSubmissionId::<T>::get();
		let held_before =
			T::Currency::balance_on_hold(&HoldReason::SubmissionDeposit.into(), &contributor);

		#[extrinsic_call]
		_(RawOrigin::Signed(contributor.clone()), datanet, cid, bytes, FileFormat::Txt);

		assert_eq!(status::<T>(id), Some(SubmissionStatus::Pending));
		assert_eq!(ContributorStatsOf::<T>::get(datanet, &contributor).submitted, 2);
		assert_eq!(
			T::Currency::balance_on_hold(&HoldReason::SubmissionDeposit.into(), &contributor),
			held_before.saturating_add(DatanetsPallet::<T>::submission_deposit(bytes))
		);
		assert_eq!(Reservations::<T>::iter().count(), 0);
	}

	/// A top-up, which reads the existing bond.
	#[benchmark]
	fn bond_validator() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		advance::<T>(2);
		let amount = T::MinValidatorBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet, amount);

		assert_eq!(
			Validators::<T>::get(datanet, &validator).map(|b| b.amount),
			Some(stake::<T>().saturating_add(amount))
		);
	}

	#[benchmark]
	fn unbond() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet);

		assert!(Validators::<T>::get(datanet, &validator).is_some_and(|b| b.unlocks_at.is_some()));
	}

	#[benchmark]
	fn withdraw_unbonded() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		DatanetsPallet::<T>::do_unbond(datanet, &validator).expect("no pending votes");
		let delay = T::UnbondingDelay::get();
		frame_system::Pallet::<T>::set_block_number(now::<T>().saturating_add(delay));

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), datanet);

		assert!(Validators::<T>::get(datanet, &validator).is_none());
	}

	#[benchmark]
	fn commit_vote() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let validator = bonded_validators::<T>(datanet, 1).remove(0);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		let sealed = commitment(submission, true, 90, &SALT, &validator);

		#[extrinsic_call]
		_(RawOrigin::Signed(validator.clone()), submission, sealed);

		assert_last_event::<T>(Event::VoteCommitted { submission, validator });
	}

	/// The `v`-th reveal of `v` commitments, which makes acceptance certain and decides the
	/// submission early: the weighted median reads the `v` votes, the contributor's stats,
	/// the accepted log (its previous head read, the next one hashed) and (small)
	/// leaderboards are updated, and the datanet's ended epoch is settled before the
	/// acceptance is credited to the current one. The datanet needs
	/// all the stake bonded at submission to approve (threshold and participation 100%), so
	/// no earlier reveal decides. The leaderboard walk is charged apart, by `update_boards`.
	#[benchmark]
	fn reveal_vote(v: Linear<1, { T::MaxValidators::get() }>) {
		let owner = funded::<T>("owner", 0);
		let datanet = datanet_of::<T>(
			&owner,
			rules::<T>(Perbill::from_percent(100), Perbill::from_percent(100)),
		);
		let epoch = DatanetsPallet::<T>::current_epoch();
		leave_unsettled_epoch::<T>(datanet, &owner);
		accepted_before::<T>(datanet);
		let mut validators = bonded_validators::<T>(datanet, v);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		let ballot =
			|index: u32| Ballot { approve: true, quality: (1 + index * 37 % 100) as Quality };
		for (index, validator) in validators.iter().enumerate() {
			commit::<T>(submission, validator, ballot(index as u32));
		}
		past_period::<T>(submission, false);
		let last = validators.pop().expect("v ≥ 1");
		for (index, validator) in validators.iter().enumerate() {
			reveal::<T>(submission, validator, ballot(index as u32));
		}
		assert_eq!(status::<T>(submission), Some(SubmissionStatus::Pending));
		let Ballot { approve, quality } = ballot(v - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), submission, approve, quality, SALT);

		let accepted = matches!(status::<T>(submission), Some(SubmissionStatus::Accepted { .. }));
		assert!(accepted);
		assert_eq!(Submissions::<T>::get(submission).map(|s| s.tally.reveals), Some(v));
		assert!(Epochs::<T>::get(datanet, epoch).release.is_some());
		assert_eq!(DatanetsPallet::<T>::rank_of(Board::Datanet(datanet), &contributor), Some(1));
	}

	/// `finalize` of a submission with `v` commitments whose reveal period has ended and
	/// that is still pending: it is decided now (accepted, over the revealed stake), the
	/// datanet's ended epoch is settled, and every vote is settled. One validator with a
	/// large stake never revealed (so no reveal could decide early); of the others, a third
	/// approve (agreeing stake credited to the epoch), a third reject (slashed for
	/// disagreeing) and a third never revealed (slashed): each slash is a `transfer_on_hold`
	/// into the pot. With `v = 1`, the one silent vote expires the submission.
	#[benchmark]
	fn settle(v: Linear<1, { T::MaxValidators::get() }>) {
		let owner = funded::<T>("owner", 0);
		let datanet =
			datanet_of::<T>(&owner, rules::<T>(Perbill::from_percent(50), Perbill::from_parts(1)));
		let epoch = DatanetsPallet::<T>::current_epoch();
		leave_unsettled_epoch::<T>(datanet, &owner);
		accepted_before::<T>(datanet);
		let silent = funded::<T>("silent", 0);
		bond::<T>(datanet, &silent, stake::<T>().saturating_mul(v.into()));
		let validators = bonded_validators::<T>(datanet, v - 1);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		let ballot = |index: usize| match index % 3 {
			0 => Some(Ballot { approve: true, quality: 80 }),
			1 => Some(Ballot { approve: false, quality: 0 }),
			_ => None,
		};
		commit::<T>(submission, &silent, Ballot { approve: true, quality: 50 });
		for (index, validator) in validators.iter().enumerate() {
			let planned = ballot(index).unwrap_or(Ballot { approve: true, quality: 50 });
			commit::<T>(submission, validator, planned);
		}
		past_period::<T>(submission, false);
		for (index, validator) in validators.iter().enumerate() {
			if let Some(planned) = ballot(index) {
				reveal::<T>(submission, validator, planned);
			}
		}
		assert_eq!(status::<T>(submission), Some(SubmissionStatus::Pending));
		past_period::<T>(submission, true);

		#[extrinsic_call]
		finalize(RawOrigin::Signed(owner), submission);

		let record = Submissions::<T>::get(submission).expect("accepted or awaiting pruning");
		assert!(record.settled);
		if v > 1 {
			assert!(matches!(record.status, SubmissionStatus::Accepted { .. }));
			assert!(!Epochs::<T>::get(datanet, epoch + 1).total_agreeing_stake.is_zero());
		} else {
			assert_eq!(record.status, SubmissionStatus::Expired);
		}
		assert!(Epochs::<T>::get(datanet, epoch).release.is_some());
		assert!(Votes::<T>::iter_prefix(submission).next().is_none());
		assert!(Validators::<T>::get(datanet, &silent).is_some_and(|b| !b.slashed.is_zero()));
	}

	/// The first claim after the epoch ended, which fixes the epoch's release (and makes
	/// the rate scheduled for the new epoch current), of an account that earned both as a
	/// contributor and as a validator, sharing each side with another account.
	#[benchmark]
	fn claim_rewards() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		DatanetsPallet::<T>::fund_rewards(
			RawOrigin::Signed(owner.clone()).into(),
			datanet,
			reward::<T>(),
			Some(reward::<T>()),
		)
		.expect("owner is funded");
		let claimant = funded::<T>("claimant", 0);
		let other = funded::<T>("claimant", 1);
		let epoch = DatanetsPallet::<T>::current_epoch();
		let mut record = Datanets::<T>::get(datanet).expect("datanet exists");
		for (who, score, agreeing) in [(&claimant, 70, 3u32), (&other, 30, 1u32)] {
			DatanetsPallet::<T>::record_epoch_score(datanet, &mut record, who, score)
				.expect("no overflow");
			DatanetsPallet::<T>::record_agreeing_stake(
				datanet,
				&mut record,
				who,
				stake::<T>().saturating_mul(agreeing.into()),
			)
			.expect("no overflow");
		}
		Datanets::<T>::insert(datanet, record);
		frame_system::Pallet::<T>::set_block_number(
			T::EpochLength::get().saturating_mul((epoch + 1).into()),
		);
		let before = T::Currency::balance(&claimant);

		#[extrinsic_call]
		_(RawOrigin::Signed(claimant.clone()), datanet, epoch);

		let release = Epochs::<T>::get(datanet, epoch).release.expect("settled by the claim");
		assert!(!release.contributors.is_zero() && !release.validators.is_zero());
		let paid = T::Currency::balance(&claimant).saturating_sub(before);
		assert!(!paid.is_zero());
		assert_last_event::<T>(Event::RewardsClaimed {
			datanet,
			epoch,
			who: claimant,
			amount: paid,
		});
		assert!(Earnings::<T>::get((datanet, epoch, &other)) != Default::default());
	}

	/// `n` new reservations.
	#[benchmark]
	fn reserve(n: Linear<1, { T::MaxReservations::get() }>) {
		let who = funded::<T>("contributor", 0);
		let reservations: Vec<[u8; 32]> = (0..n)
			.map(|i| BlakeTwo256::hash_of(&(b"openledger/bench-reservation", i).encode()).into())
			.collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), reservations.clone());

		assert!(reservations.iter().all(|r| Reservations::<T>::contains_key(&who, r)));
		assert_eq!(ReservationQueue::<T>::iter_keys().count() as u32, n);
		assert_last_event::<T>(Event::Reserved { who, count: n });
	}

	/// A closed datanet whose last epoch with earnings ended and is settled first.
	#[benchmark]
	fn withdraw_pool() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let epoch = DatanetsPallet::<T>::current_epoch();
		leave_unsettled_epoch::<T>(datanet, &owner);
		DatanetsPallet::<T>::close_datanet(RawOrigin::Signed(owner.clone()).into(), datanet)
			.expect("owner closes");
		let pool = Datanets::<T>::get(datanet).map(|d| d.reward_pool).unwrap_or_default();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet);

		let release = Epochs::<T>::get(datanet, epoch).release.expect("settled first");
		let amount = pool.saturating_sub(release.contributors);
		assert!(!amount.is_zero());
		assert_last_event::<T>(Event::PoolWithdrawn { datanet, amount });
		assert_eq!(Datanets::<T>::get(datanet).map(|d| d.reward_pool), Some(Zero::zero()));
	}

	/// `n` gateway URLs of the longest length, replacing as many.
	#[benchmark]
	fn set_gateways(n: Linear<0, MAX_GATEWAYS>) {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let url = |i: u32| {
			let mut url = b"https://gateway.example/".to_vec();
			url.resize(MAX_GATEWAY_URL_LEN as usize - 4, b'x');
			url.extend_from_slice(&i.to_be_bytes().map(|b| b'a' + b % 26));
			url
		};
		let before: Vec<Vec<u8>> = (100..100 + MAX_GATEWAYS).map(url).collect();
		DatanetsPallet::<T>::set_gateways(RawOrigin::Signed(owner.clone()).into(), datanet, before)
			.expect("owner publishes");
		let gateways: Vec<Vec<u8>> = (0..n).map(url).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), datanet, gateways);

		assert_eq!(DatanetGateways::<T>::get(datanet).len() as u32, n);
	}

	/// What `on_idle` does for a settled, expired submission past retention: read it, prune
	/// it (freeing its CID) and remove its queue entry.
	#[benchmark]
	fn prune() {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let contributor = funded::<T>("contributor", 0);
		let submission = submit_as::<T>(&contributor, datanet, 0);
		past_period::<T>(submission, true);
		let record = Submissions::<T>::get(submission).expect("submitted");
		DatanetsPallet::<T>::settle(submission, record).expect("expires");
		let due = now::<T>().saturating_add(T::RetentionPeriod::get());
		frame_system::Pallet::<T>::set_block_number(due);
		let cid = Submissions::<T>::get(submission).map(|s| s.cid).expect("kept until pruned");

		#[block]
		{
			if let Some(record) = Submissions::<T>::get(submission) {
				DatanetsPallet::<T>::prune(submission, &record);
				DatanetsPallet::<T>::unschedule(due, submission);
			}
		}

		assert!(Submissions::<T>::get(submission).is_none());
		assert!(!SubmissionByCid::<T>::contains_key(datanet, &cid));
		assert!(DatanetsPallet::<T>::next_due().is_none());
		assert_last_event::<T>(Event::SubmissionPruned { submission });
	}

	/// What `on_idle` does for a stale reservation: find the earliest entry of the queue and
	/// drop it and the reservation.
	#[benchmark]
	fn drop_reservation() {
		let who = funded::<T>("contributor", 0);
		let reservation: [u8; 32] = BlakeTwo256::hash_of(&b"openledger/bench-stale").into();
		DatanetsPallet::<T>::do_reserve(who.clone(), vec![reservation]).expect("one reservation");
		advance::<T>(1);
		frame_system::Pallet::<T>::set_block_number(
			now::<T>().saturating_add(T::ReservationLifetime::get()),
		);

		let at: u64 = sp_runtime::SaturatedConversion::saturated_into(now::<T>());

		#[block]
		{
			assert!(DatanetsPallet::<T>::drop_stale_reservation(at));
		}

		assert!(!Reservations::<T>::contains_key(&who, reservation));
		assert!(ReservationQueue::<T>::iter_keys().next().is_none());
	}

	/// An acceptance that moves the last contributor of a board to the top of both the
	/// datanet's and the global board, each a Fibonacci AVL tree of height `h` (every
	/// node's left subtree one taller than its right).
	///
	/// Why this is the worst case: `upsert` is a removal then an insertion, each a walk of
	/// at most one root-to-leaf path, calling `balance` at every node on it. An AVL
	/// insertion rotates at most once (the rotated subtree regains its old height, so no
	/// ancestor becomes unbalanced), so rotations at every level can come only from the
	/// removal. In a Fibonacci tree the last contributor sits at the end of the right
	/// spine, on the shorter side of every node: removing it shortens each subtree on the
	/// way up by one, which unbalances every ancestor in turn, and each one rotates
	/// (reading and rewriting its left child too). The root itself rotates. The insertion
	/// then walks the left spine, the longest path (height `h - 1` after the removal), to
	/// the new leftmost leaf, and rotates at its bottom. Every node the update touches is
	/// read once and written once (`Tree` caches them).
	///
	/// `update_boards` returns the height of the trees after the update (`h - 1` or `h`),
	/// which is what the pallet charges for it.
	#[benchmark]
	fn update_boards(h: Linear<2, 16>) {
		let owner = funded::<T>("owner", 0);
		let datanet = simple_datanet::<T>(&owner);
		let board = Board::Datanet(datanet);
		let _ = RankNodes::<T>::clear_prefix(Board::Global, u32::MAX, None);
		let mut count = 0;
		for tree in [board, Board::Global] {
			let (root, size, ..) = fibonacci_tree::<T>(tree, 0, h as u8);
			RankRoots::<T>::insert(tree, root.expect("h ≥ 2"));
			count = size;
		}
		for position in 0..count {
			let stats = StatsOf::<T> {
				submitted: 1,
				accepted: 1,
				score: u64::from(u32::MAX - position),
				first_accepted_at: Some(Zero::zero()),
				..Default::default()
			};
			ContributorStatsOf::<T>::insert(datanet, ranked::<T>(position), stats);
			GlobalStats::<T>::insert(ranked::<T>(position), stats);
		}
		let last = ranked::<T>(count - 1);
		assert_eq!(DatanetsPallet::<T>::rank_of(board, &last), Some(count));
		let root_before = RankRoots::<T>::get(board);
		let stats = DatanetsPallet::<T>::record_stats(datanet, &last, |stats| {
			stats.score = u64::from(u32::MAX) + 1
		});
		let height;

		#[block]
		{
			height = DatanetsPallet::<T>::update_boards(datanet, &last, &stats);
		}

		assert!((h - 1..=h).contains(&u32::from(height)));
		for tree in [board, Board::Global] {
			assert_eq!(DatanetsPallet::<T>::rank_of(tree, &last), Some(1));
			assert_eq!(DatanetsPallet::<T>::board_size(tree), count);
			let page = DatanetsPallet::<T>::ranked_page(tree, 0, count);
			assert!(page.windows(2).all(|pair| pair[0].1.score > pair[1].1.score));
		}
		assert!(RankRoots::<T>::get(board) != root_before);
	}

	impl_benchmark_test_suite!(DatanetsPallet, crate::mock::new_test_ext(), crate::mock::Test);
}
