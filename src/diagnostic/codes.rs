//! The language's own diagnostic codes (E0001...). Lint rules have their own registry in
//! `crate::lint`. Codes are stable and never reused.

pub struct Code {
    pub code: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $title:literal, $expl:literal;)*) => {
        $(pub const $name: &str = $code;)*
        pub const ALL: &[Code] = &[$(Code { code: $code, title: $title, explanation: $expl }),*];
    };
}

codes! {
    SYNTAX = "E0001", "syntax error",
        "The text does not follow the grammar of the fenceline language. The label points at the first token that could not be read and names what was expected there.";
    UNKNOWN_NAME = "E0002", "unknown name",
        "A zone, asset, service, conduit, target or attribute is used but never declared. Names are case-sensitive. The help suggests the closest declared name.";
    DUPLICATE = "E0003", "duplicate name",
        "Two declarations of the same kind share a name (two zones, two assets in one zone, two services, two conduits, two devices, two interfaces of one device). Each name must be unique so every reference has one meaning.";
    HOST_BITS = "E0004", "host bits set in a network",
        "A network prefix such as `10.0.0.1/24` has bits set after the prefix length. Firewalls silently mask them (`10.0.0.0/24`), so what was written is not what would be enforced. Write the network address, as the help shows.";
    ASSET_OUTSIDE_ZONE = "E0005", "asset outside its zone",
        "Every address of an asset must lie inside the networks of its zone: an address belongs to exactly one zone.";
    ZONE_OVERLAP = "E0006", "zone networks overlap",
        "Two zones claim the same addresses. An address belongs to exactly one zone (IEC 62443-3-2 ZCR 3.1, SR 5.1), otherwise a flow's zone would be ambiguous and a firewall could not tell the zones apart.";
    VLAN_RANGE = "E0007", "VLAN outside 1-4094 or reserved",
        "A VLAN ID must be between 1 and 4094. VLANs 1002-1005 are reserved on Cisco IOS switches (the FDDI and Token Ring defaults): IOS refuses to configure them, so a zone on a `cisco-ios` switch, or its parking VLAN, may not use them. VLAN 1 is accepted but refused elsewhere for a switch's zones, since it carries switch control protocols.";
    VLAN_REUSED = "E0008", "VLAN used by two zones",
        "Each zone has its own VLAN: two zones sharing one VLAN share one broadcast domain and are not separated at layer 2.";
    SL_RANGE = "E0009", "security level outside 1-4",
        "IEC 62443 defines security levels 1 to 4; an SL-T must be one of them. A vector names each foundational requirement: iac, uc, si, dc, rdf, tre, ra.";
    PORT_RANGE = "E0010", "invalid port or port range",
        "Ports are 0-65535 and a range `a-b` needs a <= b. ICMP types and codes are 0-255, IP protocol numbers 0-255.";
    IFNAME_TOO_LONG = "E0011", "invalid interface name",
        "Linux interface names are at most 15 characters (IFNAMSIZ); nftables and iptables reject longer names when the ruleset is loaded. On `cisco-ios` devices an interface name is an interface type, written in full or as a case-insensitive prefix that no other type shares (`Gi`, `Te`, `Po`), followed by its number (`0/1`, `1/0/24`, `0/0.100`); `T` or `F` abbreviate several types and are refused.";
    ADDRESS = "E0012", "invalid address",
        "An address is an IPv4 or IPv6 address, a network `addr/len`, or a range `first-last` of the same family with first <= last.";
    LEVEL = "E0013", "invalid Purdue level",
        "The Purdue level of a zone is one of 0, 1, 2, 3, 3.5 (the industrial DMZ), 4 or 5.";
    INCLUDE = "E0014", "include failed",
        "An included file could not be read, lies outside the policy's root directory, or includes itself (a cycle). Include paths are relative to the including file and may not escape the directory of the root policy file.";
    DATE = "E0015", "invalid date",
        "Dates are written YYYY-MM-DD and must exist in the calendar.";
    MISSING = "E0016", "missing required statement",
        "A declaration lacks a statement it needs: a zone needs `level`, `sl-target` and at least one `network`; a conduit needs `connects` with at least two zones; a device needs `target`.";
    TARGET = "E0017", "unknown or unsuitable target",
        "Firewalls take the targets `nftables` and `iptables`; routers and switches take `cisco-ios`.";
    SERVICE_ITEM = "E0018", "invalid service item",
        "A service item is `tcp/PORT`, `udp/PORT` (a port or a range `a-b`), `icmp`, `icmp/TYPE`, `icmpv6`, `icmpv6/TYPE`, `ip/PROTO` (an IP protocol number), `ip` (every protocol) or `ether/0xTYPE` (a layer-2 Ethertype).";
    REPEATED = "E0019", "statement given twice",
        "A statement that takes one value (level, sl-target, vlan, description, owner, kind) appears more than once in the same block.";
    EXPECT_FAILED = "E0020", "expectation failed",
        "An `expect allow` or `expect deny` statement does not hold for the policy or for a generated configuration (every command generates the configurations and checks both). The related label shows the flow that contradicts it.";
    PORT_DECL = "E0021", "invalid switch port declaration",
        "`ports` takes a range such as `GigabitEthernet1/0/1-24`; `access` names one zone with a VLAN; `trunk` names zones with VLANs; a port may be declared once.";
    POLICY_DECL = "E0022", "policy declaration",
        "A policy has at most one `policy \"name\" { ... }` declaration, in the root file.";
    UNSAFE_TEXT = "E0023", "unsafe text",
        "Free text may not contain control characters; names of interfaces may contain only letters, digits and `/ . _ : - @`. Text from a policy must never change the meaning of a generated configuration.";
    LIMIT = "E0024", "limit exceeded",
        "The policy exceeds a resource limit (file size, include depth, generated rule count). Limits keep a hostile pull request from hanging or exhausting the pipeline.";
    FLOW_EMPTY = "E0025", "flow matches nothing",
        "A flow's service items cannot apply to its addresses, for example an ICMPv6 service between IPv4-only assets.";
    ICMP_ANSWER = "E0026", "ICMP answer type in a flow",
        "A flow names an ICMP or ICMPv6 type that only answers a connection: a reply (`icmp/0` echo-reply, `icmp/14`, `icmpv6/129`) or an error (`icmp/3`, `icmp/11`, `icmp/12`, `icmpv6/1`-`4`). Connection tracking never lets such a packet open a flow: unsolicited, it is invalid and dropped. Replies pass as established to the requests they answer and errors as related to the connection they concern, so allow the request (`icmp/8` echo-request, `icmpv6/128`) or the connection in the other direction instead, or the whole protocol (`icmp`, `icmpv6`), which allows every type, unsolicited ones included.";
    ASSET_KIND = "E0027", "unknown asset kind",
        "An asset's `kind` is one of a closed vocabulary (jump-host, broker, proxy, relay, mirror, historian, engineering-workstation, hmi, plc, rtu, ied, server) that lint rules read: a misspelt kind would silently turn a rule off or on. A site's own classification is written `x-NAME` (`kind x-erp`): it is accepted and shown in reports, and no rule reads it. docs/language.md says what each kind means and which rules read it.";
    SELF_RESERVED = "E0028", "`self` misplaced",
        "`self` stands for a device's own addresses and is reserved: no zone, asset, service, device or cluster node may be named `self`, and `self` may be written only as one end of an `allow` inside a `firewall`, `router` or `switch` block (`allow X -> self ...` or `allow self -> X ...`), never in a conduit's `allow`, in an `expect`, or at both ends. An `expect` names a device (or a cluster node) for its own addresses instead, at one end only.";
    DEVICE_ADDRESS = "E0029", "device address outside its zone",
        "An interface's `address` and `nodes` are the device's own addresses on that interface, so each lies inside the networks of the zone the interface attaches, and each is a single address (not a network or a range).";
    ADDRESS_REUSED = "E0030", "device address used twice",
        "Each address of a device or of a cluster node belongs to one interface of one device: an address given twice (on two devices, two interfaces, a node and the shared address) would make `self` ambiguous and the generated filters wrong for one of them.";
    CLUSTER = "E0031", "invalid cluster",
        "A `cluster` names each node once, and node names share the device namespace: no node may have the name of a device or of another node. An interface's `nodes` gives one address per node, in the order of `cluster`, and only a cluster's interfaces have `nodes`; `sync` needs a `cluster`.";
    SYNC_INTERFACE = "E0032", "sync interface not declared",
        "`sync IFACE` names the interface that carries a cluster's VRRP and connection-tracking sync; it must be one of the device's `interface` statements.";
    SELF_UNREACHABLE = "E0033", "device-level flow from an unreachable zone",
        "A device-level flow (`allow X -> self`, `allow self -> X`) needs a path between the device and `X`'s zone: the device attaches that zone, or the zone/device graph joins them through other zones and devices. Otherwise no packet of the flow can ever reach the device.";
    NO_DEVICE_ADDRESS = "E0034", "device-level flow on a device without an address",
        "`self` stands for the device's own addresses (`interface NAME ZONE address ADDR`). A device with a device-level flow needs at least one: without one the flow matches no packet.";
    ONE_WAY_TCP = "E0035", "one-way service with TCP",
        "A service with the `one-way` flag has no reply on any target, and a TCP connection cannot open without one (the SYN-ACK is a reply): a one-way service may carry UDP, ICMP and other IP protocols, never TCP, nor `ip` (every protocol, TCP included). Split the TCP items into a service of their own.";
    VIA_OFF_PATH = "E0036", "`via` device off the flow's paths",
        "`allow SRC -> DST SERVICES via DEVICE, ...` keeps a flow to the loop-free paths between its zones that cross at least one of the named devices. A named device must lie on such a path (it attaches zones through which the flow can pass); one that does not would make the flow pass nowhere, or mean that the graph of zones and devices is not what the author thinks.";
    ISLAND = "E0037", "`island` on a device that cannot take it",
        "`island` asks a Cisco IOS router to generate its island-mode switch (SR 5.2 RE2): per interface an island ACL and an EEM applet that binds it, and one that reverts. Only a `router` takes it: a `switch` filters nothing between zones, and an nftables or iptables `firewall` always generates its island-mode switch, so `island` there would say nothing.";
    INSPECT = "E0038", "`inspect` on a device that cannot take it",
        "`inspect` makes a Cisco IOS router a zone-based policy firewall: one security zone per policy zone it attaches, a `zone-pair` per direction that carries flows, and connection state for TCP, UDP and ICMP. Only a `router` with target `cisco-ios` takes it: a `switch` filters nothing between zones, and an nftables or iptables `firewall` always keeps connection state. A cluster of routers is refused (fenceline does not generate the stateful failover it would need). A router that translates a zone's addresses (`nat`) takes `inspect`: its class-maps name a translated zone by the inside addresses the firewall sees.";
    NAT = "E0039", "invalid address translation",
        "`network INSIDE nat OUTSIDE` translates a zone's network one to one: the host at an offset in INSIDE is reached at the same offset in OUTSIDE. Both networks are of one family and one prefix length, OUTSIDE is not INSIDE, and a zone's inside networks do not overlap each other or its other networks. OUTSIDE is what the rest of the plant sees, so like any network it belongs to one zone (E0006); INSIDE may repeat in other translated zones (identical skids). A target that cannot generate a translation correctly refuses it under this code at the translating device, saying what and why (docs/targets/cisco-ios.md).";
    NAT_NO_DEVICE = "E0040", "translated zone without a translating device",
        "A zone with a translated network is reached only through a device that translates: a `firewall` (nftables, iptables) or a `router` (Cisco IOS) with an interface in the zone. A zone that no such device attaches would be unreachable at its outside addresses; attach it with an interface of the firewall or router that translates for it.";
    NAT_INSIDE_ADDRESS = "E0041", "a translated zone's inside address named from outside",
        "Outside a translated zone, its hosts are reached at their outside addresses (`network INSIDE nat OUTSIDE`): an address in INSIDE, given as an address from outside the zone, names nothing there (the device attaching the zone denies it). `query` refuses such an address; a flow or an expectation, whose ends are names, names it in error: use the zone or `zone.asset` name, whose outside address the help gives (any other address written as an end is E0001, with the zone or asset that holds it).";
    FLAGS_CONFLICT = "E0042", "`encrypted` with `cleartext`",
        "A service's flags say what it carries, and `encrypted` (a protected variant: TLS, SSH, IPsec, SNMPv3 with privacy) excludes `cleartext`. A service that lists both would be judged protected by some rules and not by others. Keep the flag that is true, or split the service in two.";
    UNKNOWN_TEMPLATE = "E0043", "unknown template",
        "`site NAME TEMPLATE` instantiates a template that no file of the policy declares (`template TEMPLATE { ... }`). Templates, like every name, may be declared after the sites that use them, in any file of the policy. The help suggests the closest declared template.";
    PARAMETER = "E0044", "invalid template parameter",
        "A template declares each parameter once (`param NAME TYPE`, TYPE one of `number`, `vlan`, `network`, `address`, `name`, `string`), under a name that none of its declarations takes; a site binds every parameter of its template exactly once and no other; and `{NAME}` in an address, a VLAN or a string of the body names a declared parameter. `{NAME}` is written only inside a template.";
    PARAMETER_TYPE = "E0045", "template parameter of the wrong type",
        "A site's value must be of its parameter's type: `number` a whole number 0-4294967295, `vlan` 1-4094, `network` a network `addr/len` without host bits, `address` an address or a range, `name` a name, `string` a quoted string. A parameter stands only where its type can: `{NAME}` in an address takes a `number`, `network` or `address`; in a VLAN a `number` or `vlan`; in a string any type; a `name` parameter is written bare where a zone, device or service is named.";
    TEMPLATE_CYCLE = "E0046", "recursive template",
        "A template instantiates itself, directly or through other templates (`site` inside a template body): the expansion would never end. The message names the cycle; break it by removing one of its `site` statements.";
    HA_LINK = "E0047", "sync link a vendor's HA link cannot be",
        "On `cisco-asa`, `fortios` and `panos`, a cluster's `sync IFACE` becomes the vendor's own HA link (an ASA's failover link, a FortiGate's heartbeat device, a PAN-OS firewall's HA1 and HA2 port), which carries the cluster's configuration, heartbeats and session state and no data traffic. So no flow of the policy may cross the sync interface and no device-level flow may reach the firewall by it; on `cisco-asa` and `panos` each unit addresses the link itself: the sync interface gives each node its address (`nodes`, one family) and no shared `address`. docs/targets/ says, per target, what the HA link becomes.";
    RISK_MATRIX = "E0050", "unknown risk matrix",
        "`risk-matrix \"NAME\"` in the policy names the matrix that turns a risk's likelihood and consequence into a required SL. NAME is a `[risk-matrix.NAME]` table of the nearest `fenceline.toml` (or `--config`), or a matrix shipped with fenceline (`default-5x5`); docs/report.md describes the shape of the table.";
    RISK_SCORE = "E0051", "risk score outside the matrix",
        "A risk's `likelihood` and `consequence` are a row and a column of the policy's risk matrix, numbered from 1: the shipped `default-5x5` takes 1 to 5 for both, a matrix of `fenceline.toml` as many as it has rows and columns. A score outside the matrix has no required SL.";
    MITIGATION = "E0052", "`mitigated-by` name is both a device and a conduit",
        "A risk's `mitigated-by` takes the names of devices and conduits. Devices and conduits have separate namespaces, so one name may be both; `mitigated-by` could not tell which one reduces the risk. Rename one of them. (A name that is neither is an unknown name, E0002.)";
    CAPABILITY = "E0053", "invalid or misplaced `capability`",
        "`capability { iac 2  uc 2 ... }` is the capability security level (SL-C, IEC 62443-4-2) of a product: a `firewall`, `router` or `switch` declares it in its block, each foundational requirement (iac, uc, si, dc, rdf, tre, ra) at most once with a level 0-4; an FR left out is not declared (the report says so, never assumes it). A zone, conduit or asset has no capability of its own: the report derives a zone's and a conduit's achieved SL from the devices that enforce its conduits.";
    RISK = "E0054", "incomplete risk",
        "A `risk NAME { ... }` of a zone needs `likelihood N` and `consequence N` (scores on the policy's risk matrix) and `fr` naming the foundational requirements the threat bears on; `description` and `mitigated-by` are optional.";
    DESIGNATION = "E0055", "unknown zone designation",
        "`designation` marks a zone as `wireless`, `external` or `temporary` (IEC 62443-3-2 ZCR 3.4-3.6: wireless, external and temporarily connected devices in zones of their own); it may be repeated. Any other label is a `tag \"...\"`.";
    IMPORT_NO_ZONE = "E0058", "import: addresses of no zone",
        "`fenceline import` found a configuration that accepts traffic to or from addresses that lie in none of the skeleton's zones. No flow can name them; the import leaves them out and lists a packet of each. Add the zone (or the network to a zone) in the skeleton and import again, or remove the rule from the device.";
    IMPORT_OFF_PATH = "E0059", "import: traffic on a way no path takes",
        "`fenceline import` found a configuration that accepts traffic between two zones on an interface pair that no loop-free path between those zones crosses (or between two addresses of one zone): the zones behind the interfaces in the skeleton do not match what the rule says. No flow allows it there; check the skeleton's interfaces and zones, or the rule.";
    IMPORT_MORE_THAN_PATH = "E0060", "import: a device allows more than the others on the way",
        "`fenceline import` found two devices on the way between two zones that disagree: one accepts packets that another on every path drops. A flow allows a packet on every device on its way, so the import keeps what every device accepts and lists a packet that only some accept; the policy then says less than that device, which `verify` reports as an over-permit until the device is brought in line.";
    IMPORT_INEXPRESSIBLE = "E0061", "import: a match no flow can express",
        "`fenceline import` found accepted packets no flow can say: a match on the source port or TCP flags on a stateful device, an ICMP type that only answers, or packets of one address family between ends that have both. The import leaves them out and lists a packet of each.";
    IMPORT_DIFFERS = "E0062", "import: the imported policy differs from a configuration",
        "`fenceline import` proves its result with `verify` against the same configurations. Whatever still differs (traffic to or from a device itself that the skeleton's device-level flows do not say, replies a stateless device accepts beyond its flows' replies) is listed with a packet and the line.";
    TARGET_CANNOT = "E0066", "feature the target cannot express",
        "A device asks its target for something the vendor's configuration has no form for, and fenceline refuses it at the device rather than generate a configuration that filters otherwise than the policy says: on `cisco-asa`, a failover pair (`cluster` with `sync`) of other than two units, and two IPv4 addresses on one interface (an ASA interface has one). docs/targets/ says, per target, what is refused and why; a difference the target can only approximate is a warning instead (OUT-010 `target-degraded`).";
    ASA_NAT = "E0074", "translation a cisco-asa firewall cannot generate",
        "A `cisco-asa` firewall translates zones (`network INSIDE nat OUTSIDE`, generated as object NAT) in a way its access lists cannot keep apart: two translated zones whose inside networks meet (since ASA 8.3 an access list matches the real, inside addresses, so one list could not tell the two zones' hosts apart), or flows between two translated zones (object NAT would translate both ends). docs/targets/cisco-asa.md says what is generated and proven.";
    FORTIOS_NAT = "E0075", "translation a fortios firewall cannot generate",
        "A `fortios` firewall translates zones (`network INSIDE nat OUTSIDE`, generated as static NAT virtual IPs) in a way fenceline cannot generate exactly: IPv6 translation (`config firewall vip6` is not generated), two translated zones whose inside networks meet (the FortiGate would give both skids' hosts the outside address of the first virtual IP that maps them), flows between two translated zones, and device-level flows with a translated zone. docs/targets/fortios.md says what is generated and proven.";
    FORTIOS_CANNOT = "E0070", "feature fortios cannot express",
        "A device asks target `fortios` for something fenceline does not generate for a FortiGate, and fenceline refuses it at the device rather than generate a configuration that filters otherwise than the policy says: a cluster of more than four members with `sync` (an FGCP cluster, which `sync` becomes on a FortiGate, has at most four). docs/targets/fortios.md says what is refused and why; a difference FortiOS can only approximate is a warning instead (OUT-010 `target-degraded`).";
    PANOS_NAT = "E0076", "translation a panos firewall cannot generate",
        "A `panos` firewall translates zones (`network INSIDE nat OUTSIDE`, generated as bi-directional static NAT rules) in a way fenceline cannot generate exactly: IPv6 translation, two translated zones whose inside networks meet (the reverse direction would route both skids' outside addresses to one inside network), flows between two translated zones, and device-level flows with a translated zone. docs/targets/panos.md says what is generated and proven.";
    PANOS_CANNOT = "E0073", "feature panos cannot express",
        "A `panos` firewall is asked for something PAN-OS's security rules, zones and interface management profiles have no form for, and fenceline refuses it at the device rather than generate a rulebase that filters otherwise than the policy says: per-node addresses on a data interface (an active/passive pair shares its data interfaces' addresses; a node's own address exists only on the HA1 link that `sync` becomes), a pair of other than two firewalls with `sync`, IPv6 node addresses on the sync link, a service to the firewall itself that no interface management profile offers (ping, ssh, telnet, http, https, snmp), and an ICMP type or IP protocol that has no App-ID application fenceline can name exactly (`ping` is echo request, `icmp` and `ipv6-icmp` every type). docs/targets/panos.md lists each with its reason.";
}

pub fn lookup(code: &str) -> Option<&'static Code> {
    ALL.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}
