//! Asset kinds: the closed vocabulary of `kind` in an asset block, checked by the resolver
//! (pass 2) so that lint rules match on the enum, never on text. A site's own classification
//! is written `kind x-NAME`: accepted, carried to reports, never read by a rule.

use serde::{Serialize, Serializer};

/// What an asset is, as far as a rule or a reader of the report cares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssetKind {
    /// The sanctioned entry point of remote sessions into a DMZ (FR1-001, FR5-005).
    JumpHost,
    /// A message broker (MQTT, OPC UA aggregation) that terminates a protocol (FR5-005).
    Broker,
    /// An application proxy that terminates a protocol (FR5-005).
    Proxy,
    /// A store-and-forward relay (patches, signatures, files) that terminates a protocol (FR5-005).
    Relay,
    /// A read-only replica of control data (historian mirror) that terminates a protocol (FR5-005).
    Mirror,
    /// A process historian.
    Historian,
    /// A station that programs controllers.
    EngineeringWorkstation,
    /// An operator panel or station.
    Hmi,
    /// A programmable logic controller.
    Plc,
    /// A remote terminal unit.
    Rtu,
    /// An intelligent electronic device (protection relay, meter).
    Ied,
    /// Any other server (ERP, patch, authentication, file).
    Server,
    /// A site's own classification, `x-NAME` as written.
    Site(String),
}

impl AssetKind {
    /// Every kind of the vocabulary (not `x-` ones), in the order of the documentation.
    pub const ALL: [AssetKind; 12] = [
        AssetKind::JumpHost,
        AssetKind::Broker,
        AssetKind::Proxy,
        AssetKind::Relay,
        AssetKind::Mirror,
        AssetKind::Historian,
        AssetKind::EngineeringWorkstation,
        AssetKind::Hmi,
        AssetKind::Plc,
        AssetKind::Rtu,
        AssetKind::Ied,
        AssetKind::Server,
    ];

    /// The keyword as written in a policy.
    pub fn name(&self) -> &str {
        match self {
            AssetKind::JumpHost => "jump-host",
            AssetKind::Broker => "broker",
            AssetKind::Proxy => "proxy",
            AssetKind::Relay => "relay",
            AssetKind::Mirror => "mirror",
            AssetKind::Historian => "historian",
            AssetKind::EngineeringWorkstation => "engineering-workstation",
            AssetKind::Hmi => "hmi",
            AssetKind::Plc => "plc",
            AssetKind::Rtu => "rtu",
            AssetKind::Ied => "ied",
            AssetKind::Server => "server",
            AssetKind::Site(s) => s,
        }
    }

    /// A kind of the vocabulary, or a site's own `x-NAME` (something after the prefix).
    pub fn parse(s: &str) -> Option<AssetKind> {
        if s.strip_prefix("x-").is_some_and(|rest| !rest.is_empty()) {
            return Some(AssetKind::Site(s.to_string()));
        }
        AssetKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Terminates a protocol in a DMZ: a flow leaving the DMZ from it is not a pass-through.
    pub fn terminates(&self) -> bool {
        matches!(
            self,
            AssetKind::JumpHost
                | AssetKind::Broker
                | AssetKind::Proxy
                | AssetKind::Relay
                | AssetKind::Mirror
        )
    }
}

impl std::fmt::Display for AssetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for AssetKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for k in AssetKind::ALL {
            assert_eq!(AssetKind::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn site_kinds_need_a_name_after_the_prefix() {
        assert_eq!(
            AssetKind::parse("x-erp"),
            Some(AssetKind::Site("x-erp".into()))
        );
        assert_eq!(AssetKind::parse("x-"), None);
        assert_eq!(AssetKind::parse("erp"), None);
        assert_eq!(AssetKind::parse("Jump-Host"), None);
    }
}
