//! Cisco IOS interface names, used by the resolver (names on `cisco-ios` devices), the IOS target
//! (which prints them) and the IOS reader of `verify` (which reads them back).
//!
//! IOS takes an interface type as any case-insensitive prefix of its full name that no other type
//! shares (`Gi`, `gig`, `GIGABITETHERNET`), followed by its number, with or without a space
//! (`Gi 0/1`), and writes the full name in `show running-config`. So `Gi0/1` and
//! `GigabitEthernet0/1` are one interface; this module maps both to the full name. A prefix that
//! several types share (`T`: Tunnel, TenGigabitEthernet, TwoGigabitEthernet, TwentyFiveGigE) is
//! refused rather than guessed: which one a device picks depends on its platform. A type the
//! table below does not know is refused too, so two spellings can never pass as two interfaces.

/// Full IOS and IOS-XE interface type names, as `show running-config` writes them.
pub const TYPES: &[&str] = &[
    "AppGigabitEthernet",
    "Async",
    "ATM",
    "BDI",
    "BVI",
    "Cellular",
    "Dialer",
    "Ethernet",
    "FastEthernet",
    "FiveGigabitEthernet",
    "FortyGigabitEthernet",
    "GigabitEthernet",
    "HundredGigE",
    "Loopback",
    "Multilink",
    "Null",
    "Port-channel",
    "Serial",
    "TenGigabitEthernet",
    "Tunnel",
    "TwentyFiveGigE",
    "TwoGigabitEthernet",
    "Virtual-PortGroup",
    "Virtual-Template",
    "Vlan",
];

/// Why a name is not an IOS interface name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfNameError {
    /// The name does not start with an interface type (`0/1`).
    NoType,
    /// No type starts with what was written (`Gigabit-Eth0/1`).
    Unknown(String),
    /// Several types start with what was written (`T0/1`); the candidates, in table order.
    Ambiguous(String, Vec<&'static str>),
    /// The number after the type is missing or not `N`, `N/N...`, with `.N` (subinterface) or
    /// `:N` (channel); each part at most 4294967295.
    BadNumber(String),
}

impl std::fmt::Display for IfNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IfNameError::NoType => f.write_str("no interface type before the number"),
            IfNameError::Unknown(t) => write!(f, "no interface type starts with `{t}`"),
            IfNameError::Ambiguous(t, c) => write!(f, "`{t}` abbreviates {}", c.join(", ")),
            IfNameError::BadNumber(n) => write!(f, "`{n}` is not an interface number"),
        }
    }
}

/// The full type name that `written` stands for: the type itself (any case), or the one type it
/// is a prefix of.
pub fn full_type(written: &str) -> Result<&'static str, IfNameError> {
    if written.is_empty() {
        return Err(IfNameError::NoType);
    }
    if let Some(t) = TYPES.iter().find(|t| t.eq_ignore_ascii_case(written)) {
        return Ok(t);
    }
    let lower = written.to_ascii_lowercase();
    let matches: Vec<&'static str> = TYPES
        .iter()
        .copied()
        .filter(|t| t.to_ascii_lowercase().starts_with(&lower))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(IfNameError::Unknown(written.to_string())),
        _ => Err(IfNameError::Ambiguous(written.to_string(), matches)),
    }
}

/// `Gi0/1`, `gigabitethernet 0/01`, `GigabitEthernet0/1` -> `GigabitEthernet0/1`: the full type
/// and the number with each part as a plain decimal (IOS reads `0/01` as `0/1`).
pub fn canonical(name: &str) -> Result<String, IfNameError> {
    let name = name.trim();
    let split = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (written, number) = name.split_at(split);
    let ty = full_type(written.trim_end())?;
    let mut out = String::from(ty);
    let bad = || IfNameError::BadNumber(number.to_string());
    if number.is_empty() {
        return Err(bad());
    }
    let mut rest = number;
    loop {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part: u32 = rest[..digits].parse().map_err(|_| bad())?;
        out.push_str(&part.to_string());
        rest = &rest[digits..];
        let mut chars = rest.chars();
        match chars.next() {
            None => return Ok(out),
            Some(sep @ ('/' | '.' | ':')) => out.push(sep),
            Some(_) => return Err(bad()),
        }
        rest = chars.as_str();
    }
}

/// A port name's prefix and final number: `GigabitEthernet1/0/48` -> (`GigabitEthernet1/0/`,
/// 48); `None` without a number or without a prefix.
pub fn split_port_number(name: &str) -> Option<(&str, u32)> {
    let digits = name
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || digits == name.len() {
        return None;
    }
    let (p, n) = name.split_at(name.len() - digits);
    Some((p, n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_and_case_name_one_interface() {
        for n in [
            "Gi0/1",
            "gi0/1",
            "Gig0/1",
            "GIGABITETHERNET0/1",
            "GigabitEthernet0/1",
            "Gi 0/1",
            "GigabitEthernet0/01",
        ] {
            assert_eq!(canonical(n).as_deref(), Ok("GigabitEthernet0/1"), "{n}");
        }
        assert_eq!(
            canonical("Te1/1/1").as_deref(),
            Ok("TenGigabitEthernet1/1/1")
        );
        assert_eq!(canonical("Fa0/0.100").as_deref(), Ok("FastEthernet0/0.100"));
        assert_eq!(canonical("Eth1").as_deref(), Ok("Ethernet1"));
        assert_eq!(canonical("Po10").as_deref(), Ok("Port-channel10"));
        assert_eq!(canonical("vl20").as_deref(), Ok("Vlan20"));
        assert_eq!(canonical("Se0/1/0:0").as_deref(), Ok("Serial0/1/0:0"));
        assert_eq!(canonical("Twe1/0/1").as_deref(), Ok("TwentyFiveGigE1/0/1"));
        assert_eq!(
            canonical("Two1/0/1").as_deref(),
            Ok("TwoGigabitEthernet1/0/1")
        );
        assert_eq!(canonical("Hu1/0/49").as_deref(), Ok("HundredGigE1/0/49"));
        assert_eq!(canonical("Virtual-T1").as_deref(), Ok("Virtual-Template1"));
        assert_eq!(canonical("BDI10").as_deref(), Ok("BDI10"));
        // The abbreviations docs/language.md lists as unambiguous.
        for a in [
            "Gi", "Te", "Fa", "Fo", "Fi", "Twe", "Two", "Hu", "Eth", "Po", "Vl", "Lo", "Tu", "Se",
            "Ce", "Di", "Mu",
        ] {
            assert!(full_type(a).is_ok(), "{a}");
        }
    }

    #[test]
    fn ambiguous_unknown_and_malformed_names_are_refused() {
        for (n, cands) in [
            ("T0/1", 4),
            ("F0/1", 3),
            ("Tw1/0/1", 2),
            ("V1", 3),
            ("A1", 3),
            ("B1", 2),
        ] {
            match canonical(n) {
                Err(IfNameError::Ambiguous(_, c)) => assert_eq!(c.len(), cands, "{n}: {c:?}"),
                other => panic!("{n}: {other:?}"),
            }
        }
        assert_eq!(canonical("eth0"), Ok("Ethernet0".to_string()));
        assert!(matches!(canonical("outside"), Err(IfNameError::Unknown(_))));
        assert!(matches!(
            canonical("Gigabit-Eth0/1"),
            Err(IfNameError::Unknown(_))
        ));
        assert_eq!(canonical("0/1"), Err(IfNameError::NoType));
        for n in ["Gi", "Gi0/", "Gi0//1", "Gi0/1-3", "Gi0/a", "Gi99999999999"] {
            assert!(
                matches!(canonical(n), Err(IfNameError::BadNumber(_))),
                "{n}"
            );
        }
    }
}
