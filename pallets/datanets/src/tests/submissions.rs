use super::*;
use crate::{
	cid, AccountUsage, CapOverrides, ContributorStatsOf, DailyUsage, Error, Event, GlobalStats,
	ReservationQueue, Reservations, SubmissionByCid, SubmissionStatus, Submissions,
};
use frame_support::assert_noop;

/// `ipfs add` of "hello world\n" with defaults (CIDv0, dag-pb), and the same as CIDv1.
const HELLO_V0: &[u8] = b"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const HELLO_V0_AS_V1: &[u8] = b"bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby";
/// "hello world\n" as `ipfs add --cid-version=1` gives it: the canonical form (12 bytes).
const HELLO_RAW_V1: &[u8] = b"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
const TODAY: u32 = (START_MS / DAY_MS) as u32;
/// One byte over the largest file a raw CID can name.
const OVER_ONE_CHUNK: u64 = cid::CANONICAL_CHUNK_BYTES + 1;

/// A distinct canonical CIDv1 text (dag-pb, sha2-256) for each `n`, for files larger than
/// one 256 KiB chunk.
fn large_cid_text(n: u32) -> Vec<u8> {
	let mut binary = vec![0x01, 0x70, 0x12, 0x20];
	binary.extend_from_slice(&sp_io::hashing::sha2_256(&n.to_le_bytes()));
	cid::to_text(&binary)
}

fn reservation_of(who: AccountId, datanet: u32, text: &[u8]) -> [u8; 32] {
	crate::reservation(datanet, &canonical(text), &who)
}

/// Reserves the CID `text` for `who` on `datanet` and moves to the next block.
fn reserve_cid(who: AccountId, datanet: u32, text: &[u8]) {
	assert_ok!(Datanets::reserve(
		RuntimeOrigin::signed(who),
		vec![reservation_of(who, datanet, text)]
	));
	run_to_block(System::block_number() + 1);
}

fn submit_cid(
	who: AccountId,
	datanet: u32,
	text: &[u8],
	bytes: u64,
	format: FileFormat,
) -> DispatchResult {
	Datanets::submit(RuntimeOrigin::signed(who), datanet, text.to_vec(), bytes, format)
}

/// Reserves, moves a block and submits a file larger than one chunk.
fn submit_large(who: AccountId, datanet: u32, n: u32, bytes: u64, format: FileFormat) {
	reserve_cid(who, datanet, &large_cid_text(n));
	assert_ok!(submit_cid(who, datanet, &large_cid_text(n), bytes, format));
}

/// Reserves file `n` and moves a block, for a `submit_reserved` that is then refused.
fn reserved(who: AccountId, datanet: u32, n: u32) {
	assert_ok!(reserve(who, datanet, n));
	run_to_block(System::block_number() + 1);
}

#[test]
fn submit_records_a_pending_submission_and_holds_its_deposit() {
	test(|| {
		reserve_cid(ALICE, TEXT, HELLO_RAW_V1);
		let now = System::block_number();
		assert_ok!(submit_cid(ALICE, TEXT, HELLO_RAW_V1, 12, FileFormat::Txt));
		let submission = Submissions::<Test>::get(0).unwrap();
		assert_eq!(submission.contributor, ALICE);
		assert_eq!(submission.cid, canonical(HELLO_RAW_V1));
		assert_eq!((submission.bytes, submission.format), (12, FileFormat::Txt));
		assert_eq!(
			(submission.submitted_at, submission.commit_ends, submission.reveal_ends),
			(now, now + COMMIT_PERIOD, now + COMMIT_PERIOD + REVEAL_PERIOD)
		);
		assert_eq!(submission.status, SubmissionStatus::Pending);
		assert_eq!(submission.stake_snapshot, 3 * GENESIS_BOND);
		assert!(!submission.settled);
		// The deposit: a base and a part per declared byte.
		let deposit = DEPOSIT_BASE + DEPOSIT_PER_BYTE * 12;
		assert_eq!(Datanets::submission_deposit(12), deposit);
		assert_eq!(submission.deposit, deposit);
		assert_eq!(held(ALICE), deposit);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE - deposit);
		assert_eq!(SubmissionByCid::<Test>::get(TEXT, canonical(HELLO_RAW_V1)), Some(0));
		assert_eq!(ContributorStatsOf::<Test>::get(TEXT, ALICE).submitted, 1);
		assert_eq!(GlobalStats::<Test>::get(ALICE).submitted, 1);
		assert_eq!(
			AccountUsage::<Test>::get(ALICE),
			DailyUsage { day: TODAY, bytes: 12, files: 1 }
		);
		// The reservation was used up.
		assert!(!Reservations::<Test>::contains_key(
			ALICE,
			reservation_of(ALICE, TEXT, HELLO_RAW_V1)
		));
		assert_eq!(ReservationQueue::<Test>::iter_keys().count(), 0);
		System::assert_last_event(
			Event::Submitted {
				submission: 0,
				datanet: TEXT,
				contributor: ALICE,
				cid: canonical(HELLO_RAW_V1),
				bytes: 12,
				format: FileFormat::Txt,
				deposit,
				commit_ends: now + COMMIT_PERIOD,
				reveal_ends: now + COMMIT_PERIOD + REVEAL_PERIOD,
			}
			.into(),
		);
		// The deposit comes back when the votes are settled.
		to_settlement(0);
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn a_cid_v0_and_its_v1_form_are_one_file() {
	test(|| {
		// A CIDv0 names a dag-pb root: canonical for a file of more than one chunk.
		reserve_cid(ALICE, TEXT, HELLO_V0);
		assert_ok!(submit_cid(ALICE, TEXT, HELLO_V0, OVER_ONE_CHUNK, FileFormat::Txt));
		assert_eq!(submission(0).cid, canonical(HELLO_V0_AS_V1));
		reserve_cid(ZOE, TEXT, HELLO_V0_AS_V1);
		assert_noop!(
			submit_cid(ZOE, TEXT, HELLO_V0_AS_V1, OVER_ONE_CHUNK, FileFormat::Md),
			Error::<Test>::DuplicateCid
		);
		// The same content may go to another datanet of the same modality.
		assert_ok!(Datanets::create_datanet(
			RuntimeOrigin::signed(ZOE),
			b"More text".to_vec(),
			vec![],
			crate::Modality::Text,
			CapOverrides::default(),
			default_voting(),
			0
		));
		reserve_cid(ZOE, 3, HELLO_V0_AS_V1);
		assert_ok!(submit_cid(ZOE, 3, HELLO_V0_AS_V1, OVER_ONE_CHUNK, FileFormat::Md));
	});
}

#[test]
fn only_the_canonical_cid_of_a_file_is_taken() {
	test(|| {
		// A CIDv0 (dag-pb leaves) for a file of one chunk: `ipfs add` without
		// `--cid-version=1`.
		reserve_cid(ALICE, TEXT, HELLO_V0);
		assert_noop!(
			submit_cid(ALICE, TEXT, HELLO_V0, 12, FileFormat::Txt),
			Error::<Test>::CidNotCanonical
		);
		// A raw CID cannot name a file of more than one chunk.
		reserved(ALICE, TEXT, 1);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, OVER_ONE_CHUNK, FileFormat::Txt),
			Error::<Test>::CidNotCanonical
		);
		// The same CIDs with the sizes they can name are taken.
		assert_ok!(submit_reserved(ALICE, TEXT, 1, cid::CANONICAL_CHUNK_BYTES, FileFormat::Txt));
		assert_ok!(submit_cid(ALICE, TEXT, HELLO_V0, OVER_ONE_CHUNK, FileFormat::Txt));
	});
}

#[test]
fn each_format_is_accepted_only_by_its_modality() {
	test(|| {
		let mut n = 0;
		for format in FileFormat::ALL {
			for (datanet, modality) in [
				(TEXT, crate::Modality::Text),
				(IMAGE, crate::Modality::Image),
				(AUDIO, crate::Modality::Audio),
			] {
				n += 1;
				if format.modality() == modality {
					assert_ok!(submit(ZOE, datanet, n, 1, format));
				} else {
					reserved(ZOE, datanet, n);
					assert_noop!(
						submit_reserved(ZOE, datanet, n, 1, format),
						Error::<Test>::FormatNotInModality
					);
				}
			}
		}
		assert_eq!(GlobalStats::<Test>::get(ZOE).submitted, 12);
	});
}

#[test]
fn submit_refuses_bad_input() {
	test(|| {
		let origin = || RuntimeOrigin::signed(ALICE);
		reserved(ALICE, 9, 1);
		assert_noop!(
			submit_reserved(ALICE, 9, 1, 1, FileFormat::Txt),
			Error::<Test>::DatanetNotFound
		);
		let mut too_long = HELLO_RAW_V1.to_vec();
		too_long.resize(129, b'a');
		assert_noop!(
			Datanets::submit(origin(), TEXT, too_long, 1, FileFormat::Txt),
			Error::<Test>::CidTooLong
		);
		for invalid in [&b"not a cid"[..], b"", b"bafy", &HELLO_V0[..45]] {
			assert_noop!(
				Datanets::submit(origin(), TEXT, invalid.to_vec(), 1, FileFormat::Txt),
				Error::<Test>::InvalidCid
			);
		}
		reserved(ALICE, TEXT, 1);
		assert_noop!(submit_reserved(ALICE, TEXT, 1, 0, FileFormat::Txt), Error::<Test>::EmptyFile);
		reserve_cid(ALICE, TEXT, &large_cid_text(2));
		assert_noop!(
			submit_cid(ALICE, TEXT, &large_cid_text(2), 10 * MIB + 1, FileFormat::Txt),
			Error::<Test>::FileTooLarge
		);
		let small_files = CapOverrides { max_file_bytes: Some(100), daily_bytes_per_account: None };
		assert_ok!(Datanets::lower_caps(RuntimeOrigin::signed(OWNER), TEXT, small_files));
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, 101, FileFormat::Txt),
			Error::<Test>::FileTooLarge
		);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 100, FileFormat::Txt));
		reserved(ZOE, TEXT, 1);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 100, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
	});
}

#[test]
fn reserve_takes_one_to_max_reservations() {
	test(|| {
		let origin = || RuntimeOrigin::signed(ALICE);
		assert_noop!(Datanets::reserve(origin(), vec![]), Error::<Test>::ReservationCount);
		let keys: Vec<_> = (0..21).map(|n| [n as u8; 32]).collect();
		assert_noop!(Datanets::reserve(origin(), keys.clone()), Error::<Test>::ReservationCount);
		assert_ok!(Datanets::reserve(origin(), keys[..20].to_vec()));
		System::assert_last_event(Event::Reserved { who: ALICE, count: 20 }.into());
		let now = System::block_number();
		assert!(keys[..20].iter().all(|key| Reservations::<Test>::get(ALICE, key) == Some(now)));
		assert_eq!(Reservations::<Test>::get(ALICE, keys[20]), None);
		assert_eq!(ReservationQueue::<Test>::iter_keys().count(), 20);
		// Unused reservations are dropped by `on_idle` once past their lifetime.
		run_to_block(now + RESERVATION_LIFETIME + 1);
		assert_eq!(Reservations::<Test>::iter_keys().count(), 20);
		run_past_block(now + RESERVATION_LIFETIME + 1);
		assert_eq!(Reservations::<Test>::iter_keys().count(), 0);
		assert_eq!(ReservationQueue::<Test>::iter_keys().count(), 0);
	});
}

#[test]
fn renewing_a_reservation_keeps_its_first_block() {
	test(|| {
		let first = System::block_number();
		assert_ok!(reserve(ALICE, TEXT, 1));
		run_to_block(first + 10);
		assert_ok!(reserve(ALICE, TEXT, 1));
		System::assert_last_event(Event::Reserved { who: ALICE, count: 1 }.into());
		let key = reservation_of(ALICE, TEXT, &cid_text(1));
		assert_eq!(Reservations::<Test>::get(ALICE, key), Some(first));
		assert_eq!(ReservationQueue::<Test>::iter_keys().count(), 1);
		// So the renewal does not extend its life either.
		run_to_block(first + RESERVATION_LIFETIME + 1);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
	});
}

#[test]
fn submit_needs_a_reservation_from_an_earlier_block() {
	test(|| {
		// None at all.
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
		// One made in this block: a front-runner could have made it after seeing the CID.
		assert_ok!(reserve(ALICE, TEXT, 1));
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::ReservationTooRecent
		);
		run_to_block(System::block_number() + 1);
		// Another account's reservation of the CID is of no use to a front-runner.
		assert_ok!(reserve(ZOE, TEXT, 2));
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
		// Nor is a reservation of the CID on another datanet.
		assert_ok!(reserve(ZOE, IMAGE, 1));
		run_to_block(System::block_number() + 1);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
		// A reservation is used once.
		assert_eq!(submission(0).contributor, ALICE);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
	});
}

#[test]
fn a_reservation_lasts_its_lifetime_and_no_longer() {
	test(|| {
		let reserved_at = System::block_number();
		assert_ok!(reserve(ALICE, TEXT, 1));
		assert_ok!(reserve(ALICE, TEXT, 2));
		run_to_block(reserved_at + RESERVATION_LIFETIME);
		assert_ok!(submit_reserved(ALICE, TEXT, 1, 10, FileFormat::Txt));
		run_to_block(reserved_at + RESERVATION_LIFETIME + 1);
		// Still stored (`on_idle` drops it at the end of this block), but expired.
		assert!(Reservations::<Test>::contains_key(
			ALICE,
			reservation_of(ALICE, TEXT, &cid_text(2))
		));
		assert_noop!(
			submit_reserved(ALICE, TEXT, 2, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
		run_past_block(reserved_at + RESERVATION_LIFETIME + 1);
		assert!(!Reservations::<Test>::contains_key(
			ALICE,
			reservation_of(ALICE, TEXT, &cid_text(2))
		));
		assert_noop!(
			submit_reserved(ALICE, TEXT, 2, 10, FileFormat::Txt),
			Error::<Test>::NotReserved
		);
	});
}

#[test]
fn submit_refuses_a_contributor_who_cannot_pay_the_deposit() {
	test(|| {
		reserved(PAUPER, TEXT, 1);
		assert_noop!(
			submit_reserved(PAUPER, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::CannotPayDeposit
		);
		// Enough for the deposit but not for the existential deposit left behind.
		use frame_support::traits::fungible::Mutate;
		assert_ok!(Balances::mint_into(&PAUPER, DEPOSIT_BASE));
		assert_noop!(
			submit_reserved(PAUPER, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::CannotPayDeposit
		);
		assert_ok!(Balances::mint_into(&PAUPER, EXISTENTIAL_DEPOSIT));
		assert_ok!(submit_reserved(PAUPER, TEXT, 1, 10, FileFormat::Txt));
		assert_eq!(held(PAUPER), DEPOSIT_BASE);
	});
}

#[test]
fn a_rejected_submission_is_pruned_after_retention_and_frees_its_cid() {
	test(|| {
		let rejected = submit_text(ALICE, 1, 10);
		vote_all(rejected, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
		let record = submission(rejected);
		assert_eq!((record.status, record.settled), (SubmissionStatus::Rejected, true));
		// Settled by `on_idle` of the last block of the reveal period.
		let prune_at = record.reveal_ends + RETENTION;
		assert_ok!(reserve(ZOE, TEXT, 1));
		run_to_block(prune_at);
		assert!(Submissions::<Test>::contains_key(rejected));
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
		run_past_block(prune_at);
		System::assert_has_event(Event::SubmissionPruned { submission: rejected }.into());
		assert!(!Submissions::<Test>::contains_key(rejected));
		assert_eq!(SubmissionByCid::<Test>::get(TEXT, canonical(&cid_text(1))), None);
		// The stats keep it.
		let stats = ContributorStatsOf::<Test>::get(TEXT, ALICE);
		assert_eq!((stats.submitted, stats.rejected), (1, 1));
		// Its CID can be submitted again.
		assert_ok!(submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt));
		let again = crate::NextSubmissionId::<Test>::get() - 1;
		assert_eq!(SubmissionByCid::<Test>::get(TEXT, canonical(&cid_text(1))), Some(again));
	});
}

#[test]
fn an_expired_submission_is_pruned_and_an_accepted_one_stays() {
	test(|| {
		let accepted = submit_text(ALICE, 1, 10);
		let expired = submit_text(ALICE, 2, 10);
		approve_all(accepted, [50, 50, 50]);
		to_settlement(expired);
		assert_eq!(submission(expired).status, SubmissionStatus::Expired);
		run_past_block(submission(expired).reveal_ends + RETENTION);
		assert!(!Submissions::<Test>::contains_key(expired));
		System::assert_has_event(Event::SubmissionPruned { submission: expired }.into());
		run_to_block(System::block_number() + 10 * RETENTION);
		assert_eq!(submission(accepted).status, SubmissionStatus::Accepted { weight: 50 });
		assert_eq!(SubmissionByCid::<Test>::get(TEXT, canonical(&cid_text(1))), Some(accepted));
		assert_eq!(
			crate::AcceptedSubmissions::<Test>::get(TEXT, 0).map(|entry| entry.submission),
			Some(accepted)
		);
		reserved(ZOE, TEXT, 1);
		assert_noop!(
			submit_reserved(ZOE, TEXT, 1, 10, FileFormat::Txt),
			Error::<Test>::DuplicateCid
		);
	});
}

#[test]
fn exactly_ten_mib_a_day_is_allowed_and_one_byte_more_is_not() {
	test(|| {
		submit_large(ALICE, TEXT, 1, 6 * MIB, FileFormat::Txt);
		submit_large(ALICE, IMAGE, 2, 4 * MIB, FileFormat::Png);
		// The chain-wide cap counts across datanets.
		reserved(ALICE, AUDIO, 3);
		assert_noop!(
			submit_reserved(ALICE, AUDIO, 3, 1, FileFormat::Wav),
			Error::<Test>::AccountDailyBytesExceeded
		);
		assert_eq!(AccountUsage::<Test>::get(ALICE).bytes, 10 * MIB);
		// Another account is not affected.
		submit_large(ZOE, TEXT, 4, 10 * MIB, FileFormat::Txt);
	});
}

#[test]
fn exactly_twenty_files_a_day_are_allowed_and_the_21st_is_not() {
	test(|| {
		for n in 0..10 {
			assert_ok!(submit(ALICE, TEXT, n, 1, FileFormat::Txt));
			assert_ok!(submit(ALICE, IMAGE, 100 + n, 1, FileFormat::Jpeg));
		}
		assert_eq!(AccountUsage::<Test>::get(ALICE).files, 20);
		reserved(ALICE, AUDIO, 200);
		assert_noop!(
			submit_reserved(ALICE, AUDIO, 200, 1, FileFormat::Flac),
			Error::<Test>::AccountDailyFilesExceeded
		);
	});
}

#[test]
fn the_datanet_cap_applies_per_datanet() {
	test(|| {
		let one_mib = CapOverrides { daily_bytes_per_account: Some(MIB), max_file_bytes: None };
		assert_ok!(Datanets::lower_caps(RuntimeOrigin::signed(OWNER), TEXT, one_mib));
		submit_large(ALICE, TEXT, 1, MIB - 1, FileFormat::Txt);
		assert_ok!(submit(ALICE, TEXT, 2, 1, FileFormat::Txt));
		reserved(ALICE, TEXT, 3);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 3, 1, FileFormat::Txt),
			Error::<Test>::DatanetDailyBytesExceeded
		);
		submit_large(ALICE, IMAGE, 4, 2 * MIB, FileFormat::Png);
	});
}

#[test]
fn allowances_renew_at_utc_midnight() {
	test(|| {
		let last_ms_of_day = (START_MS / DAY_MS + 1) * DAY_MS - 1;
		set_time_ms(last_ms_of_day);
		for n in 0..20 {
			submit_large(ALICE, TEXT, n, MIB / 2, FileFormat::Txt);
		}
		reserved(ALICE, TEXT, 20);
		assert_noop!(
			submit_reserved(ALICE, TEXT, 20, 1, FileFormat::Txt),
			Error::<Test>::AccountDailyFilesExceeded
		);
		set_time_ms(last_ms_of_day + 1);
		assert_eq!(Datanets::today(), TODAY + 1);
		submit_large(ALICE, TEXT, 20, 10 * MIB, FileFormat::Txt);
		assert_eq!(
			AccountUsage::<Test>::get(ALICE),
			DailyUsage { day: TODAY + 1, bytes: 10 * MIB, files: 1 }
		);
		assert_eq!(crate::DatanetUsage::<Test>::get(TEXT, ALICE).bytes, 10 * MIB);
	});
}
