//! Resolution of build-time expectations (`expect allow|deny SRC -> DST SERVICE`): their ends
//! and service, sorted; the prover checks them after the targets are built.

use super::cx::Cx;
use super::endpoints::Names;
use crate::model::*;
use crate::syntax::ast;

/// The expectations, sorted, and their statements' spans by id.
pub(super) fn resolve_expects(
    cx: &mut Cx,
    decls: &[&ast::Expect],
    names: &Names,
) -> (Vec<Expect>, Vec<Span>) {
    let mut expects = Vec::new();
    for e in decls {
        let src = names.endpoint(cx, &e.src);
        let dst = names.endpoint(cx, &e.dst);
        let svc = names.service(cx, &e.service);
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
