//! An in-memory File Cabinet: folders and files with internal IDs, sizes and modification
//! times, addressed by paths such as `SuiteScripts/my-app/a.js` (docs/design.md §8).

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

/// One stored file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub id: u64,
    pub content: Vec<u8>,
    pub modified: SystemTime,
}

#[derive(Default)]
pub struct FileCabinet {
    files: BTreeMap<String, StoredFile>,
    folders: BTreeSet<String>,
    next_id: u64,
}

/// Why a path is refused.
pub const INVALID_PATH: &str = "INVALID_PATH";

/// A File Cabinet path: segments separated by `/`, none empty, `.` or `..`, no backslash, no
/// leading `/`, no control characters.
pub fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 4000
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

impl FileCabinet {
    pub fn new() -> FileCabinet {
        let mut fc = FileCabinet {
            next_id: 1000,
            ..Default::default()
        };
        fc.folders.insert("SuiteScripts".into());
        fc
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn folder_exists(&self, path: &str) -> bool {
        self.folders.contains(path)
    }

    /// Files under `folder`, at any depth, in path order.
    pub fn list(&self, folder: &str) -> Vec<(&String, &StoredFile)> {
        let prefix = format!("{}/", folder.trim_end_matches('/'));
        self.files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .collect()
    }

    pub fn get(&self, path: &str) -> Option<&StoredFile> {
        self.files.get(path)
    }

    /// How many folders a put of `path` would create.
    pub fn missing_folders(&self, path: &str) -> usize {
        let segments: Vec<&str> = path.split('/').collect();
        (1..segments.len())
            .filter(|&n| !self.folders.contains(&segments[..n].join("/")))
            .count()
    }

    /// Writes a file, creating its folders. Returns its ID and whether it is new.
    pub fn put(&mut self, path: &str, content: Vec<u8>) -> (u64, bool) {
        let mut folder = String::new();
        let segments: Vec<&str> = path.split('/').collect();
        for seg in &segments[..segments.len().saturating_sub(1)] {
            if !folder.is_empty() {
                folder.push('/');
            }
            folder.push_str(seg);
            self.folders.insert(folder.clone());
        }
        let modified = SystemTime::now();
        if let Some(existing) = self.files.get_mut(path) {
            existing.content = content;
            existing.modified = modified;
            return (existing.id, false);
        }
        let id = self.next_id();
        self.files.insert(
            path.to_string(),
            StoredFile {
                id,
                content,
                modified,
            },
        );
        (id, true)
    }

    pub fn delete(&mut self, path: &str) -> bool {
        self.files.remove(path).is_some()
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in ["SuiteScripts/a.js", "a", "SuiteScripts/my app/ü.txt"] {
            assert!(valid_path(ok), "{ok}");
        }
        for bad in [
            "", "/abs", "a//b", "a/../b", "..", "a/./b", "a\\b", "a/", "a\nb",
        ] {
            assert!(!valid_path(bad), "{bad}");
        }
    }

    #[test]
    fn put_list_delete() {
        let mut fc = FileCabinet::new();
        let (id, new) = fc.put("SuiteScripts/app/x/a.js", b"1".to_vec());
        assert!(new);
        assert_eq!(
            fc.put("SuiteScripts/app/x/a.js", b"2".to_vec()),
            (id, false)
        );
        fc.put("SuiteScripts/app/b.js", b"3".to_vec());
        fc.put("SuiteScripts/apple.js", b"4".to_vec());
        assert!(fc.folder_exists("SuiteScripts/app/x"));
        let listed: Vec<_> = fc
            .list("SuiteScripts/app")
            .into_iter()
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(listed, ["SuiteScripts/app/b.js", "SuiteScripts/app/x/a.js"]);
        assert!(fc.delete("SuiteScripts/app/b.js"));
        assert!(!fc.delete("SuiteScripts/app/b.js"));
    }
}
