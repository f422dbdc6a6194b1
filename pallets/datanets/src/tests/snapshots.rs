//! Dataset snapshots: the accepted log's running head, the `accepted` read that lets
//! anyone recompute it, `DatasetSnapshots`, the v3 migration and the log's invariant.

use super::*;
use crate::{views::*, AcceptedEntry, AcceptedSubmissions, QueryError, MAX_PAGE_SIZE};
use openledger_primitives::dataset::{next_head, DatasetSnapshots, Snapshot, EMPTY_HEAD};

type Pallet = crate::Pallet<Test>;

fn snapshot(datanet: u32) -> Snapshot {
	Pallet::current_snapshot(datanet).expect("the datanet exists")
}

/// The head after accepting submission `id` (text file number `n`, by `who`, weight
/// `weight`) at `index`, as a client computes it.
fn expected_head(
	previous: [u8; 32],
	index: u32,
	id: SubmissionId,
	n: u32,
	who: AccountId,
	weight: u8,
) -> [u8; 32] {
	next_head(&previous, index, id, &canonical(&cid_text(n)), &who, weight)
}

fn reject_all(id: SubmissionId) {
	vote_all(id, &[(BOB, false, 0), (CHARLIE, false, 0), (DAVE, false, 0)]);
}

/// Accepts files 1..=5 of ALICE, ZOE and EVE with distinct weights, with a rejection and
/// an expiry in between; returns the accepted ids in acceptance order.
fn five_accepted() -> Vec<SubmissionId> {
	let mut accepted = Vec::new();
	for (n, who, weight) in
		[(1, ALICE, 40), (2, ZOE, 90), (4, ALICE, 55), (6, EVE, 70), (7, ZOE, 10)]
	{
		let id = submit_text(who, n, 10);
		approve_all(id, [weight; 3]);
		accepted.push(id);
		if n == 2 {
			let rejected = submit_text(EVE, 3, 10);
			reject_all(rejected);
			let expired = submit_text(ALICE, 5, 10);
			to_settlement(expired);
		}
	}
	accepted
}

/// Every entry of the log, read a page of `limit` at a time.
fn whole_log(datanet: u32, limit: u32) -> Vec<AcceptedInfo<AccountId>> {
	let mut entries = Vec::new();
	loop {
		let page = Pallet::accepted(datanet, entries.len() as u32, limit).unwrap();
		assert_eq!(page.offset, entries.len() as u32);
		if page.items.is_empty() {
			assert_eq!(page.total, entries.len() as u32);
			return entries;
		}
		entries.extend(page.items);
	}
}

#[test]
fn the_head_advances_on_each_acceptance_and_not_on_rejection() {
	test(|| {
		let empty = Snapshot { datanet: TEXT, count: 0, head: EMPTY_HEAD };
		assert_eq!(snapshot(TEXT), empty);

		let first = submit_text(ALICE, 1, 10);
		approve_all(first, [60, 60, 60]);
		let head_1 = expected_head(EMPTY_HEAD, 0, first, 1, ALICE, 60);
		assert_eq!(snapshot(TEXT), Snapshot { datanet: TEXT, count: 1, head: head_1 });
		assert_eq!(
			AcceptedSubmissions::<Test>::get(TEXT, 0),
			Some(AcceptedEntry { submission: first, head: head_1 })
		);

		let rejected = submit_text(ZOE, 2, 10);
		reject_all(rejected);
		assert_eq!(status(rejected), crate::SubmissionStatus::Rejected);
		let expired = submit_text(ZOE, 3, 10);
		to_settlement(expired);
		assert_eq!(status(expired), crate::SubmissionStatus::Expired);
		assert_eq!(snapshot(TEXT).head, head_1);
		run_past_block(System::block_number() + RETENTION);
		assert_eq!(snapshot(TEXT).head, head_1, "pruning leaves the log alone");

		let second = submit_text(ZOE, 4, 10);
		approve_all(second, [30, 30, 30]);
		let head_2 = expected_head(head_1, 1, second, 4, ZOE, 30);
		assert_eq!(snapshot(TEXT), Snapshot { datanet: TEXT, count: 2, head: head_2 });
		// Other datanets' logs are untouched.
		assert_eq!(snapshot(IMAGE), Snapshot { datanet: IMAGE, count: 0, head: EMPTY_HEAD });
	});
}

/// What pallet-models and any outside auditor rely on: paging through `accepted` and
/// chaining `next_head` over what it returns gives the chain's own snapshot.
#[test]
fn a_snapshot_recomputed_from_accepted_equals_the_chains() {
	test(|| {
		let accepted = five_accepted();
		for limit in [1, 2, 3, MAX_PAGE_SIZE] {
			let log = whole_log(TEXT, limit);
			assert_eq!(log.iter().map(|entry| entry.submission).collect::<Vec<_>>(), accepted);
			let mut head = EMPTY_HEAD;
			for (index, entry) in log.iter().enumerate() {
				assert_eq!(entry.index, index as u32);
				head = next_head(
					&head,
					entry.index,
					entry.submission,
					&entry.cid,
					&entry.contributor,
					entry.weight,
				);
				assert_eq!(entry.head, head, "entry {index} carries the recomputed head");
			}
			let recomputed = Snapshot { datanet: TEXT, count: log.len() as u32, head };
			assert_eq!(recomputed, snapshot(TEXT));
		}
		let log = whole_log(TEXT, 10);
		assert_eq!(
			log.iter().map(|e| (e.contributor, e.weight)).collect::<Vec<_>>(),
			vec![(ALICE, 40), (ZOE, 90), (ALICE, 55), (EVE, 70), (ZOE, 10)]
		);
		assert_eq!(log[3].cid, canonical(&cid_text(6)).into_inner());
	});
}

#[test]
fn is_snapshot_accepts_every_prefix_and_nothing_else() {
	test(|| {
		five_accepted();
		let log = whole_log(TEXT, 10);
		let heads: Vec<_> =
			core::iter::once(EMPTY_HEAD).chain(log.iter().map(|entry| entry.head)).collect();
		for (count, head) in heads.iter().enumerate() {
			let prefix = Snapshot { datanet: TEXT, count: count as u32, head: *head };
			assert!(Pallet::is_snapshot(&prefix), "prefix of {count}");
			let mut wrong = prefix;
			wrong.head[0] ^= 1;
			assert!(!Pallet::is_snapshot(&wrong), "prefix of {count} with a wrong head");
			for other in (0..heads.len()).filter(|&other| other != count) {
				let shifted = Snapshot { count: other as u32, ..prefix };
				assert!(!Pallet::is_snapshot(&shifted), "head of {count} at count {other}");
			}
		}
		let current = snapshot(TEXT);
		assert!(!Pallet::is_snapshot(&Snapshot { count: current.count + 1, ..current }));
		assert!(!Pallet::is_snapshot(&Snapshot { count: u32::MAX, ..current }));
		assert!(!Pallet::is_snapshot(&Snapshot { datanet: IMAGE, ..current }));
		assert!(!Pallet::is_snapshot(&Snapshot { datanet: 99, ..current }));
		assert!(!Pallet::is_snapshot(&Snapshot { datanet: 99, count: 0, head: EMPTY_HEAD }));
		assert_eq!(Pallet::current_snapshot(99), None);

		// The log is append-only: a snapshot stays valid as the datanet grows.
		let later = submit_text(EVE, 8, 10);
		approve_all(later, [50, 50, 50]);
		assert!(Pallet::is_snapshot(&current));
		assert_ne!(snapshot(TEXT), current);
	});
}

#[test]
fn accepted_pages_like_the_other_reads() {
	test(|| {
		let accepted = five_accepted();
		let page = Pallet::accepted(TEXT, 1, 2).unwrap();
		assert_eq!((page.total, page.offset), (5, 1));
		assert_eq!(page.items.iter().map(|e| e.submission).collect::<Vec<_>>(), accepted[1..3]);
		let tail = Pallet::accepted(TEXT, 4, 5).unwrap();
		assert_eq!(tail.items.iter().map(|e| e.index).collect::<Vec<_>>(), vec![4]);
		assert!(Pallet::accepted(TEXT, 5, 5).unwrap().items.is_empty());
		assert!(Pallet::accepted(TEXT, 0, 0).unwrap().items.is_empty());
		let far = Pallet::accepted(TEXT, u32::MAX, MAX_PAGE_SIZE).unwrap();
		assert_eq!((far.total, far.items.len()), (5, 0));
		assert_eq!(
			Pallet::accepted(IMAGE, 0, 10).unwrap(),
			Page { total: 0, offset: 0, items: vec![] }
		);
		assert_eq!(
			Pallet::accepted(TEXT, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);
		assert_eq!(Pallet::accepted(99, 0, 10), Err(QueryError::DatanetNotFound));
		assert_eq!(Pallet::datanet(TEXT).unwrap().accepted, 5);
	});
}

/// The invariant recomputes every head: a tampered head, or an entry past the count,
/// is caught.
#[test]
fn try_state_detects_a_broken_log() {
	let corruptions: [fn(); 3] = [
		|| {
			AcceptedSubmissions::<Test>::mutate(TEXT, 1, |entry| {
				entry.as_mut().unwrap().head[0] ^= 1
			})
		},
		|| {
			AcceptedSubmissions::<Test>::mutate(TEXT, 0, |entry| {
				let entry = entry.as_mut().unwrap();
				entry.head = expected_head(EMPTY_HEAD, 0, entry.submission, 1, ALICE, 41);
			})
		},
		|| {
			AcceptedSubmissions::<Test>::insert(
				TEXT,
				2,
				AcceptedEntry { submission: 0, head: [0; 32] },
			)
		},
	];
	for corrupt in corruptions {
		new_test_ext().execute_with(|| {
			approve_all(submit_text(ALICE, 1, 10), [40, 40, 40]);
			approve_all(submit_text(ZOE, 2, 10), [50, 50, 50]);
			assert_ok!(Datanets::do_try_state());
			corrupt();
			assert!(Datanets::do_try_state().is_err());
		});
	}
}

/// The v3 migration turns a v2 log (bare submission ids) into one whose heads chain: the
/// same snapshot as a chain that computed them at each acceptance.
#[test]
fn migration_to_v3_chains_the_heads_of_a_v2_log() {
	use crate::migrations::v3::{v2_entry, MigrateV2ToV3};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};
	test(|| {
		let accepted = five_accepted();
		let before = snapshot(TEXT);

		// Back to a v2 chain: the same keys, the ids alone.
		let _ = AcceptedSubmissions::<Test>::clear(u32::MAX, None);
		for (index, id) in accepted.iter().enumerate() {
			let key = AcceptedSubmissions::<Test>::hashed_key_for(TEXT, index as u32);
			unhashed::put(&key, id);
		}
		assert_eq!(v2_entry::<Test>(TEXT, 4), Some(accepted[4]));
		StorageVersion::new(2).put::<Datanets>();
		assert_eq!(AcceptedSubmissions::<Test>::get(TEXT, 0), None, "v2 entries do not decode");

		#[cfg(feature = "try-runtime")]
		MigrateV2ToV3::<Test>::try_on_runtime_upgrade(true).expect("pre and post checks pass");
		#[cfg(not(feature = "try-runtime"))]
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Datanets::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(snapshot(TEXT), before);
		assert_eq!(snapshot(IMAGE), Snapshot { datanet: IMAGE, count: 0, head: EMPTY_HEAD });

		// Run again, it does nothing: the version is checked.
		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(snapshot(TEXT), before);

		// Acceptances after the upgrade chain on.
		let next = submit_text(EVE, 9, 10);
		approve_all(next, [20, 20, 20]);
		assert_eq!(snapshot(TEXT).head, expected_head(before.head, 5, next, 9, EVE, 20));
	});
}
