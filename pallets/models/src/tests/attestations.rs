use super::*;
use frame_support::{assert_noop, assert_ok};

#[test]
fn commit_records_a_sealed_attestation() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		let attestation = Attestations::<Test>::get(id, T1).unwrap();
		assert_eq!(attestation.commitment, commitment(id, &result(1), &salt(T1), &T1));
		assert_eq!(attestation.revealed, None);
		assert_eq!((job(id).commits, Trainers::<Test>::get(T1).unwrap().open_commitments), (1, 1));
		System::assert_last_event(Event::ResultCommitted { job: id, trainer: T1 }.into());
	});
}

#[test]
fn commit_errors() {
	test(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			ModelFactory::commit_result(signed(T1), 9, [0; 32]),
			Error::<Test>::JobNotFound
		);
		let id = create(spec());
		assert_noop!(
			ModelFactory::commit_result(signed(OUTSIDER), id, [0; 32]),
			Error::<Test>::NotTrainer
		);
		commit(id, T1, &result(1));
		assert_noop!(
			ModelFactory::commit_result(signed(T1), id, [0; 32]),
			Error::<Test>::AlreadyCommitted
		);
		to_reveals(id);
		assert_noop!(
			ModelFactory::commit_result(signed(T2), id, [0; 32]),
			Error::<Test>::CommitsClosed
		);

		// Capabilities.
		let mut gpt2_only = capabilities(1_000_000_000);
		gpt2_only.families = BoundedVec::truncate_from(vec![ModelFamily::Gpt2]);
		assert_ok!(ModelFactory::register_trainer(signed(OUTSIDER), 600, gpt2_only));
		let id = create(spec());
		assert_noop!(
			ModelFactory::commit_result(signed(OUTSIDER), id, [0; 32]),
			Error::<Test>::FamilyNotSupported
		);
		let mut big = spec();
		big.source = ModelSource::Base(BIG);
		let big = create(big);
		assert_noop!(
			ModelFactory::commit_result(signed(T1), big, [0; 32]),
			Error::<Test>::ModelTooLarge
		);
		let mut fast = spec();
		fast.determinism = DeterminismClass::Fast;
		let fast = create(fast);
		assert_noop!(
			ModelFactory::commit_result(signed(T1), fast, [0; 32]),
			Error::<Test>::DeterminismNotSupported
		);

		// Cancelled.
		let cancelled = create(spec());
		assert_ok!(ModelFactory::cancel_job(signed(CREATOR), cancelled));
		assert_noop!(
			ModelFactory::commit_result(signed(T1), cancelled, [0; 32]),
			Error::<Test>::JobNotOpen
		);
	});
}

#[test]
fn commits_close_and_reveals_open_once_max_attesters_committed() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T1), id, result(1), salt(T1)),
			Error::<Test>::RevealNotOpen
		);
		commit(id, T3, &result(1));
		assert_noop!(
			ModelFactory::commit_result(RuntimeOrigin::signed(T4), id, [0; 32]),
			Error::<Test>::CommitsClosed
		);
		// Still inside the commit period, reveals are open.
		reveal(id, T1, result(1));
	});
}

#[test]
fn k_agreeing_reveals_verify_the_model_and_pay_the_bounty_exactly() {
	test(|| {
		let mut odd = spec();
		odd.bounty = 1_001; // does not split evenly
		let id = create(odd);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		to_reveals(id);
		let before = (free(T1), free(T2), free(CREATOR));
		reveal(id, T1, result(1));
		assert_eq!(job(id).status, JobStatus::Open);
		reveal(id, T2, result(1));
		assert_eq!(job(id).status, JobStatus::Verified(0));
		let paid = (free(T1) - before.0, free(T2) - before.1);
		assert_eq!(paid.0 + paid.1, 1_001);
		assert!(paid.0.abs_diff(paid.1) <= 1);
		assert_eq!(free(CREATOR), before.2);
		assert_eq!((bond(T1), bond(T2)), (TRAINER_BOND, TRAINER_BOND));

		let model = Models::<Test>::get(0).unwrap();
		assert_eq!((model.job, model.base, model.parent), (id, SMOL, None));
		assert_eq!(model.result, result(1));
		assert_eq!(model.snapshots, job(id).snapshots);
		assert_eq!(model.hyper, hyper());
		let mut attesters = model.attesters.to_vec();
		attesters.sort();
		assert_eq!(attesters, vec![T1, T2]);
		System::assert_has_event(
			Event::ModelVerified { model: 0, job: id, model_hash: [1; 32] }.into(),
		);
		assert_eq!(ModelIndexCount::<Test>::get(ModelFilter::Trainer(T1)), 1);
		assert_eq!(ModelIndexCount::<Test>::get(ModelFilter::Datanet(TEXT)), 1);

		// Settlement after the deadline: nothing more moves.
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Verified(0));
		assert!(job(id).settled);
		assert_eq!(Attestations::<Test>::iter_prefix(id).count(), 0);
	});
}

#[test]
fn a_dissenting_trainer_is_slashed() {
	test(|| {
		// Two of four agree: no majority, so the deadline decides; both others dissent.
		let mut four = spec();
		four.max_attesters = 4;
		let id = create(four);
		for who in [T1, T2] {
			commit(id, who, &result(1));
		}
		commit(id, T3, &result(3));
		commit(id, T4, &result(4));
		let (creator, issuance) = (free(CREATOR), Balances::total_issuance());
		for (who, n) in [(T3, 3), (T1, 1), (T2, 1), (T4, 4)] {
			reveal(id, who, result(n));
		}
		assert_eq!(job(id).status, JobStatus::Open);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Verified(0));
		let dissent = MIN_TRAINER_BOND / 10;
		assert_eq!((bond(T3), bond(T4)), (TRAINER_BOND - dissent, TRAINER_BOND - dissent));
		System::assert_has_event(
			Event::TrainerSlashed {
				job: id,
				trainer: T3,
				amount: dissent,
				reason: SlashReason::Dissent,
			}
			.into(),
		);
		// Burnt: the creator gains nothing from a slash.
		assert_eq!(free(CREATOR), creator);
		assert_eq!(Balances::total_issuance(), issuance - 2 * dissent);

		// A dissent revealed after an early (majority) verification; an attribution root alone
		// is a dissent too.
		let id = create(spec());
		let mut other_root = result(1);
		other_root.attribution_root = [0xee; 32];
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		commit(id, T3, &other_root);
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		assert_eq!(job(id).status, JobStatus::Verified(1));
		reveal(id, T3, other_root);
		assert_eq!(bond(T3), TRAINER_BOND - 2 * dissent);
	});
}

#[test]
fn the_largest_group_wins_at_the_deadline_and_a_tie_fails() {
	test(|| {
		// 2 + 1 + 1 of 4 (k = 2): the pair wins at the deadline.
		let mut four = spec();
		four.max_attesters = 4;
		let id = create(four.clone());
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3), (T4, 4)] {
			commit(id, who, &result(n));
		}
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3), (T4, 4)] {
			reveal(id, who, result(n));
		}
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(Models::<Test>::get(0).unwrap().result, result(1));
		// 2 + 2 of 4: a tie, no model, the bounty back.
		let id = create(four);
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3), (T4, 3)] {
			commit(id, who, &result(n));
		}
		for (who, n) in [(T1, 1), (T2, 1), (T3, 3), (T4, 3)] {
			reveal(id, who, result(n));
		}
		let creator = free(CREATOR);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert_eq!(free(CREATOR), creator + BOUNTY);
	});
}

#[test]
fn an_agreeing_late_reveal_is_neither_paid_nor_slashed() {
	test(|| {
		let id = create(spec());
		for who in [T1, T2, T3] {
			commit(id, who, &result(1));
		}
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		let before = free(T3);
		reveal(id, T3, result(1));
		assert_eq!((free(T3), bond(T3)), (before, TRAINER_BOND));
		assert_eq!(Models::<Test>::get(0).unwrap().attesters.len(), 2);
	});
}

#[test]
fn an_unrevealed_commit_is_penalised() {
	test(|| {
		let unrevealed = MIN_TRAINER_BOND / 20;
		let id = create(spec());
		for who in [T1, T2, T3] {
			commit(id, who, &result(1));
		}
		reveal(id, T1, result(1));
		reveal(id, T2, result(1));
		let creator = free(CREATOR);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(bond(T3), TRAINER_BOND - unrevealed);
		assert_eq!(free(CREATOR), creator);
		System::assert_has_event(
			Event::TrainerSlashed {
				job: id,
				trainer: T3,
				amount: unrevealed,
				reason: SlashReason::Unrevealed,
			}
			.into(),
		);
		// Penalised in a failed job too, when k commits made an agreement possible.
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		to_reveals(id);
		reveal(id, T1, result(1));
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Failed);
		assert_eq!(bond(T2), TRAINER_BOND - unrevealed);
		assert_eq!(bond(T1), TRAINER_BOND);
	});
}

#[test]
fn with_fewer_commits_than_k_not_revealing_costs_nothing() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!((job(id).status, bond(T1)), (JobStatus::Failed, TRAINER_BOND));
	});
}

#[test]
fn a_bond_backs_one_open_commitment_per_minimum_bond() {
	test(|| {
		assert_ok!(ModelFactory::register_trainer(
			RuntimeOrigin::signed(OUTSIDER),
			2 * MIN_TRAINER_BOND,
			capabilities(1_000_000_000)
		));
		let jobs: Vec<JobId> = (0..3).map(|_| create(spec())).collect();
		commit(jobs[0], OUTSIDER, &result(1));
		commit(jobs[1], OUTSIDER, &result(1));
		assert_noop!(
			ModelFactory::commit_result(RuntimeOrigin::signed(OUTSIDER), jobs[2], [0; 32]),
			Error::<Test>::BondFullyCommitted
		);
	});
}

#[test]
fn reveal_errors() {
	test(|| {
		let signed = RuntimeOrigin::signed;
		assert_noop!(
			ModelFactory::reveal_result(signed(T1), 9, result(1), salt(T1)),
			Error::<Test>::JobNotFound
		);
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		assert_noop!(
			ModelFactory::reveal_result(signed(T1), id, result(1), salt(T1)),
			Error::<Test>::RevealNotOpen
		);
		to_reveals(id);
		assert_noop!(
			ModelFactory::reveal_result(signed(T3), id, result(1), salt(T3)),
			Error::<Test>::NotCommitted
		);
		assert_noop!(
			ModelFactory::reveal_result(signed(T1), id, result(2), salt(T1)),
			Error::<Test>::CommitmentMismatch
		);
		assert_noop!(
			ModelFactory::reveal_result(signed(T1), id, result(1), salt(T2)),
			Error::<Test>::CommitmentMismatch
		);
		reveal(id, T1, result(1));
		assert_noop!(
			ModelFactory::reveal_result(signed(T1), id, result(1), salt(T1)),
			Error::<Test>::AlreadyRevealed
		);
		to_due(id);
		assert_noop!(
			ModelFactory::reveal_result(signed(T2), id, result(1), salt(T2)),
			Error::<Test>::RevealPeriodOver
		);
		assert_ok!(ModelFactory::finalize_job(signed(OTHER), id));
		assert_noop!(
			ModelFactory::reveal_result(signed(T2), id, result(1), salt(T2)),
			Error::<Test>::JobNotOpen
		);
	});
}

#[test]
fn a_result_with_an_invalid_cid_is_refused() {
	test(|| {
		let id = create(spec());
		let mut bad_cid = result(1);
		bad_cid.adapter_cid = BoundedVec::truncate_from(vec![1, 2, 3]);
		commit(id, T1, &bad_cid);
		commit(id, T2, &result(1));
		to_reveals(id);
		assert_noop!(
			ModelFactory::reveal_result(RuntimeOrigin::signed(T1), id, bad_cid, salt(T1)),
			Error::<Test>::InvalidCid
		);
	});
}
