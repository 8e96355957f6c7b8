//! Tar archives as the engine exchanges them: `archive_put`/`archive_get` (copy, injecting
//! secrets and configs) and build contexts.
//!
//! Writes ustar with GNU long-name records for paths over 100 bytes; reads ustar, GNU long
//! names and PAX path/size records, which covers what Docker and Podman produce. Reading never
//! panics on malformed input: a truncated or corrupt archive is an error.

use crate::error::{EngineError, EngineResult};

const BLOCK: usize = 512;

/// Type of a tar entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link to the target.
    Symlink(String),
    /// A hard link to another entry.
    Hardlink(String),
}

/// One entry of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// Path inside the archive (directories without trailing `/`).
    pub path: String,
    /// Type.
    pub kind: EntryKind,
    /// Permission bits.
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Modification time (unix seconds).
    pub mtime: i64,
    /// Content of a regular file.
    pub data: Vec<u8>,
}

impl TarEntry {
    /// A regular file with mode 0644 owned by root.
    pub fn file(path: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            kind: EntryKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            data: data.into(),
        }
    }

    /// A directory with mode 0755 owned by root.
    pub fn dir(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            kind: EntryKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
            data: Vec::new(),
        }
    }

    /// Sets the mode.
    #[must_use]
    pub fn with_mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the owner.
    #[must_use]
    pub fn with_owner(mut self, uid: u32, gid: u32) -> Self {
        self.uid = uid;
        self.gid = gid;
        self
    }
}

/// Builds a tar archive in memory.
#[derive(Debug, Default)]
pub struct TarBuilder {
    buf: Vec<u8>,
}

impl TarBuilder {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry.
    pub fn append(&mut self, entry: &TarEntry) -> EngineResult<()> {
        let mut name = entry.path.trim_start_matches('/').to_owned();
        if entry.kind == EntryKind::Dir && !name.ends_with('/') {
            name.push('/');
        }
        let link = match &entry.kind {
            EntryKind::Symlink(t) | EntryKind::Hardlink(t) => t.as_str(),
            _ => "",
        };
        if link.len() > 100 {
            self.long_record(b'K', link);
        }
        if name.len() > 100 {
            self.long_record(b'L', &name);
        }
        let (typeflag, size) = match entry.kind {
            EntryKind::File => (b'0', entry.data.len()),
            EntryKind::Dir => (b'5', 0),
            EntryKind::Symlink(_) => (b'2', 0),
            EntryKind::Hardlink(_) => (b'1', 0),
        };
        let header = header(&name, link, typeflag, size, entry)?;
        self.buf.extend_from_slice(&header);
        if size > 0 {
            self.buf.extend_from_slice(&entry.data);
            self.pad();
        }
        Ok(())
    }

    /// Appends a regular file.
    pub fn file(&mut self, path: &str, data: &[u8]) -> EngineResult<()> {
        self.append(&TarEntry::file(path, data))
    }

    /// Appends a directory.
    pub fn dir(&mut self, path: &str) -> EngineResult<()> {
        self.append(&TarEntry::dir(path))
    }

    /// Finishes the archive (two zero blocks) and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&[0u8; BLOCK * 2]);
        self.buf
    }

    fn long_record(&mut self, flag: u8, value: &str) {
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        let meta = TarEntry::file("././@LongLink", data.clone());
        // Cannot fail: the name is short and the sizes fit in the octal fields.
        if let Ok(h) = header("././@LongLink", "", flag, data.len(), &meta) {
            self.buf.extend_from_slice(&h);
            self.buf.extend_from_slice(&data);
            self.pad();
        }
    }

    fn pad(&mut self) {
        let rem = self.buf.len() % BLOCK;
        if rem != 0 {
            self.buf.resize(self.buf.len() + (BLOCK - rem), 0);
        }
    }
}

fn header(name: &str, link: &str, typeflag: u8, size: usize, e: &TarEntry) -> EngineResult<[u8; BLOCK]> {
    let mut h = [0u8; BLOCK];
    put_str(&mut h[0..100], name);
    put_octal(&mut h[100..108], u64::from(e.mode & 0o7777))?;
    put_octal(&mut h[108..116], u64::from(e.uid))?;
    put_octal(&mut h[116..124], u64::from(e.gid))?;
    put_octal(&mut h[124..136], size as u64)?;
    put_octal(&mut h[136..148], u64::try_from(e.mtime.max(0)).unwrap_or(0))?;
    h[148..156].copy_from_slice(b"        ");
    h[156] = typeflag;
    put_str(&mut h[157..257], link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let cks = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(cks.as_bytes());
    Ok(h)
}

fn put_str(field: &mut [u8], s: &str) {
    let bytes = s.as_bytes();
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

fn put_octal(field: &mut [u8], value: u64) -> EngineResult<()> {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    if text.len() > width {
        return Err(EngineError::invalid(format!("tar field overflow: {value}")));
    }
    field[..width].copy_from_slice(text.as_bytes());
    field[width] = 0;
    Ok(())
}

/// Reads every entry of an archive.
pub fn read_tar(bytes: &[u8]) -> EngineResult<Vec<TarEntry>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut pax_path: Option<String> = None;
    let mut pax_link: Option<String> = None;
    let mut pax_size: Option<usize> = None;
    // Archives without the closing zero blocks are common enough to accept.
    while let Some(h) = bytes.get(pos..pos + BLOCK) {
        if h.iter().all(|b| *b == 0) {
            break;
        }
        verify_checksum(h)?;
        let typeflag = h[156];
        let size = match pax_size.take() {
            Some(s) => s,
            None => usize::try_from(parse_numeric(&h[124..136])?)
                .map_err(|_| corrupt("entry size"))?,
        };
        let data_start = pos + BLOCK;
        let data_end = data_start.checked_add(size).ok_or_else(|| corrupt("entry size"))?;
        let data = bytes.get(data_start..data_end).ok_or_else(|| corrupt("truncated entry"))?;
        let padded = size.div_ceil(BLOCK).checked_mul(BLOCK).ok_or_else(|| corrupt("entry size"))?;
        pos = data_start.checked_add(padded).ok_or_else(|| corrupt("entry size"))?;
        match typeflag {
            b'L' => {
                long_name = Some(cstr(data));
                continue;
            }
            b'K' => {
                long_link = Some(cstr(data));
                continue;
            }
            b'x' => {
                for (k, v) in parse_pax(data) {
                    match k.as_str() {
                        "path" => pax_path = Some(v),
                        "linkpath" => pax_link = Some(v),
                        "size" => pax_size = v.parse().ok(),
                        _ => {}
                    }
                }
                continue;
            }
            b'g' => continue,
            _ => {}
        }
        let header_name = {
            let name = cstr(&h[0..100]);
            let prefix = if &h[257..262] == b"ustar" { cstr(&h[345..500]) } else { String::new() };
            if prefix.is_empty() { name } else { format!("{prefix}/{name}") }
        };
        let path = pax_path.take().or(long_name.take()).unwrap_or(header_name);
        let link = pax_link.take().or(long_link.take()).unwrap_or_else(|| cstr(&h[157..257]));
        let kind = match typeflag {
            b'5' => EntryKind::Dir,
            b'2' => EntryKind::Symlink(link),
            b'1' => EntryKind::Hardlink(link),
            // Regular files; devices and fifos carry no data berth uses, so they are kept
            // visible as (empty) files.
            _ => EntryKind::File,
        };
        let is_dir = kind == EntryKind::Dir;
        out.push(TarEntry {
            path: if is_dir { path.trim_end_matches('/').to_owned() } else { path },
            kind,
            mode: u32::try_from(parse_numeric(&h[100..108])? & 0o7777).unwrap_or(0o644),
            uid: u32::try_from(parse_numeric(&h[108..116])?).unwrap_or(0),
            gid: u32::try_from(parse_numeric(&h[116..124])?).unwrap_or(0),
            mtime: i64::try_from(parse_numeric(&h[136..148])?).unwrap_or(0),
            data: if is_dir { Vec::new() } else { data.to_vec() },
        });
    }
    Ok(out)
}

fn corrupt(what: &str) -> EngineError {
    EngineError::Protocol { message: format!("corrupt tar archive: {what}") }
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn parse_numeric(field: &[u8]) -> EngineResult<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256: big-endian with the top bit of the first byte as a marker.
        let mut v: u64 = 0;
        for (i, b) in field.iter().enumerate() {
            let b = if i == 0 { b & 0x7f } else { *b };
            v = v.checked_mul(256).and_then(|v| v.checked_add(u64::from(b))).ok_or_else(|| corrupt("numeric field"))?;
        }
        return Ok(v);
    }
    let text: String = field
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| char::from(*c))
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| corrupt("numeric field"))
}

fn verify_checksum(h: &[u8]) -> EngineResult<()> {
    let want = parse_numeric(&h[148..156])?;
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| if (148..156).contains(&i) { 32 } else { u64::from(*b) })
        .sum();
    if sum == want {
        Ok(())
    } else {
        Err(corrupt("header checksum mismatch"))
    }
}

/// PAX records: `"<len> <key>=<value>\n"`.
fn parse_pax(data: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|b| *b == b' ') else { break };
        let Some(len) = std::str::from_utf8(&rest[..space]).ok().and_then(|s| s.parse::<usize>().ok()) else {
            break;
        };
        let Some(record) = rest.get(space + 1..len) else { break };
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        let text = String::from_utf8_lossy(record);
        if let Some((k, v)) = text.split_once('=') {
            out.push((k.to_owned(), v.to_owned()));
        }
        rest = rest.get(len..).unwrap_or(&[]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut b = TarBuilder::new();
        b.dir("etc").unwrap();
        b.append(&TarEntry::file("etc/app.conf", b"a=1\n".to_vec()).with_mode(0o600).with_owner(1, 2))
            .unwrap();
        let long = format!("{}/file.txt", "d".repeat(150));
        b.file(&long, b"long").unwrap();
        b.append(&TarEntry { kind: EntryKind::Symlink("app.conf".into()), ..TarEntry::file("etc/link", Vec::new()) })
            .unwrap();
        let bytes = b.finish();
        assert_eq!(bytes.len() % BLOCK, 0);
        let entries = read_tar(&bytes).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].path, "etc");
        assert_eq!(entries[0].kind, EntryKind::Dir);
        assert_eq!(entries[1].data, b"a=1\n");
        assert_eq!((entries[1].mode, entries[1].uid, entries[1].gid), (0o600, 1, 2));
        assert_eq!(entries[2].path, long);
        assert_eq!(entries[3].kind, EntryKind::Symlink("app.conf".into()));
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let mut b = TarBuilder::new();
        b.file("x", &[1u8; 600]).unwrap();
        let bytes = b.finish();
        assert!(read_tar(&bytes[..700]).is_err());
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert!(read_tar(&bad).is_err());
        assert!(read_tar(&[]).unwrap().is_empty());
        assert!(read_tar(&[7u8; 100]).unwrap().is_empty());
    }

    #[test]
    fn pax_records() {
        let recs = parse_pax(b"28 path=some/very/long/name\n11 size=42\n");
        assert_eq!(recs, vec![("path".into(), "some/very/long/name".into()), ("size".into(), "42".into())]);
        assert!(parse_pax(b"999 path=x\n").is_empty());
    }
}
