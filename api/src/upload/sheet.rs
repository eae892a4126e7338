//! Spreadsheets (CSV, XLSX) read into rows of text, within the limits of [`super`].
//!
//! The caller says which columns it wants by mapping the header row to slots
//! ([`Projection`]); only those cells are kept, so memory follows the rows read, not what the
//! file claims. An XLSX file is checked in this order, each step before any work that grows with
//! what the previous one could not see: the ZIP directory's entry count; the declared inflated
//! sizes; the real inflated sizes, counted while inflating each part to nothing (a lying
//! directory does not help a zip bomb), with the longest XML token; the sheet's declared
//! `<dimension>`; then every cell's position as calamine streams the cells.

use super::{
    IMPORT_CELL_BYTES, IMPORT_COLUMNS, IMPORT_LINE_BYTES, IMPORT_ROWS, IMPORT_TEXT_BYTES,
    XLSX_INFLATED_BYTES, XLSX_PARTS, XLSX_SHARED_STRINGS_BYTES, limit,
};
use crate::error::{ApiError, FieldError};
use crate::i18n::Rule;
use std::io::{Read, Write};

/// Where the header's columns go: `columns[i]` is the slot of the header's `i`-th column, or
/// `None` for a column the caller does not read.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    pub slots: usize,
    pub columns: Vec<Option<usize>>,
}

/// A data row: its number in the file (the header is row 1 in a CSV file; the sheet's own row
/// number in an XLSX file) and its cells by slot.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

/// 422 naming the file as unreadable in the given format.
fn unreadable(format: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new("file", Rule::FileUnreadable).with("format", format)])
}

fn cell_field(row: usize, column: usize) -> String {
    format!("rows[{row}].columns[{column}]")
}

/// Collects the projected rows, with the total text kept.
struct Rows {
    projection: Projection,
    rows: Vec<Row>,
    text: usize,
}

impl Rows {
    fn new(projection: Projection) -> Rows {
        Rows { projection, rows: Vec::new(), text: 0 }
    }

    /// An empty row of slots.
    fn blank(&self) -> Vec<String> {
        vec![String::new(); self.projection.slots]
    }

    /// Puts a cell's text in its slot, if the caller reads its column.
    fn put(&mut self, cells: &mut [String], column: usize, text: &str) -> Result<(), ApiError> {
        if let Some(Some(slot)) = self.projection.columns.get(column)
            && let Some(cell) = cells.get_mut(*slot)
        {
            self.text += text.len();
            if self.text > IMPORT_TEXT_BYTES {
                return Err(limit("file", Rule::TooMuchText, IMPORT_TEXT_BYTES / (1024 * 1024)));
            }
            text.clone_into(cell);
        }
        Ok(())
    }

    /// Keeps a row unless it is empty.
    fn push(&mut self, number: usize, cells: Vec<String>) -> Result<(), ApiError> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        if self.rows.len() == IMPORT_ROWS {
            return Err(limit("rows", Rule::TooManyRows, IMPORT_ROWS));
        }
        self.rows.push(Row { number, cells });
        Ok(())
    }
}

/// Reads a UTF-8 CSV file (a byte-order mark is allowed): header first, then data rows.
pub fn read_csv(
    bytes: &[u8],
    project: impl FnOnce(&[String]) -> Result<Projection, ApiError>,
) -> Result<Vec<Row>, ApiError> {
    if bytes.contains(&0) || super::sniff(bytes).is_some() {
        return Err(super::content_mismatch("body", "text/csv", bytes));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut rows: Option<Rows> = None;
    let mut project = Some(project);
    let mut line = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => return Err(unreadable("CSV")),
        }
        line += 1;
        if record.as_slice().len() > IMPORT_LINE_BYTES {
            return Err(limit(format!("rows[{line}]"), Rule::LineTooLong, IMPORT_LINE_BYTES));
        }
        if record.len() > IMPORT_COLUMNS {
            return Err(limit(format!("rows[{line}]"), Rule::TooManyColumns, IMPORT_COLUMNS));
        }
        let mut text = Vec::with_capacity(record.len());
        for (c, field) in record.iter().enumerate() {
            if field.len() > IMPORT_CELL_BYTES {
                return Err(limit(cell_field(line, c + 1), Rule::CellTooLong, IMPORT_CELL_BYTES));
            }
            let field = std::str::from_utf8(field).map_err(|_| {
                ApiError::validation(vec![FieldError::new(cell_field(line, c + 1), Rule::NotUtf8)])
            })?;
            text.push(field);
        }
        match rows.as_mut() {
            None => {
                let header: Vec<String> = text.iter().map(|t| (*t).to_owned()).collect();
                rows = Some(Rows::new(call(&mut project, &header)?));
            }
            Some(rows) => {
                let mut cells = rows.blank();
                for (c, t) in text.iter().enumerate() {
                    rows.put(&mut cells, c, t)?;
                }
                rows.push(line, cells)?;
            }
        }
    }
    match rows {
        Some(rows) => Ok(rows.rows),
        None => call(&mut project, &[]).map(|_| Vec::new()),
    }
}

/// Counts what it is given, and the longest run of bytes between XML angle brackets (the
/// largest token an XML reader would hold at once).
#[derive(Default)]
struct Meter {
    bytes: u64,
    run: usize,
    longest: usize,
}

impl Write for Meter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|b| matches!(b, b'<' | b'>')) {
            self.longest = self.longest.max(self.run + i);
            self.run = 0;
            rest = &rest[i + 1..];
        }
        self.run += rest.len();
        self.longest = self.longest.max(self.run);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The number of entries the ZIP's end-of-central-directory record declares, read before the
/// directory itself is parsed (each entry costs memory there). `None` when there is no such
/// record or it is ZIP64 (an import never needs one).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: [u8; 4] = [0x50, 0x4B, 0x05, 0x06];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes.get(from..)?.windows(4).rposition(|w| w == EOCD)? + from;
    let total = bytes.get(at + 10..at + 12)?;
    let total = u16::from_le_bytes([total[0], total[1]]);
    (total != u16::MAX).then_some(usize::from(total))
}

/// Checks the archive's directory and the real inflated size of every part.
fn check_archive(bytes: &[u8]) -> Result<(), ApiError> {
    let entries = declared_entries(bytes).ok_or_else(|| unreadable("XLSX"))?;
    if entries > XLSX_PARTS {
        return Err(limit("file", Rule::TooManyParts, XLSX_PARTS));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable("XLSX"))?;
    if archive.len() > XLSX_PARTS {
        return Err(limit("file", Rule::TooManyParts, XLSX_PARTS));
    }
    let inflated_limit = || limit("file", Rule::InflatedTooLarge, XLSX_INFLATED_BYTES / (1024 * 1024));
    let strings_limit = || limit("file", Rule::InflatedTooLarge, XLSX_SHARED_STRINGS_BYTES / (1024 * 1024));
    // What the directory declares, first: an honest but huge file stops here, unread.
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| unreadable("XLSX"))?;
        declared = declared.saturating_add(entry.size());
        let name = entry.name().map_err(|_| unreadable("XLSX"))?;
        if name.ends_with("sharedStrings.xml") && entry.size() > XLSX_SHARED_STRINGS_BYTES {
            return Err(strings_limit());
        }
    }
    if declared > XLSX_INFLATED_BYTES {
        return Err(inflated_limit());
    }
    // Then what each part really inflates to, inflated here from its raw data (whatever its
    // directory entry says), never holding more than a buffer of it.
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| unreadable("XLSX"))?;
        let name = entry.name().map_err(|_| unreadable("XLSX"))?.into_owned();
        let xml = name.ends_with(".xml") || name.ends_with(".rels");
        let strings = name.ends_with("sharedStrings.xml");
        let left =
            (XLSX_INFLATED_BYTES - total).min(if strings { XLSX_SHARED_STRINGS_BYTES } else { u64::MAX });
        let mut data: Box<dyn Read> = match entry.compression() {
            zip::CompressionMethod::Stored => Box::new(entry),
            zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(entry)),
            _ => return Err(unreadable("XLSX")),
        };
        let mut meter = Meter::default();
        std::io::copy(&mut (&mut data).take(left + 1), &mut meter).map_err(|_| unreadable("XLSX"))?;
        if meter.bytes > left {
            return Err(if strings { strings_limit() } else { inflated_limit() });
        }
        if xml && meter.longest > IMPORT_LINE_BYTES {
            return Err(limit("file", Rule::CellTooLong, IMPORT_CELL_BYTES));
        }
        total += meter.bytes;
    }
    Ok(())
}

fn text(value: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => dt.to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Reads the first sheet of an XLSX file: the first row with a value is the header.
pub fn read_xlsx(
    bytes: &[u8],
    project: impl FnOnce(&[String]) -> Result<Projection, ApiError>,
) -> Result<Vec<Row>, ApiError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(super::content_mismatch("body", super::XLSX, bytes));
    }
    check_archive(bytes)?;
    use calamine::Reader as _;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable("XLSX"))?;
    let first = book.sheet_names().first().cloned().ok_or_else(|| unreadable("XLSX"))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|_| unreadable("XLSX"))?;
    let declared = cells.dimensions();
    let max_row = IMPORT_ROWS as u32; // 0-based: the header and IMPORT_ROWS data rows
    if declared.end.0 > max_row {
        return Err(limit("rows", Rule::TooManyRows, IMPORT_ROWS));
    }
    if declared.end.1 as usize >= IMPORT_COLUMNS {
        return Err(limit("columns", Rule::TooManyColumns, IMPORT_COLUMNS));
    }
    let mut project = Some(project);
    let mut header: Vec<String> = Vec::new();
    let mut header_row: Option<u32> = None;
    let mut rows: Option<Rows> = None;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable("XLSX"))? {
        let (r, c) = cell.get_position();
        if r > max_row {
            return Err(limit("rows", Rule::TooManyRows, IMPORT_ROWS));
        }
        let column = c as usize;
        if column >= IMPORT_COLUMNS {
            return Err(limit("columns", Rule::TooManyColumns, IMPORT_COLUMNS));
        }
        let value = text(cell.get_value());
        if value.len() > IMPORT_CELL_BYTES {
            return Err(limit(cell_field(r as usize + 1, column + 1), Rule::CellTooLong, IMPORT_CELL_BYTES));
        }
        if value.is_empty() {
            continue;
        }
        // Rows come in ascending order from every spreadsheet writer (ECMA-376 asks for it).
        let last = current.as_ref().map(|(row, _)| *row).or(header_row);
        if last.is_some_and(|last| r < last) {
            return Err(unreadable("XLSX"));
        }
        if header_row.is_none_or(|h| h == r) {
            header_row = Some(r);
            if header.len() <= column {
                header.resize(column + 1, String::new());
            }
            header[column] = value;
            continue;
        }
        let rows = match rows {
            Some(ref mut rows) => rows,
            None => rows.insert(Rows::new(call(&mut project, &header)?)),
        };
        if current.as_ref().is_some_and(|(row, _)| *row != r)
            && let Some((row, done)) = current.take()
        {
            rows.push(row as usize + 1, done)?;
        }
        let (_, slots) = current.get_or_insert_with(|| (r, rows.blank()));
        rows.put(slots, column, &value)?;
    }
    let mut rows = match rows {
        Some(rows) => rows,
        None => Rows::new(call(&mut project, &header)?),
    };
    if let Some((row, done)) = current {
        rows.push(row as usize + 1, done)?;
    }
    Ok(rows.rows)
}

/// Maps the header once.
fn call(
    project: &mut Option<impl FnOnce(&[String]) -> Result<Projection, ApiError>>,
    header: &[String],
) -> Result<Projection, ApiError> {
    project.take().map_or_else(|| Ok(Projection::default()), |f| f(header))
}
