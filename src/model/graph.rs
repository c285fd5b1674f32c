//! The zone/device graph: zones and layer-3 devices are nodes, interfaces are edges. A flow is
//! enforced on every device that lies on some loop-free (simple) path between its zones, on the
//! interfaces it enters and leaves that device by on that path: routing may fail over to any of
//! them, so each must carry the flow.
//!
//! The hops are computed from the graph's blocks (biconnected components) without enumerating
//! paths: every simple path from zone `s` to zone `t` crosses exactly the blocks on the path from
//! `s` to `t` in the block-cut tree, entering each block at one vertex and leaving it at another.
//! A device that joins two consecutive blocks (an articulation point) is crossed by every path,
//! from any of its interfaces in the first block to any in the second. A device inside a block
//! with entry `x` and exit `y` is crossed from zone `a` to zone `b` exactly when the block without
//! the device holds disjoint paths `x ~ a` and `b ~ y`: in a ring, a device is crossed in one
//! direction only.

use super::{DeviceId, Model, ZoneId};
use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Node {
    Zone(ZoneId),
    Device(DeviceId),
}

/// One device a flow crosses: where it enters and where it leaves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hop {
    pub device: DeviceId,
    /// Index into the device's `interfaces`.
    pub ingress: usize,
    pub egress: usize,
}

/// Steps of the search for two disjoint paths inside one block, when neither the necessary
/// connectivity test nor a shortest path settles it (the only part that is not linear). Zone
/// graphs have a handful of devices per block and every example settles without searching;
/// past this budget, on a large mesh, the interface pair is kept (the flow is enforced there as
/// if a path crossed it that way: a possible over-permit, never a dropped flow).
const LINK_BUDGET: usize = 2_000;

/// Steps of the search for the crossings of the paths through a `via` device inside its block
/// ([`ZoneGraph::stages_via`]); past it the block keeps every crossing.
const VIA_BUDGET: usize = 20_000;

pub struct ZoneGraph {
    pub graph: UnGraph<Node, usize>,
    zone_nodes: Vec<NodeIndex>,
    device_nodes: Vec<Option<NodeIndex>>,
    /// Block of each edge.
    edge_block: Vec<usize>,
    /// Vertices of each block, sorted.
    block_nodes: Vec<Vec<NodeIndex>>,
    /// Blocks of each vertex, sorted: an articulation point has two or more.
    node_blocks: Vec<Vec<usize>>,
    /// The block-cut forest, rooted.
    forest: Forest,
    /// [`ZoneGraph::block_stages`] of each zone pair asked for: a plan asks once per flow, and
    /// 100,000 flows between 100 zones cross 9,900 pairs.
    memo: std::sync::Mutex<std::collections::HashMap<(ZoneId, ZoneId), Memo>>,
}

/// What the paths through a `via` device inside one block cross: the crossings of the devices
/// inside the block, and the interfaces (edge weights) by which they leave the block's entry
/// and enter its exit (the interfaces of those vertices when they are devices).
#[derive(Default)]
struct Through {
    hops: std::collections::BTreeSet<Hop>,
    first: std::collections::BTreeSet<usize>,
    last: std::collections::BTreeSet<usize>,
}

/// Hops every simple path crosses at least one of (unless `bypass`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub hops: Vec<Hop>,
    /// The block can be crossed through zones alone, without any of these devices.
    pub bypass: bool,
}

/// A stage with, for the devices inside a block, the block and the vertices it is entered and
/// left by (`None` for an articulation-point device).
type BlockStage = (Option<(usize, NodeIndex, NodeIndex)>, Stage);
/// What [`ZoneGraph::block_stages`] found for a zone pair.
type Memo = Option<Vec<BlockStage>>;

/// A node of the block-cut tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tree {
    Block(usize),
    Cut(NodeIndex),
}

/// The block-cut forest rooted once: each node's parent (a root is its own) and depth, so that
/// the one path between two nodes is found by climbing from both to where they meet. A search
/// from one node per zone pair visited the whole forest: 9,900 searches of 200 nodes for a
/// central firewall between 100 zones.
struct Forest {
    /// The blocks (`Tree::Block(b)` at `b`), then the articulation points.
    nodes: Vec<Tree>,
    /// Per graph vertex, its index in `nodes` when it is an articulation point.
    cut_at: Vec<Option<usize>>,
    parent: Vec<usize>,
    depth: Vec<usize>,
}

impl Forest {
    fn new(block_nodes: &[Vec<NodeIndex>], node_blocks: &[Vec<usize>]) -> Forest {
        let mut nodes: Vec<Tree> = (0..block_nodes.len()).map(Tree::Block).collect();
        let mut cut_at = vec![None; node_blocks.len()];
        for (v, blocks) in node_blocks.iter().enumerate() {
            if blocks.len() > 1 {
                cut_at[v] = Some(nodes.len());
                nodes.push(Tree::Cut(NodeIndex::new(v)));
            }
        }
        let neighbours = |n: Tree| -> Vec<usize> {
            match n {
                Tree::Block(b) => block_nodes[b]
                    .iter()
                    .filter_map(|v| cut_at[v.index()])
                    .collect(),
                Tree::Cut(v) => node_blocks[v.index()].clone(),
            }
        };
        let mut parent: Vec<usize> = (0..nodes.len()).collect();
        let mut depth = vec![0; nodes.len()];
        let mut seen = vec![false; nodes.len()];
        let mut queue = VecDeque::new();
        for root in 0..nodes.len() {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            queue.push_back(root);
            while let Some(n) = queue.pop_front() {
                for m in neighbours(nodes[n]) {
                    if !seen[m] {
                        seen[m] = true;
                        parent[m] = n;
                        depth[m] = depth[n] + 1;
                        queue.push_back(m);
                    }
                }
            }
        }
        Forest {
            nodes,
            cut_at,
            parent,
            depth,
        }
    }

    fn index(&self, n: Tree) -> usize {
        match n {
            Tree::Block(b) => b,
            Tree::Cut(v) => self.cut_at[v.index()].expect("an articulation point of the forest"),
        }
    }

    /// The nodes of the path from `a` to `b`, both included; `None` when they are in two trees.
    fn path(&self, a: Tree, b: Tree) -> Option<Vec<Tree>> {
        let (mut x, mut y) = (self.index(a), self.index(b));
        let (mut up, mut down) = (Vec::new(), Vec::new());
        while self.depth[x] > self.depth[y] {
            up.push(x);
            x = self.parent[x];
        }
        while self.depth[y] > self.depth[x] {
            down.push(y);
            y = self.parent[y];
        }
        while x != y {
            if self.parent[x] == x {
                // Two roots: no path.
                return None;
            }
            up.push(x);
            down.push(y);
            (x, y) = (self.parent[x], self.parent[y]);
        }
        up.push(x);
        up.extend(down.into_iter().rev());
        Some(up.into_iter().map(|i| self.nodes[i]).collect())
    }
}

impl ZoneGraph {
    pub fn build(model: &Model) -> ZoneGraph {
        ZoneGraph::from_interfaces(
            model.zones.len(),
            model
                .devices
                .iter()
                .map(|d| d.interfaces.iter().map(|i| i.zone).collect()),
        )
    }

    /// The graph of `zones` zones and devices given by the zone of each of their interfaces.
    pub fn from_interfaces(zones: usize, devices: impl Iterator<Item = Vec<ZoneId>>) -> ZoneGraph {
        let mut graph = UnGraph::new_undirected();
        let zone_nodes: Vec<NodeIndex> = (0..zones)
            .map(|i| graph.add_node(Node::Zone(ZoneId(i))))
            .collect();
        let mut device_nodes = Vec::new();
        for (di, ifaces) in devices.enumerate() {
            if ifaces.is_empty() {
                device_nodes.push(None);
                continue;
            }
            let dn = graph.add_node(Node::Device(DeviceId(di)));
            device_nodes.push(Some(dn));
            for (ii, zone) in ifaces.iter().enumerate() {
                graph.add_edge(dn, zone_nodes[zone.0], ii);
            }
        }
        let (edge_block, count) = blocks(&graph);
        let mut block_nodes = vec![Vec::new(); count];
        let mut node_blocks = vec![Vec::new(); graph.node_count()];
        for e in graph.edge_references() {
            let b = edge_block[e.id().index()];
            for n in [e.source(), e.target()] {
                block_nodes[b].push(n);
                node_blocks[n.index()].push(b);
            }
        }
        for v in block_nodes.iter_mut() {
            v.sort();
            v.dedup();
        }
        for v in node_blocks.iter_mut() {
            v.sort();
            v.dedup();
        }
        let forest = Forest::new(&block_nodes, &node_blocks);
        ZoneGraph {
            graph,
            zone_nodes,
            device_nodes,
            edge_block,
            block_nodes,
            node_blocks,
            forest,
            memo: Default::default(),
        }
    }

    /// Every device crossing of every simple path from one zone to another: `None` when no path
    /// exists, empty when the zones are equal. Ordered along the block-cut tree from `from` to
    /// `to`, then by device and interfaces.
    pub fn hops(&self, from: ZoneId, to: ZoneId) -> Option<Vec<Hop>> {
        Some(
            self.stages(from, to)?
                .into_iter()
                .flat_map(|s| s.hops)
                .collect(),
        )
    }

    /// [`ZoneGraph::hops`] in stages along the block-cut tree: an articulation-point device
    /// (crossed by every path), or the devices inside one block (every path through the block
    /// crosses one of them, unless `bypass`: the block can be crossed through zones alone).
    pub fn stages(&self, from: ZoneId, to: ZoneId) -> Option<Vec<Stage>> {
        Some(
            self.block_stages(from, to)?
                .into_iter()
                .map(|(_, st)| st)
                .collect(),
        )
    }

    /// The hops of a flow: [`ZoneGraph::hops`], or [`ZoneGraph::hops_via`] when it names
    /// devices with `via`.
    pub fn flow_hops(&self, flow: &super::Flow) -> Option<Vec<Hop>> {
        if flow.via.is_empty() {
            self.hops(flow.src.zone, flow.dst.zone)
        } else {
            Some(
                self.stages_via(flow.src.zone, flow.dst.zone, &flow.via)?
                    .0
                    .into_iter()
                    .flat_map(|s| s.hops)
                    .collect(),
            )
        }
    }

    /// Every device crossing of the simple paths from one zone to another that cross at least
    /// one of the devices `via` (`allow ... via DEVICE, ...`). `None` when no path exists.
    pub fn hops_via(&self, from: ZoneId, to: ZoneId, via: &[DeviceId]) -> Option<Vec<Hop>> {
        Some(
            self.stages_via(from, to, via)?
                .0
                .into_iter()
                .flat_map(|s| s.hops)
                .collect(),
        )
    }

    /// [`ZoneGraph::stages`] of the simple paths that cross at least one of `via`, and the
    /// devices of `via` that no simple path from `from` to `to` crosses (E0036). A device every
    /// path crosses (an articulation point on the way) restricts nothing. A device inside a
    /// block keeps, in that block, the crossings of the paths through it (found by a search
    /// bounded by [`VIA_BUDGET`]; past it the block's crossings are all kept: a possible
    /// over-permit, never a dropped flow); the other blocks keep all of theirs. The paths of
    /// several devices are united. `None` when no path exists at all.
    pub fn stages_via(
        &self,
        from: ZoneId,
        to: ZoneId,
        via: &[DeviceId],
    ) -> Option<(Vec<Stage>, Vec<DeviceId>)> {
        let all = self.block_stages(from, to)?;
        // Per stage: everything kept, or the crossings kept so far.
        let mut whole = vec![false; all.len()];
        let mut kept: Vec<std::collections::BTreeSet<Hop>> = vec![Default::default(); all.len()];
        let mut off = Vec::new();
        for &v in via {
            let at = all
                .iter()
                .position(|(_, st)| st.hops.iter().any(|h| h.device == v));
            let Some(k) = at else {
                off.push(v);
                continue;
            };
            let (Some((blk, x, y)), Some(dv)) =
                (all[k].0, self.device_nodes.get(v.0).copied().flatten())
            else {
                // An articulation point: every path crosses it.
                whole.iter_mut().for_each(|w| *w = true);
                continue;
            };
            let Some(through) = self.crossings_through(blk, x, y, dv) else {
                // Past the search budget: the block keeps every crossing.
                whole.iter_mut().for_each(|w| *w = true);
                continue;
            };
            // The devices joining this block to the previous and the next one are crossed
            // from (to) the interfaces the paths through `v` leave (enter) the block by.
            let joins = |j: usize, at: NodeIndex| {
                j < all.len()
                    && all[j].0.is_none()
                    && matches!(self.graph[at], Node::Device(d) if all[j].1.hops.iter().all(|h| h.device == d))
            };
            let before = k.checked_sub(1).filter(|&j| joins(j, x));
            let after = Some(k + 1).filter(|&j| joins(j, y));
            for j in 0..all.len() {
                if j == k {
                    kept[j].extend(through.hops.iter().cloned());
                } else if Some(j) == before {
                    kept[j].extend(
                        all[j]
                            .1
                            .hops
                            .iter()
                            .filter(|h| through.first.contains(&h.egress))
                            .cloned(),
                    );
                } else if Some(j) == after {
                    kept[j].extend(
                        all[j]
                            .1
                            .hops
                            .iter()
                            .filter(|h| through.last.contains(&h.ingress))
                            .cloned(),
                    );
                } else {
                    whole[j] = true;
                }
            }
        }
        let stages = all
            .into_iter()
            .zip(whole.into_iter().zip(kept))
            .filter_map(|((_, st), (w, keep))| {
                if w {
                    return Some(st);
                }
                let hops: Vec<Hop> = st.hops.into_iter().filter(|h| keep.contains(h)).collect();
                (!hops.is_empty()).then_some(Stage {
                    hops,
                    bypass: false,
                })
            })
            .collect();
        Some((stages, off))
    }

    /// The crossings, inside block `blk` entered at `x` and left at `y`, of the simple paths
    /// from `x` to `y` in the block that pass `v`; `None` past [`VIA_BUDGET`] steps.
    fn crossings_through(
        &self,
        blk: usize,
        x: NodeIndex,
        y: NodeIndex,
        v: NodeIndex,
    ) -> Option<Through> {
        struct Walk<'a> {
            g: &'a ZoneGraph,
            blk: usize,
            y: NodeIndex,
            v: NodeIndex,
            on_path: Vec<bool>,
            /// (vertex, interface index of the edge the path arrived by).
            path: Vec<(NodeIndex, usize)>,
            out: Through,
            budget: usize,
        }
        impl Walk<'_> {
            fn go(&mut self, at: NodeIndex) -> bool {
                if self.budget == 0 {
                    return false;
                }
                self.budget -= 1;
                if at == self.y {
                    if self.on_path[self.v.index()] {
                        // Interior devices of the path, each with the edge it arrived by
                        // and the one it left by.
                        let n = self.path.len();
                        if n >= 2 {
                            // The edge that leaves `x`: the interface of `x` if a device.
                            self.out.first.insert(self.path[1].1);
                            self.out.last.insert(self.path[n - 1].1);
                        }
                        for w in 1..n.saturating_sub(1) {
                            if let Node::Device(dev) = self.g.graph[self.path[w].0] {
                                self.out.hops.insert(Hop {
                                    device: dev,
                                    ingress: self.path[w].1,
                                    egress: self.path[w + 1].1,
                                });
                            }
                        }
                    }
                    return true;
                }
                for (n, iface) in self.g.block_edges(at, self.blk) {
                    if self.on_path[n.index()] {
                        continue;
                    }
                    self.on_path[n.index()] = true;
                    self.path.push((n, iface));
                    let ok = self.go(n);
                    self.path.pop();
                    self.on_path[n.index()] = false;
                    if !ok {
                        return false;
                    }
                }
                true
            }
        }
        let mut w = Walk {
            g: self,
            blk,
            y,
            v,
            on_path: vec![false; self.graph.node_count()],
            path: vec![(x, usize::MAX)],
            out: Default::default(),
            budget: VIA_BUDGET,
        };
        w.on_path[x.index()] = true;
        w.go(x).then_some(w.out)
    }

    /// [`ZoneGraph::stages`], each interior stage with its block and the vertices it is
    /// entered and left by (`None` for an articulation-point device).
    fn block_stages(&self, from: ZoneId, to: ZoneId) -> Option<Vec<BlockStage>> {
        let known = self
            .memo
            .lock()
            .ok()
            .and_then(|m| m.get(&(from, to)).cloned());
        if let Some(known) = known {
            return known;
        }
        let found = self.block_stages_uncached(from, to);
        if let Ok(mut m) = self.memo.lock() {
            m.insert((from, to), found.clone());
        }
        found
    }

    fn block_stages_uncached(&self, from: ZoneId, to: ZoneId) -> Option<Vec<BlockStage>> {
        let s = self.zone_nodes[from.0];
        let t = self.zone_nodes[to.0];
        if s == t {
            return Some(Vec::new());
        }
        let chain = self.block_chain(s, t)?;
        let mut stages = Vec::new();
        for (k, &(blk, x, y)) in chain.iter().enumerate() {
            let mut inside = Vec::new();
            for &d in &self.block_nodes[blk] {
                let Node::Device(dev) = self.graph[d] else {
                    continue;
                };
                if d != x && d != y {
                    self.interior_hops(blk, x, y, d, dev, &mut inside);
                }
            }
            if !inside.is_empty() {
                inside.sort();
                stages.push((
                    Some((blk, x, y)),
                    Stage {
                        hops: inside,
                        bypass: self.zones_only(blk, x, y),
                    },
                ));
            }
            // The exit of this block is the entry of the next: a device there joins the two.
            if let (Some(&(next, _, _)), Node::Device(dev)) = (chain.get(k + 1), self.graph[y]) {
                let mut cut = Vec::new();
                for ein in self.block_edges(y, blk) {
                    for eout in self.block_edges(y, next) {
                        cut.push(Hop {
                            device: dev,
                            ingress: ein.1,
                            egress: eout.1,
                        });
                    }
                }
                cut.sort();
                stages.push((
                    None,
                    Stage {
                        hops: cut,
                        bypass: false,
                    },
                ));
            }
        }
        Some(stages)
    }

    /// Can block `blk` be crossed from `x` to `y` through zones alone: are they adjacent, or
    /// two devices sharing a zone?
    fn zones_only(&self, blk: usize, x: NodeIndex, y: NodeIndex) -> bool {
        let xs = self.block_edges(x, blk);
        if xs.iter().any(|(n, _)| *n == y) {
            return true;
        }
        let ys = self.block_edges(y, blk);
        matches!(
            (self.graph[x], self.graph[y]),
            (Node::Device(_), Node::Device(_))
        ) && xs.iter().any(|(n, _)| ys.iter().any(|(m, _)| m == n))
    }

    /// The blocks every simple path from `s` to `t` crosses, in order, each with the vertex
    /// the path enters it by and the vertex it leaves it by.
    fn block_chain(
        &self,
        s: NodeIndex,
        t: NodeIndex,
    ) -> Option<Vec<(usize, NodeIndex, NodeIndex)>> {
        let tree_path = self.forest.path(self.tree_node(s)?, self.tree_node(t)?)?;
        let mut chain = Vec::new();
        let mut entry = s;
        for (i, n) in tree_path.iter().enumerate() {
            if let Tree::Block(b) = n {
                let exit = match tree_path.get(i + 1) {
                    Some(Tree::Cut(v)) => *v,
                    _ => t,
                };
                chain.push((*b, entry, exit));
                entry = exit;
            }
        }
        Some(chain)
    }

    fn is_cut(&self, v: NodeIndex) -> bool {
        self.node_blocks[v.index()].len() > 1
    }

    fn tree_node(&self, v: NodeIndex) -> Option<Tree> {
        match self.node_blocks[v.index()].as_slice() {
            [] => None,
            [b] => Some(Tree::Block(*b)),
            _ => Some(Tree::Cut(v)),
        }
    }

    /// A vertex's edges inside one block: (neighbour, interface index).
    fn block_edges(&self, v: NodeIndex, blk: usize) -> Vec<(NodeIndex, usize)> {
        let mut out: Vec<(NodeIndex, usize)> = self
            .graph
            .edges(v)
            .filter(|e| self.edge_block[e.id().index()] == blk)
            .map(|e| (e.target(), *e.weight()))
            .collect();
        out.sort();
        out
    }

    /// The crossings of device `d` inside block `blk` entered at `x` and left at `y`.
    fn interior_hops(
        &self,
        blk: usize,
        x: NodeIndex,
        y: NodeIndex,
        d: NodeIndex,
        dev: DeviceId,
        out: &mut Vec<Hop>,
    ) {
        let edges = self.block_edges(d, blk);
        let mut decided: BTreeMap<(NodeIndex, NodeIndex), bool> = BTreeMap::new();
        for &(a, ingress) in &edges {
            for &(b, egress) in &edges {
                if a == b {
                    continue;
                }
                let ok = *decided
                    .entry((a, b))
                    .or_insert_with(|| self.linked(blk, d, (x, a), (b, y)));
                if ok {
                    out.push(Hop {
                        device: dev,
                        ingress,
                        egress,
                    });
                }
            }
        }
    }

    /// Are there vertex-disjoint paths `p.0 ~ p.1` and `q.0 ~ q.1` inside block `blk` without
    /// `d`? Decided by connectivity when terminals coincide, else by a depth-first search for
    /// the first path with the second's connectivity checked at every step.
    fn linked(
        &self,
        blk: usize,
        d: NodeIndex,
        p: (NodeIndex, NodeIndex),
        q: (NodeIndex, NodeIndex),
    ) -> bool {
        let (x, a) = p;
        let (b, y) = q;
        if a == y || b == x || x == y {
            return false;
        }
        let mut blocked = vec![false; self.graph.node_count()];
        blocked[d.index()] = true;
        if a == x {
            blocked[x.index()] = true;
            return self.connected(blk, b, y, &blocked);
        }
        if b == y {
            blocked[y.index()] = true;
            return self.connected(blk, x, a, &blocked);
        }
        // Necessary: each pair connected without the other pair's ends.
        let without = |extra: [NodeIndex; 2]| {
            let mut bl = blocked.clone();
            for n in extra {
                bl[n.index()] = true;
            }
            bl
        };
        let first_free = without([b, y]);
        let second_free = without([x, a]);
        if !self.connected(blk, x, a, &first_free) || !self.connected(blk, b, y, &second_free) {
            return false;
        }
        // Sufficient: a shortest path for one pair leaves the other pair connected.
        for (from, to, free, other) in [(x, a, &first_free, (b, y)), (b, y, &second_free, (x, a))] {
            if let Some(path) = self.shortest(blk, from, to, free) {
                let mut bl = blocked.clone();
                for n in path {
                    bl[n.index()] = true;
                }
                if self.connected(blk, other.0, other.1, &bl) {
                    return true;
                }
            }
        }
        let mut budget = LINK_BUDGET;
        blocked[x.index()] = true;
        self.extend(blk, x, a, (b, y), &mut blocked, &mut budget)
    }

    /// A shortest path from `from` to `to` inside block `blk` through vertices not `blocked`.
    fn shortest(
        &self,
        blk: usize,
        from: NodeIndex,
        to: NodeIndex,
        blocked: &[bool],
    ) -> Option<Vec<NodeIndex>> {
        let mut prev: Vec<Option<NodeIndex>> = vec![None; self.graph.node_count()];
        let mut queue = VecDeque::from([from]);
        prev[from.index()] = Some(from);
        while let Some(n) = queue.pop_front() {
            if n == to {
                let mut path = vec![to];
                let mut at = to;
                while at != from {
                    at = prev[at.index()]?;
                    path.push(at);
                }
                return Some(path);
            }
            for e in self.graph.edges(n) {
                let m = e.target();
                if self.edge_block[e.id().index()] == blk
                    && prev[m.index()].is_none()
                    && !blocked[m.index()]
                {
                    prev[m.index()] = Some(n);
                    queue.push_back(m);
                }
            }
        }
        None
    }

    /// Extends the first path from `at` towards `a` (every vertex of it in `blocked`).
    fn extend(
        &self,
        blk: usize,
        at: NodeIndex,
        a: NodeIndex,
        q: (NodeIndex, NodeIndex),
        blocked: &mut [bool],
        budget: &mut usize,
    ) -> bool {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        if at == a {
            return self.connected(blk, q.0, q.1, blocked);
        }
        // Both ends must stay reachable: `a` from here, and the second pair.
        let mut without_q = blocked.to_vec();
        without_q[q.0.index()] = true;
        without_q[q.1.index()] = true;
        without_q[at.index()] = false;
        if !self.connected(blk, at, a, &without_q) || !self.connected(blk, q.0, q.1, blocked) {
            return false;
        }
        for (n, _) in self.block_edges(at, blk) {
            if blocked[n.index()] || n == q.0 || n == q.1 {
                continue;
            }
            blocked[n.index()] = true;
            let found = self.extend(blk, n, a, q, blocked, budget);
            blocked[n.index()] = false;
            if found {
                return true;
            }
        }
        false
    }

    /// Is `to` reachable from `from` inside block `blk` through vertices not `blocked`
    /// (`from` itself may be blocked)?
    fn connected(&self, blk: usize, from: NodeIndex, to: NodeIndex, blocked: &[bool]) -> bool {
        if blocked[to.index()] {
            return false;
        }
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack = vec![from];
        seen[from.index()] = true;
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            for e in self.graph.edges(n) {
                let m = e.target();
                if self.edge_block[e.id().index()] == blk && !seen[m.index()] && !blocked[m.index()]
                {
                    seen[m.index()] = true;
                    stack.push(m);
                }
            }
        }
        false
    }

    /// Zones whose packets may legitimately arrive on a device's interface in `iface_zone`
    /// (anti-spoofing): the zone itself, and every zone `s` from which some simple path enters
    /// the device by that interface on its way to another zone. Where the device joins blocks
    /// (it is the only way between them), that is every zone reachable through the interface
    /// without crossing the device; inside a block (parallel devices, a ring), only the zones
    /// from which a path can arrive on this side while another neighbour of the device stays
    /// free to leave by.
    pub fn zones_behind(&self, device: DeviceId, iface_zone: ZoneId) -> Vec<ZoneId> {
        let z = self.zone_nodes[iface_zone.0];
        let mut blocked = vec![false; self.graph.node_count()];
        let mut starts = vec![z];
        if let Some(d) = self.device_nodes.get(device.0).copied().flatten() {
            blocked[d.index()] = true;
            let blk = self
                .graph
                .edges(d)
                .find(|e| e.target() == z)
                .map(|e| self.edge_block[e.id().index()]);
            if let (Some(blk), false) = (blk, self.is_cut(d)) {
                let mut others: Vec<NodeIndex> = self
                    .block_edges(d, blk)
                    .into_iter()
                    .map(|(n, _)| n)
                    .filter(|n| *n != z)
                    .collect();
                others.dedup();
                if !others.is_empty() {
                    // The block's vertices a path can come from: `z` reachable from them while
                    // some other neighbour `b` of the device stays free to leave by. The zones
                    // hanging off them (other blocks) come with them.
                    let mut good = vec![false; self.graph.node_count()];
                    for &b in &others {
                        let mut bl = blocked.clone();
                        bl[b.index()] = true;
                        for &c in &self.block_nodes[blk] {
                            if !good[c.index()] && c != b && self.connected(blk, z, c, &bl) {
                                good[c.index()] = true;
                            }
                        }
                    }
                    starts.clear();
                    for &c in &self.block_nodes[blk] {
                        blocked[c.index()] = !good[c.index()];
                        if good[c.index()] {
                            starts.push(c);
                        }
                    }
                }
            }
        }
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack = starts;
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            if seen[n.index()] || blocked[n.index()] {
                continue;
            }
            seen[n.index()] = true;
            if let Node::Zone(zone) = self.graph[n] {
                out.push(zone);
            }
            stack.extend(self.graph.neighbors(n));
        }
        out.sort();
        out
    }
}

/// The biconnected components (blocks) of an undirected multigraph, as the block of each edge
/// (Hopcroft-Tarjan with an edge stack, iterative so a long chain of zones cannot overflow the
/// stack). Parallel edges (two interfaces of a device in one zone) share a block. Written here:
/// petgraph 0.8 finds articulation points but does not return the blocks.
fn blocks(g: &UnGraph<Node, usize>) -> (Vec<usize>, usize) {
    const UNSEEN: usize = usize::MAX;
    let n = g.node_count();
    let mut disc = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut edge_block = vec![0; g.edge_count()];
    let mut count = 0;
    let mut time = 0;
    let mut estack: Vec<EdgeIndex> = Vec::new();
    let adj = |v: NodeIndex| -> Vec<(EdgeIndex, NodeIndex)> {
        g.edges(v).map(|e| (e.id(), e.target())).collect()
    };
    for root in g.node_indices() {
        if disc[root.index()] != UNSEEN {
            continue;
        }
        disc[root.index()] = time;
        low[root.index()] = time;
        time += 1;
        let mut stack = vec![(root, None::<EdgeIndex>, adj(root), 0usize)];
        while let Some(top) = stack.last_mut() {
            let (v, parent_edge) = (top.0, top.1);
            if let Some(&(e, w)) = top.2.get(top.3) {
                top.3 += 1;
                if Some(e) == parent_edge {
                    continue;
                }
                if disc[w.index()] == UNSEEN {
                    estack.push(e);
                    disc[w.index()] = time;
                    low[w.index()] = time;
                    time += 1;
                    stack.push((w, Some(e), adj(w), 0));
                } else if disc[w.index()] < disc[v.index()] {
                    estack.push(e);
                    low[v.index()] = low[v.index()].min(disc[w.index()]);
                }
                continue;
            }
            stack.pop();
            if let Some(parent) = stack.last() {
                let u = parent.0;
                low[u.index()] = low[u.index()].min(low[v.index()]);
                if low[v.index()] >= disc[u.index()] {
                    while let Some(e) = estack.pop() {
                        edge_block[e.index()] = count;
                        if Some(e) == parent_edge {
                            break;
                        }
                    }
                    count += 1;
                }
            }
        }
    }
    (edge_block, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Every crossing of every simple path from `s` to `t`, by enumerating the paths; each path
    /// as its list of crossings.
    fn brute(devices: &[Vec<ZoneId>], s: ZoneId, t: ZoneId) -> Vec<Vec<Hop>> {
        fn walk(
            devices: &[Vec<ZoneId>],
            at: ZoneId,
            t: ZoneId,
            zones_seen: &mut Vec<ZoneId>,
            devs_seen: &mut Vec<usize>,
            hops: &mut Vec<Hop>,
            out: &mut Vec<Vec<Hop>>,
        ) {
            if at == t {
                out.push(hops.clone());
                return;
            }
            for (d, ifaces) in devices.iter().enumerate() {
                if devs_seen.contains(&d) {
                    continue;
                }
                for (i, zi) in ifaces.iter().enumerate() {
                    if *zi != at {
                        continue;
                    }
                    for (e, ze) in ifaces.iter().enumerate() {
                        if zones_seen.contains(ze) {
                            continue;
                        }
                        devs_seen.push(d);
                        zones_seen.push(*ze);
                        hops.push(Hop {
                            device: DeviceId(d),
                            ingress: i,
                            egress: e,
                        });
                        walk(devices, *ze, t, zones_seen, devs_seen, hops, out);
                        hops.pop();
                        zones_seen.pop();
                        devs_seen.pop();
                    }
                }
            }
        }
        let mut out = Vec::new();
        if s != t {
            walk(
                devices,
                s,
                t,
                &mut vec![s],
                &mut Vec::new(),
                &mut Vec::new(),
                &mut out,
            );
        }
        out
    }

    fn topology() -> impl Strategy<Value = (usize, Vec<Vec<ZoneId>>)> {
        (2usize..8).prop_flat_map(|zones| {
            let iface = (0..zones).prop_map(ZoneId);
            (
                Just(zones),
                proptest::collection::vec(proptest::collection::vec(iface, 0..5), 1..9),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// The hops are exactly the crossings of the simple paths; every path crosses each
        /// stage that cannot be bypassed.
        #[test]
        fn hops_are_the_simple_paths_crossings((zones, devices) in topology()) {
            let g = ZoneGraph::from_interfaces(zones, devices.iter().cloned());
            for s in 0..zones {
                for t in 0..zones {
                    let (s, t) = (ZoneId(s), ZoneId(t));
                    let paths = brute(&devices, s, t);
                    let want: BTreeSet<Hop> = paths.iter().flatten().cloned().collect();
                    let stages = g.stages(s, t);
                    let got = g.hops(s, t);
                    if s == t {
                        prop_assert_eq!(got, Some(Vec::new()));
                        continue;
                    }
                    let Some(got) = got else {
                        prop_assert!(paths.is_empty(), "{s:?} -> {t:?}: no hops, but paths {paths:?}");
                        continue;
                    };
                    let got_set: BTreeSet<Hop> = got.iter().cloned().collect();
                    prop_assert_eq!(got_set.len(), got.len(), "duplicate hops");
                    prop_assert_eq!(&got_set, &want, "{:?} -> {:?} in {:?}", s, t, devices);
                    for stage in stages.unwrap_or_default().iter().filter(|st| !st.bypass) {
                        for p in &paths {
                            prop_assert!(p.iter().any(|h| stage.hops.contains(h)), "path {p:?} misses stage {stage:?}");
                        }
                    }
                }
            }
        }

        /// `via`: the hops are exactly the crossings of the simple paths that cross at least one
        /// of the named devices, and the named devices no simple path crosses are reported.
        #[test]
        fn via_hops_are_the_crossings_of_the_paths_through_them(
            (zones, devices) in topology(),
            picks in proptest::collection::vec(0usize..9, 1..3),
        ) {
            let g = ZoneGraph::from_interfaces(zones, devices.iter().cloned());
            let mut via: Vec<DeviceId> = picks.iter().map(|p| DeviceId(p % devices.len())).collect();
            via.sort();
            via.dedup();
            for s in 0..zones {
                for t in 0..zones {
                    let (s, t) = (ZoneId(s), ZoneId(t));
                    if s == t {
                        continue;
                    }
                    let paths = brute(&devices, s, t);
                    let Some((stages, off)) = g.stages_via(s, t, &via) else {
                        prop_assert!(paths.is_empty());
                        continue;
                    };
                    let through: Vec<&Vec<Hop>> = paths
                        .iter()
                        .filter(|p| p.iter().any(|h| via.contains(&h.device)))
                        .collect();
                    let want: BTreeSet<Hop> = through.iter().copied().flatten().cloned().collect();
                    let got: BTreeSet<Hop> = stages.iter().flat_map(|st| st.hops.clone()).collect();
                    prop_assert_eq!(&got, &want, "{:?} -> {:?} via {:?} in {:?}", s, t, via, devices);
                    let want_off: Vec<DeviceId> = via
                        .iter()
                        .copied()
                        .filter(|v| !paths.iter().flatten().any(|h| h.device == *v))
                        .collect();
                    prop_assert_eq!(off, want_off);
                    for stage in stages.iter().filter(|st| !st.bypass) {
                        for p in &through {
                            prop_assert!(p.iter().any(|h| stage.hops.contains(h)), "path {p:?} misses stage {stage:?}");
                        }
                    }
                }
            }
        }

        /// Anti-spoofing: the zones behind an interface are the interface's own zone and every
        /// zone some simple path comes from when it enters the device by that interface.
        #[test]
        fn zones_behind_are_where_paths_come_from((zones, devices) in topology()) {
            let g = ZoneGraph::from_interfaces(zones, devices.iter().cloned());
            for (d, ifaces) in devices.iter().enumerate() {
                let distinct: BTreeSet<ZoneId> = ifaces.iter().copied().collect();
                if distinct.len() < 2 {
                    continue; // crosses nothing: no path decides
                }
                for &z in &distinct {
                    let mut want = BTreeSet::from([z]);
                    for s in 0..zones {
                        for t in 0..zones {
                            let enters = brute(&devices, ZoneId(s), ZoneId(t)).iter().flatten().any(|h| {
                                h.device == DeviceId(d) && ifaces[h.ingress] == z
                            });
                            if enters {
                                want.insert(ZoneId(s));
                            }
                        }
                    }
                    let got: BTreeSet<ZoneId> = g.zones_behind(DeviceId(d), z).into_iter().collect();
                    prop_assert_eq!(got, want, "device {} zone {:?} in {:?}", d, z, devices);
                }
            }
        }
    }

    /// A firewall and a router in parallel between `a` and `b`: both cross it, each from `a`
    /// to `b` only, and neither accepts `b`'s addresses on its `a` side.
    #[test]
    fn parallel_devices_both_enforce() {
        let (a, b) = (ZoneId(0), ZoneId(1));
        let g = ZoneGraph::from_interfaces(2, [vec![a, b], vec![a, b]].into_iter());
        let hop = |d, ingress, egress| Hop {
            device: DeviceId(d),
            ingress,
            egress,
        };
        assert_eq!(g.hops(a, b), Some(vec![hop(0, 0, 1), hop(1, 0, 1)]));
        assert_eq!(g.hops(b, a), Some(vec![hop(0, 1, 0), hop(1, 1, 0)]));
        assert_eq!(g.zones_behind(DeviceId(0), a), vec![a]);
        assert_eq!(g.zones_behind(DeviceId(1), b), vec![b]);
    }

    /// A 3x3 grid of zones and devices with one more device `D` joining two corners: from one
    /// corner to the next, `D` can be crossed one way only, and neither connectivity nor a
    /// shortest path decides which (both pairs of corners must go through the centre zone), so
    /// the search for disjoint paths does.
    #[test]
    fn a_grid_needs_the_disjoint_paths_search() {
        let z = ZoneId;
        let devices = vec![
            vec![z(0), z(1), z(4)],
            vec![z(0), z(3), z(4)],
            vec![z(1), z(2), z(4)],
            vec![z(3), z(2), z(4)],
            vec![z(2), z(1)],
        ];
        let g = ZoneGraph::from_interfaces(5, devices.iter().cloned());
        for s in 0..5 {
            for t in 0..5 {
                let want: BTreeSet<Hop> =
                    brute(&devices, z(s), z(t)).into_iter().flatten().collect();
                let got: BTreeSet<Hop> =
                    g.hops(z(s), z(t)).unwrap_or_default().into_iter().collect();
                assert_eq!(got, want, "{s} -> {t}");
            }
        }
        let d = |h: &&Hop| h.device == DeviceId(4);
        let hops = g.hops(z(0), z(3)).unwrap_or_default();
        let through_d: Vec<&Hop> = hops.iter().filter(d).collect();
        // From corner 1 (interface 1) to corner 2 (interface 0) only.
        assert_eq!(
            through_d,
            vec![&Hop {
                device: DeviceId(4),
                ingress: 1,
                egress: 0
            }]
        );
    }
}
