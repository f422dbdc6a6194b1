//! Second red-team pass, on the fixed rules: the majority and plurality tests, which
//! result a verified model stores, what a failed job costs whom, the weights of the
//! verifying calls, lineage and snapshots. Each test asserts the SAFE behaviour: it passes
//! when the pallet resists the attack. A test marked `#[ignore = "known limit …"]` is an
//! attack that still works, listed with its cost in docs/MODELS.md (its doc comment gives
//! the sequence and the damage); run it with `--ignored` to see it fail.

use super::{
	red_team::{finalize, register, slashes_of, wealth},
	*,
};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, Blake2_128Concat, StorageHasher};
use openledger_primitives::dataset::DatasetSnapshots;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `result(n)`'s agreement key, with an adapter CID and metrics of the attacker's choice:
/// a trainer that trained (so it knows the agreed hash) but points the chain elsewhere.
fn forged(n: u8) -> AttestedResult {
	let mut forged = result(n);
	forged.adapter_cid = BoundedVec::truncate_from(binary_cid(66));
	forged.manifest_cid = BoundedVec::truncate_from(binary_cid(67));
	forged.eval_loss_after = FixedU64::from_rational(1, 1_000);
	forged.tokens_trained = u64::MAX;
	forged
}

/// `who` sorted as `Attestations` iterates a job's trainers (by their hashed key).
fn in_storage_order(mut who: Vec<AccountId>) -> Vec<AccountId> {
	who.sort_by_key(|account| Blake2_128Concat::hash(&account.encode()));
	who
}

/// What `who` has lost of its bond.
fn slashed(who: AccountId) -> Balance {
	TRAINER_BOND - bond(who)
}

/// A job over the most datanets (`MAX_DATANETS_PER_JOB`) for k of `slots`, and `slots`
/// newly registered trainers (30, 31, …) to fill it.
fn widest_job(k: u32, slots: u32) -> (JobId, Vec<AccountId>) {
	let mut datanets = vec![TEXT, CODE];
	for datanet in 3..(3 + MAX_DATANETS_PER_JOB - 2) {
		accept_files(datanet, 1);
		datanets.push(datanet);
	}
	let trainers: Vec<AccountId> = (30..30 + slots as u64).collect();
	for who in &trainers {
		register(*who);
	}
	let mut widest = spec();
	widest.datanets = BoundedVec::truncate_from(datanets);
	widest.attestations = k;
	widest.max_attesters = slots;
	(create(widest), trainers)
}

/// How many storage keys `measured` writes (the benchmarks' `writes` count distinct
/// keys), on a fresh chain that `setup` prepared; `try_state` must hold afterwards.
fn keys_written<State>(setup: impl FnOnce() -> State, measured: impl FnOnce(State)) -> usize {
	let mut ext = new_test_ext();
	let state = ext.execute_with(|| {
		let state = setup();
		System::reset_events();
		state
	});
	ext.commit_all().expect("the setup commits");
	ext.execute_with(|| measured(state));
	let written = ext.overlayed_changes().changes().count();
	ext.execute_with(|| ModelFactory::do_try_state().expect("invariants hold"));
	written
}

// ---------------------------------------------------------------------------------------
// The early majority and the deadline plurality
// ---------------------------------------------------------------------------------------

/// ATTACK (half is not a majority; the denominator): with every slot of a k = 2 of 4 job
/// filled, T1 and T2 reveal the same result and hope 2 ≥ k verifies at once, before
/// T3 and T4 (who could reveal another pair) are heard. Two of four commits is not a
/// strict majority: the job waits for the deadline. Conversely, once the commit deadline
/// closed a job with only 3 of its 4 slots taken, the majority is of the 3 commits, not
/// of `max_attesters`: 2 agreeing verify at once, and no later reveal can outvote them.
#[test]
fn the_early_majority_is_of_the_commits_and_half_is_not_one() {
	test(|| {
		let mut four = spec();
		four.max_attesters = 4;
		let full = create(four.clone());
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3), (T4, 3)] {
			commit(full, who, &result(n));
		}
		reveal(full, T1, result(1));
		reveal(full, T2, result(1));
		assert_eq!(job(full).status, JobStatus::Open, "half of the commits verified early");
		reveal(full, T3, result(3));
		reveal(full, T4, result(3));
		to_due(full);
		assert_ok!(finalize(full));
		assert_eq!(job(full).status, JobStatus::Failed);
		assert_eq!(NextModelId::<Test>::get(), 0);

		let short = create(four);
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3)] {
			commit(short, who, &result(n));
		}
		to_reveals(short);
		reveal(short, T1, result(1));
		reveal(short, T2, result(1));
		assert_eq!(job(short).status, JobStatus::Verified(0));
		reveal(short, T3, result(3));
		assert_eq!(Models::<Test>::get(0).unwrap().result, result(1));
		assert_eq!(slashes_of(T3), 1);
		to_due(short);
		assert_ok!(finalize(short));
	});
}

/// ATTACK (rewrite after verification): T1 and T2 verify result 1 early; T3, which
/// committed the same hash with its own adapter CID and metrics, reveals afterwards
/// hoping to replace the stored CID, join the attesters, or take a share. The model is
/// fixed at verification, and a result with another CID or other metrics does not agree:
/// T3 is slashed as a dissent.
#[test]
fn a_late_agreeing_reveal_cannot_rewrite_the_verified_model() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, T3, &forged(1));
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		let model = Models::<Test>::get(0).expect("verified early");
		let before = wealth(T3);
		reveal(id, T3, forged(1));
		assert_eq!(Models::<Test>::get(0), Some(model));
		assert_eq!(wealth(T3), before - MIN_TRAINER_BOND / 10);
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(Models::<Test>::get(0).unwrap().result, result(1));
	});
}

/// ATTACK (forged CID, early): T3 trained like T1 and T2 (so it knows the agreed hash),
/// but commits that hash with an adapter CID of its own (a backdoored adapter, or one
/// nobody hosts), an eval loss of 0.001 and `u64::MAX` tokens, and reveals third, hoping
/// to complete the majority with its own CID and metrics. The adapter CID and the metrics
/// are part of what agrees: its result is a group of one, and the model, once T1 and T2's
/// pair wins, stores what they both revealed.
#[test]
fn one_attester_cannot_choose_the_cid_of_an_early_verified_model() {
	test(|| {
		register(OUTSIDER);
		let mut five = spec();
		five.max_attesters = 5;
		let id = create(five);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, T3, &forged(1));
		commit(id, T4, &result(8));
		commit(id, OUTSIDER, &result(9));
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_eq!(job(id).status, JobStatus::Open);
		reveal(id, T3, forged(1));
		assert_eq!(job(id).status, JobStatus::Open, "a forged CID completes no majority");
		to_due(id);
		assert_ok!(finalize(id));
		let model = Models::<Test>::get(0).expect("the pair wins at the deadline");
		assert_eq!(model.result.adapter_cid, result(1).adapter_cid);
		assert_eq!(model.result.eval_loss_after, result(1).eval_loss_after);
	});
}

/// ATTACK (forged CID, at the deadline): the attacker grinds an account that sorts first
/// in `Attestations`' storage order and commits the agreed hash with its own CID, hoping
/// that the group stores the first member's result. The CID is part of what agrees: the
/// attacker's result is a group of its own, and with the honest trainer alone against two
/// other singletons no group reaches k: no model, nothing forged stored.
#[test]
fn one_attester_cannot_choose_the_cid_of_a_model_verified_at_the_deadline() {
	test(|| {
		let order = in_storage_order(vec![T1, T2, T3, T4]);
		let (attacker, honest, others) = (order[0], order[1], &order[2..]);
		let mut four = spec();
		four.max_attesters = 4;
		let id = create(four);
		commit(id, attacker, &forged(1));
		commit(id, honest, &result(1));
		commit(id, others[0], &result(3));
		commit(id, others[1], &result(4));
		reveal(id, honest, result(1));
		reveal(id, attacker, forged(1));
		reveal(id, others[0], result(3));
		reveal(id, others[1], result(4));
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert!(Models::<Test>::get(0).is_none());
	});
}

// ---------------------------------------------------------------------------------------
// What a failed job costs
// ---------------------------------------------------------------------------------------

/// ATTACK (fail by a tie, for free): the first red team showed that a creator blocking its
/// own job with sybils that never reveal pays the unrevealed slash. Its sybils reveal
/// instead: CREATOR and OUTSIDER (both registered trainers) take two of four slots of the
/// creator's k = 2 job and reveal the same junk; T1 and T2 trained and reveal the real
/// result. 2 against 2 is a tie: the job fails, the bounty is refunded, and a revealed
/// result of a failed job is never slashed. Damage: the creator has T1's and T2's adapter
/// CIDs on chain and its whole bounty back; its sybils lose nothing; T1 and T2 are unpaid.
/// Safe behaviour: failing a job that had at least k commits costs the creator or its
/// sybils something.
#[test]
#[ignore = "known limit (docs/MODELS.md): a creator's sybils force a tie by revealing junk, losing nothing"]
fn a_creator_cannot_fail_its_job_for_free_with_a_tying_junk_group() {
	test(|| {
		register(CREATOR);
		register(OUTSIDER);
		let mut four = spec();
		four.max_attesters = 4;
		let id = create(four);
		let before = wealth(CREATOR) + wealth(OUTSIDER);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, CREATOR, &result(9));
		commit(id, OUTSIDER, &result(9));
		for (who, n) in [(T1, 1), (T2, 1), (CREATOR, 9), (OUTSIDER, 9)] {
			reveal(id, who, result(n));
		}
		assert_eq!(Attestations::<Test>::get(id, T1).unwrap().revealed, Some(result(1)));
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert!(
			wealth(CREATOR) + wealth(OUTSIDER) < before,
			"the creator failed its job and harvested the work for free"
		);
	});
}

/// ATTACK (reveal the junk rather than hide it): griefers T3 and T4 take two of the three
/// slots of a k = 2 job with different junk results. Hiding the junk costs each the
/// unrevealed slash; revealing it costs nothing, since a failed job slashes no revealed
/// result. So a griefer always reveals: the unrevealed slash, the rule's only cost of
/// blocking, is never paid by anyone who means to block. (attacks.rs's griefing test only
/// checks that the griefers earn nothing.)
/// Safe behaviour: revealing junk that blocked a job costs no less than hiding it.
#[test]
#[ignore = "known limit (docs/MODELS.md): revealing junk in a failed job is free; hiding it is slashed"]
fn revealing_junk_that_fails_a_job_costs_no_less_than_hiding_it() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T3, &result(8));
		commit(id, T4, &result(9));
		for (who, n) in [(T1, 1), (T3, 8), (T4, 9)] {
			reveal(id, who, result(n));
		}
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		let hiding = <Test as Config>::UnrevealedSlash::get() * MIN_TRAINER_BOND;
		for griefer in [T3, T4] {
			assert!(slashed(griefer) >= hiding, "revealed junk cost {}", slashed(griefer));
		}
	});
}

/// ATTACK (reveal or pay, restored): the first red team made a lone committer of a job
/// that cannot reach k free to keep its result (`reveals_mattered`). The creator restores
/// the squeeze with one sybil commit: T1 alone committed to a k = 2 job; in the commit
/// period's last block CREATOR (a registered trainer) commits junk, so the job has k
/// commits. T1 must now reveal (its adapter's CID goes public, the job fails anyway) or
/// pay the unrevealed slash; the creator's junk, revealed, costs nothing. Here T1 keeps
/// its work and is slashed. Safe behaviour: T1 is not penalised, or the creator pays.
#[test]
#[ignore = "known limit (docs/MODELS.md): one revealed junk commit forces a lone committer to leak or pay, for free"]
fn a_creators_sybil_cannot_force_a_lone_committer_to_leak_or_pay_for_free() {
	test(|| {
		register(CREATOR);
		let id = create(spec());
		let before = wealth(CREATOR);
		commit(id, T1, &result(1));
		System::set_block_number(job(id).commit_ends);
		commit(id, CREATOR, &result(9));
		to_reveals(id);
		reveal(id, CREATOR, result(9));
		to_due(id);
		assert_ok!(finalize(id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert!(
			bond(T1) == TRAINER_BOND || wealth(CREATOR) < before,
			"T1 paid {} for keeping its work; the creator paid {}",
			slashed(T1),
			before - wealth(CREATOR)
		);
	});
}

/// ATTACK (hide a losing result): once a result is verified, a trainer that committed
/// something else knows its reveal would be slashed `DissentSlash` (10%, in the runtime
/// too) and that not revealing costs only `UnrevealedSlash` (5% here, 2% in the runtime).
/// Every strategic dissenter hides: the dissent slash is only ever paid by honest
/// trainers that reveal before the outcome is known. Safe behaviour: hiding a result
/// after the verification costs at least as much as revealing it.
#[test]
#[ignore = "known limit (docs/MODELS.md): after verification, hiding a dissent costs less than revealing it"]
fn hiding_a_losing_result_after_verification_costs_no_less_than_revealing_it() {
	test(|| {
		let revealed = create(spec());
		let hidden = create(spec());
		for id in [revealed, hidden] {
			commit(id, T1, &result(1));
			commit(id, T2, &result(1));
		}
		commit(revealed, T3, &result(9));
		commit(hidden, T4, &result(9));
		for id in [revealed, hidden] {
			reveal(id, T1, result(1));
			reveal(id, T2, result(1));
			assert!(matches!(job(id).status, JobStatus::Verified(_)));
		}
		reveal(revealed, T3, result(9));
		to_due(hidden);
		for id in [revealed, hidden] {
			assert_ok!(finalize(id));
		}
		assert!(
			slashed(T4) >= slashed(T3),
			"hiding cost {}, revealing {}",
			slashed(T4),
			slashed(T3)
		);
	});
}

/// ATTACK (slot sniping with instant junk): slots are first come, first served, and
/// commits close once `max_attesters` committed. A junk commitment takes no training; an
/// honest one needs the whole run. T3 and T4 (k sybils) commit the same junk in the job's
/// first block; T1 trains and commits the real result later, taking the last slot. Junk
/// is 2 of 3 commits, a strict majority: it is verified, T3 and T4 take the bounty, and T1
/// is slashed for dissent. Only k sybil bonds (locked, not lost) are needed to take any
/// job with `max_attesters < 2k`, which every creator is allowed to choose.
/// Safe behaviour: junk committed before anyone could have trained is not verified and
/// the honest trainer is not slashed.
#[test]
#[ignore = "known limit (docs/MODELS.md): k sybils that commit junk first take the bounty of a max_attesters < 2k job"]
fn sybils_sniping_the_slots_with_instant_junk_cannot_take_the_bounty() {
	test(|| {
		let id = create(spec());
		commit(id, T3, &result(9));
		commit(id, T4, &result(9));
		System::set_block_number(job(id).commit_ends - 1); // T1's training took this long
		commit(id, T1, &result(1));
		for (who, n) in [(T3, 9), (T4, 9), (T1, 1)] {
			reveal(id, who, result(n));
		}
		to_due(id);
		assert_ok!(finalize(id));
		assert_ne!(
			Models::<Test>::get(0).map(|model| model.result.agreement_key()),
			Some(result(9).agreement_key()),
			"the sybils' junk was verified"
		);
		assert_eq!(bond(T1), TRAINER_BOND, "the one trainer that trained was slashed");
	});
}

/// ATTACK (state bloat for free): every job is kept forever with its snapshots, LoRA
/// settings and index entry, but a job that is cancelled (or expires) refunds its whole
/// bounty: the creator pays only the transaction fee for storage that is never freed. No
/// model refers to such a job. Safe behaviour: an ended job without a model is removed,
/// or its creator leaves a deposit for it.
#[test]
#[ignore = "known limit (docs/MODELS.md): cancelled and expired jobs stay in storage with no deposit"]
fn a_job_that_ended_without_a_model_is_not_stored_for_free() {
	test(|| {
		let before = wealth(CREATOR);
		let cancelled = create(spec());
		assert_ok!(ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), cancelled));
		let expired = create(spec());
		to_reveals(expired);
		assert_ok!(finalize(expired));
		let kept = [cancelled, expired].into_iter().filter(|id| Jobs::<Test>::contains_key(id));
		assert!(
			kept.count() == 0 || wealth(CREATOR) < before,
			"ended jobs kept in storage, paid for by no one"
		);
	});
}

// ---------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------

/// ATTACK (weight of a large k): `reveal_result`'s benchmark verifies with the smallest
/// majority at `MinAttestations` (9 of 16: 9 payouts, 7 earlier dissents slashed). A
/// creator may ask k = 15 of 16, so the verifying reveal pays 15 trainers and writes 15
/// trainer-index entries: more index entries than the benchmark (the proxy the first
/// red team used). What the weight must cover is every key written: a payout and a slash
/// each write three, so 15 + 1 writes as many as 9 + 7. Other shapes (no earlier
/// dissent, a late dissent on a verified job) write fewer.
/// Safe behaviour: no verifying reveal writes more keys than the benchmarked shape.
#[test]
fn a_verifying_reveal_writes_no_more_keys_than_its_benchmark_whatever_k() {
	/// `slots` trainers: `before` dissenters reveal, then `agreeing - 1` agree; the last
	/// agreeing reveal is measured.
	fn verifying(k: u32, before: u32, agreeing: u32) -> usize {
		keys_written(
			|| {
				let (id, trainers) = widest_job(k, MAX_ATTESTERS);
				let (agree, dissent) = trainers.split_at(agreeing as usize);
				for (n, who) in dissent.iter().enumerate() {
					commit(id, *who, &result(10 + n as u8));
				}
				for who in agree {
					commit(id, *who, &result(1));
				}
				for (n, who) in dissent.iter().take(before as usize).enumerate() {
					reveal(id, *who, result(10 + n as u8));
				}
				for who in &agree[..agree.len() - 1] {
					reveal(id, *who, result(1));
				}
				assert_eq!(job(id).status, JobStatus::Open);
				(id, *agree.last().unwrap())
			},
			|(id, last)| {
				reveal(id, last, result(1));
				assert_eq!(job(id).status, JobStatus::Verified(0));
			},
		)
	}
	let majority = MAX_ATTESTERS / 2 + 1;
	let benchmarked = verifying(2, MAX_ATTESTERS - majority, majority);
	let large_k = verifying(MAX_ATTESTERS - 1, 1, MAX_ATTESTERS - 1);
	let no_dissent = verifying(2, 0, majority);
	let late_dissent = keys_written(
		|| {
			let (id, trainers) = widest_job(2, MAX_ATTESTERS);
			for (n, who) in trainers.iter().enumerate() {
				let n = if n < majority as usize { 1 } else { n as u8 };
				commit(id, *who, &result(n));
			}
			for who in &trainers[..majority as usize] {
				reveal(id, *who, result(1));
			}
			(id, *trainers.last().unwrap())
		},
		|(id, last)| reveal(id, last, result(MAX_ATTESTERS as u8 - 1)),
	);
	for (shape, written) in
		[("k = 15", large_k), ("no dissent", no_dissent), ("late", late_dissent)]
	{
		assert!(written <= benchmarked, "{shape}: {written} keys written, {benchmarked} paid for");
	}
}

/// ATTACK (weight of a settlement): `finalize_job`'s benchmark settles 16 reveals where
/// half win at the deadline and the other half are lone dissents. Other mixes of the same
/// 16 commits: the losers never revealed (unrevealed instead of dissent slashes), nobody
/// revealed (16 slashes and a refund), a model verified early (payouts already made).
/// Safe behaviour: none writes more keys than the benchmarked shape.
#[test]
fn a_settlement_writes_no_more_keys_than_its_benchmark_whatever_the_mix() {
	/// `winners` reveal result 1, the next `losers` reveal lone results, the rest hide.
	fn settling(winners: usize, losers: usize) -> usize {
		keys_written(
			|| {
				let (id, trainers) = widest_job(2, MAX_ATTESTERS);
				let results: Vec<AttestedResult> = (0..trainers.len())
					.map(|n| if n < winners { result(1) } else { result(10 + n as u8) })
					.collect();
				for (who, result) in trainers.iter().zip(&results) {
					commit(id, *who, result);
				}
				for (who, result) in trainers.iter().zip(&results).take(winners + losers) {
					reveal(id, *who, result.clone());
				}
				to_due(id);
				id
			},
			|id| {
				assert_ok!(finalize(id));
			},
		)
	}
	let half = MAX_ATTESTERS as usize / 2;
	let benchmarked = settling(half, half);
	for (shape, written) in [
		("losers hid", settling(half, 0)),
		("nobody revealed", settling(0, 0)),
		("verified early", settling(half + 1, 0)),
		("all lone", settling(0, MAX_ATTESTERS as usize)),
	] {
		assert!(written <= benchmarked, "{shape}: {written} keys written, {benchmarked} paid for");
	}
}

// ---------------------------------------------------------------------------------------
// Lineage and snapshots
// ---------------------------------------------------------------------------------------

/// ATTACK (lineage): a refine of a refine must name its immediate parent and the root's
/// base, and no job may refine a model that does not exist yet (the next model id, which
/// a pending job would create) so as to forge a cycle or a forward reference.
#[test]
fn a_refine_of_a_refine_names_its_parent_and_no_future_model() {
	test(|| {
		verified_job(); // model 0
		let mut ahead = spec();
		ahead.source = ModelSource::Refine(NextModelId::<Test>::get());
		assert_noop!(
			ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), ahead),
			Error::<Test>::ModelNotFound
		);
		let mut parent = 0;
		for (n, pair) in [(2u8, [T3, T4]), (3, [T1, T2])] {
			let mut refine = spec();
			refine.source = ModelSource::Refine(parent);
			let id = create(refine);
			assert_eq!(job(id).parent, Some(parent));
			for who in pair {
				commit(id, who, &result(n));
			}
			to_reveals(id);
			for who in pair {
				reveal(id, who, result(n));
			}
			let JobStatus::Verified(model) = job(id).status else { panic!("not verified") };
			let stored = Models::<Test>::get(model).unwrap();
			assert_eq!((stored.parent, stored.base), (Some(parent), SMOL));
			parent = model;
		}
		assert_eq!(parent, 2);
	});
}

/// ATTACK (moving dataset): files are accepted into TEXT while a job on it runs, hoping
/// the model is recorded on the grown log (data it was not trained on) or that its
/// snapshot stops being valid (`try_state` fails). The job keeps the snapshot taken at
/// creation, which stays a prefix of the log; a job created afterwards takes the new one.
#[test]
fn a_datanet_growing_during_a_job_leaves_its_snapshot_valid() {
	test(|| {
		let id = create(spec());
		let taken = job(id).snapshots[0];
		assert_eq!(taken.count, 5);
		accept_files(TEXT, 2);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		to_reveals(id);
		reveal(id, T1, result(1));
		accept_files(TEXT, 1);
		reveal(id, T2, result(1));
		assert_eq!(Models::<Test>::get(0).unwrap().snapshots[0], taken);
		assert!(<Test as Config>::Datasets::is_snapshot(&taken));
		let later = create(spec());
		assert_eq!(job(later).snapshots[0].count, 8);
		assert_ne!(job(later).snapshots[0].head, taken.head);
	});
}
