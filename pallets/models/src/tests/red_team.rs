//! Red-team attacks on bounties, bonds, escrow, settlement, indexes and weights. Each test
//! asserts the SAFE behaviour: it passes when the pallet resists the attack. A test marked
//! `//! sequence and the damage); run it with `--ignored` to see it fail.

use super::*;
use crate::mock::UnrevealedSlash;
use alloc::collections::BTreeSet;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchResultWithPostInfo, GetDispatchInfo},
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		LockableCurrency, WithdrawReasons,
	},
};
use sp_runtime::traits::Dispatchable;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Funds `who` if it has nothing and registers it as a trainer with the usual bond.
pub(super) fn register(who: AccountId) {
	if Balances::total_balance(&who) == 0 {
		Balances::set_balance(&who, INITIAL_BALANCE);
	}
	assert_ok!(ModelFactory::register_trainer(
		RuntimeOrigin::signed(who),
		TRAINER_BOND,
		capabilities(1_000_000_000)
	));
}

/// Everything `who` owns: free balance and every hold (bond, escrow).
pub(super) fn wealth(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

fn escrow(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ModelFactory(HoldReason::JobBounty), &who)
}

/// Dispatches as an extrinsic would: through the call's storage layer, so a failed call
/// leaves nothing behind.
fn dispatch(origin: RuntimeOrigin, call: crate::Call<Test>) -> DispatchResultWithPostInfo {
	RuntimeCall::ModelFactory(call).dispatch(origin)
}

pub(super) fn finalize(id: JobId) -> DispatchResultWithPostInfo {
	ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id)
}

/// How many `TrainerSlashed` events name `who`.
pub(super) fn slashes_of(who: AccountId) -> usize {
	System::events()
		.iter()
		.filter(|record| {
			matches!(
				record.event,
				RuntimeEvent::ModelFactory(Event::TrainerSlashed { trainer, .. }) if trainer == who
			)
		})
		.count()
}

// ---------------------------------------------------------------------------------------
// Who decides the verified result, and who profits from slashes
// ---------------------------------------------------------------------------------------

/// ATTACK (first k agreeing reveals win): T3 and T4 collude, train nothing and commit the
/// same junk result; T1, T2 and OUTSIDER train and commit the real one. Commits are full,
/// so everyone's reveals open in the same block, and the colluders get theirs ordered first
/// (a tip, or their own block). Their two junk reveals are the first k = 2 that agree: the
/// junk is verified, the colluders take the whole bounty, and each honest reveal that
/// follows is slashed as a dissent (not revealing is slashed too). Damage: 1 000 bounty to
/// the colluders, 3 × 100 of honest bonds, a junk model the chain vouches for.
/// Safe behaviour: the reveals decide, not their order: the majority result (3 of 5) is
/// verified, the colluders earn nothing and no honest trainer is slashed.
#[test]
fn k_colluders_revealing_first_cannot_beat_an_honest_majority() {
	test(|| {
		register(OUTSIDER);
		let mut five = spec();
		five.max_attesters = 5;
		let id = create(five);
		for who in [T1, T2, OUTSIDER] {
			commit(id, who, &result(1));
		}
		for who in [T3, T4] {
			commit(id, who, &result(9));
		}
		let colluders = wealth(T3) + wealth(T4);
		// Commits are full: reveals are open, and the colluders' land first.
		reveal(id, T3, result(9));
		reveal(id, T4, result(9));
		for who in [T1, T2, OUTSIDER] {
			reveal(id, who, result(1));
		}
		to_due(id);
		assert_ok!(finalize(id));
		let model = Models::<Test>::get(0).expect("a model is verified");
		assert_eq!(
			model.result.agreement_key(),
			result(1).agreement_key(),
			"the minority's junk was verified"
		);
		assert!(wealth(T3) + wealth(T4) <= colluders, "colluders paid for junk");
		for who in [T1, T2, OUTSIDER] {
			assert_eq!(bond(who), TRAINER_BOND, "honest trainer slashed");
		}
	});
}

/// ATTACK (creator profits from slashes): slashes go to the job's creator. CREATOR
/// registers itself and a sybil (OUTSIDER) as trainers and posts a job with k = 2 of 6 and
/// a bounty that attracts four honest trainers. Its two sybils commit junk and reveal first
/// (the creator knows exactly when reveals open); the junk is verified and the bounty goes
/// back to the creator's own accounts. The four honest trainers are slashed 10% each, to
/// the creator, whether they reveal (dissent) or not (unrevealed, 5%). Damage: the creator
/// ends 400 richer than it started, and got the honest adapters' CIDs for free.
/// Safe behaviour: a creator never ends richer than it started, whatever its sybils do.
#[test]
fn a_creator_cannot_profit_by_slashing_honest_trainers() {
	test(|| {
		register(CREATOR);
		register(OUTSIDER);
		let mut six = spec();
		six.max_attesters = 6;
		let id = create(six);
		let before = wealth(CREATOR) + wealth(OUTSIDER);
		for who in [T1, T2, T3, T4] {
			commit(id, who, &result(1));
		}
		for who in [CREATOR, OUTSIDER] {
			commit(id, who, &result(9));
		}
		for who in [CREATOR, OUTSIDER] {
			reveal(id, who, result(9));
		}
		for who in [T1, T2, T3, T4] {
			reveal(id, who, result(1));
		}
		to_due(id);
		assert_ok!(finalize(id));
		let after = wealth(CREATOR) + wealth(OUTSIDER);
		assert!(after <= before, "the creator gained {} from its own job", after - before);
	});
}

/// ATTACK (free blocking, work harvested): a job keeps `max_attesters > k` so that one
/// junk commit cannot block it, and makes junk cost its trainer the unrevealed slash. But
/// that slash is paid to the creator: when the creator itself (registered as a trainer) and
/// a sybil fill the free slots, the junk costs it nothing. T1 trains and commits; CREATOR
/// and OUTSIDER fill the other two slots and never reveal. T1 must reveal (or be slashed,
/// to the creator): its adapter's CID is now public. The job fails and the bounty is
/// refunded. Damage: the creator has T1's work for free; T1 has nothing.
/// Safe behaviour: blocking a job costs the blockers, even when one of them is the creator.
#[test]
fn a_creator_cannot_block_its_own_job_for_free_and_keep_the_revealed_work() {
	test(|| {
		register(CREATOR);
		register(OUTSIDER);
		let id = create(spec()); // k = 2 of 3
		commit(id, T1, &result(1));
		commit(id, CREATOR, &result(8));
		commit(id, OUTSIDER, &result(9));
		let before = wealth(CREATOR) + wealth(OUTSIDER);
		reveal(id, T1, result(1));
		// What the creator came for: the trained adapter's CID, on chain.
		assert_eq!(Attestations::<Test>::get(id, T1).unwrap().revealed, Some(result(1)));
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert!(
			wealth(CREATOR) + wealth(OUTSIDER) < before,
			"blocking the job cost the creator nothing"
		);
	});
}

/// ATTACK (reveal or pay): a creator posts a job with a short commit period. Only T1
/// commits; at the deadline k = 2 agreeing reveals are impossible, so the job can only
/// fail. T1 still has to choose between revealing (its adapter's CID goes public; the
/// creator is refunded and keeps the work) and not revealing (5% of its bond is slashed
/// to the creator). Either way the creator gains at T1's expense.
/// Safe behaviour: when fewer than k trainers committed, an unrevealed commit is not
/// penalised (it blocked nothing: no agreement was possible).
#[test]
fn a_committer_of_a_job_that_cannot_reach_k_is_not_forced_to_leak_or_pay() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		to_due(id);
		let creator = free(CREATOR);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert_eq!(free(CREATOR), creator + BOUNTY, "the creator gained more than its refund");
		assert_eq!(bond(T1), TRAINER_BOND, "slashed for keeping a result no one could verify");
	});
}

/// A creator that is also a trainer and verifies its own job with its sybils pays the
/// bounty to itself: no one else's value moves. (The junk model it gets verified is a
/// trust risk, not a money one: see the report.)
#[test]
fn a_creator_paying_its_own_sybils_gains_nothing() {
	test(|| {
		register(CREATOR);
		register(OUTSIDER);
		let id = create(spec());
		let before = wealth(CREATOR) + wealth(OUTSIDER);
		commit(id, CREATOR, &result(9));
		commit(id, OUTSIDER, &result(9));
		to_reveals(id);
		reveal(id, CREATOR, result(9));
		reveal(id, OUTSIDER, result(9));
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Verified(0));
		assert_eq!(wealth(CREATOR) + wealth(OUTSIDER), before);
		for who in [T1, T2, T3, T4] {
			assert_eq!(wealth(who), INITIAL_BALANCE);
		}
	});
}

// ---------------------------------------------------------------------------------------
// Escrow
// ---------------------------------------------------------------------------------------

/// ATTACK (frozen escrow): T1 and T2 trained and committed. T1 reveals; before T2's
/// (the k-th) reveal, the creator puts a lock over its whole balance, escrow included (a
/// vesting, voting or staking lock applies to free + held). The payout is
/// `transfer_on_hold(.., Fortitude::Polite)`, which refuses to take held funds a freeze
/// needs, so T2's reveal fails (`Token(Frozen)`), the job fails at the deadline, the
/// bounty is refunded, T2 is slashed as unrevealed to the creator, and the creator has
/// T1's revealed adapter. Latent: the runtime has no pallet that locks or freezes today.
/// Safe behaviour: escrow is the job's, not the creator's: the payout goes through.
#[test]
fn a_creator_cannot_block_the_payout_by_locking_its_escrow() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		to_reveals(id);
		reveal(id, T1, result(1));
		Balances::set_lock(*b"attacker", &CREATOR, INITIAL_BALANCE, WithdrawReasons::all());
		let call = crate::Call::reveal_result { job: id, result: result(1), salt: salt(T2) };
		assert_ok!(dispatch(RuntimeOrigin::signed(T2), call));
		assert_eq!(job(id).status, JobStatus::Verified(0));
	});
}

/// ATTACK (empty the escrow): the creator moves everything it can to another account
/// after creating the job, then (once paid out) lets its account be reaped so that later
/// slashes have nowhere to go. The bounty is held, so it cannot be moved; a slash to a
/// reaped account recreates it (or, below the existential deposit, is burnt); the books
/// balance either way.
#[test]
fn escrow_and_slashes_survive_a_creator_that_empties_its_account() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, T3, &result(9));
		assert_ok!(Balances::transfer_all(RuntimeOrigin::signed(CREATOR), OTHER, false));
		assert_eq!(escrow(CREATOR), BOUNTY);
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_eq!(free(T1) + free(T2), 2 * (INITIAL_BALANCE - TRAINER_BOND) + BOUNTY);
		assert_eq!(escrow(CREATOR), 0);
		assert_ok!(Balances::transfer_all(RuntimeOrigin::signed(CREATOR), OTHER, false));
		assert!(!System::account_exists(&CREATOR));
		let issuance = Balances::total_issuance();
		reveal(id, T3, result(9));
		assert_eq!(bond(T3), TRAINER_BOND - MIN_TRAINER_BOND / 10);
		// Burnt: the reaped creator is not recreated, nothing else moves.
		assert_eq!(issuance - Balances::total_issuance(), MIN_TRAINER_BOND / 10);
		assert!(!System::account_exists(&CREATOR));
		to_due(id);
		assert_ok!(finalize(id));
	});
}

// ---------------------------------------------------------------------------------------
// Bonds and slashes
// ---------------------------------------------------------------------------------------

/// ATTACK (one bond, many jobs): T3 commits junk to many open jobs at once and reveals
/// none, hoping one bond backs them all and the slashes shrink as the bond does. A bond
/// backs at most `bond / MinTrainerBond` open commitments, and every unrevealed commit in a
/// job that could have agreed costs the full share of the stake a commitment carries.
#[test]
fn one_bond_cannot_back_unlimited_open_commitments() {
	test(|| {
		const JOBS: usize = 12;
		let ids: Vec<JobId> = (0..JOBS).map(|_| create(spec())).collect();
		let before = wealth(T3);
		let mut committed = Vec::new();
		for id in &ids {
			let sealed = commitment(*id, &result(9), &salt(T3), &T3);
			if ModelFactory::commit_result(RuntimeOrigin::signed(T3), *id, sealed).is_ok() {
				committed.push(*id);
			}
		}
		assert_eq!(committed.len() as u64, TRAINER_BOND / MIN_TRAINER_BOND);
		for id in &committed {
			commit(*id, T1, &result(1));
			commit(*id, T2, &result(1));
			reveal(*id, T1, result(1));
			reveal(*id, T2, result(1));
		}
		to_due(ids[0]); // every job was created in block 1: one deadline
		for id in &ids {
			assert_ok!(finalize(*id));
		}
		let per_commit = UnrevealedSlash::get() * MIN_TRAINER_BOND;
		assert_eq!(before - wealth(T3), committed.len() as u64 * per_commit);
	});
}

/// ATTACK (double dissent slash): a trainer is slashed for a dissent when the agreement
/// forms (it revealed before) or when it reveals (after). Try to get it slashed twice:
/// reveal again, or let settlement count it again. Each dissent is slashed exactly once,
/// and a revealed dissent is not also penalised as unrevealed.
#[test]
fn a_dissent_is_slashed_exactly_once() {
	test(|| {
		let mut four = spec();
		four.max_attesters = 4;
		let id = create(four);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, T3, &result(3));
		commit(id, T4, &result(4));
		reveal(id, T3, result(3)); // before the agreement
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T3), id, result(3), salt(T3)),
			Error::<Test>::AlreadyRevealed
		);
		reveal(id, T4, result(4)); // after it
		to_due(id);
		assert_ok!(finalize(id));
		for who in [T3, T4] {
			assert_eq!(bond(who), TRAINER_BOND - MIN_TRAINER_BOND / 10);
			assert_eq!(slashes_of(who), 1);
		}
		assert_eq!((slashes_of(T1), slashes_of(T2)), (0, 0));
	});
}

/// ATTACK (escape a slash): T3 commits junk and tries to get its bond out before the slash
/// lands: unbond while committed, unbond after the model is verified but before
/// settlement. Both are refused; after settlement it unbonds and, after the delay, gets
/// back only what the slash left.
#[test]
fn a_trainer_cannot_unbond_out_of_a_pending_slash() {
	test(|| {
		let id = create(spec());
		commit(id, T3, &result(9));
		assert_noop!(
			ModelFactory::unbond_trainer(RuntimeOrigin::signed(T3)),
			Error::<Test>::HasOpenCommitments
		);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_noop!(
			ModelFactory::unbond_trainer(RuntimeOrigin::signed(T3)),
			Error::<Test>::HasOpenCommitments
		);
		to_due(id);
		assert_ok!(finalize(id));
		assert_ok!(ModelFactory::unbond_trainer(RuntimeOrigin::signed(T3)));
		assert_noop!(
			ModelFactory::withdraw_trainer(RuntimeOrigin::signed(T3)),
			Error::<Test>::StillUnbonding
		);
		System::set_block_number(System::block_number() + UNBONDING_DELAY);
		assert_ok!(ModelFactory::withdraw_trainer(RuntimeOrigin::signed(T3)));
		assert_eq!(wealth(T3), INITIAL_BALANCE - MIN_TRAINER_BOND / 20);
	});
}

/// A trainer whose slashed bond no longer covers another commitment cannot commit to new
/// jobs, but its commitments made while covered stand: it still reveals (and is paid) or is
/// penalised.
#[test]
fn a_bond_slashed_below_the_minimum_still_answers_for_its_open_commitments() {
	test(|| {
		assert_ok!(ModelFactory::register_trainer(
			RuntimeOrigin::signed(OUTSIDER),
			3 * MIN_TRAINER_BOND,
			capabilities(1_000_000_000)
		));
		let first = create(spec());
		let second = create(spec());
		commit(first, T1, &result(1));
		commit(first, T2, &result(1));
		commit(first, OUTSIDER, &result(9));
		commit(second, OUTSIDER, &result(2));
		commit(second, T3, &result(2));
		reveal(first, T1, result(1));
		reveal(first, T2, result(1));
		reveal(first, OUTSIDER, result(9));
		assert!(bond(OUTSIDER) < 3 * MIN_TRAINER_BOND);
		let third = create(spec());
		assert_noop!(
			ModelFactory::commit_result(RuntimeOrigin::signed(OUTSIDER), third, [0; 32]),
			Error::<Test>::BondFullyCommitted
		);
		to_reveals(second);
		let before = free(OUTSIDER);
		reveal(second, OUTSIDER, result(2));
		reveal(second, T3, result(2));
		assert_eq!(free(OUTSIDER), before + BOUNTY / 2);
		to_due(second);
		for id in [first, second, third] {
			assert_ok!(finalize(id));
		}
		assert_eq!(Trainers::<Test>::get(OUTSIDER).unwrap().open_commitments, 0);
	});
}

// ---------------------------------------------------------------------------------------
// Commit–reveal and settlement order
// ---------------------------------------------------------------------------------------

/// ATTACK (commitment replay): T1 replays its sealed commitment of job A on job B, hoping
/// to reveal A's result there without training B (or to hold B's slot). The commitment
/// binds the job id: the replay opens on neither B nor anywhere but A.
#[test]
fn a_commitment_cannot_be_replayed_on_another_job() {
	test(|| {
		let first = create(spec());
		let second = create(spec());
		commit(first, T1, &result(1));
		let sealed = Attestations::<Test>::get(first, T1).unwrap().commitment;
		assert_ok!(ModelFactory::commit_result(RuntimeOrigin::signed(T1), second, sealed));
		commit(first, T2, &result(1));
		commit(second, T2, &result(1));
		to_reveals(second);
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T1), second, result(1), salt(T1)),
			Error::<Test>::CommitmentMismatch
		);
		reveal(first, T1, result(1));
		reveal(first, T2, result(1));
		reveal(second, T2, result(1));
		assert_eq!(job(first).status, JobStatus::Verified(0));
		assert_eq!(job(second).status, JobStatus::Open);
	});
}

/// ATTACK (early settlement): once the model is verified, the creator (or anyone) tries to
/// settle before the reveal deadline, so that a trainer that has not revealed yet is
/// slashed as unrevealed. Settlement waits for the deadline, however early reveals opened;
/// a reveal in the deadline's own block counts.
#[test]
fn settlement_cannot_cut_the_reveal_period_short() {
	test(|| {
		let id = create(spec());
		for who in [T1, T2, T3] {
			commit(id, who, &result(1));
		}
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		let due = job(id).reveal_ends;
		for block in [1, job(id).commit_ends, due] {
			System::set_block_number(block);
			assert_noop!(
				ModelFactory::finalize_job(RuntimeOrigin::signed(CREATOR), id),
				Error::<Test>::JobNotDue
			);
		}
		reveal(id, T3, result(1));
		System::set_block_number(due + 1);
		assert_ok!(finalize(id));
		assert_eq!(bond(T3), TRAINER_BOND);
	});
}

/// ATTACK (act after settlement): after a verified job is settled, a trainer reveals late,
/// the creator tries to cancel (to reclaim the paid bounty), anyone settles again, a new
/// trainer commits. All refused; no balance moves.
#[test]
fn nothing_moves_after_a_verified_job_is_settled() {
	test(|| {
		let id = create(spec());
		for who in [T1, T2, T3] {
			commit(id, who, &result(1));
		}
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		to_due(id);
		assert_ok!(finalize(id));
		let accounts = [CREATOR, T1, T2, T3, T4];
		let before = accounts.map(wealth);
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T3), id, result(1), salt(T3)),
			Error::<Test>::JobNotOpen
		);
		assert_noop!(
			ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), id),
			Error::<Test>::JobNotOpen
		);
		assert_noop!(finalize(id), Error::<Test>::AlreadySettled);
		assert_noop!(
			ModelFactory::commit_result(RuntimeOrigin::signed(T4), id, [0; 32]),
			Error::<Test>::JobNotOpen
		);
		assert_eq!(accounts.map(wealth), before);
		assert_eq!(escrow(CREATOR), 0);
	});
}

// ---------------------------------------------------------------------------------------
// Base models and lineage
// ---------------------------------------------------------------------------------------

/// ATTACK (refine around a retirement): a base model is retired; a creator tries to keep
/// training on it by refining a model verified on it. Refused like a new job on the base;
/// a job created before the retirement still runs to verification.
#[test]
fn a_retired_base_cannot_be_trained_on_through_a_refine() {
	test(|| {
		verified_job(); // model 0, on SMOL
		let pending = create(spec());
		assert_ok!(ModelFactory::retire_base_model(RuntimeOrigin::root(), SMOL));
		for source in [ModelSource::Refine(0), ModelSource::Base(SMOL)] {
			let mut refine = spec();
			refine.source = source;
			assert_noop!(
				ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), refine),
				Error::<Test>::BaseModelRetired
			);
		}
		commit(pending, T3, &result(2));
		commit(pending, T4, &result(2));
		to_reveals(pending);
		reveal(pending, T3, result(2));
		reveal(pending, T4, result(2));
		assert_eq!(Models::<Test>::get(1).unwrap().base, SMOL);
		let mut refine = spec();
		refine.source = ModelSource::Refine(1);
		assert_noop!(
			ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), refine),
			Error::<Test>::BaseModelRetired
		);
	});
}

// ---------------------------------------------------------------------------------------
// Storage growth and weights
// ---------------------------------------------------------------------------------------

/// ATTACK (weight underestimate): verifying writes one model-index entry (and its count)
/// per base, datanet and agreeing trainer: 1 + d + k. `reveal_result`'s weight has only
/// the attestation count, so its benchmark must run the widest job: 8 datanets, and at
/// `a = MAX_ATTESTERS` a majority of `a / 2 + 1` agreeing trainers.
/// Safe behaviour: the verifying reveal writes no more than the benchmarked worst case.
#[test]
fn the_verifying_reveal_writes_no_more_than_its_benchmark() {
	test(|| {
		/// What the `reveal_result` benchmark writes at `a = MAX_ATTESTERS`.
		const BENCHMARKED: u32 = 1 + MAX_DATANETS_PER_JOB + MAX_ATTESTERS / 2 + 1;
		let mut datanets = vec![TEXT, CODE];
		for datanet in 3..(3 + MAX_DATANETS_PER_JOB - 2) {
			accept_files(datanet, 1);
			datanets.push(datanet);
		}
		let extra = 30..(30 + MAX_ATTESTERS as u64 - 4);
		let trainers: Vec<AccountId> = [T1, T2, T3, T4].into_iter().chain(extra).collect();
		for who in &trainers[4..] {
			register(*who);
		}
		let mut widest = spec();
		widest.datanets = BoundedVec::truncate_from(datanets);
		widest.attestations = 2;
		widest.max_attesters = MAX_ATTESTERS;
		let id = create(widest);
		let majority = (MAX_ATTESTERS / 2 + 1) as usize;
		for who in &trainers {
			commit(id, *who, &result(1));
		}
		for who in &trainers[..majority] {
			reveal(id, *who, result(1));
		}
		assert_eq!(job(id).status, JobStatus::Verified(0));
		let written: u32 = ModelIndexCount::<Test>::iter_values().sum();
		assert!(written <= BENCHMARKED, "{written} index entries written, {BENCHMARKED} paid for");
	});
}

// ---------------------------------------------------------------------------------------
// Random call sequences
// ---------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64) for the call sequences.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
	fn pick<Item: Copy>(&mut self, items: &[Item]) -> Item {
		items[self.below(items.len() as u64) as usize]
	}
}

/// A job spec with random source, datanets, k, slots, bounty and periods, some invalid.
fn random_spec(rng: &mut Rng) -> JobSpecOf<Test> {
	let mut job = spec();
	let models = NextModelId::<Test>::get();
	job.source = match rng.below(6) {
		0 if models > 0 => ModelSource::Refine(rng.below(models)),
		1 => ModelSource::Base(BIG),
		_ => ModelSource::Base(SMOL),
	};
	job.datanets = BoundedVec::truncate_from(match rng.below(6) {
		0 => vec![CODE],
		1 => vec![TEXT, CODE],
		2 => vec![EMPTY],
		_ => vec![TEXT],
	});
	job.attestations = 2 + rng.below(2) as u32;
	job.max_attesters = job.attestations + 1 + rng.below(3) as u32;
	job.bounty = MIN_BOUNTY - 1 + rng.below(1_000);
	job.commit_period = MIN_PERIOD + rng.below(5);
	job.reveal_period = MIN_PERIOD + rng.below(5);
	job
}

/// ATTACK (state corruption by call order): random sequences of every call, by creators
/// that are also trainers, on recent and unknown jobs, with agreeing, dissenting and junk
/// results, unbonding and withdrawing trainers, retirements and time jumps. After every
/// call: `try_state` holds (escrow, bonds, commitments, both indexes and their counts,
/// lineage), no value is created (slashes may burn), and no call reports more weight after
/// dispatch than before.
#[test]
fn random_call_sequences_keep_every_invariant() {
	let mut reached = BTreeSet::new();
	for seed in 1..=16u64 {
		new_test_ext().execute_with(|| {
			let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
			let accounts = [CREATOR, OTHER, T1, T2, T3, T4, OUTSIDER];
			let issuance = Balances::total_issuance();
			let mut sealed: Vec<(JobId, AccountId, u8)> = Vec::new();
			for step in 0..400 {
				let who = rng.pick(&accounts);
				let next = NextJobId::<Test>::get();
				// Mostly the newest jobs, sometimes one that does not exist.
				let id =
					if rng.below(8) == 0 { next } else { next.saturating_sub(1 + rng.below(3)) };
				let signed = RuntimeOrigin::signed(who);
				let mut committing = None;
				let (origin, call) = match rng.below(12) {
					0 => (signed, crate::Call::create_job { spec: random_spec(&mut rng) }),
					1 if rng.below(2) == 0 => (signed, crate::Call::cancel_job { job: id }),
					1 | 9 => (signed, crate::Call::finalize_job { job: id }),
					2..=5 => {
						let n = rng.pick(&[1u8, 1, 1, 2, 9]);
						committing = Some((id, who, n));
						let sealed = commitment(id, &result(n), &salt(who), &who);
						(signed, crate::Call::commit_result { job: id, commitment: sealed })
					},
					6..=8 if !sealed.is_empty() => {
						// Mostly recent commitments, sometimes any.
						let recent = sealed.len().saturating_sub(8) as u64;
						let from = if rng.below(4) == 0 { 0 } else { recent };
						let index = from + rng.below(sealed.len() as u64 - from);
						let (id, who, n) = sealed[index as usize];
						let call = crate::Call::reveal_result {
							job: id,
							result: result(n),
							salt: salt(who),
						};
						(RuntimeOrigin::signed(who), call)
					},
					10 => match rng.below(8) {
						0 => (RuntimeOrigin::root(), crate::Call::retire_base_model { base: BIG }),
						1..=3 => {
							let bond = MIN_TRAINER_BOND - 1 + rng.below(1_000);
							let capabilities = capabilities(1_000_000_000);
							(signed, crate::Call::register_trainer { bond, capabilities })
						},
						4 | 5 => (signed, crate::Call::unbond_trainer {}),
						_ => (signed, crate::Call::withdraw_trainer {}),
					},
					_ => {
						if rng.below(3) == 0 {
							accept_files(rng.pick(&[TEXT, CODE]), 1);
						}
						System::set_block_number(System::block_number() + 1 + rng.below(2));
						continue;
					},
				};
				let declared = call.get_dispatch_info().call_weight;
				if let Ok(post) = dispatch(origin, call) {
					if let Some(actual) = post.actual_weight {
						assert!(actual.all_lte(declared), "seed {seed}, step {step}: weight");
					}
					sealed.extend(committing);
				}
				ModelFactory::do_try_state()
					.unwrap_or_else(|e| panic!("seed {seed}, step {step}: {e:?}"));
				assert!(Balances::total_issuance() <= issuance, "seed {seed}, step {step}");
			}
			for kind in [
				JobStatusKind::Open,
				JobStatusKind::Verified,
				JobStatusKind::Failed,
				JobStatusKind::Expired,
				JobStatusKind::Cancelled,
			] {
				if JobIndexCount::<Test>::get(kind) > 0 {
					reached.insert(kind);
				}
			}
		});
	}
	assert_eq!(reached.len(), 5, "the sequences reach every status: {reached:?}");
}

/// The mock's slash shares, as the tests above use them.
#[test]
fn the_mock_slashes_are_what_the_tests_assume() {
	assert_eq!(UnrevealedSlash::get() * MIN_TRAINER_BOND, MIN_TRAINER_BOND / 20);
	assert_eq!(<Test as Config>::DissentSlash::get() * MIN_TRAINER_BOND, MIN_TRAINER_BOND / 10);
}
