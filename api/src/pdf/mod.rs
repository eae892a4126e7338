//! Over 400 lines: the PDF primitives every document shares (fonts, text, images, pages).
//!
//! Small PDF documents (filing receipts, later certificates) drawn with the embedded Kai font.
//!
//! A page is a list of drawing operations in millimetres from the top-left corner. Text is
//! written with a CID-keyed TrueType font (Identity-H) whose glyphs are subset to those used, with
//! a ToUnicode map so that the text can be searched and extracted.

pub mod certificate;
pub mod receipt;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The Kai typeface compiled into the binary (see `assets/fonts/README.md`).
static FONT: &[u8] = include_bytes!("../../../assets/fonts/LXGWWenKai-Regular.ttf");

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font has no glyph for these characters.
    #[error("no glyph for {0:?}")]
    MissingGlyphs(Vec<char>),
    /// The font could not be read or subset.
    #[error("font: {0}")]
    Font(String),
    /// The certificate was issued without a photo (before R29 was enforced): it is not drawn
    /// with an empty frame.
    #[error("the certificate has no photo")]
    NoPhoto,
    /// The photo file on record is missing or does not decode.
    #[error("photo file {0}: {1}")]
    PhotoFile(String, String),
}

/// One drawing operation.
#[derive(Debug, Clone)]
pub enum Op {
    /// Text with its left baseline point at (x, y) mm, in `size` points.
    Text { x: f32, y: f32, size: f32, text: String },
    /// A rectangle outline at (x, y) mm (top-left), `w` × `h` mm, line width in points.
    Frame { x: f32, y: f32, w: f32, h: f32, line: f32 },
    /// A horizontal line from (x1, y) to (x2, y) mm.
    Rule { x1: f32, x2: f32, y: f32, line: f32 },
    /// A filled black square area at (x, y) mm (top-left), `w` × `h` mm (QR modules).
    Block { x: f32, y: f32, w: f32, h: f32 },
    /// An image placed in the box at (x, y) mm (top-left), `w` × `h` mm.
    Image { x: f32, y: f32, w: f32, h: f32, image: Image },
}

/// An image ready to embed: JPEG as is, or the zlib data of an 8-bit non-interlaced PNG.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: i32,
    pub height: i32,
    /// 1 (gray) or 3 (RGB).
    pub components: i32,
    pub png: bool,
    pub data: Vec<u8>,
}

impl Image {
    /// Prepares a JPEG or PNG photo; `None` for anything else (also PNGs with alpha or
    /// interlacing, and anything over the photo pixel limit). The header is read by the same
    /// reader that checked the photo at upload ([`crate::upload::image`]).
    pub fn prepare(bytes: &[u8]) -> Option<Image> {
        use crate::upload::image::{self, Format};
        let h = image::bounded(bytes, crate::upload::PHOTO_PIXELS).ok()?;
        if !h.plain || !matches!(h.components, 1 | 3) {
            return None;
        }
        let data = match h.format {
            Format::Jpeg => bytes.to_vec(),
            Format::Png => png_image_data(bytes)?,
        };
        Some(Image {
            width: i32::try_from(h.width).ok()?,
            height: i32::try_from(h.height).ok()?,
            components: i32::from(h.components),
            png: h.format == Format::Png,
            data,
        })
    }
}

/// The zlib stream of a PNG: its IDAT chunks, joined.
fn png_image_data(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut i = 8;
    let mut data = Vec::new();
    while i + 8 <= bytes.len() {
        let len = usize::try_from(u32::from_be_bytes(bytes[i..i + 4].try_into().ok()?)).ok()?;
        let body = bytes.get(i + 8..(i + 8).checked_add(len)?)?;
        match &bytes[i + 4..i + 8] {
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        i += 12 + len;
    }
    (!data.is_empty()).then_some(data)
}

/// A page of `width` × `height` mm.
#[derive(Debug, Clone)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub ops: Vec<Op>,
}

struct Font {
    face: ttf_parser::Face<'static>,
}

fn font() -> Result<&'static Font, PdfError> {
    static PARSED: OnceLock<Option<Font>> = OnceLock::new();
    PARSED
        .get_or_init(|| ttf_parser::Face::parse(FONT, 0).ok().map(|face| Font { face }))
        .as_ref()
        .ok_or_else(|| PdfError::Font("the embedded font does not parse".into()))
}

/// Characters of `text` that the font cannot draw (so callers can refuse before issuing).
pub fn missing_glyphs(text: &str) -> Result<Vec<char>, PdfError> {
    let f = font()?;
    let mut missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && f.face.glyph_index(*c).is_none_or(|g| g.0 == 0))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    Ok(missing)
}

/// Width of `text` in millimetres at `size` points.
pub fn text_width(text: &str, size: f32) -> Result<f32, PdfError> {
    let f = font()?;
    let upem = f32::from(f.face.units_per_em());
    let units: f32 = text
        .chars()
        .map(|c| f.face.glyph_index(c).and_then(|g| f.face.glyph_hor_advance(g)).map_or(0.0, f32::from))
        .sum();
    Ok(units / upem * size / PT_PER_MM)
}

/// Renders pages into a PDF.
pub fn render(pages: &[Page], title: &str) -> Result<Vec<u8>, PdfError> {
    let f = font()?;
    let mut all_text = String::new();
    for p in pages {
        for op in &p.ops {
            if let Op::Text { text, .. } = op {
                all_text.push_str(text);
            }
        }
    }
    all_text.push_str(title);
    let missing = missing_glyphs(&all_text)?;
    if !missing.is_empty() {
        return Err(PdfError::MissingGlyphs(missing));
    }
    // Glyphs used, remapped to consecutive ids in the subset (0 = .notdef stays 0).
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut cids: BTreeMap<char, u16> = BTreeMap::new();
    for c in all_text.chars().filter(|c| !c.is_control()) {
        if let Some(g) = f.face.glyph_index(c) {
            let new = remapper.remap(g.0);
            cids.insert(c, new);
        }
    }
    let subset = subsetter::subset(FONT, 0, &remapper).map_err(|e| PdfError::Font(format!("{e:?}")))?;
    let upem = f32::from(f.face.units_per_em());
    let scale = |v: f32| v * 1000.0 / upem;

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let type0 = Ref::new(3);
    let cid_font = Ref::new(4);
    let descriptor = Ref::new(5);
    let font_file = Ref::new(6);
    let to_unicode = Ref::new(7);
    let info = Ref::new(8);
    let first_page = 10;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.document_info(info).title(pdf_writer::TextStr(title)).producer(pdf_writer::TextStr("skillcert"));

    let base = Name(b"SKCERT+LXGWWenKai-Regular");
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(to_unicode);
    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    {
        let mut cid = pdf.cid_font(cid_font);
        cid.subtype(CidFontType::Type2).base_font(base).system_info(system_info).font_descriptor(descriptor);
        cid.cid_to_gid_map_predefined(Name(b"Identity"));
        cid.default_width(scale(f32::from(f.face.units_per_em())));
        let mut widths = cid.widths();
        for (c, new) in &cids {
            let Some(g) = f.face.glyph_index(*c) else { continue };
            let w = f.face.glyph_hor_advance(g).map_or(0.0, f32::from);
            widths.consecutive(*new, [scale(w)]);
        }
    }
    let bbox = f.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            scale(f32::from(bbox.x_min)),
            scale(f32::from(bbox.y_min)),
            scale(f32::from(bbox.x_max)),
            scale(f32::from(bbox.y_max)),
        ))
        .italic_angle(0.0)
        .ascent(scale(f32::from(f.face.ascender())))
        .descent(scale(f32::from(f.face.descender())))
        .cap_height(scale(f32::from(f.face.capital_height().unwrap_or(f.face.ascender()))))
        .stem_v(80.0)
        .font_file2(font_file);
    pdf.stream(font_file, &subset);
    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
    for (c, new) in &cids {
        cmap.pair(*new, *c);
    }
    pdf.cmap(to_unicode, &cmap.finish());

    let mut next_image = 1000;
    for (i, page) in pages.iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let (w, h) = (page.width * PT_PER_MM, page.height * PT_PER_MM);
        let mut images = Vec::new();
        for op in &page.ops {
            if let Op::Image { image, .. } = op {
                let id = Ref::new(next_image);
                next_image += 1;
                let mut x = pdf.image_xobject(id, &image.data);
                x.width(image.width).height(image.height).bits_per_component(8);
                x.color_space_name(if image.components == 1 {
                    Name(b"DeviceGray")
                } else {
                    Name(b"DeviceRGB")
                });
                if image.png {
                    x.filter(pdf_writer::Filter::FlateDecode);
                    x.decode_parms()
                        .predictor(pdf_writer::types::Predictor::PngOptimum)
                        .colors(image.components)
                        .bits_per_component(8)
                        .columns(image.width);
                } else {
                    x.filter(pdf_writer::Filter::DctDecode);
                }
                x.finish();
                images.push(id);
            }
        }
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, w, h)).parent(tree).contents(content_id);
        {
            let mut resources = p.resources();
            resources.fonts().pair(Name(b"F1"), type0);
            let mut xo = resources.x_objects();
            for (k, id) in images.iter().enumerate() {
                xo.pair(Name(format!("Im{k}").as_bytes()), *id);
            }
        }
        p.finish();
        let mut image_index = 0;
        let mut content = Content::new();
        for op in &page.ops {
            match op {
                Op::Text { x, y, size, text } => {
                    let encoded: Vec<u8> =
                        text.chars().filter_map(|c| cids.get(&c)).flat_map(|cid| cid.to_be_bytes()).collect();
                    content.begin_text();
                    content.set_font(Name(b"F1"), *size);
                    content.next_line(x * PT_PER_MM, h - y * PT_PER_MM);
                    content.show(Str(&encoded));
                    content.end_text();
                }
                Op::Frame { x, y, w: fw, h: fh, line } => {
                    content.set_line_width(*line);
                    content.rect(x * PT_PER_MM, h - (y + fh) * PT_PER_MM, fw * PT_PER_MM, fh * PT_PER_MM);
                    content.stroke();
                }
                Op::Rule { x1, x2, y, line } => {
                    content.set_line_width(*line);
                    content.move_to(x1 * PT_PER_MM, h - y * PT_PER_MM);
                    content.line_to(x2 * PT_PER_MM, h - y * PT_PER_MM);
                    content.stroke();
                }
                Op::Block { x, y, w: bw, h: bh } => {
                    content.rect(x * PT_PER_MM, h - (y + bh) * PT_PER_MM, bw * PT_PER_MM, bh * PT_PER_MM);
                    content.fill_nonzero();
                }
                Op::Image { x, y, w: iw, h: ih, .. } => {
                    content.save_state();
                    content.transform([
                        iw * PT_PER_MM,
                        0.0,
                        0.0,
                        ih * PT_PER_MM,
                        x * PT_PER_MM,
                        h - (y + ih) * PT_PER_MM,
                    ]);
                    content.x_object(Name(format!("Im{image_index}").as_bytes()));
                    content.restore_state();
                    image_index += 1;
                }
            }
        }
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
}

/// Splits `text` into lines no wider than `max_mm` at `size` points (CJK text breaks anywhere).
pub fn wrap(text: &str, size: f32, max_mm: f32) -> Result<Vec<String>, PdfError> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for c in para.chars() {
            let mut candidate = line.clone();
            candidate.push(c);
            if !line.is_empty() && text_width(&candidate, size)? > max_mm {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG chunk: length, kind, body, and a CRC the reader does not check.
    fn chunk(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(body.len()).expect("small").to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(body);
        c.extend_from_slice(&[0; 4]);
        c
    }

    fn png(width: u32, height: u32, colour: u8, idat: &[&[u8]]) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend(chunk(b"IHDR", &ihdr));
        for data in idat {
            png.extend(chunk(b"IDAT", data));
        }
        png.extend(chunk(b"IEND", b""));
        png
    }

    #[test]
    fn photos_are_prepared_from_the_header_the_upload_checked() {
        let image = Image::prepare(&png(413, 579, 2, &[b"ab", b"cd"])).expect("an RGB PNG");
        assert_eq!((image.width, image.height, image.components, image.png), (413, 579, 3, true));
        assert_eq!(image.data, b"abcd", "the IDAT chunks joined");
        assert_eq!(Image::prepare(&png(10, 10, 0, &[b"x"])).map(|i| i.components), Some(1));
        // Alpha, a palette, no data, or more pixels than a photo may have: not embedded.
        assert!(Image::prepare(&png(10, 10, 6, &[b"x"])).is_none());
        assert!(Image::prepare(&png(10, 10, 3, &[b"x"])).is_none());
        assert!(Image::prepare(&png(10, 10, 2, &[])).is_none());
        assert!(Image::prepare(&png(100_000, 140_000, 2, &[b"x"])).is_none());
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0x02, 0x43, 0x01, 0x9D, 3, 0, 0, 0, 0]);
        let image = Image::prepare(&jpeg).expect("a JPEG");
        assert_eq!((image.width, image.height, image.components, image.png), (413, 579, 3, false));
    }

    #[test]
    fn the_font_covers_common_and_rare_name_characters() {
        assert!(
            missing_glyphs("职业技能等级证书 重庆市人力资源和社会保障局 喆堃玥昇赟垚犇 S0000500000012")
                .expect("font")
                .is_empty()
        );
        assert_eq!(missing_glyphs("\u{E000}").expect("font"), ['\u{E000}']);
    }

    #[test]
    fn a_page_renders_small_with_its_text_subset() {
        let page = Page {
            width: 210.0,
            height: 297.0,
            ops: vec![
                Op::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 2.25 },
                Op::Text { x: 20.0, y: 30.0, size: 30.0, text: "备案回执".into() },
            ],
        };
        let bytes = render(&[page], "测试").expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
        let err = render(
            &[Page {
                width: 10.0,
                height: 10.0,
                ops: vec![Op::Text { x: 0.0, y: 5.0, size: 10.0, text: "\u{E001}".into() }],
            }],
            "x",
        );
        assert!(matches!(err, Err(PdfError::MissingGlyphs(_))));
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let lines = wrap(&"职".repeat(100), 12.0, 100.0).expect("wraps");
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, 12.0).expect("width") <= 100.0);
        }
    }
}
