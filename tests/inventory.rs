//! `fenceline init --inventory`: asset inventories (CSV exports under the column names of OT
//! asset-inventory products, a CSV mapped with `--column`, nmap XML in nmap's documented `-oX`
//! format) give skeletons of zones and assets that pass `fmt --check` and `check` without
//! language errors, the same bytes each time; bad input is an error with its file and line.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fenceline");
const DIR: &str = "tests/inventory";

fn init(args: &[&str]) -> (Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("init")
        .args(args)
        .arg(tmp.path())
        .output()
        .unwrap();
    (out, tmp)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The skeleton written, checked: canonical layout, no language error, deterministic.
fn skeleton(args: &[&str]) -> String {
    let (o, tmp) = init(args);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let policy = tmp.path().join("policy.fence");
    let text = std::fs::read_to_string(&policy).unwrap();
    let fmt = Command::new(BIN)
        .args(["fmt", "--check"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(code(&fmt), 0, "{}", String::from_utf8_lossy(&fmt.stderr));
    let checked =
        fenceline::driver::resolve_loaded(fenceline::syntax::loader::load(&policy).unwrap());
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    let (again, tmp2) = init(args);
    assert_eq!(code(&again), 0);
    assert_eq!(
        std::fs::read_to_string(tmp2.path().join("policy.fence")).unwrap(),
        text
    );
    text
}

fn fixture(name: &str) -> String {
    Path::new(DIR).join(name).display().to_string()
}

#[test]
fn claroty_style_csv() {
    let f = fixture("claroty.csv");
    insta::assert_snapshot!("claroty", skeleton(&["--inventory", &f]));
}

#[test]
fn subnet_mappings_name_zones() {
    let f = fixture("claroty.csv");
    let text = skeleton(&[
        "--inventory",
        &f,
        "--subnet",
        "10.1.30.0/24=substation",
        "--subnet",
        "10.1.10.0/25=filler",
    ]);
    insta::assert_snapshot!("claroty_subnets", text);
}

#[test]
fn nozomi_style_csv_with_semicolons() {
    let f = fixture("nozomi.csv");
    insta::assert_snapshot!("nozomi", skeleton(&["--inventory", &f]));
}

#[test]
fn columns_named_with_a_mapping() {
    let f = fixture("custom.csv");
    let text = skeleton(&[
        "--inventory",
        &f,
        "--column",
        "address=Asset Address",
        "--column",
        "name=asset",
        "--prefix",
        "16",
    ]);
    insta::assert_snapshot!("custom", text);
}

#[test]
fn nmap_xml() {
    let f = fixture("nmap.xml");
    insta::assert_snapshot!("nmap", skeleton(&["--inventory", &f]));
}

/// Bad input: the error names the file and line; exit 2, or 1 for zones that would overlap.
#[test]
fn bad_inventories_are_errors_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str], i32, &str)] = &[
        (
            "row.csv",
            "IP,Name\n10.0.0.1,a\n10.0.0.2,b,extra\n",
            &[],
            2,
            "row.csv:3: the row has 3 fields, the header 2",
        ),
        (
            "addr.csv",
            "IP,Name\n10.0.0.1,a\n10.0.0.300,b\n",
            &[],
            2,
            "addr.csv:3: `10.0.0.300` is not an IP address",
        ),
        (
            "quote.csv",
            "IP,Name\n10.0.0.1,\"a\n10.0.0.2,b\n",
            &[],
            2,
            "quote.csv:2: a quoted field is not closed",
        ),
        (
            "col.csv",
            "IP,Name\n10.0.0.1,a\n",
            &["--column", "name=Hostname"],
            2,
            "col.csv:1: column `Hostname` (given for `name`) is not in the header",
        ),
        (
            "field.csv",
            "IP,Name\n10.0.0.1,a\n",
            &["--column", "colour=Name"],
            2,
            "`--column colour=...` names no field",
        ),
        (
            "noaddr.csv",
            "Host,Name\n10.0.0.1,a\n",
            &[],
            2,
            "noaddr.csv:1: the header names no address column",
        ),
        (
            "level.csv",
            "IP,Purdue Level\n10.0.0.1,2.5\n",
            &[],
            2,
            "level.csv:2: `2.5` is not a Purdue level",
        ),
        (
            "twice.csv",
            "IP,Name\n10.0.0.1,a\n10.0.0.1,b\n",
            &[],
            2,
            "twice.csv:3: address `10.0.0.1` is already given on line 2",
        ),
        (
            "overlap.csv",
            "IP,Zone\n10.0.0.1,a\n10.0.0.2,b\n",
            &[],
            1,
            "zones `a` (line 2) and `b` (line 3) would share addresses",
        ),
        (
            "bad.xml",
            "<?xml version=\"1.0\"?>\n<nmaprun>\n<host><status state=\"up\"/>\n<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\n</hots>\n</nmaprun>\n",
            &[],
            2,
            "bad.xml:5: malformed XML",
        ),
        (
            "cut.xml",
            "<nmaprun>\n<host><status state=\"up\"/>\n<address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>\n",
            &[],
            2,
            "the XML ends inside `<host>`",
        ),
        (
            "other.xml",
            "<?xml version=\"1.0\"?>\n<assets/>\n",
            &[],
            2,
            "other.xml:2: not nmap XML",
        ),
        (
            "sub.csv",
            "IP\n10.0.0.1\n",
            &["--subnet", "10.0.0.0/24=Cell A"],
            2,
            "`--subnet 10.0.0.0/24=Cell A` is not NET=ZONE",
        ),
        (
            "ip.xml",
            "<nmaprun>\n<host><status state=\"up\"/>\n<address addr=\"10.0.0.x\" addrtype=\"ipv4\"/>\n</host></nmaprun>\n",
            &[],
            2,
            "ip.xml:3: `10.0.0.x` is not an ipv4 address",
        ),
    ];
    for (name, text, extra, want, message) in cases {
        let f = tmp.path().join(name);
        std::fs::write(&f, text).unwrap();
        let mut args = vec!["--inventory", f.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (o, out) = init(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), *want, "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.path().join("policy.fence").exists(), "{name}");
    }
}
