//! Leaderboards: one order-statistic AVL tree per board, stored one node per account.
//!
//! Why a tree in storage: queries (rank of an account, a page from any offset) must not
//! scan the contributors, and must answer at any block through the runtime API, so the
//! index has to be chain state. An acceptance moves one account: a removal and an
//! insertion along root-to-leaf paths of at most `MAX_TREE_HEIGHT` nodes. A rank or the
//! start of a page is one path down; each further entry of a page is O(1) amortised.
//! See docs/LEADERBOARDS.md for the alternatives considered.

use crate::{
	Board, Config, Pallet, RankNodeOf, RankNodes, RankRoots, Standing, StandingOf, StatsOf,
};

/// A contributor's stats on one datanet and chain-wide, as an update left them.
pub(crate) struct BoardStats<T: Config> {
	pub datanet: StatsOf<T>,
	pub global: StatsOf<T>,
}
use alloc::{collections::btree_map::BTreeMap, vec::Vec};

/// Height bound of an AVL tree of fewer than 2^32 nodes (1.44·log2(n + 2)), used to bound
/// the weight of an acceptance.
pub const MAX_TREE_HEIGHT: u32 = 46;

/// A subtree after an update: its root, node count and height.
type Subtree<AccountId> = Option<(AccountId, u32, u8)>;

/// One board's tree during an update: nodes are read once, changed in memory and written
/// back by `commit`, so each touched node costs one read and at most one write.
pub(crate) struct Tree<T: Config> {
	board: Board,
	root: Option<T::AccountId>,
	nodes: BTreeMap<T::AccountId, Option<RankNodeOf<T>>>,
}

impl<T: Config> Tree<T> {
	pub(crate) fn open(board: Board) -> Self {
		Self { board, root: RankRoots::<T>::get(board), nodes: BTreeMap::new() }
	}

	fn lookup(&mut self, id: &T::AccountId) -> Option<RankNodeOf<T>> {
		let board = self.board;
		self.nodes.entry(id.clone()).or_insert_with(|| RankNodes::<T>::get(board, id)).clone()
	}

	fn node(&mut self, id: &T::AccountId) -> RankNodeOf<T> {
		self.lookup(id).unwrap_or_else(|| {
			// Only reachable on corrupted state, which `try_state` reports.
			log::error!(target: "runtime::datanets", "leaderboard node missing");
			RankNodeOf::<T>::leaf(Standing {
				score: 0,
				accepted: 0,
				first_accepted_at: Default::default(),
			})
		})
	}

	fn set(&mut self, id: &T::AccountId, node: RankNodeOf<T>) {
		self.nodes.insert(id.clone(), Some(node));
	}

	/// Places `who` at `standing`, moving it if it is already on the board.
	pub(crate) fn upsert(&mut self, who: &T::AccountId, standing: StandingOf<T>) {
		if let Some(old) = self.lookup(who) {
			if old.standing == standing {
				return;
			}
			let root = self.root.take();
			self.root = self.remove(root, who, &old.standing).map(|(id, ..)| id);
		}
		let root = self.root.take();
		self.root = self.insert(root, who, &standing).map(|(id, ..)| id);
	}

	/// Height of the tree: the length of the longest path an update walked.
	pub(crate) fn height(&mut self) -> u8 {
		match self.root.clone() {
			Some(root) => self.node(&root).height(),
			None => 0,
		}
	}

	pub(crate) fn commit(self) {
		for (id, node) in self.nodes {
			match node {
				Some(node) => RankNodes::<T>::insert(self.board, id, node),
				None => RankNodes::<T>::remove(self.board, id),
			}
		}
		match self.root {
			Some(root) => RankRoots::<T>::insert(self.board, root),
			None => RankRoots::<T>::remove(self.board),
		}
	}

	fn insert(
		&mut self,
		at: Option<T::AccountId>,
		who: &T::AccountId,
		standing: &StandingOf<T>,
	) -> Subtree<T::AccountId> {
		let Some(id) = at else {
			self.set(who, RankNodeOf::<T>::leaf(*standing));
			return Some((who.clone(), 1, 1));
		};
		let mut node = self.node(&id);
		if standing.ranks_above(who, &node.standing, &id) {
			let child = self.insert(node.left.take(), who, standing);
			attach_left(&mut node, child);
		} else {
			let child = self.insert(node.right.take(), who, standing);
			attach_right(&mut node, child);
		}
		self.balance(id, node)
	}

	fn remove(
		&mut self,
		at: Option<T::AccountId>,
		who: &T::AccountId,
		standing: &StandingOf<T>,
	) -> Subtree<T::AccountId> {
		let id = at?;
		let mut node = self.node(&id);
		if &id == who {
			self.nodes.insert(id, None);
			return match (node.left.clone(), node.right.clone()) {
				(None, None) => None,
				(Some(left), None) => Some((left, node.left_size, node.left_height)),
				(None, Some(right)) => Some((right, node.right_size, node.right_height)),
				(Some(_), Some(right)) => {
					// The successor (leftmost of the right subtree) takes this node's place.
					let (successor, rest) = self.remove_leftmost(right);
					let mut replacement = self.node(&successor);
					replacement.left = node.left.take();
					replacement.left_size = node.left_size;
					replacement.left_height = node.left_height;
					attach_right(&mut replacement, rest);
					self.balance(successor, replacement)
				},
			};
		}
		if standing.ranks_above(who, &node.standing, &id) {
			let child = self.remove(node.left.take(), who, standing);
			attach_left(&mut node, child);
		} else {
			let child = self.remove(node.right.take(), who, standing);
			attach_right(&mut node, child);
		}
		self.balance(id, node)
	}

	/// Detaches the leftmost node under `id`; returns it and what remains of the subtree.
	fn remove_leftmost(&mut self, id: T::AccountId) -> (T::AccountId, Subtree<T::AccountId>) {
		let mut node = self.node(&id);
		match node.left.take() {
			None => {
				let rest =
					node.right.clone().map(|right| (right, node.right_size, node.right_height));
				(id, rest)
			},
			Some(left) => {
				let (leftmost, rest) = self.remove_leftmost(left);
				attach_left(&mut node, rest);
				(leftmost, self.balance(id, node))
			},
		}
	}

	/// Stores `node` under `id` after restoring the AVL balance with at most two rotations.
	fn balance(&mut self, id: T::AccountId, mut node: RankNodeOf<T>) -> Subtree<T::AccountId> {
		if node.left_height > node.right_height.saturating_add(1) {
			if let Some(left) = node.left.clone() {
				let child = self.node(&left);
				if child.right_height > child.left_height {
					let rotated = self.rotate_left(left, child);
					attach_left(&mut node, rotated);
				}
			}
			return self.rotate_right(id, node);
		}
		if node.right_height > node.left_height.saturating_add(1) {
			if let Some(right) = node.right.clone() {
				let child = self.node(&right);
				if child.left_height > child.right_height {
					let rotated = self.rotate_right(right, child);
					attach_right(&mut node, rotated);
				}
			}
			return self.rotate_left(id, node);
		}
		self.store(id, node)
	}

	fn rotate_right(&mut self, id: T::AccountId, mut node: RankNodeOf<T>) -> Subtree<T::AccountId> {
		let Some(pivot_id) = node.left.take() else {
			return self.store(id, node);
		};
		let mut pivot = self.node(&pivot_id);
		node.left = pivot.right.take();
		node.left_size = pivot.right_size;
		node.left_height = pivot.right_height;
		attach_right(&mut pivot, Some((id.clone(), node.size(), node.height())));
		self.set(&id, node);
		let summary = (pivot_id.clone(), pivot.size(), pivot.height());
		self.set(&pivot_id, pivot);
		Some(summary)
	}

	fn rotate_left(&mut self, id: T::AccountId, mut node: RankNodeOf<T>) -> Subtree<T::AccountId> {
		let Some(pivot_id) = node.right.take() else {
			return self.store(id, node);
		};
		let mut pivot = self.node(&pivot_id);
		node.right = pivot.left.take();
		node.right_size = pivot.left_size;
		node.right_height = pivot.left_height;
		attach_left(&mut pivot, Some((id.clone(), node.size(), node.height())));
		self.set(&id, node);
		let summary = (pivot_id.clone(), pivot.size(), pivot.height());
		self.set(&pivot_id, pivot);
		Some(summary)
	}

	fn store(&mut self, id: T::AccountId, node: RankNodeOf<T>) -> Subtree<T::AccountId> {
		let summary = (id.clone(), node.size(), node.height());
		self.set(&id, node);
		Some(summary)
	}
}

fn attach_left<A, B>(node: &mut crate::RankNode<A, B>, child: Subtree<A>) {
	let (id, size, height) = split(child);
	node.left = id;
	node.left_size = size;
	node.left_height = height;
}

fn attach_right<A, B>(node: &mut crate::RankNode<A, B>, child: Subtree<A>) {
	let (id, size, height) = split(child);
	node.right = id;
	node.right_size = size;
	node.right_height = height;
}

fn split<A>(subtree: Subtree<A>) -> (Option<A>, u32, u8) {
	match subtree {
		Some((id, size, height)) => (Some(id), size, height),
		None => (None, 0, 0),
	}
}

impl<T: Config> Pallet<T> {
	/// Number of ranked accounts on `board`.
	pub fn board_size(board: Board) -> u32 {
		RankRoots::<T>::get(board)
			.and_then(|root| RankNodes::<T>::get(board, root))
			.map(|node| node.size())
			.unwrap_or(0)
	}

	/// 1-based rank of `who` on `board`: one walk from the root to the account's node.
	pub fn rank_of(board: Board, who: &T::AccountId) -> Option<u32> {
		let target = RankNodes::<T>::get(board, who)?;
		let mut rank = 0u32;
		let mut cursor = RankRoots::<T>::get(board);
		while let Some(id) = cursor {
			if &id == who {
				return Some(rank.saturating_add(target.left_size).saturating_add(1));
			}
			let node = RankNodes::<T>::get(board, &id)?;
			if target.standing.ranks_above(who, &node.standing, &id) {
				cursor = node.left;
			} else {
				rank = rank.saturating_add(node.left_size).saturating_add(1);
				cursor = node.right;
			}
		}
		None
	}

	/// Up to `limit` accounts from 0-based position `offset`, best first, with standings.
	/// Walks down to `offset`, then in order: O(height + limit) node reads.
	pub fn ranked_page(
		board: Board,
		offset: u32,
		limit: u32,
	) -> Vec<(T::AccountId, StandingOf<T>)> {
		let mut page = Vec::new();
		if limit == 0 {
			return page;
		}
		// Nodes still to visit, the next one on top: the ancestors whose left subtree the
		// walk is in.
		let mut upcoming: Vec<(T::AccountId, RankNodeOf<T>)> = Vec::new();
		let mut skip = offset;
		let mut cursor = RankRoots::<T>::get(board);
		while let Some(id) = cursor {
			let Some(node) = RankNodes::<T>::get(board, &id) else { break };
			if skip < node.left_size {
				cursor = node.left.clone();
				upcoming.push((id, node));
			} else if skip == node.left_size {
				upcoming.push((id, node));
				break;
			} else {
				skip -= node.left_size + 1;
				cursor = node.right;
			}
		}
		while let Some((id, node)) = upcoming.pop() {
			page.push((id, node.standing));
			if page.len() as u32 >= limit {
				break;
			}
			let mut cursor = node.right;
			while let Some(id) = cursor {
				let Some(node) = RankNodes::<T>::get(board, &id) else { break };
				cursor = node.left.clone();
				upcoming.push((id, node));
			}
		}
		page
	}

	/// Writes a balanced tree over `count` accounts given best first by `entry(position)`,
	/// replacing nothing: for genesis fixtures, where `board` is still empty.
	#[cfg(any(test, feature = "bench-genesis"))]
	pub(crate) fn build_board(
		board: Board,
		count: u32,
		entry: &impl Fn(u32) -> (T::AccountId, StandingOf<T>),
	) {
		fn build<T: Config>(
			board: Board,
			range: core::ops::Range<u32>,
			entry: &impl Fn(u32) -> (T::AccountId, StandingOf<T>),
		) -> Subtree<T::AccountId> {
			if range.is_empty() {
				return None;
			}
			let middle = range.start + (range.end - range.start) / 2;
			let (id, standing) = entry(middle);
			let mut node = RankNodeOf::<T>::leaf(standing);
			attach_left(&mut node, build::<T>(board, range.start..middle, entry));
			attach_right(&mut node, build::<T>(board, middle + 1..range.end, entry));
			let summary = (id.clone(), node.size(), node.height());
			RankNodes::<T>::insert(board, id, node);
			Some(summary)
		}
		if let Some((root, ..)) = build::<T>(board, 0..count, entry) {
			RankRoots::<T>::insert(board, root);
		}
	}

	/// Moves `who` to the standing of `stats` on the datanet's board and the global board.
	/// Returns the tallest height either board had before or after, which bounds the work
	/// done.
	pub(crate) fn update_boards(
		datanet: crate::DatanetId,
		who: &T::AccountId,
		stats: &BoardStats<T>,
	) -> u8 {
		let mut height = 0;
		for (board, stats) in
			[(Board::Datanet(datanet), &stats.datanet), (Board::Global, &stats.global)]
		{
			let Some(standing) = Standing::of(stats) else { continue };
			let mut tree = Tree::<T>::open(board);
			// A removal that rotates up to the root can lower the height: the work was
			// done on the taller tree.
			height = height.max(tree.height());
			tree.upsert(who, standing);
			height = height.max(tree.height());
			tree.commit();
		}
		height
	}

	/// Genesis fixture for the leaderboard benchmark: `count` synthetic contributors on
	/// `datanet` and the global board, best first by construction so the trees are written
	/// directly (O(count), no sorting). Pairs of accounts tie on score and differ in
	/// accepted count.
	#[cfg(any(test, feature = "bench-genesis"))]
	pub(crate) fn seed_benchmark_contributors(datanet: crate::DatanetId, count: u32) {
		use codec::{Decode, Encode};
		use sp_runtime::traits::{BlakeTwo256, Hash, TrailingZeroInput};
		let entry = |position: u32| -> (T::AccountId, crate::StatsOf<T>) {
			let seed = BlakeTwo256::hash_of(&(b"openledger/bench-contributor", position).encode());
			let account = T::AccountId::decode(&mut TrailingZeroInput::new(seed.as_ref()))
				.expect("infinite input decodes to an account id");
			let score = u64::from(count / 2 + 1 - position / 2);
			let accepted = (score / 100) as u32 + 2 - position % 2;
			let stats = crate::ContributorStats {
				submitted: accepted,
				accepted,
				accepted_bytes: u64::from(accepted) * 4096,
				score,
				first_accepted_at: Some(Default::default()),
				..Default::default()
			};
			(account, stats)
		};
		for position in 0..count {
			let (account, stats) = entry(position);
			crate::ContributorStatsOf::<T>::insert(datanet, &account, stats);
			crate::GlobalStats::<T>::insert(&account, stats);
		}
		let ranked = |position| {
			let (account, stats) = entry(position);
			(account, Standing::of(&stats).expect("seeded contributors have an acceptance"))
		};
		Self::build_board(Board::Datanet(datanet), count, &ranked);
		Self::build_board(Board::Global, count, &ranked);
	}

	/// A contributor's stats on `board`.
	pub fn stats_on(board: Board, who: &T::AccountId) -> crate::StatsOf<T> {
		match board {
			Board::Global => crate::GlobalStats::<T>::get(who),
			Board::Datanet(datanet) => crate::ContributorStatsOf::<T>::get(datanet, who),
		}
	}
}
