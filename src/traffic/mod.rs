//! `fenceline traffic`: observed connections against the policy.
//!
//! ```text
//! conn.log (Zeek TSV or JSON lines) | pcap / pcapng --read--> Conn (initiator, responder,
//!   protocol, port, time), one at a time --check--> denied by zone pair, allowed flows never
//!   observed, traffic of no zone (bounded aggregates)
//! ```
//!
//! Logs are streamed: a connection is classified and dropped as soon as it is read, and every
//! aggregate keeps at most a configured number of distinct entries per group (the rest is
//! counted), so memory stays flat in the size of the log.

pub mod check;
pub mod learn;
pub mod pcap;
pub mod zeek;

use std::net::IpAddr;

/// One observed connection: who opened it, to whom, how, and when (seconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conn {
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number.
    pub proto: u8,
    /// Responder's port (TCP, UDP) or ICMP type; 0 otherwise.
    pub port: u16,
}

impl Conn {
    /// The first packet of the connection, as a firewall sees it.
    pub fn packet(&self) -> crate::packet::Packet {
        crate::packet::Packet {
            src: self.src,
            dst: self.dst,
            proto: self.proto,
            sport: 40000,
            dport: self.port,
            ack: false,
        }
    }
}

/// A log that cannot be read: the file, where (`line 12`, `packet 3`), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    pub file: String,
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.at, self.message)
        }
    }
}

/// Reads every connection of a log file, whatever its format (the content decides: a pcap or
/// pcapng magic number, a Zeek `#` header, a JSON object per line), calling `each` on each.
pub fn read_log(path: &std::path::Path, each: &mut dyn FnMut(Conn)) -> Result<(), LogError> {
    use std::io::Read;
    let name = path.display().to_string();
    let err = |at: &str, message: String| LogError {
        file: name.clone(),
        at: at.to_string(),
        message,
    };
    let mut file = std::fs::File::open(path).map_err(|e| err("", format!("cannot open: {e}")))?;
    let mut head = [0u8; 4];
    let n = file
        .read(&mut head)
        .map_err(|e| err("", format!("cannot read: {e}")))?;
    drop(file);
    let file = std::fs::File::open(path).map_err(|e| err("", format!("cannot open: {e}")))?;
    if n == 4 && pcap::is_capture(head) {
        return pcap::read(&name, file, each);
    }
    match head[..n].iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'#') | Some(b'{') => zeek::read(&name, std::io::BufReader::new(file), each),
        None => Err(err("", "empty file: not a Zeek conn.log nor a capture".into())),
        Some(_) => Err(err(
            "",
            "unknown format: not a Zeek conn.log (TSV with a `#fields` header, or JSON lines) nor a pcap or pcapng capture".into(),
        )),
    }
}
