//! The initrd: a tar archive (POSIX ustar) the bootloader loaded for us.
//!
//! tar is the simplest archive format there is: each file is a 512-byte
//! header (name, size in octal, type) followed by its contents, padded to a
//! multiple of 512 bytes. Two zero blocks end the archive. We read it in
//! place, through the direct map: no copying, no allocation.
//!
//! The archive is built by `make` from `build/initrd/` (programs in `/bin`).

use spin::Once;

const BLOCK: usize = 512;

static ARCHIVE: Once<&'static [u8]> = Once::new();

/// Remembers where the bootloader put the archive.
pub fn init(phys: u64, len: u64) {
    let virt = crate::mem::phys_to_virt(phys) as *const u8;
    // SAFETY: the boot door reported this range as the initrd; it lies in
    // RAM the frame allocator never hands out, mapped by the direct map.
    ARCHIVE.call_once(|| unsafe { core::slice::from_raw_parts(virt, len as usize) });
}

/// One file in the archive.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Path without a leading `./` or `/`.
    pub path: &'static str,
    pub is_dir: bool,
    pub data: &'static [u8],
}

/// Parses an octal number field (tar stores sizes as ASCII octal).
fn octal(field: &[u8]) -> Option<usize> {
    let mut value: usize = 0;
    for &c in field.iter().skip_while(|&&c| c == b' ') {
        match c {
            b'0'..=b'7' => value = value.checked_mul(8)?.checked_add((c - b'0') as usize)?,
            0 | b' ' => break,
            _ => return None,
        }
    }
    Some(value)
}

fn text(field: &'static [u8]) -> Option<&'static str> {
    let len = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    core::str::from_utf8(&field[..len]).ok()
}

/// Iterates over the archive's entries. A malformed header ends the walk.
pub fn entries() -> impl Iterator<Item = Entry> {
    let archive: &'static [u8] = ARCHIVE.get().copied().unwrap_or(&[]);
    let mut offset = 0;
    core::iter::from_fn(move || {
        let header = archive.get(offset..offset + BLOCK)?;
        if header.iter().all(|&b| b == 0) || &header[257..262] != b"ustar" {
            return None; // end of archive, or not a ustar header
        }
        let size = octal(&header[124..136])?;
        let data_start = offset + BLOCK;
        let data = archive.get(data_start..data_start.checked_add(size)?)?;
        offset = data_start + size.div_ceil(BLOCK) * BLOCK;
        // Paths over 100 bytes would need the ustar prefix field; we keep
        // names short and do not support it (such entries get no path).
        let name = text(&header[0..100])?;
        let prefix = text(&header[345..500])?;
        let path = if prefix.is_empty() { name } else { "" };
        let path = path
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        Some(Entry {
            path,
            is_dir: header[156] == b'5',
            data,
        })
    })
}

/// The contents of the file at `path` (`/bin/init` or `bin/init`).
pub fn find(path: &str) -> Option<&'static [u8]> {
    let path = path.trim_start_matches('/');
    entries()
        .find(|e| !e.is_dir && e.path == path)
        .map(|e| e.data)
}
