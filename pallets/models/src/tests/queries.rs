use super::*;
use crate::views::{JobPhase, QueryError, MAX_PAGE_SIZE};

#[test]
fn base_models_and_trainers_read_back() {
	test(|| {
		let page = ModelFactory::query_base_models(0, 10).unwrap();
		assert_eq!((page.total, page.items.len()), (2, 2));
		assert_eq!(page.items[0].model.name.to_vec(), b"SmolLM2-135M".to_vec());
		assert_eq!(ModelFactory::query_base_models(1, 10).unwrap().items[0].id, BIG);
		assert_eq!(ModelFactory::query_base_model(SMOL).unwrap().model.parameters, SMOL_PARAMETERS);
		assert_eq!(ModelFactory::query_base_model(5), Err(QueryError::BaseModelNotFound));
		assert_eq!(ModelFactory::query_trainer(T1).unwrap().trainer.bond, TRAINER_BOND);
		assert_eq!(ModelFactory::query_trainer(OUTSIDER), Err(QueryError::TrainerNotFound));
	});
}

#[test]
fn a_job_reads_with_its_phase_and_attestations() {
	test(|| {
		let id = create(spec());
		assert_eq!(ModelFactory::query_job(id).unwrap().phase, JobPhase::Committing);
		commit(id, T1, &result(1));
		commit(id, T2, &result(1));
		let info = ModelFactory::query_job(id).unwrap();
		assert_eq!(info.attestations.len(), 2);
		assert!(info.attestations.iter().all(|a| a.revealed.is_none()));
		to_reveals(id);
		reveal(id, T1, result(1));
		let info = ModelFactory::query_job(id).unwrap();
		assert_eq!(info.phase, JobPhase::Revealing);
		assert_eq!(info.attestations.iter().filter(|a| a.revealed == Some(result(1))).count(), 1);
		to_due(id);
		assert_eq!(ModelFactory::query_job(id).unwrap().phase, JobPhase::Due);
		assert_ok_finalize(id);
		assert_eq!(ModelFactory::query_job(id).unwrap().phase, JobPhase::Settled);
		assert_eq!(ModelFactory::query_job(id + 1), Err(QueryError::JobNotFound));
	});
}

fn assert_ok_finalize(id: JobId) {
	frame_support::assert_ok!(ModelFactory::finalize_job(RuntimeOrigin::signed(OTHER), id));
}

#[test]
fn jobs_page_by_status_in_id_order() {
	test(|| {
		let ids: Vec<JobId> = (0..4).map(|_| create(spec())).collect();
		frame_support::assert_ok!(ModelFactory::cancel_job(RuntimeOrigin::signed(CREATOR), ids[1]));
		let all = ModelFactory::query_jobs(None, 0, 10).unwrap();
		assert_eq!(all.total, 4);
		assert_eq!(all.items.iter().map(|j| j.id).collect::<Vec<_>>(), ids);
		let open = ModelFactory::query_jobs(Some(JobStatusKind::Open), 1, 10).unwrap();
		assert_eq!((open.total, open.offset), (3, 1));
		assert_eq!(open.items.iter().map(|j| j.id).collect::<Vec<_>>(), vec![ids[2], ids[3]]);
		let cancelled = ModelFactory::query_jobs(Some(JobStatusKind::Cancelled), 0, 10).unwrap();
		assert_eq!(cancelled.items.iter().map(|j| j.id).collect::<Vec<_>>(), vec![ids[1]]);
		assert_eq!(
			ModelFactory::query_jobs(None, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);
	});
}

#[test]
fn models_page_by_base_datanet_and_trainer() {
	test(|| {
		verified_job();
		let mut code = spec();
		code.datanets = BoundedVec::truncate_from(vec![CODE]);
		let id = create(code);
		commit(id, T2, &result(2));
		commit(id, T3, &result(2));
		to_reveals(id);
		reveal(id, T2, result(2));
		reveal(id, T3, result(2));
		let ids = |filter| {
			ModelFactory::query_models(filter, 0, 10)
				.unwrap()
				.items
				.iter()
				.map(|m| m.id)
				.collect::<Vec<_>>()
		};
		assert_eq!(ids(None), vec![0, 1]);
		assert_eq!(ids(Some(ModelFilter::Base(SMOL))), vec![0, 1]);
		assert_eq!(ids(Some(ModelFilter::Base(BIG))), Vec::<ModelId>::new());
		assert_eq!(ids(Some(ModelFilter::Datanet(CODE))), vec![1]);
		assert_eq!(ids(Some(ModelFilter::Trainer(T1))), vec![0]);
		assert_eq!(ids(Some(ModelFilter::Trainer(T2))), vec![0, 1]);
		assert_eq!(ModelFactory::query_model(1).unwrap().model.job, id);
		assert_eq!(ModelFactory::query_model(2), Err(QueryError::ModelNotFound));
		assert_eq!(
			ModelFactory::query_models(None, 0, MAX_PAGE_SIZE + 1),
			Err(QueryError::PageTooLarge { max: MAX_PAGE_SIZE })
		);
	});
}
