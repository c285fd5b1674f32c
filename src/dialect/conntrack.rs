//! Conntrack's classification of the first packet of a flow, as packet spaces: which packets a
//! rule restricted to `ct state new` (`--ctstate NEW`), `invalid` or `untracked` can match when no
//! connection exists yet. Verify compares what a configuration accepts as the first packet of a
//! flow, so a rule's connection-state match is the intersection with these spaces.
//!
//! Every packet that is not ICMP is `new` (the model has no TCP flags beyond ACK, and a TCP
//! segment without SYN also opens a connection with the kernel's default `nf_conntrack_tcp_loose`).
//! ICMP follows `crate::model::services::icmp_kind`: requests are `new`; replies, errors and
//! every other IPv4 type are `invalid`; ICMPv6 neighbour discovery, MLD and multicast router
//! discovery are `untracked`, the other non-request ICMPv6 types `invalid`; ICMPv6 in IPv4 and
//! ICMP in IPv6 are always `invalid`. `established` and `related` match no first packet.

use crate::packet::service::{icmp_kind, IcmpKind, ICMP6_UNTRACKED};
use crate::packet::space::{Cube, Family, Ivs, Space};

/// A connection state as `ct state` / `--ctstate` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    Established,
    Related,
    Invalid,
    Untracked,
}

impl State {
    /// `new`, `NEW`, ... (`None`: a state the readers do not model, such as `SNAT`).
    pub fn parse(name: &str) -> Option<State> {
        Some(match name.to_ascii_lowercase().as_str() {
            "new" => State::New,
            "established" => State::Established,
            "related" => State::Related,
            "invalid" => State::Invalid,
            "untracked" => State::Untracked,
            _ => return None,
        })
    }
}

/// Which packets of a connection a reader evaluates a chain for: the first packet (in the
/// original direction, its state as conntrack classifies it: [`restrict`]), or a packet in the
/// reply direction of an established connection (`ct direction reply`, `--ctdir REPLY`), which
/// only a rule that names `established` (or no state) and not `original` can match. Verify
/// compares the second where the policy has `one-way` flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    First,
    Reply,
}

/// `ct direction original|reply`, `--ctdir ORIGINAL|REPLY`: is `name` the direction of the
/// packets of `phase`? (`None`: not a direction.)
pub fn direction_holds(name: &str, phase: Phase) -> Option<bool> {
    match name.to_ascii_lowercase().as_str() {
        "original" => Some(phase == Phase::First),
        "reply" => Some(phase == Phase::Reply),
        _ => None,
    }
}

/// `m` restricted to the packets of `phase` that a rule with these state and direction
/// constraints matches: [`restrict`] for first packets; for replies, all of `m` when the rule
/// lets `established` through, nothing otherwise.
pub fn restrict_phase<T: Clone>(
    m: Space<T>,
    states: &[State],
    direction: bool,
    phase: Phase,
    families: &[Family],
) -> Space<T> {
    if !direction {
        return Space::new();
    }
    match phase {
        Phase::First if states.len() < ALL.len() => restrict(m, states, families),
        Phase::First => m,
        Phase::Reply if states.contains(&State::Established) => m,
        Phase::Reply => Space::new(),
    }
}

/// The ICMP types of the family's own ICMP protocol that conntrack gives `state`.
fn own_types(family: Family, state: State) -> Ivs {
    let v6 = family == Family::V6;
    let untracked = |t: u8| v6 && ICMP6_UNTRACKED.iter().any(|r| r.0 <= t && t <= r.1);
    Ivs::from_intervals((0..=255u8).filter_map(|t| {
        let s = match icmp_kind(v6, t) {
            IcmpKind::Request => State::New,
            _ if untracked(t) => State::Untracked,
            _ => State::Invalid,
        };
        (s == state).then_some((t as u128, t as u128))
    }))
}

/// Every first packet of `family` that conntrack classifies as `state`.
pub fn first_packets(family: Family, state: State) -> Vec<Cube> {
    first_packets_of(family, state).to_vec()
}

/// [`first_packets`], computed once for every family and state: `verify` asks for them for
/// every rule with a state match on every interface pair.
fn first_packets_of(family: Family, state: State) -> &'static [Cube] {
    static EVERY: std::sync::OnceLock<[[Vec<Cube>; ALL.len()]; 2]> = std::sync::OnceLock::new();
    let every = EVERY.get_or_init(|| Family::BOTH.map(|f| ALL.map(|s| classify(f, s))));
    // `ALL` lists the states in their declaration order.
    &every[(family == Family::V6) as usize][state as usize]
}

/// [`first_packets`] computed.
fn classify(family: Family, state: State) -> Vec<Cube> {
    let all = || family.all_addrs();
    let (own, foreign) = match family {
        Family::V4 => (1, 58),
        Family::V6 => (58, 1),
    };
    let mut out = Vec::new();
    match state {
        State::Established | State::Related => {}
        State::New => {
            // Everything outside ICMP, and the request types.
            let mut protos = Ivs::range(0, 255).subtract(&Ivs::point(1));
            protos = protos.subtract(&Ivs::point(58));
            out.extend(Cube::new(
                family,
                all(),
                all(),
                protos,
                Ivs::range(0, 65535),
            ));
        }
        State::Invalid => {
            out.extend(Cube::new(
                family,
                all(),
                all(),
                Ivs::point(foreign),
                Ivs::range(0, 255),
            ));
        }
        State::Untracked => {}
    }
    out.extend(Cube::new(
        family,
        all(),
        all(),
        Ivs::point(own),
        own_types(family, state),
    ));
    out
}

/// `m` restricted to the first packets that conntrack gives one of `states`. Every packet outside
/// ICMP is `new`, so only ICMP cubes are intersected; the others stay or go whole (a set of
/// 100,000 TCP elements matched with `ct state new` is not copied).
pub fn restrict<T: Clone>(m: Space<T>, states: &[State], families: &[Family]) -> Space<T> {
    let new = states.contains(&State::New);
    let is_icmp_cube = |c: &Cube| c.proto.first().is_some_and(is_icmp);
    if !m.cubes.iter().any(|(c, _)| is_icmp_cube(c)) {
        // The common case (a rule on TCP and UDP ports): nothing to intersect.
        return if new { m } else { Space::new() };
    }
    let icmp: Vec<&Cube> = families
        .iter()
        .flat_map(|&f| states.iter().flat_map(move |&s| first_packets_of(f, s)))
        .filter(|c| is_icmp_cube(c))
        .collect();
    let mut out = Space::new();
    for (c, t) in m.cubes {
        if !is_icmp_cube(&c) {
            if new {
                out.cubes.push((c, t));
            }
            continue;
        }
        for x in &icmp {
            if let Some(y) = c.intersect(x) {
                out.cubes.push((y, t.clone()));
            }
        }
    }
    out
}

fn is_icmp(p: u128) -> bool {
    p == 1 || p == 58
}

/// Every state, for negated matches.
pub const ALL: [State; 5] = [
    State::New,
    State::Established,
    State::Related,
    State::Invalid,
    State::Untracked,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn space(f: Family, s: State) -> Space<()> {
        let mut sp = Space::new();
        sp.extend(first_packets(f, s), ());
        sp
    }

    #[test]
    fn the_states_partition_every_first_packet() {
        for f in [Family::V4, Family::V6] {
            let states = [State::New, State::Invalid, State::Untracked];
            let mut all: Space<()> = Space::new();
            all.extend(Cube::universe(f), ());
            let mut union: Space<()> = Space::new();
            for (i, a) in states.iter().enumerate() {
                union.cubes.extend(space(f, *a).cubes);
                for b in &states[i + 1..] {
                    assert!(space(f, *a).intersect(&space(f, *b)).is_empty());
                }
            }
            assert!(all.subtract(&union).is_empty() && union.subtract(&all).is_empty());
        }
    }

    #[test]
    fn each_state_is_computed_once_under_its_own_key() {
        for f in Family::BOTH {
            for s in ALL {
                assert_eq!(first_packets(f, s), classify(f, s), "{f:?} {s:?}");
            }
        }
    }

    #[test]
    fn echo_request_is_new_its_reply_is_not() {
        let has = |f, s, proto: u128, t: u128| {
            first_packets(f, s)
                .iter()
                .any(|c| c.proto.contains(proto) && c.port.contains(t))
        };
        assert!(has(Family::V4, State::New, 1, 8));
        assert!(has(Family::V4, State::Invalid, 1, 0));
        assert!(has(Family::V4, State::Invalid, 1, 9));
        assert!(has(Family::V6, State::New, 58, 128));
        assert!(has(Family::V6, State::Invalid, 58, 129));
        assert!(has(Family::V6, State::Untracked, 58, 135));
        assert!(has(Family::V6, State::Invalid, 1, 8));
        assert!(has(Family::V4, State::New, 6, 502));
        assert!(first_packets(Family::V4, State::Established).is_empty());
    }

    #[test]
    fn restrict_equals_intersecting_with_the_state_spaces() {
        let fams = [Family::V4, Family::V6];
        let mut all: Space<()> = Space::new();
        for f in fams {
            all.extend(Cube::universe(f), ());
        }
        for states in [
            vec![State::New],
            vec![State::Invalid, State::Untracked],
            vec![State::Established, State::Related],
            vec![State::Untracked],
        ] {
            let got = restrict(all.clone(), &states, &fams);
            let mut want: Space<()> = Space::new();
            for f in fams {
                for s in &states {
                    want.extend(first_packets(f, *s), ());
                }
            }
            assert!(got.subtract(&want).is_empty() && want.subtract(&got).is_empty());
        }
    }
}
