//! Writing files: every file is written whole or not at all (temp file in the same directory,
//! fsync, rename).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// [`write_atomic`] of what `write` writes, as it writes it: a large file is never held whole.
/// When `write` fails, `path` keeps its old content and the temporary file is removed.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".fenceline-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w)?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomic(&path, b"old\n").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half of the new").unwrap();
            Err(Error::Other("serialising failed".into()))
        })
        .unwrap_err();
        assert!(err.to_string().contains("serialising failed"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.json"], "a temporary file was left");
        // What is written in pieces arrives whole.
        write_atomic_with(&path, |w| {
            for piece in [&b"new "[..], &[b'x'; 100_000], b"\n"] {
                w.write_all(piece)
                    .map_err(|e| Error::io("report.json", e))?;
            }
            Ok(())
        })
        .unwrap();
        let text = std::fs::read(&path).unwrap();
        assert_eq!(text.len(), 100_005);
        assert!(text.starts_with(b"new x") && text.ends_with(b"x\n"));
    }
}
