//! The one atomic file write: a temporary file beside the target, written and synced, then
//! renamed into place, so that a reader (or a crash) never sees half a file; and the owner-only
//! folders and files that hold personal data and keys.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Who may read the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The usual mode (0644 under the usual umask): site data.
    Shared,
    /// Owner only (0600): personal data and keys.
    Private,
}

/// A file written beside its target and not yet in place. Dropped without
/// [`commit`](Self::commit), it is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    done: bool,
}

/// Writes `bytes` to a temporary file beside `target`.
pub fn stage(target: &Path, bytes: &[u8], access: Access) -> std::io::Result<Staged> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let staged = Staged {
        tmp: dir.join(format!(".{name}.{}.tmp", std::process::id())),
        target: target.to_owned(),
        done: false,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&staged.tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(staged)
}

impl Staged {
    /// Puts the file in place, replacing what was there.
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.target)?;
        self.done = true;
        Ok(())
    }

    /// Puts the file in place only if nothing is there yet (`AlreadyExists` otherwise): for a
    /// file that two processes may create at once, such as a generated key.
    pub fn commit_new(self) -> std::io::Result<()> {
        // A hard link fails when the target exists, atomically; the temporary name then goes.
        std::fs::hard_link(&self.tmp, &self.target)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write_atomic(target: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    stage(target, bytes, access)?.commit()
}

/// Creates `dir` (and its parents) readable by the owner only (0700); an existing folder is
/// left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes an existing file readable and writable by its owner only (0600), as a file another
/// library created (a database) must be.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn writes_replaces_and_leaves_nothing_behind() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one", Access::Shared)?;
        write_atomic(&path, b"two", Access::Private)?;
        assert_eq!(std::fs::read(&path)?, b"two");
        assert!(leftovers(dir.path()).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
        }
        Ok(())
    }

    #[test]
    fn a_dropped_stage_and_a_refused_new_file_leave_the_target_alone() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("key");
        drop(stage(&path, b"never", Access::Private)?);
        assert!(!path.exists());
        stage(&path, b"first", Access::Private)?.commit_new()?;
        let second = stage(&path, b"second", Access::Private)?.commit_new();
        assert_eq!(
            second.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::AlreadyExists)
        );
        assert_eq!(std::fs::read(&path)?, b"first");
        assert!(leftovers(dir.path()).is_empty());
        Ok(())
    }
}
