use super::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use openledger_primitives::dataset::DatasetSnapshots;

fn escrow(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::ModelFactory(HoldReason::JobBounty), &who)
}

#[test]
fn create_takes_snapshots_and_escrows_the_bounty() {
	test(|| {
		let mut two = spec();
		two.datanets = BoundedVec::truncate_from(vec![TEXT, CODE]);
		let id = create(two);
		let job = job(id);
		let snapshots: Vec<_> =
			[TEXT, CODE].iter().map(|d| TestDatasets::current_snapshot(*d).unwrap()).collect();
		assert_eq!(job.snapshots.to_vec(), snapshots);
		assert_eq!((snapshots[0].count, snapshots[1].count), (5, 3));
		assert_eq!(
			(job.base, job.parent, job.status, job.settled),
			(SMOL, None, JobStatus::Open, false)
		);
		assert_eq!(
			(job.commit_ends, job.reveal_ends),
			(1 + COMMIT_PERIOD, 1 + COMMIT_PERIOD + REVEAL_PERIOD)
		);
		assert_eq!(escrow(CREATOR), BOUNTY);
		assert_eq!(JobIndexCount::<Test>::get(JobStatusKind::Open), 1);
		System::assert_last_event(
			Event::JobCreated { job: id, creator: CREATOR, bounty: BOUNTY }.into(),
		);
		// Later acceptances do not move the job's snapshot.
		accept_files(TEXT, 2);
		assert_eq!(self::job(id).snapshots[0].count, 5);
	});
}

/// A held-out eval datanet: its snapshot is the job's eval set, and later acceptances do
/// not move it; a job without one keeps the split of its training data.
#[test]
fn an_eval_datanet_is_snapshotted_as_the_eval_set() {
	test(|| {
		assert_eq!(job(create(spec())).eval, None);
		let mut held_out = spec();
		held_out.eval_datanet = Some(CODE);
		held_out.hyper.eval_fraction = Perbill::zero();
		let id = create(held_out);
		let snapshot = TestDatasets::current_snapshot(CODE).unwrap();
		assert_eq!(job(id).eval, Some(snapshot));
		assert_eq!(job(id).snapshots.iter().map(|s| s.datanet).collect::<Vec<_>>(), [TEXT]);
		accept_files(CODE, 2);
		assert_eq!(job(id).eval, Some(snapshot));
	});
}

#[test]
fn refine_records_the_parent() {
	test(|| {
		verified_job();
		let mut refine = spec();
		refine.source = ModelSource::Refine(0);
		refine.datanets = BoundedVec::truncate_from(vec![CODE]);
		let id = create(refine);
		assert_eq!((job(id).base, job(id).parent), (SMOL, Some(0)));
		commit(id, T3, &result(7));
		commit(id, T4, &result(7));
		to_reveals(id);
		reveal(id, T3, result(7));
		reveal(id, T4, result(7));
		let model = Models::<Test>::get(1).unwrap();
		assert_eq!((model.parent, model.base, model.job), (Some(0), SMOL, id));
		assert_eq!(model.snapshots[0].datanet, CODE);
	});
}

#[test]
fn creation_errors_each_have_their_own() {
	test(|| {
		let refused = |edit: &dyn Fn(&mut JobSpecOf<Test>), error: Error<Test>| {
			let mut job = spec();
			edit(&mut job);
			assert_noop!(ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), job), error);
		};
		fn with_lora(edit: fn(&mut LoraSettings)) -> impl Fn(&mut JobSpecOf<Test>) {
			move |job| {
				let mut settings = lora();
				edit(&mut settings);
				job.method = TrainingMethod::Lora(settings);
			}
		}
		refused(&|j| j.source = ModelSource::Base(9), Error::BaseModelNotFound);
		refused(&|j| j.source = ModelSource::Refine(9), Error::ModelNotFound);
		refused(&|j| j.datanets.clear(), Error::NoDatanets);
		refused(
			&|j| j.datanets = BoundedVec::truncate_from(vec![TEXT, TEXT]),
			Error::DuplicateDatanet,
		);
		refused(&|j| j.datanets = BoundedVec::truncate_from(vec![7]), Error::DatanetNotFound);
		refused(&|j| j.datanets = BoundedVec::truncate_from(vec![EMPTY]), Error::EmptyDataset);
		refused(&with_lora(|l| l.rank = 0), Error::InvalidLoraRank);
		refused(&with_lora(|l| l.alpha = 0), Error::InvalidLoraAlpha);
		refused(
			&with_lora(|l| {
				l.target_modules =
					BoundedVec::truncate_from(vec![BoundedVec::truncate_from(b"Q-proj".to_vec())])
			}),
			Error::InvalidTargetModule,
		);
		refused(
			&with_lora(|l| {
				let q: ModuleName = BoundedVec::truncate_from(b"q_proj".to_vec());
				l.target_modules = BoundedVec::truncate_from(vec![q.clone(), q]);
			}),
			Error::DuplicateTargetModule,
		);
		refused(
			&|j| j.method = TrainingMethod::Qlora { lora: lora(), bits: 3 },
			Error::InvalidQuantBits,
		);
		refused(&|j| j.hyper.learning_rate = FixedU64::from_u32(0), Error::InvalidLearningRate);
		refused(
			&|j| j.hyper.learning_rate = FixedU64::from_rational(3, 2),
			Error::InvalidLearningRate,
		);
		refused(&|j| j.hyper.batch_size = 0, Error::InvalidBatchSize);
		refused(&|j| j.hyper.gradient_accumulation = 0, Error::InvalidGradientAccumulation);
		refused(&|j| j.hyper.length = TrainingLength::Steps(0), Error::InvalidTrainingLength);
		refused(&|j| j.hyper.length = TrainingLength::Epochs(1001), Error::InvalidTrainingLength);
		refused(&|j| j.hyper.sequence_length = 1, Error::InvalidSequenceLength);
		refused(&|j| j.hyper.warmup_steps = 101, Error::WarmupTooLong);
		refused(&|j| j.hyper.eval_fraction = Perbill::zero(), Error::InvalidEvalFraction);
		refused(&|j| j.hyper.eval_fraction = Perbill::from_percent(51), Error::InvalidEvalFraction);
		let eval_on = |datanet: u32| {
			move |j: &mut JobSpecOf<Test>| {
				j.eval_datanet = Some(datanet);
				j.hyper.eval_fraction = Perbill::zero();
			}
		};
		refused(
			&|j| {
				eval_on(CODE)(j);
				j.hyper.eval_fraction = Perbill::from_percent(5);
			},
			Error::EvalFractionWithEvalDatanet,
		);
		refused(&eval_on(TEXT), Error::EvalDatanetTrainedOn);
		refused(&eval_on(7), Error::DatanetNotFound);
		refused(&eval_on(EMPTY), Error::EmptyDataset);
		refused(&|j| j.bounty = MIN_BOUNTY - 1, Error::BountyTooLow);
		refused(&|j| j.attestations = 1, Error::TooFewAttestations);
		refused(&|j| j.max_attesters = 2, Error::InvalidMaxAttesters);
		refused(&|j| j.max_attesters = MAX_ATTESTERS + 1, Error::InvalidMaxAttesters);
		refused(&|j| j.commit_period = MIN_PERIOD - 1, Error::InvalidCommitPeriod);
		refused(&|j| j.commit_period = 101, Error::InvalidCommitPeriod);
		refused(&|j| j.reveal_period = MIN_PERIOD - 1, Error::InvalidRevealPeriod);
		refused(&|j| j.reveal_period = 101, Error::InvalidRevealPeriod);
		assert_noop!(
			ModelFactory::create_job(RuntimeOrigin::signed(PAUPER), spec()),
			Error::<Test>::InsufficientBalance
		);
	});
}

/// The v1 migration appends `None` to each v0 job: the same job, with the eval split of its
/// training data.
#[test]
fn migration_to_v1_gives_v0_jobs_no_eval_datanet() {
	use crate::migrations::v1::{v0_job, MigrateV0ToV1};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};
	test(|| {
		let (first, second) = (create(spec()), create(spec()));
		let jobs = [job(first), job(second)];
		// Back to a v0 chain: each job's encoding without its last byte (`eval: None`).
		for id in [first, second] {
			let mut bytes = v0_job::<Test>(id).unwrap();
			assert_eq!(bytes.pop(), Some(0));
			unhashed::put_raw(&Jobs::<Test>::hashed_key_for(id), &bytes);
		}
		StorageVersion::new(0).put::<ModelFactory>();
		assert_eq!(Jobs::<Test>::get(first), None, "v0 jobs do not decode");

		#[cfg(feature = "try-runtime")]
		MigrateV0ToV1::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(ModelFactory::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!([job(first), job(second)], jobs);

		// Run again, it does nothing: the version is checked.
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!([job(first), job(second)], jobs);
	});
}

#[test]
fn qlora_and_epochs_are_accepted() {
	test(|| {
		let mut job = spec();
		job.method = TrainingMethod::Qlora { lora: lora(), bits: 4 };
		job.hyper.length = TrainingLength::Epochs(2);
		job.hyper.warmup_steps = 1_000; // epochs: the step count is the trainer's to derive
		create(job);
	});
}

#[test]
fn cancel_refunds_before_the_first_commit() {
	test(|| {
		let id = create(spec());
		assert_ok!(ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), id));
		assert_eq!((job(id).status, job(id).settled), (JobStatus::Cancelled, true));
		assert_eq!((escrow(CREATOR), free(CREATOR)), (0, INITIAL_BALANCE));
		System::assert_last_event(Event::JobCancelled { job: id }.into());
	});
}

#[test]
fn cancel_errors() {
	test(|| {
		assert_noop!(
			ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), 5),
			Error::<Test>::JobNotFound
		);
		let id = create(spec());
		assert_noop!(
			ModelFactory::cancel_job(RuntimeOrigin::signed(OTHER), id),
			Error::<Test>::NotJobCreator
		);
		commit(id, T1, &result(1));
		assert_noop!(
			ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), id),
			Error::<Test>::JobHasCommits
		);
		let other = create(spec());
		assert_ok!(ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), other));
		assert_noop!(
			ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), other),
			Error::<Test>::JobNotOpen
		);
	});
}

#[test]
fn a_job_without_commits_expires_with_a_refund() {
	test(|| {
		let id = create(spec());
		assert_noop!(
			ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id),
			Error::<Test>::JobNotDue
		);
		to_reveals(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!(job(id).status, JobStatus::Expired);
		assert_eq!((escrow(CREATOR), free(CREATOR)), (0, INITIAL_BALANCE));
		System::assert_last_event(Event::JobExpired { job: id }.into());
		assert_noop!(
			ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id),
			Error::<Test>::AlreadySettled
		);
	});
}

#[test]
fn finalize_errors() {
	test(|| {
		assert_noop!(
			ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), 3),
			Error::<Test>::JobNotFound
		);
		let id = create(spec());
		commit(id, T1, &result(1));
		to_reveals(id);
		// Commits, so due only after the reveal deadline.
		assert_noop!(
			ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id),
			Error::<Test>::JobNotDue
		);
	});
}

#[test]
fn a_job_without_agreement_fails_and_refunds() {
	test(|| {
		let id = create(spec());
		commit(id, T1, &result(1));
		commit(id, T2, &result(2));
		to_reveals(id);
		reveal(id, T1, result(1));
		reveal(id, T2, result(2));
		assert_eq!(job(id).status, JobStatus::Open);
		to_due(id);
		assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
		assert_eq!((job(id).status, job(id).settled), (JobStatus::Failed, true));
		assert_eq!((escrow(CREATOR), free(CREATOR)), (0, INITIAL_BALANCE));
		// Nothing verified: revealed results disagree with nothing, no one is slashed.
		assert_eq!((bond(T1), bond(T2)), (TRAINER_BOND, TRAINER_BOND));
		System::assert_has_event(Event::JobFailed { job: id }.into());
		assert_eq!(NextModelId::<Test>::get(), 0);
	});
}

#[test]
fn id_overflow_is_refused_and_changes_nothing() {
	test(|| {
		NextJobId::<Test>::put(JobId::MAX);
		assert_noop!(
			ModelFactory::create_job(RuntimeOrigin::signed(CREATOR), spec()),
			Error::<Test>::Overflow
		);
		NextBaseModelId::<Test>::put(BaseModelId::MAX);
		assert_noop!(
			ModelFactory::register_base_model(
				RuntimeOrigin::root(),
				BoundedVec::truncate_from(b"x".to_vec()),
				ModelFamily::Gpt2,
				BoundedVec::truncate_from(openledger_primitives::cid::to_text(&binary_cid(3))),
				[0; 32],
				[0; 32],
				BoundedVec::truncate_from(b"MIT".to_vec()),
				1,
			),
			Error::<Test>::Overflow
		);
	});
}
