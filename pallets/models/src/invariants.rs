//! `try_state`: what must hold after every block (and, in the tests, after every test).

use crate::{
	ordered, Attestations, BalanceOf, BaseModels, Config, HoldReason, JobIndex, JobIndexCount,
	JobStatus, Jobs, ModelFilter, ModelIndex, ModelIndexCount, Models, Pallet, Trainers,
};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{ensure, traits::fungible::InspectHold};
use openledger_primitives::dataset::DatasetSnapshots;
use sp_runtime::{traits::Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Escrow equals the open bounties; trainers' holds equal their bonds and their open
	/// commitments their attestations; verified models reference existing jobs, bases and
	/// snapshots; the indexes list exactly what they claim.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut escrow: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut commitments: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut per_status: BTreeMap<crate::JobStatusKind, u32> = BTreeMap::new();
		for (id, job) in Jobs::<T>::iter() {
			ensure!(BaseModels::<T>::contains_key(job.base), "job of an unknown base model");
			ensure!(
				JobIndex::<T>::contains_key(job.status.kind(), ordered(id)),
				"job missing from the index of its status"
			);
			*per_status.entry(job.status.kind()).or_default() += 1;
			if let Some(eval) = &job.eval {
				ensure!(T::Datasets::is_snapshot(eval), "job's eval set is an unknown snapshot");
				ensure!(
					job.snapshots.iter().all(|s| s.datanet != eval.datanet),
					"job trains on its eval datanet"
				);
			}
			let entry = escrow.entry(job.creator.clone()).or_default();
			if job.status == JobStatus::Open {
				ensure!(!job.settled, "settled job still open");
				entry.saturating_accrue(job.bounty);
			}
			let (mut commits, mut reveals) = (0u32, 0u32);
			for (trainer, attestation) in Attestations::<T>::iter_prefix(id) {
				commits += 1;
				reveals += attestation.revealed.is_some() as u32;
				*commitments.entry(trainer).or_default() += 1;
			}
			if job.settled {
				ensure!(commits == 0, "settled job keeps attestations");
			} else {
				ensure!(job.commits == commits, "job commit count differs from attestations");
				ensure!(job.reveals == reveals, "job reveal count differs from attestations");
				ensure!(commits <= job.max_attesters, "more commits than max_attesters");
			}
			if let JobStatus::Verified(model) = job.status {
				let model = Models::<T>::get(model).ok_or("verified job names no model")?;
				ensure!(model.job == id, "verified job's model names another job");
			}
		}
		for (creator, open) in escrow {
			let held = T::Currency::balance_on_hold(&HoldReason::JobBounty.into(), &creator);
			ensure!(held == open, "escrow differs from the creator's open bounties");
		}
		for (kind, count) in JobIndexCount::<T>::iter() {
			ensure!(
				per_status.remove(&kind).unwrap_or_default() == count,
				"job index count differs from jobs"
			);
			ensure!(
				JobIndex::<T>::iter_prefix(kind).count() as u32 == count,
				"job index list differs from its count"
			);
		}
		ensure!(per_status.values().all(|count| *count == 0), "jobs without an index count");

		for (who, trainer) in Trainers::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::TrainerBond.into(), &who);
			ensure!(held == trainer.bond, "trainer hold differs from its bond");
			ensure!(
				commitments.remove(&who).unwrap_or_default() == trainer.open_commitments,
				"open commitments differ from attestations"
			);
		}
		ensure!(commitments.is_empty(), "attestation of an unregistered trainer");

		let mut indexed: BTreeMap<crate::ModelFilterOf<T>, u32> = BTreeMap::new();
		for (id, model) in Models::<T>::iter() {
			let job = Jobs::<T>::get(model.job).ok_or("model of an unknown job")?;
			ensure!(job.status == JobStatus::Verified(id), "model's job is not verified as it");
			ensure!(BaseModels::<T>::contains_key(model.base), "model of an unknown base");
			if let Some(parent) = model.parent {
				ensure!(
					parent < id && Models::<T>::contains_key(parent),
					"model of an unknown parent"
				);
			}
			for snapshot in &model.snapshots {
				ensure!(T::Datasets::is_snapshot(snapshot), "model names an unknown snapshot");
			}
			let mut filters = alloc::vec![ModelFilter::Base(model.base)];
			filters.extend(model.snapshots.iter().map(|s| ModelFilter::Datanet(s.datanet)));
			filters.extend(model.attesters.iter().cloned().map(ModelFilter::Trainer));
			for filter in filters {
				ensure!(
					ModelIndex::<T>::contains_key(&filter, ordered(id)),
					"model missing from an index"
				);
				*indexed.entry(filter).or_default() += 1;
			}
		}
		for (filter, count) in ModelIndexCount::<T>::iter() {
			ensure!(
				indexed.remove(&filter).unwrap_or_default() == count,
				"model index count differs from models"
			);
		}
		ensure!(indexed.is_empty(), "models without an index count");
		Ok(())
	}
}
