//! Free text on its way into a configuration. Policy text never injects into a config: every
//! string that reaches a comment, remark, log prefix or description goes through [`clean`], which
//! keeps printable ASCII minus the sink's metacharacters, maps everything else to `?`, cuts to the
//! sink's byte limit, and says whether it changed anything (the caller turns that into a warning).

/// A place in a configuration where text lands, with its rules.
#[derive(Debug, Clone, Copy)]
pub struct Sink {
    pub name: &'static str,
    /// Characters that must not appear (besides control and non-ASCII characters).
    pub forbidden: &'static str,
    /// Longest text in bytes.
    pub max_bytes: usize,
}

/// nftables `comment "..."`: 128 bytes (NFTNL_UDATA_COMMENT_MAXLEN); `"` ends the string and `\` is
/// no escape.
pub const NFT_COMMENT: Sink = Sink {
    name: "nftables comment",
    forbidden: "\"\\",
    max_bytes: 127,
};
/// nftables `log prefix "..."`: 127 bytes.
pub const NFT_LOG_PREFIX: Sink = Sink {
    name: "nftables log prefix",
    forbidden: "\"\\",
    max_bytes: 127,
};
/// iptables `-m comment --comment "..."`: 255 bytes usable (XT_MAX_COMMENT_LEN 256).
pub const IPT_COMMENT: Sink = Sink {
    name: "iptables comment",
    forbidden: "\"\\'`$",
    max_bytes: 255,
};
/// iptables `--log-prefix "..."`: silently truncated beyond 29 characters.
pub const IPT_LOG_PREFIX: Sink = Sink {
    name: "iptables log prefix",
    forbidden: "\"\\'`$",
    max_bytes: 29,
};
/// Cisco IOS `remark`: 100 characters; `!` starts a comment, `?` triggers help when pasted.
pub const IOS_REMARK: Sink = Sink {
    name: "Cisco remark",
    forbidden: "!?\"\\",
    max_bytes: 100,
};
/// Cisco IOS `description`: 240 characters.
pub const IOS_DESCRIPTION: Sink = Sink {
    name: "Cisco description",
    forbidden: "!?\"\\",
    max_bytes: 240,
};
/// Cisco VLAN name: 32 characters, no spaces.
pub const IOS_VLAN_NAME: Sink = Sink {
    name: "Cisco VLAN name",
    forbidden: "!?\"\\ ",
    max_bytes: 32,
};
/// A `#` comment line in a generated file header (nft, iptables-restore) or `!` line in IOS.
pub const HEADER_COMMENT: Sink = Sink {
    name: "header comment",
    forbidden: "\"\\!?",
    max_bytes: 200,
};

/// The cleaned text and whether anything was replaced or cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub text: String,
    pub replaced: bool,
    pub truncated: bool,
}

impl Cleaned {
    pub fn changed(&self) -> bool {
        self.replaced || self.truncated
    }
}

pub fn clean(text: &str, sink: Sink) -> Cleaned {
    // The common case, text that is already clean (every generated comment): one scan of its
    // bytes, one copy. Non-ASCII bytes fail the range test, so a forbidden character outside
    // ASCII never needs looking at here.
    let bytes = text.as_bytes();
    if bytes.len() <= sink.max_bytes
        && bytes
            .iter()
            .all(|&b| (b' '..=b'~').contains(&b) && !sink.forbidden.as_bytes().contains(&b))
    {
        return Cleaned {
            text: text.trim_end().to_string(),
            replaced: false,
            truncated: false,
        };
    }
    clean_each(text, sink)
}

/// [`clean`] character by character.
fn clean_each(text: &str, sink: Sink) -> Cleaned {
    let mut out = String::with_capacity(text.len().min(sink.max_bytes));
    let mut replaced = false;
    for c in text.chars() {
        let ok = (' '..='~').contains(&c) && !sink.forbidden.contains(c);
        if ok {
            out.push(c);
        } else {
            replaced = true;
            // Whitespace-like characters become a space, everything else a question mark
            // (unless `?` itself is forbidden in this sink).
            let sub = if c.is_whitespace() || sink.forbidden.contains('?') {
                ' '
            } else {
                '?'
            };
            if !(sub == ' ' && sink.forbidden.contains(' ')) {
                out.push(sub);
            } else {
                out.push('_');
            }
        }
    }
    let mut truncated = false;
    if out.len() > sink.max_bytes {
        // Only ASCII remains, so any byte index is a char boundary.
        out.truncate(sink.max_bytes);
        truncated = true;
    }
    let trimmed = out.trim_end().to_string();
    Cleaned {
        text: trimmed,
        replaced,
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_and_quote_cannot_escape() {
        let c = clean("x\"\n-A FORWARD -j ACCEPT\n#", IPT_COMMENT);
        assert!(!c.text.contains('\n') && !c.text.contains('"'));
        assert!(c.replaced);
    }

    #[test]
    fn cuts_at_byte_limit_on_multibyte_input() {
        let s = format!("{}é", "a".repeat(127));
        let c = clean(&s, NFT_COMMENT);
        assert_eq!(c.text.len(), 127);
        assert!(
            c.truncated && c.replaced,
            "the é becomes `?` and the text is cut"
        );
        let c = clean(&"é".repeat(200), NFT_COMMENT);
        assert!(c.text.len() <= 127 && c.text.is_ascii());
    }

    #[test]
    fn ios_metacharacters_removed() {
        let c = clean("why? because! \u{2028} \u{202e}rtl", IOS_REMARK);
        assert!(!c.text.contains('?') && !c.text.contains('!') && c.text.is_ascii());
        let v = clean("a b", IOS_VLAN_NAME);
        assert_eq!(v.text, "a_b");
    }

    /// The one-scan path of clean text says what the character-by-character one says.
    #[test]
    fn fast_path_agrees_with_each_character() {
        let sinks = [
            NFT_COMMENT,
            NFT_LOG_PREFIX,
            IPT_COMMENT,
            IPT_LOG_PREFIX,
            IOS_REMARK,
            IOS_DESCRIPTION,
            IOS_VLAN_NAME,
            HEADER_COMMENT,
        ];
        let pieces = [
            "a",
            " ",
            "~",
            "\"",
            "\\",
            "'",
            "`",
            "$",
            "!",
            "?",
            "\t",
            "\n",
            "\u{7f}",
            "é",
            "\u{202e}",
            "-",
            "z0000 -> z0001 svc03",
        ];
        let mut texts: Vec<String> = Vec::new();
        for a in pieces {
            for b in pieces {
                texts.push(format!("{a}{b}"));
                texts.push(format!("x {a} y {b} "));
            }
        }
        for n in [
            28, 29, 30, 31, 99, 100, 101, 126, 127, 128, 239, 240, 241, 254, 255, 256,
        ] {
            texts.push("a".repeat(n));
            texts.push(format!("{} ", "a".repeat(n - 1)));
            texts.push(format!("{}?", "a".repeat(n - 1)));
        }
        for sink in sinks {
            for t in &texts {
                assert_eq!(
                    clean(t, sink),
                    clean_each(t, sink),
                    "{:?} in {}",
                    t,
                    sink.name
                );
            }
        }
    }

    #[test]
    fn clean_text_passes_unchanged() {
        let c = clean("control-field: scada -> plcs modbus", NFT_COMMENT);
        assert!(!c.changed());
        assert_eq!(c.text, "control-field: scada -> plcs modbus");
    }
}
