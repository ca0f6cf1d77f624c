//! The documentation as the tests read it: the README and every page of the
//! guide (`docs/src/`), their fenced code blocks and their links.

use std::path::{Path, PathBuf};

/// The repository root (where `Cargo.toml` is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The guide's source folder.
pub fn guide() -> PathBuf {
    root().join("docs/src")
}

/// Whether the run should rewrite generated documentation instead of
/// failing on it (`CXTRAIN_UPDATE_DOCS=1`).
pub fn update_requested() -> bool {
    std::env::var_os("CXTRAIN_UPDATE_DOCS").is_some_and(|v| v == "1")
}

/// One Markdown page.
pub struct Page {
    /// Path relative to the repository root, `/`-separated.
    pub rel: String,
    /// Its text.
    pub text: String,
}

impl Page {
    /// Reads a page by its path relative to the repository root.
    pub fn read(rel: &str) -> Page {
        let text = std::fs::read_to_string(root().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
        Page {
            rel: rel.to_owned(),
            text,
        }
    }

    /// Its lines, without line ends.
    pub fn lines(&self) -> Vec<&str> {
        self.text.lines().collect()
    }

    /// Its fenced code blocks, in order.
    pub fn blocks(&self) -> Vec<Block> {
        blocks(&self.text)
    }

    /// `file:line` for a 0-based line index, for messages.
    pub fn at(&self, line: usize) -> String {
        format!("{}:{}", self.rel, line + 1)
    }
}

/// The README and every guide page, README first, then by path.
pub fn all() -> Vec<Page> {
    let mut pages = vec![Page::read("README.md")];
    pages.extend(guide_pages());
    pages
}

/// Every `.md` file below `docs/src`, by path.
pub fn guide_pages() -> Vec<Page> {
    let mut rels: Vec<String> = walkdir::WalkDir::new(guide())
        .into_iter()
        .map(|e| e.expect("walk docs/src"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            let rel = e.path().strip_prefix(root()).expect("below the root");
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect();
    rels.sort();
    rels.iter().map(|rel| Page::read(rel)).collect()
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The info string after the fence (`console`, `console,ignore`, `toml`).
    pub info: String,
    /// 0-based line of the opening fence.
    pub open: usize,
    /// 0-based line of the closing fence (the last line when unclosed).
    pub close: usize,
    /// The lines between the fences.
    pub body: Vec<String>,
}

impl Block {
    /// The language: the info string up to the first comma or space.
    pub fn lang(&self) -> &str {
        self.info.split([',', ' ']).next().unwrap_or_default()
    }

    /// Whether the info string carries `ignore`.
    pub fn ignored(&self) -> bool {
        self.info.split(',').any(|a| a.trim() == "ignore")
    }

    /// A `console` block the example runner executes.
    pub fn runs(&self) -> bool {
        matches!(self.lang(), "console" | "trycmd") && !self.ignored()
    }

    /// Its commands (`$ ` lines).
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.body.iter().filter_map(|l| l.strip_prefix("$ "))
    }
}

/// The fenced code blocks of a Markdown text (backtick or tilde fences of
/// three or more, closed by a fence of the same kind at least as long).
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((fence, info)) = fence(lines[i]) {
            let open = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !closes(lines[i], &fence) {
                body.push(lines[i].to_owned());
                i += 1;
            }
            out.push(Block {
                info: info.to_owned(),
                open,
                close: i.min(lines.len() - 1),
                body,
            });
        }
        i += 1;
    }
    out
}

fn fence(line: &str) -> Option<(String, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = trimmed.chars().take_while(|&x| x == c).count();
    (n >= 3).then(|| (trimmed[..n].to_owned(), trimmed[n..].trim()))
}

fn closes(line: &str, fence: &str) -> bool {
    let trimmed = line.trim();
    let c = fence.chars().next().unwrap_or('`');
    trimmed.len() >= fence.len() && trimmed.chars().all(|x| x == c)
}

/// Whether line `i` of `text` is inside a fenced block (fences included).
pub fn in_block(blocks: &[Block], i: usize) -> bool {
    blocks.iter().any(|b| b.open <= i && i <= b.close)
}
