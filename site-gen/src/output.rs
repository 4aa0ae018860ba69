//! The built site in memory, and writing it: only files whose bytes changed, and stale files
//! removed, but only inside a folder that site-gen made.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use crate::error::BuildError;

/// Marks an output folder as ours, so that removing stale files never touches anything else.
pub const MARKER: &str = ".site-gen";

/// The whole site: output-relative path (`petition/index.html`) to bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// What writing did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files written because they were new or different.
    pub written: usize,
    /// Files left alone because their bytes were the same.
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
}

/// Whether `dir` holds the output of a build whose inputs had this `stamp`, every file intact
/// (same size as written). A stamp of an unfinished write never matches.
pub fn is_current(dir: &Path, stamp: &str) -> bool {
    let Ok(marker) = std::fs::read_to_string(dir.join(MARKER)) else {
        return false;
    };
    let mut lines = marker.lines();
    if lines.next() != Some(MARKER_HEADER) || lines.next() != Some(stamp) {
        return false;
    }
    lines.all(|line| {
        line.split_once(' ').is_some_and(|(len, rel)| {
            std::fs::metadata(dir.join(rel)).is_ok_and(|m| m.len().to_string() == len)
        })
    })
}

const MARKER_HEADER: &str =
    "site-gen output: files here that the build does not produce are removed";

/// Writes `files` under `dir`, then records `stamp` (the fingerprint of the build's inputs).
pub fn write(dir: &Path, files: &Files, stamp: &str) -> Result<WriteStats, BuildError> {
    let marker = dir.join(MARKER);
    if dir.exists() && !marker.exists() && !is_empty_dir(dir)? {
        return Err(BuildError::io(
            "refusing to write into",
            dir,
            std::io::Error::other(
                "the folder is not empty and was not made by site-gen; choose another --output or empty it",
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| BuildError::io("cannot create", dir, e))?;
    // Claim the folder first; the stamp goes in only once every file is written.
    std::fs::write(&marker, format!("{MARKER_HEADER}\n"))
        .map_err(|e| BuildError::io("cannot write", &marker, e))?;
    // Compare and write in parallel: on a fast disk this is CPU-bound work.
    let outcomes: Vec<Result<bool, BuildError>> = files
        .par_iter()
        .map(|(rel, bytes)| {
            let path = dir.join(rel);
            let same = std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64)
                && std::fs::read(&path).is_ok_and(|old| old == *bytes);
            if same {
                return Ok(false);
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| BuildError::io("cannot create", parent, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| BuildError::io("cannot write", &path, e))?;
            Ok(true)
        })
        .collect();
    let mut stats = WriteStats::default();
    for outcome in outcomes {
        if outcome? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    stats.removed = remove_stale(dir, files)?;
    let mut record = format!("{MARKER_HEADER}\n{stamp}\n");
    for (rel, bytes) in files {
        record.push_str(&format!("{} {rel}\n", bytes.len()));
    }
    std::fs::write(&marker, record).map_err(|e| BuildError::io("cannot write", &marker, e))?;
    Ok(stats)
}

fn is_empty_dir(dir: &Path) -> Result<bool, BuildError> {
    let mut it = std::fs::read_dir(dir).map_err(|e| BuildError::io("cannot read", dir, e))?;
    Ok(it.next().is_none())
}

fn remove_stale(dir: &Path, files: &Files) -> Result<usize, BuildError> {
    let mut removed = 0;
    let mut dirs = Vec::new();
    for item in walkdir::WalkDir::new(dir).min_depth(1) {
        let item = item.map_err(|e| BuildError::io("cannot read", dir, e.into()))?;
        let rel = crate::content::rel_path(dir, item.path());
        if item.file_type().is_dir() {
            dirs.push(item.path().to_path_buf());
        } else if rel != MARKER && !files.contains_key(&rel) {
            std::fs::remove_file(item.path())
                .map_err(|e| BuildError::io("cannot remove", item.path(), e))?;
            removed += 1;
        }
    }
    // Deepest first, so that emptied parents go too; a folder still holding files stays.
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_changes_only_and_removes_stale_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let mut files = Files::new();
        files.insert("index.html".into(), b"a".to_vec());
        files.insert("old/index.html".into(), b"b".to_vec());
        assert_eq!(write(&out, &files, "s1").expect("write").written, 2);
        assert!(is_current(&out, "s1"));
        assert!(!is_current(&out, "s2"));
        let again = write(&out, &files, "s1").expect("write");
        assert_eq!((again.written, again.unchanged), (0, 2));
        files.remove("old/index.html");
        files.insert("index.html".into(), b"c".to_vec());
        let third = write(&out, &files, "s2").expect("write");
        assert_eq!((third.written, third.removed), (1, 1));
        assert!(!out.join("old").exists());
        std::fs::write(out.join("index.html"), "tampered").expect("write");
        assert!(!is_current(&out, "s2"), "a changed output is noticed");
    }

    #[test]
    fn refuses_a_foreign_folder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("precious.txt"), "keep").expect("write");
        let err = write(tmp.path(), &Files::new(), "s").expect_err("foreign");
        assert!(err.to_string().contains("not made by site-gen"));
        assert!(tmp.path().join("precious.txt").exists());
    }
}
