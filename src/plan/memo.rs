//! Expanding a DAG once per node: recipes of sub-recipes (SPEC §5.4) and bundles of bundles
//! (§5.1).
//!
//! A node's expansion is what one unit of it uses — its own lines plus each child's
//! expansion times the child's multiplier — grouped by the relative path of child nodes the
//! use was reached through (the provenance column). Computing children before parents and
//! keeping each node's expansion makes shared sub-recipes cost their edges, not their paths:
//! N recipes each using the next twice cost N steps, not 2^N. No recursion: the walk keeps
//! its own stack, so nesting depth never reaches the thread's stack.
//!
//! Provenance stays exact up to [`MAX_PATHS`] distinct paths below one node; past that (only
//! a deliberately tangled catalogue gets there) the node's uses are attributed to the node
//! itself, and totals stay exact.

use foldhash::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use rust_decimal::Decimal;

/// Most distinct provenance paths kept below one node.
pub const MAX_PATHS: usize = 4096;

/// One use: `qty` of `key` per unit of the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use<K> {
    /// What is used (an ingredient in a unit, an item, a material).
    pub key: K,
    /// How much per unit of the node.
    pub qty: Decimal,
}

/// Uses reached through one relative path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<K> {
    /// Child node ids from the expanded node down to the node holding the lines (empty: the
    /// node's own lines).
    pub path: Arc<[u32]>,
    /// Uses, one per key, in first-seen order.
    pub uses: Vec<Use<K>>,
}

/// Everything one unit of a node uses, grouped by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion<K> {
    /// Groups in first-seen order (own lines first).
    pub groups: Vec<Group<K>>,
}

/// An expansion whose amounts do not fit exact decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The node whose expansion overflowed.
    pub node: u32,
}

/// A DAG whose nodes are dense ids.
pub trait Dag {
    /// What a use refers to.
    type Key: Copy + Eq + Hash;
    /// The node's children with their multipliers, in listed order.
    fn children(&self, node: u32) -> Vec<(u32, Decimal)>;
    /// The node's own uses per unit, in listed order.
    fn own(&self, node: u32) -> Vec<Use<Self::Key>>;
    /// Own uses and children in the order provenance groups are first seen: by default
    /// the node's own lines, then each child's.
    fn lines(&self, node: u32) -> Vec<Line<Self::Key>> {
        let mut lines: Vec<Line<Self::Key>> = self.own(node).into_iter().map(Line::Own).collect();
        lines.extend(
            self.children(node)
                .into_iter()
                .map(|(c, m)| Line::Child(c, m)),
        );
        lines
    }
}

/// One line of a node, for ordering provenance groups.
#[derive(Debug, Clone, Copy)]
pub enum Line<K> {
    /// One of the node's own uses.
    Own(Use<K>),
    /// A child node and its multiplier.
    Child(u32, Decimal),
}

/// Expansions of every node reachable from `roots`, indexed by node id (`None`: not reached).
pub type Memo<K> = Vec<Option<Result<Arc<Expansion<K>>, Overflow>>>;

/// Expands every node reachable from `roots` over a DAG of `nodes` nodes, children first.
/// The DAG must be acyclic (the loader guarantees it); a cycle is cut, never looped.
pub fn expand_all<D: Dag>(
    dag: &D,
    nodes: usize,
    roots: impl IntoIterator<Item = u32>,
) -> Memo<D::Key> {
    let mut memo: Memo<D::Key> = vec![None; nodes];
    let mut on_stack = vec![false; nodes];
    for root in roots {
        if memo.get(root as usize).is_none_or(Option::is_some) {
            continue;
        }
        // (node, its children, next child to visit)
        let mut stack: Vec<Frame> = vec![(root, dag.children(root), 0)];
        on_stack[root as usize] = true;
        while let Some((node, children, next)) = stack.last_mut() {
            if let Some(&(child, _)) = children.get(*next) {
                *next += 1;
                let index = child as usize;
                if index < nodes && memo[index].is_none() && !on_stack[index] {
                    on_stack[index] = true;
                    let grandchildren = dag.children(child);
                    stack.push((child, grandchildren, 0));
                }
                continue;
            }
            let node = *node;
            let expansion = combine(dag, node, &memo);
            on_stack[node as usize] = false;
            memo[node as usize] = Some(expansion);
            stack.pop();
        }
    }
    memo
}

/// A node on the walk's stack: the node, its children, the next child to visit.
type Frame = (u32, Vec<(u32, Decimal)>, usize);

/// A provenance group's position and its keys' positions within it.
type GroupSlots<K> = HashMap<Arc<[u32]>, (usize, HashMap<K, usize>)>;

fn combine<D: Dag>(
    dag: &D,
    node: u32,
    memo: &Memo<D::Key>,
) -> Result<Arc<Expansion<D::Key>>, Overflow> {
    let mut groups: Vec<Group<D::Key>> = Vec::new();
    let mut by_path: GroupSlots<D::Key> = HashMap::default();
    let mut add = |path: Arc<[u32]>, key: D::Key, qty: Decimal| -> Result<(), Overflow> {
        let (group, keys) = by_path.entry(Arc::clone(&path)).or_insert_with(|| {
            groups.push(Group {
                path,
                uses: Vec::new(),
            });
            (groups.len() - 1, HashMap::default())
        });
        let uses = &mut groups[*group].uses;
        match keys.get(&key) {
            Some(&at) => {
                uses[at].qty = uses[at].qty.checked_add(qty).ok_or(Overflow { node })?;
            }
            None => {
                keys.insert(key, uses.len());
                uses.push(Use { key, qty });
            }
        }
        Ok(())
    };
    let own: Arc<[u32]> = Arc::from(Vec::new());
    for line in dag.lines(node) {
        let (child, multiplier) = match line {
            Line::Own(used) => {
                add(Arc::clone(&own), used.key, used.qty)?;
                continue;
            }
            Line::Child(child, multiplier) => (child, multiplier),
        };
        // A child cut from a cycle (never in a loaded catalogue) contributes nothing.
        let Some(Some(expansion)) = memo.get(child as usize) else {
            continue;
        };
        let expansion = expansion.as_ref().map_err(|_| Overflow { node })?;
        for group in &expansion.groups {
            let path: Arc<[u32]> = std::iter::once(child)
                .chain(group.path.iter().copied())
                .collect();
            for used in &group.uses {
                let qty = used.qty.checked_mul(multiplier).ok_or(Overflow { node })?;
                add(Arc::clone(&path), used.key, qty)?;
            }
        }
    }
    if groups.len() > MAX_PATHS {
        let mut merged: Vec<Use<D::Key>> = Vec::new();
        let mut keys: HashMap<D::Key, usize> = HashMap::default();
        for used in groups.iter().flat_map(|g| &g.uses) {
            match keys.get(&used.key) {
                Some(&at) => {
                    merged[at].qty = merged[at]
                        .qty
                        .checked_add(used.qty)
                        .ok_or(Overflow { node })?;
                }
                None => {
                    keys.insert(used.key, merged.len());
                    merged.push(*used);
                }
            }
        }
        groups = vec![Group {
            path: own,
            uses: merged,
        }];
    }
    Ok(Arc::new(Expansion { groups }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node i uses key i once and has the listed children.
    struct Lines(Vec<Vec<(u32, Decimal)>>);

    impl Dag for Lines {
        type Key = u32;
        fn children(&self, node: u32) -> Vec<(u32, Decimal)> {
            self.0[node as usize].clone()
        }
        fn own(&self, node: u32) -> Vec<Use<u32>> {
            vec![Use {
                key: node,
                qty: Decimal::ONE,
            }]
        }
    }

    #[test]
    fn shared_children_cost_edges_not_paths() {
        // Each node uses the next twice at half a unit: every node's key totals exactly 1.
        let depth = 60;
        let half = Decimal::new(5, 1);
        let dag = Lines(
            (0..depth)
                .map(|i| {
                    if i + 1 < depth {
                        vec![(i + 1, half), (i + 1, half)]
                    } else {
                        vec![]
                    }
                })
                .collect(),
        );
        let memo = expand_all(&dag, depth as usize, [0]);
        let Some(Some(Ok(root))) = memo.first() else {
            panic!("root expanded");
        };
        // One group per distinct path (the chain 0 → 1 → … → k), each using its key once.
        assert_eq!(root.groups.len(), depth as usize);
        for group in &root.groups {
            assert_eq!(group.uses.len(), 1);
            assert_eq!(group.uses[0].qty, Decimal::ONE);
            assert_eq!(group.uses[0].key as usize, group.path.len());
        }
    }

    #[test]
    fn too_many_paths_collapse_onto_the_node() {
        // Diamonds: node 2i uses 2i+1 and 2i+2, node 2i+1 uses 2i+2: paths double per diamond.
        let diamonds = 14u32;
        let mut children = Vec::new();
        for d in 0..diamonds {
            children.push(vec![(2 * d + 1, Decimal::ONE), (2 * d + 2, Decimal::ONE)]);
            children.push(vec![(2 * d + 2, Decimal::ONE)]);
        }
        children.push(vec![]);
        let nodes = children.len();
        let memo = expand_all(&Lines(children), nodes, [0]);
        let Some(Some(Ok(root))) = memo.first() else {
            panic!("root expanded");
        };
        assert!(root.groups.len() <= MAX_PATHS + 1);
        let last = root
            .groups
            .iter()
            .flat_map(|g| &g.uses)
            .filter(|u| u.key == 2 * diamonds)
            .map(|u| u.qty)
            .sum::<Decimal>();
        assert_eq!(last, Decimal::from(1u64 << diamonds));
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let big = Decimal::from(1_000_000_000_000u64);
        let dag = Lines(
            (0..5)
                .map(|i| if i < 4 { vec![(i + 1, big)] } else { vec![] })
                .collect(),
        );
        let memo = expand_all(&dag, 5, [0]);
        assert!(matches!(memo[0], Some(Err(Overflow { .. }))));
        assert!(matches!(memo[3], Some(Ok(_))));
    }
}
