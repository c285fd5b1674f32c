//! Resolution of build-time expectations (`expect allow|deny SRC -> DST SERVICE`): their ends
//! (a zone, `zone.asset`, or at one end a device or cluster node for its own addresses) and
//! service, sorted; the prover checks them after the targets are built.

use super::cx::Cx;
use super::endpoints::Names;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::*;
use crate::syntax::ast;

/// The expectations, sorted, and their statements' spans by id.
pub(super) fn resolve_expects(
    cx: &mut Cx,
    decls: &[&ast::Expect],
    names: &Names,
    devices: &[Device],
) -> (Vec<Expect>, Vec<Span>) {
    let mut expects = Vec::new();
    for e in decls {
        let src = end(cx, &e.src, names, devices);
        let dst = end(cx, &e.dst, names, devices);
        let svc = names.service(cx, &e.service);
        if let (Some(ExpectEnd::Device { .. }), Some(ExpectEnd::Device { .. })) = (src, dst) {
            cx.err(
                Diagnostic::error(
                    codes::SELF_RESERVED,
                    "an expectation names a device at one end only",
                )
                .at(e.dst.zone.span, "a device at both ends")
                .help("a device end stands for the device's own addresses, as `self` in its block; make one end a zone or `zone.asset`"),
            );
            continue;
        }
        if let (Some(src), Some(dst), Some(service)) = (src, dst, svc) {
            let expect = Expect {
                allow: e.allow,
                src,
                dst,
                service,
            };
            expects.push((expect, e.span));
        }
    }
    expects.sort_by_key(|(e, span)| (e.src, e.dst, e.service, e.allow, *span));
    expects.into_iter().unzip()
}

/// One end: a zone or `zone.asset`; where no zone has the name, a device or a cluster node
/// (zone names come first, as in `query`).
fn end(cx: &mut Cx, ep: &ast::Endpoint, names: &Names, devices: &[Device]) -> Option<ExpectEnd> {
    let name = ep.zone.name.as_str();
    if ep.asset.is_none() && !names.zone_index.contains_key(name) {
        if let Some(i) = devices.iter().position(|d| d.name == name) {
            return Some(ExpectEnd::Device {
                device: DeviceId(i),
                node: None,
            });
        }
        if let Some((i, n)) = devices
            .iter()
            .enumerate()
            .find_map(|(i, d)| Some((i, d.cluster.iter().position(|c| c == name)?)))
        {
            return Some(ExpectEnd::Device {
                device: DeviceId(i),
                node: Some(n),
            });
        }
    }
    names.endpoint(cx, ep).map(ExpectEnd::Endpoint)
}
