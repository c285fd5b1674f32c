//! The XML form of a PAN-OS configuration (`show config running` in XML, the XML API's
//! `type=config&action=show`, a saved `running-config.xml`, Aerleon's `paloaltofw` output) ->
//! the set commands that build the same configuration, which [`super::parse`] then reads: one
//! reader decides what is understood and what is refused, whichever form the text came in.
//!
//! `<config><devices><entry name=...>` is left out of each path, `<vsys><entry name="vsys1">`
//! becomes the set format's `vsys vsys1` prefix and `<shared>` objects are read as the virtual
//! system's. An `<entry name="X">` is the path element `X`, a run of `<member>`s a list, an
//! element with text its value. Only the XML PAN-OS writes is read: elements, attributes,
//! text, the five predefined entities and numeric references, comments and the declaration.

use super::ast::ParseError;

type R<T> = Result<T, ParseError>;

fn err<T>(line: usize, message: impl Into<String>) -> R<T> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// One element: its tag, its `name` attribute, its children, its text, the line it starts on.
#[derive(Debug, Default)]
struct Node {
    tag: String,
    name: Option<String>,
    children: Vec<Node>,
    text: String,
    line: usize,
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
    line: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn starts(&self, p: &str) -> bool {
        self.s[self.at..].starts_with(p.as_bytes())
    }
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }
    fn skip_until(&mut self, end: &str) -> R<()> {
        let line = self.line;
        while !self.starts(end) {
            if self.bump().is_none() {
                return err(line, format!("`{end}` missing"));
            }
        }
        for _ in 0..end.len() {
            self.bump();
        }
        Ok(())
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.bump();
        }
    }
    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || b"-_.:".contains(&c) {
                w.push(c as char);
                self.bump();
            } else {
                break;
            }
        }
        w
    }
}

fn unescape(s: &str, line: usize) -> R<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find(';') else {
            return err(line, "an `&` that starts no entity");
        };
        let ent = &rest[i + 1..i + j];
        let c = match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = if let Some(h) = ent.strip_prefix("#x") {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = ent.strip_prefix('#') {
                    d.parse().ok()
                } else {
                    None
                };
                match n.and_then(char::from_u32) {
                    Some(c) => c,
                    None => return err(line, format!("unknown entity `&{ent};`")),
                }
            }
        };
        out.push(c);
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Skips the declaration, comments and white space before an element.
fn skip_misc(c: &mut Cursor) -> R<()> {
    loop {
        c.skip_space();
        if c.starts("<?") {
            c.skip_until("?>")?;
        } else if c.starts("<!--") {
            c.skip_until("-->")?;
        } else if c.starts("<!") {
            return err(c.line, "a DOCTYPE or CDATA section is not read");
        } else {
            return Ok(());
        }
    }
}

fn element(c: &mut Cursor, depth: usize) -> R<Node> {
    if depth > 64 {
        return err(c.line, "elements nest too deep");
    }
    let line = c.line;
    if c.bump() != Some(b'<') {
        return err(line, "expected an element");
    }
    let tag = c.word();
    if tag.is_empty() {
        return err(line, "an element without a name");
    }
    let mut node = Node {
        tag,
        line,
        ..Node::default()
    };
    // Attributes.
    loop {
        c.skip_space();
        match c.peek() {
            Some(b'/') => {
                c.bump();
                if c.bump() != Some(b'>') {
                    return err(c.line, "expected `>` after `/`");
                }
                return Ok(node);
            }
            Some(b'>') => {
                c.bump();
                break;
            }
            Some(_) => {
                let key = c.word();
                c.skip_space();
                if key.is_empty() || c.bump() != Some(b'=') {
                    return err(c.line, format!("a malformed attribute in <{}>", node.tag));
                }
                c.skip_space();
                let q = c.bump();
                if q != Some(b'"') && q != Some(b'\'') {
                    return err(c.line, "an attribute value without quotes");
                }
                let start = c.at;
                while c.peek() != q {
                    if c.bump().is_none() {
                        return err(line, "an attribute value without its closing quote");
                    }
                }
                let raw = String::from_utf8_lossy(&c.s[start..c.at]).to_string();
                c.bump();
                if key == "name" {
                    node.name = Some(unescape(&raw, c.line)?);
                }
            }
            None => return err(line, format!("<{}> is not closed", node.tag)),
        }
    }
    // Content.
    let mut text = String::new();
    loop {
        if c.starts("</") {
            c.at += 2;
            let end = c.word();
            c.skip_space();
            if end != node.tag || c.bump() != Some(b'>') {
                return err(c.line, format!("</{end}> closes <{}>", node.tag));
            }
            break;
        } else if c.starts("<!--") {
            c.skip_until("-->")?;
        } else if c.starts("<![CDATA[") {
            return err(c.line, "a CDATA section is not read");
        } else if c.peek() == Some(b'<') {
            node.children.push(element(c, depth + 1)?);
        } else {
            match c.bump() {
                Some(b) => text.push(b as char),
                None => return err(line, format!("<{}> is not closed", node.tag)),
            }
        }
    }
    // Bytes were pushed one by one: rebuild UTF-8 before unescaping.
    let text: Vec<u8> = text.chars().map(|ch| ch as u32 as u8).collect();
    node.text = unescape(String::from_utf8_lossy(&text).trim(), line)?;
    Ok(node)
}

/// A path element or value as the set format writes it.
fn token(s: &str) -> String {
    if s.is_empty() || s.contains(|c: char| c.is_whitespace() || "[]\"".contains(c)) {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

/// The HA section's path, where the reader keeps a choice (`mode`).
const HA_PATH: &str = " deviceconfig high-availability";

/// Set commands for `n` below `path`, each with its source line.
fn commands(n: &Node, path: &str, parent_is_entry: bool, out: &mut Vec<(usize, String)>) {
    let is_entry = n.tag == "entry";
    let here = if is_entry {
        format!("{path} {}", token(n.name.as_deref().unwrap_or("")))
    } else {
        format!("{path} {}", n.tag)
    };
    let members: Vec<&Node> = n.children.iter().filter(|c| c.tag == "member").collect();
    if !members.is_empty() && members.len() == n.children.len() {
        let list: Vec<String> = members.iter().map(|m| token(&m.text)).collect();
        let v = if list.len() == 1 {
            list[0].clone()
        } else {
            format!("[ {} ]", list.join(" "))
        };
        out.push((n.line, format!("set{here} {v}")));
        return;
    }
    if n.children.is_empty() {
        if !n.text.is_empty() {
            out.push((n.line, format!("set{here} {}", token(&n.text))));
        } else if is_entry || parent_is_entry || path.starts_with(HA_PATH) {
            // In the HA section an empty element is a choice the set form writes as a
            // keyword: `<mode><active-passive/></mode>` is `mode active-passive`.
            out.push((n.line, format!("set{here}")));
        }
        return;
    }
    for c in &n.children {
        commands(c, &here, is_entry, out);
    }
}

/// Converts an XML configuration to set commands, one a line, with the XML line of each.
pub fn to_set(text: &str) -> R<Vec<(usize, String)>> {
    let mut c = Cursor {
        s: text.as_bytes(),
        at: 0,
        line: 1,
    };
    skip_misc(&mut c)?;
    let root = element(&mut c, 0)?;
    skip_misc(&mut c)?;
    if c.peek().is_some() {
        return err(c.line, "text after the configuration's root element");
    }
    if root.tag != "config" {
        return err(
            root.line,
            format!("the root element is <{}>, not <config>", root.tag),
        );
    }
    let mut out = Vec::new();
    for top in &root.children {
        match top.tag.as_str() {
            "devices" => {
                for dev in top.children.iter().filter(|d| d.tag == "entry") {
                    for part in &dev.children {
                        if part.tag == "vsys" {
                            for v in part.children.iter().filter(|v| v.tag == "entry") {
                                let prefix =
                                    format!(" vsys {}", token(v.name.as_deref().unwrap_or("")));
                                for x in &v.children {
                                    commands(x, &prefix, true, &mut out);
                                }
                            }
                        } else {
                            commands(part, "", true, &mut out);
                        }
                    }
                }
            }
            // Objects shared by every virtual system.
            "shared" => {
                for x in &top.children {
                    commands(x, "", true, &mut out);
                }
            }
            // `mgt-config` and the like decide no filtering; the set reader skips them.
            _ => commands(top, "", true, &mut out),
        }
    }
    Ok(out)
}

/// Does this text look like the XML form?
pub fn is_xml(text: &str) -> bool {
    text.trim_start().starts_with('<')
}
