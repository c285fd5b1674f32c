//! Static 1:1 NAT on PAN-OS (`network INSIDE nat OUTSIDE` on a zone a `panos` firewall
//! attaches): per translated network, a NAT rule `FL-NAT-<zone>-<n>` `from <zone> to any`,
//! `source` the inside network, `source-translation static-ip translated-address` the outside
//! network, `bi-directional yes` (the reverse direction translates connections to the outside
//! network back). Security rules match the addresses before translation and the zone after it,
//! so a rule into the zone names its outside addresses and a rule out of it its inside ones.
//! What this cannot do exactly is refused here (E0076).

use crate::diagnostic::Diagnostic;
use crate::dialect::EmitContext;
use crate::plan::DeviceIr;

/// What this target cannot translate exactly on `device`, each an error (E0076) at the device.
pub fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    crate::dialect::nat::vendor_refusals(
        cx,
        device,
        &crate::dialect::nat::VendorNatLimits {
            target: "panos",
            code: crate::diagnostic::codes::PANOS_NAT,
            ipv6: Some(
                "IPv6 NAT rules (NPTv6) are not generated; translate the zone's IPv4 networks only, or give this device target `nftables` or `iptables`",
            ),
            meet: "a bi-directional NAT rule's reverse direction sends the outside address to the inside one, which the firewall routes by one table: two skids on one inside network cannot both be reached; give the skids distinct inside networks, or put them behind an nftables, iptables or Cisco IOS device",
            between: "both ends of such a connection would be translated; route these flows through another device, or drop `nat` from one zone",
            local: Some(
                "the firewall's own traffic with the zone is not translated, so it would use the inside addresses that `self` flows do not name; let another device serve them",
            ),
        },
    )
}
