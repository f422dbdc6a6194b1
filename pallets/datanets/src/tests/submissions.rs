use super::*;
use crate::{
	AccountUsage, CapOverrides, ContributorStatsOf, DailyUsage, Error, Event, GlobalStats,
	SubmissionByCid, SubmissionStatus, Submissions,
};
use frame_support::assert_noop;

const HELLO_V0: &[u8] = b"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const HELLO_V1: &[u8] = b"bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby";
const TODAY: u32 = (START_MS / DAY_MS) as u32;

#[test]
fn submit_records_a_pending_submission() {
	test(|| {
		assert_ok!(Datanets::submit(
			RuntimeOrigin::signed(ALICE),
			TEXT,
			HELLO_V0.to_vec(),
			12,
			FileFormat::Txt
		));
		let submission = Submissions::<Test>::get(0).unwrap();
		assert_eq!(submission.contributor, ALICE);
		assert_eq!(submission.cid, canonical(HELLO_V1));
		assert_eq!((submission.bytes, submission.format), (12, FileFormat::Txt));
		assert_eq!((submission.submitted_at, submission.voting_ends), (1, 1 + VOTING_PERIOD));
		assert_eq!(submission.status, SubmissionStatus::Pending);
		assert_eq!(SubmissionByCid::<Test>::get(TEXT, canonical(HELLO_V1)), Some(0));
		assert_eq!(ContributorStatsOf::<Test>::get(TEXT, ALICE).submitted, 1);
		assert_eq!(GlobalStats::<Test>::get(ALICE).submitted, 1);
		assert_eq!(
			AccountUsage::<Test>::get(ALICE),
			DailyUsage { day: TODAY, bytes: 12, files: 1 }
		);
		System::assert_last_event(
			Event::Submitted {
				submission: 0,
				datanet: TEXT,
				contributor: ALICE,
				cid: canonical(HELLO_V1),
				bytes: 12,
				format: FileFormat::Txt,
				voting_ends: 1 + VOTING_PERIOD,
			}
			.into(),
		);
	});
}

#[test]
fn a_cid_v0_and_its_v1_form_are_one_file() {
	test(|| {
		assert_ok!(Datanets::submit(
			RuntimeOrigin::signed(ALICE),
			TEXT,
			HELLO_V0.to_vec(),
			12,
			FileFormat::Txt
		));
		assert_noop!(
			Datanets::submit(
				RuntimeOrigin::signed(ZOE),
				TEXT,
				HELLO_V1.to_vec(),
				12,
				FileFormat::Md
			),
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
		assert_ok!(Datanets::submit(
			RuntimeOrigin::signed(ZOE),
			3,
			HELLO_V1.to_vec(),
			12,
			FileFormat::Md
		));
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
					assert_noop!(
						submit(ZOE, datanet, n, 1, format),
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
		assert_noop!(submit(ALICE, 9, 1, 1, FileFormat::Txt), Error::<Test>::DatanetNotFound);
		let mut too_long = HELLO_V1.to_vec();
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
		assert_noop!(submit(ALICE, TEXT, 1, 0, FileFormat::Txt), Error::<Test>::EmptyFile);
		assert_noop!(
			submit(ALICE, TEXT, 1, 10 * MIB + 1, FileFormat::Txt),
			Error::<Test>::FileTooLarge
		);
		let small_files = CapOverrides { max_file_bytes: Some(100), daily_bytes_per_account: None };
		assert_ok!(Datanets::lower_caps(RuntimeOrigin::signed(OWNER), TEXT, small_files));
		assert_noop!(submit(ALICE, TEXT, 1, 101, FileFormat::Txt), Error::<Test>::FileTooLarge);
		assert_ok!(submit(ALICE, TEXT, 1, 100, FileFormat::Txt));
		assert_noop!(submit(ZOE, TEXT, 1, 100, FileFormat::Txt), Error::<Test>::DuplicateCid);
	});
}

#[test]
fn exactly_ten_mib_a_day_is_allowed_and_one_byte_more_is_not() {
	test(|| {
		assert_ok!(submit(ALICE, TEXT, 1, 6 * MIB, FileFormat::Txt));
		assert_ok!(submit(ALICE, IMAGE, 2, 4 * MIB, FileFormat::Png));
		// The chain-wide cap counts across datanets.
		assert_noop!(
			submit(ALICE, AUDIO, 3, 1, FileFormat::Wav),
			Error::<Test>::AccountDailyBytesExceeded
		);
		assert_eq!(AccountUsage::<Test>::get(ALICE).bytes, 10 * MIB);
		// Another account is not affected.
		assert_ok!(submit(ZOE, TEXT, 4, 10 * MIB, FileFormat::Txt));
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
		assert_noop!(
			submit(ALICE, AUDIO, 200, 1, FileFormat::Flac),
			Error::<Test>::AccountDailyFilesExceeded
		);
	});
}

#[test]
fn the_datanet_cap_applies_per_datanet() {
	test(|| {
		let one_mib = CapOverrides { daily_bytes_per_account: Some(MIB), max_file_bytes: None };
		assert_ok!(Datanets::lower_caps(RuntimeOrigin::signed(OWNER), TEXT, one_mib));
		assert_ok!(submit(ALICE, TEXT, 1, MIB - 1, FileFormat::Txt));
		assert_ok!(submit(ALICE, TEXT, 2, 1, FileFormat::Txt));
		assert_noop!(
			submit(ALICE, TEXT, 3, 1, FileFormat::Txt),
			Error::<Test>::DatanetDailyBytesExceeded
		);
		assert_ok!(submit(ALICE, IMAGE, 4, 2 * MIB, FileFormat::Png));
	});
}

#[test]
fn allowances_renew_at_utc_midnight() {
	test(|| {
		let last_ms_of_day = (START_MS / DAY_MS + 1) * DAY_MS - 1;
		set_time_ms(last_ms_of_day);
		for n in 0..20 {
			assert_ok!(submit(ALICE, TEXT, n, MIB / 2, FileFormat::Txt));
		}
		assert_noop!(
			submit(ALICE, TEXT, 20, 1, FileFormat::Txt),
			Error::<Test>::AccountDailyFilesExceeded
		);
		set_time_ms(last_ms_of_day + 1);
		assert_eq!(Datanets::today(), TODAY + 1);
		assert_ok!(submit(ALICE, TEXT, 20, 10 * MIB, FileFormat::Txt));
		assert_eq!(
			AccountUsage::<Test>::get(ALICE),
			DailyUsage { day: TODAY + 1, bytes: 10 * MIB, files: 1 }
		);
		assert_eq!(crate::DatanetUsage::<Test>::get(TEXT, ALICE).bytes, 10 * MIB);
	});
}
