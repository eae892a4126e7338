//! Hostile and honest files made by hand, byte by byte where a writer library would refuse to
//! lie: ZIP archives with declared sizes of our choosing, deflate streams that inflate to
//! hundreds of megabytes, real PNG photos, and image headers that claim what they like.

use std::io::Write;

/// CRC-32 (IEEE), bit by bit: the files here are small, or their checksum is never reached.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A ZIP entry: its raw (already compressed) data as stored, and what the directory declares.
pub struct Entry {
    pub name: String,
    /// 0 stored, 8 deflate.
    pub method: u16,
    pub data: Vec<u8>,
    pub declared_size: u32,
    pub crc: u32,
}

impl Entry {
    /// A stored entry with honest size and checksum.
    pub fn stored(name: &str, content: &[u8]) -> Entry {
        Entry {
            name: name.to_owned(),
            method: 0,
            data: content.to_vec(),
            declared_size: u32::try_from(content.len()).expect("small entry"),
            crc: crc32(content),
        }
    }

    /// A deflated entry declaring `declared_size` bytes (true or not) and a checksum nobody reaches.
    pub fn deflated(name: &str, raw_deflate: Vec<u8>, declared_size: u32) -> Entry {
        Entry { name: name.to_owned(), method: 8, data: raw_deflate, declared_size, crc: 0 }
    }
}

/// A ZIP archive of the given entries, written as the format says (local headers, central
/// directory, end record), with whatever sizes the entries declare.
pub fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for e in entries {
        let offset = u32::try_from(out.len()).expect("small archive");
        let compressed = u32::try_from(e.data.len()).expect("small entry");
        let name = e.name.as_bytes();
        let name_len = u16::try_from(name.len()).expect("short name");
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&e.method.to_le_bytes());
            v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
            v.extend_from_slice(&e.crc.to_le_bytes());
            v.extend_from_slice(&compressed.to_le_bytes());
            v.extend_from_slice(&e.declared_size.to_le_bytes());
            v.extend_from_slice(&name_len.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
        directory.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        directory.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut directory);
        directory.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        directory.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name);
    }
    let at = u32::try_from(out.len()).expect("small archive");
    let count = u16::try_from(entries.len()).expect("few entries");
    let size = u32::try_from(directory.len()).expect("small directory");
    out.extend_from_slice(&directory);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A raw deflate stream that inflates to `mib` MiB of `byte`, about a thousandth of that in size:
/// one sync-flushed block of 1 MiB repeated (each copy's back-references reach only the same
/// byte), then a final empty block.
pub fn deflate_of(byte: u8, mib: usize) -> Vec<u8> {
    let mut block = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    block.write_all(&vec![byte; 1024 * 1024]).expect("deflate");
    block.flush().expect("sync flush");
    let block = block.get_ref().clone();
    let mut out = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// The parts of a one-sheet workbook around the given sheet entry (named
/// `xl/worksheets/sheet1.xml`).
pub fn workbook(sheet: Entry, extra: Vec<Entry>) -> Vec<u8> {
    let mut entries = vec![
        Entry::stored("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        Entry::stored("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        Entry::stored("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="考生" sheetId="1" r:id="rId1"/></sheets></workbook>"#.as_bytes()),
        Entry::stored("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
    ];
    entries.push(sheet);
    entries.extend(extra);
    zip(&entries)
}

/// A worksheet's XML around the given `<sheetData>` content, with an optional `<dimension>`.
pub fn sheet_xml(dimension: Option<&str>, rows: &str) -> String {
    let dimension = dimension.map(|d| format!(r#"<dimension ref="{d}"/>"#)).unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>"#
    )
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(&u32::try_from(body.len()).expect("small chunk").to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(body);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A PNG whose IHDR declares `width` × `height` (8-bit RGB) and whose IDAT holds the given zlib
/// data.
pub fn png_with(width: u32, height: u32, zlib: &[u8]) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", zlib);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A real, decodable 8-bit RGB PNG of `width` × `height` light-grey pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let row = 1 + 3 * width as usize;
    let mut raw = vec![200u8; row * height as usize];
    for line in raw.chunks_mut(row) {
        line[0] = 0; // filter: none
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&raw).expect("zlib");
    png_with(width, height, &z.finish().expect("zlib"))
}

/// A real 2-inch photo (413 × 579 pixels, 35:49).
pub fn two_inch_png() -> Vec<u8> {
    png(413, 579)
}

/// A JPEG that is only a header: SOI, a JFIF segment and a baseline SOF declaring the size.
pub fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
    out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// The resident set size of this process, in bytes (Linux), for memory bounds around a request.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).map(|kb| kb * 1024)
            })
        })
        .unwrap_or(0)
}
