//! The zone/device graph: zones and layer-3 devices are nodes, interfaces are edges. A flow is
//! enforced on every device on its path, on the interfaces it enters and leaves by.

use super::{DeviceId, Model, ZoneId};
use petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Node {
    Zone(ZoneId),
    Device(DeviceId),
}

/// One device a flow crosses: where it enters and where it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub device: DeviceId,
    /// Index into the device's `interfaces`.
    pub ingress: usize,
    pub egress: usize,
}

pub struct ZoneGraph {
    pub graph: UnGraph<Node, usize>,
    zone_nodes: Vec<NodeIndex>,
}

impl ZoneGraph {
    pub fn build(model: &Model) -> ZoneGraph {
        let mut graph = UnGraph::new_undirected();
        let zone_nodes: Vec<NodeIndex> = (0..model.zones.len())
            .map(|i| graph.add_node(Node::Zone(ZoneId(i))))
            .collect();
        for (di, d) in model.devices.iter().enumerate() {
            if d.interfaces.is_empty() {
                continue;
            }
            let dn = graph.add_node(Node::Device(DeviceId(di)));
            for (ii, iface) in d.interfaces.iter().enumerate() {
                graph.add_edge(dn, zone_nodes[iface.zone.0], ii);
            }
        }
        ZoneGraph { graph, zone_nodes }
    }

    /// The devices on the shortest path from one zone to another, in order. `None` when no path
    /// exists; an empty path when the zones are adjacent without a device (impossible here: zones
    /// only meet through devices) or equal.
    pub fn path(&self, from: ZoneId, to: ZoneId) -> Option<Vec<Hop>> {
        let start = self.zone_nodes[from.0];
        let goal = self.zone_nodes[to.0];
        let (_, nodes) = petgraph::algo::astar(&self.graph, start, |n| n == goal, |_| 1u32, |_| 0)?;
        let mut hops = Vec::new();
        for w in nodes.windows(3) {
            if let Node::Device(d) = self.graph[w[1]] {
                let ingress = self.edge_iface(w[0], w[1])?;
                let egress = self.edge_iface(w[1], w[2])?;
                hops.push(Hop {
                    device: d,
                    ingress,
                    egress,
                });
            }
        }
        Some(hops)
    }

    fn edge_iface(&self, a: NodeIndex, b: NodeIndex) -> Option<usize> {
        self.graph.find_edge(a, b).map(|e| self.graph[e])
    }

    /// Zones reachable through a device's interface without crossing the device itself: the
    /// source addresses that may legitimately arrive on that interface (anti-spoofing).
    pub fn zones_behind(&self, device: DeviceId, iface_zone: ZoneId) -> Vec<ZoneId> {
        let dev_node = self
            .graph
            .node_indices()
            .find(|n| self.graph[*n] == Node::Device(device));
        let start = self.zone_nodes[iface_zone.0];
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack = vec![start];
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            if seen[n.index()] || Some(n) == dev_node {
                continue;
            }
            seen[n.index()] = true;
            if let Node::Zone(z) = self.graph[n] {
                out.push(z);
            }
            stack.extend(self.graph.neighbors(n));
        }
        out.sort();
        out
    }
}
