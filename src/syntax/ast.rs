//! The typed AST: exactly what was written, with spans, before any name is resolved.
//! `fmt` prints it back; `resolve` turns it into the Model.

use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// The unescaped value.
    pub value: String,
    pub span: Span,
}

/// A raw token whose meaning the resolver checks (addresses, numbers, service items, dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Include(Include),
    Policy(Policy),
    Zone(Zone),
    Service(Service),
    Conduit(Conduit),
    Device(Device),
    Expect(Expect),
    /// `template NAME { ... }`: a reusable body, expanded by `syntax::expand`.
    Template(Template),
    /// `param NAME TYPE`, inside a template only.
    Param(Param),
    /// `site NAME TEMPLATE { ... }`: one instance of a template.
    Site(Site),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Include(x) => x.span,
            Item::Policy(x) => x.span,
            Item::Zone(x) => x.span,
            Item::Service(x) => x.span,
            Item::Conduit(x) => x.span,
            Item::Device(x) => x.span,
            Item::Expect(x) => x.span,
            Item::Template(x) => x.span,
            Item::Param(x) => x.span,
            Item::Site(x) => x.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Include {
    pub path: Text,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub name: Text,
    pub has_block: bool,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// One network of a zone's `network` statement: `NET` or `INSIDE nat OUTSIDE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetEntry {
    pub net: Token,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat: Option<Token>,
}

/// A statement inside a block. One enum for every block keeps spans, ordering and comments
/// uniform for the formatter; the resolver says which statements a block accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "stmt", content = "value", rename_all = "snake_case")]
pub enum StmtKind {
    Description(Text),
    Owner(Text),
    Level(Token),
    SlTarget(SlTarget),
    Network(Vec<NetEntry>),
    Vlan(Token),
    Asset(Asset),
    Safety,
    /// `transit`: the zone carries other zones' flows.
    Transit,
    Exception(Exception),
    Kind(Ident),
    Flag(Ident),
    Connects(Vec<Ident>),
    Allow(Allow),
    Log,
    Target(Vec<Ident>),
    Interface {
        name: Token,
        zone: Ident,
        /// `address A, B`: the device's own addresses on the interface.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        addresses: Vec<Token>,
        /// `nodes A, B`: each cluster node's own address there, in the order of `cluster`.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        nodes: Vec<Token>,
    },
    /// `cluster NODE, NODE`: the device is an HA cluster of these nodes.
    Cluster(Vec<Ident>),
    /// `sync IFACE`: the interface carrying the cluster's VRRP and connection-tracking sync.
    Sync(Token),
    /// `island`: the router generates the island-mode switch of each interface.
    Island,
    /// `inspect`: the router enforces its flows as a zone-based policy firewall (stateful).
    Inspect,
    Ports {
        range: bool,
        name: Token,
        mode: PortMode,
    },
    UnusedPorts(Ident),
    ParkingVlan(Token),
    /// `revision "..."` (policy): the policy's revision, for the report's approval block.
    Revision(Text),
    /// `approved-by "..."` (policy).
    ApprovedBy(Text),
    /// `risk-matrix "NAME"` (policy): the matrix of fenceline.toml (or a shipped one) that
    /// turns a risk's likelihood and consequence into a required SL.
    RiskMatrix(Text),
    /// `designation wireless|external|temporary` (zone, repeatable; ZCR 3.4-3.6).
    Designation(Ident),
    /// `tag "..."` (zone, repeatable): a free label reports group by.
    Tag(Text),
    /// `location "..."` (zone): the physical boundary (ZCR 6.4 d).
    Location(Text),
    /// `risk NAME { ... }` (zone): one entry of the risk register.
    Risk(Risk),
    /// `likelihood N` (risk).
    Likelihood(Token),
    /// `consequence N` (risk).
    Consequence(Token),
    /// `fr iac, uc, ...` (risk): the foundational requirements the threat bears on.
    Frs(Vec<Ident>),
    /// `mitigated-by NAME, ...` (risk): devices or conduits that reduce it.
    MitigatedBy(Vec<Ident>),
    /// `capability { iac 2 ... }` (device): the product's SL-C per FR (IEC 62443-4-2).
    Capability {
        entries: Vec<(Ident, Token)>,
        span: Span,
    },
}

/// `risk NAME { description likelihood consequence fr mitigated-by }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub name: Ident,
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stmt {
    pub kind: StmtKind,
    /// The keyword's span: where a finding about the statement as a whole points.
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum SlTarget {
    Single(Token),
    Vector {
        entries: Vec<(Ident, Token)>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asset {
    pub name: Ident,
    pub addrs: Vec<Token>,
    pub has_block: bool,
    pub stmts: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub rule: Token,
    pub justification: Text,
    pub until: Option<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Zone {
    pub name: Ident,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub name: Ident,
    pub items: Vec<Token>,
    pub has_block: bool,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conduit {
    pub name: Ident,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub zone: Ident,
    pub asset: Option<Ident>,
    pub span: Span,
    /// Written as an address (`zone` holds its text): always an error, which the resolver
    /// explains with the zone or asset the address belongs to.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub address: bool,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.asset {
            Some(a) => write!(f, "{}.{}", self.zone.name, a.name),
            None => f.write_str(&self.zone.name),
        }
    }
}

/// A service as written in a flow: a declared or built-in name, or an inline item (`tcp/502`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "ref", rename_all = "snake_case")]
pub enum ServiceRef {
    Named(Ident),
    Inline(Token),
}

impl ServiceRef {
    pub fn span(&self) -> Span {
        match self {
            ServiceRef::Named(i) => i.span,
            ServiceRef::Inline(t) => t.span,
        }
    }
    pub fn text(&self) -> &str {
        match self {
            ServiceRef::Named(i) => &i.name,
            ServiceRef::Inline(t) => &t.text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub services: Vec<ServiceRef>,
    pub has_block: bool,
    pub stmts: Vec<Stmt>,
    /// `via DEVICE, ...`: the devices the flow's paths must cross (one of them at least).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Ident>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Firewall,
    Router,
    Switch,
}

impl DeviceKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeviceKind::Firewall => "firewall",
            DeviceKind::Router => "router",
            DeviceKind::Switch => "switch",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub kind: DeviceKind,
    pub name: Ident,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", content = "zones", rename_all = "snake_case")]
pub enum PortMode {
    Access(Ident),
    Trunk(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expect {
    pub allow: bool,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub service: ServiceRef,
    pub span: Span,
}

/// `template NAME { ... }`: parameters and declarations, in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub name: Ident,
    pub body: Vec<Item>,
    pub span: Span,
}

/// `param NAME TYPE`: a template's parameter (`ty` is checked by the expansion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: Ident,
    pub ty: Ident,
    pub span: Span,
}

/// `site NAME TEMPLATE { PARAM VALUE ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub name: Ident,
    pub template: Ident,
    pub has_block: bool,
    pub bindings: Vec<Binding>,
    pub span: Span,
}

/// One `PARAM VALUE` of a site: a quoted string, or a bare token (number, address, network,
/// name), whose type the parameter decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binding {
    pub name: Ident,
    pub value: BindValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum BindValue {
    Text(Text),
    Bare(Token),
}

impl BindValue {
    pub fn span(&self) -> Span {
        match self {
            BindValue::Text(t) => t.span,
            BindValue::Bare(t) => t.span,
        }
    }
}
