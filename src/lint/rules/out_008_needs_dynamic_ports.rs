//! ## What it does
//! Flags a flow between zones whose service opens connections on ports the flow does not allow,
//! so that it cannot work as compiled:
//! - FTP (`ftp`, `tcp/21`): the data connections (from port 20 in active mode, to a dynamic
//!   port in passive mode);
//! - OPC Classic DA and every DCOM service (`opc-da`, `tcp/135`): the endpoint mapper hands
//!   out a dynamic RPC port (49152-65535 by default) for the calls that follow;
//! - TFTP (`tftp`, `udp/69`): the server answers from a new port of its own.
//!
//! fenceline compiles a flow to exactly its ports: no target loads a connection-tracking helper
//! (`nf_conntrack_ftp`, `nf_conntrack_tftp`) and Cisco IOS ACLs follow no data channel. A
//! flow that also allows a TCP port range at or above 1024 (a fixed DCOM range, an FTP passive
//! range) is taken to carry the data channel and is not flagged. What a service carries is
//! judged by its ports: a declared `service files tcp/21` is FTP.
//!
//! ## Why is this bad
//! The flow looks allowed and its control connection succeeds, but the transfer or the call
//! that follows is dropped: the application fails in ways that invite opening a wide port range
//! in a hurry, against least functionality (SR 7.7) and deny-by-default (SR 5.2 RE1).
//!
//! ## Example
//! ```fence
//! zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone cell { level 2  sl-target 2  network 10.40.0.0/24  asset opc-server 10.40.0.5 }
//! conduit ops-cell {
//!   connects ops, cell
//!   allow ops.historian -> cell.opc-server opc-da
//! }
//! ```
//!
//! ## Use instead
//! OPC UA (`opcua`), SFTP (`ssh`) or HTTPS instead; or fix the server's DCOM port range
//! (or FTP's passive range) and allow it beside the control port:
//! ```fence
//! zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone cell { level 2  sl-target 2  network 10.40.0.0/24  asset opc-server 10.40.0.5 }
//! service dcom-fixed tcp/5000-5100 { description "DCOM port range fixed on the OPC server" }
//! conduit ops-cell {
//!   connects ops, cell
//!   allow ops.historian -> cell.opc-server opcua
//!   allow ops.historian -> cell.opc-server opc-da, dcom-fixed
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 RE1 (deny by default, allow by exception), SR 7.7 (least
//!   functionality)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{PortRange, ServiceItem};

pub const RULE: Rule = Rule {
    id: "OUT-008",
    name: "needs-dynamic-ports",
    severity: Severity::Warning,
    reference: "SR 5.2 RE1, SR 7.7",
    status: Status::Stable,
    file: file!(),
    source: include_str!("out_008_needs_dynamic_ports.rs"),
    check: Some(check),
};

/// The first port of a data range a flow may carry beside the control port.
const DATA_FROM: u16 = 1024;

/// A control port whose protocol needs more: the item, what it is, what is missing, what to do.
struct Needs {
    item: ServiceItem,
    what: &'static str,
    missing: &'static str,
    help: &'static str,
    /// Whether a TCP range at or above [`DATA_FROM`] in the same flow carries what is missing.
    tcp_data: bool,
}

const NEEDS: &[Needs] = &[
    Needs {
        item: ServiceItem::Tcp { ports: PortRange { lo: 21, hi: 21 } },
        what: "FTP",
        missing: "its data connections (from port 20 in active mode, to a dynamic port in passive mode) are not allowed",
        help: "use SFTP (`ssh`) or HTTPS; or fix the server's passive port range and allow it beside `ftp`; no target loads the FTP connection-tracking helper",
        tcp_data: true,
    },
    Needs {
        item: ServiceItem::Tcp { ports: PortRange { lo: 135, hi: 135 } },
        what: "OPC Classic over DCOM",
        missing: "the endpoint mapper hands out a dynamic RPC port (49152-65535 by default) that is not allowed",
        help: "move to OPC UA (`opcua`); or fix the server's DCOM port range (e.g. `tcp/5000-5100`) and allow it beside `opc-da`",
        tcp_data: true,
    },
    Needs {
        item: ServiceItem::Udp { ports: PortRange { lo: 69, hi: 69 } },
        what: "TFTP",
        missing: "the server answers from a new port, which is neither a reply nor allowed",
        help: "use SFTP (`ssh`) or HTTPS for file transfer; no target loads the TFTP connection-tracking helper",
        tcp_data: false,
    },
];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let items = cx.flow_items(fid);
        let data = items.iter().any(|(_, _, i)| match i {
            ServiceItem::Tcp { ports } => ports.hi >= DATA_FROM,
            ServiceItem::AnyIp => true,
            _ => false,
        });
        let f = cx.model.flow(fid);
        let mut seen = Vec::new();
        for (sid, span, item) in &items {
            let Some(n) = NEEDS.iter().find(|n| item.within(&n.item)) else {
                continue;
            };
            if (n.tcp_data && data) || seen.contains(&(sid, n.what)) {
                continue;
            }
            seen.push((sid, n.what));
            let svc = cx.model.service(*sid);
            let d = RULE
                .diag(format!(
                    "flow {} -> {} allows `{}` ({}), which cannot work as compiled",
                    cx.ep(f.src),
                    cx.ep(f.dst),
                    svc.name,
                    n.what
                ))
                .at(*span, n.missing)
                .about(Subject::Flow(fid))
                .help(n.help);
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}
