//! JPEG and PNG images: the pixel size a header declares, checked against a limit before any
//! pixel is decoded, and (for photos) a full decode proving that the data hold exactly what the
//! header declares. A 100-byte PNG claiming 100,000 × 140,000 pixels is refused here instead of
//! being certified and then taking a PDF viewer a minute to draw.

use std::io::{Read, Write};

/// The two image formats accepted anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }
}

/// What a header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// Colour components: 1 (grey) or 3 (colour) for what the certificate PDF can embed; other
    /// values are reported as they are.
    pub components: u8,
    /// A PNG that is 8-bit grey or RGB without interlacing (what the PDF embeds as is); always
    /// true for JPEG.
    pub plain: bool,
}

impl Header {
    /// Width × height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Why an image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// Not a JPEG or PNG whose header can be read.
    Unreadable,
    /// The header declares more pixels than allowed.
    TooManyPixels { width: u32, height: u32 },
    /// A kind of JPEG or PNG the certificate cannot show (CMYK, alpha, 16-bit, palette, interlaced).
    Format,
    /// The data do not decode to what the header declares (truncated, padded or damaged).
    Mismatch { width: u32, height: u32 },
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Reads the header of a JPEG or PNG, without decoding pixels.
pub fn header(bytes: &[u8]) -> Result<Header, ImageError> {
    if bytes.starts_with(&PNG_SIGNATURE) {
        let ihdr = bytes.get(8..33).ok_or(ImageError::Unreadable)?;
        if &ihdr[0..8] != b"\0\0\0\x0DIHDR" {
            return Err(ImageError::Unreadable);
        }
        let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
        let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
        let (depth, colour, interlace) = (ihdr[16], ihdr[17], ihdr[20]);
        let components = match colour {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            _ => return Err(ImageError::Unreadable),
        };
        if width == 0 || height == 0 {
            return Err(ImageError::Unreadable);
        }
        let plain = depth == 8 && matches!(colour, 0 | 2) && interlace == 0 && ihdr[18] == 0 && ihdr[19] == 0;
        return Ok(Header { format: Format::Png, width, height, components, plain });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return Err(ImageError::Unreadable);
            }
            let marker = bytes[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                let height = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
                let width = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
                let components = bytes[i + 9];
                if width == 0 || height == 0 {
                    return Err(ImageError::Unreadable);
                }
                return Ok(Header { format: Format::Jpeg, width, height, components, plain: true });
            }
            if len < 2 || marker == 0xDA {
                return Err(ImageError::Unreadable);
            }
            i += 2 + len;
        }
    }
    Err(ImageError::Unreadable)
}

/// Reads the header and refuses more than `max_pixels`.
pub fn bounded(bytes: &[u8], max_pixels: u64) -> Result<Header, ImageError> {
    let h = header(bytes)?;
    if h.pixels() > max_pixels {
        return Err(ImageError::TooManyPixels { width: h.width, height: h.height });
    }
    Ok(h)
}

/// At most this many photos are decoded at once (each can take `PHOTO_PIXELS` × 3 bytes).
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks a photo fully: header within `max_pixels`, a kind the certificate can show, and data
/// that decode to exactly the declared pixels. Decoding runs on the blocking pool, two at a time.
pub async fn decode_checked(bytes: actix_web::web::Bytes, max_pixels: u64) -> Result<Header, ImageError> {
    let h = bounded(&bytes, max_pixels)?;
    if !h.plain || !matches!(h.components, 1 | 3) {
        return Err(ImageError::Format);
    }
    let _permit = DECODES.acquire().await.map_err(|_| ImageError::Unreadable)?;
    let ok = actix_web::web::block(move || match h.format {
        Format::Png => png_data_match(&bytes, &h),
        Format::Jpeg => jpeg_data_match(&bytes, &h),
    })
    .await
    .unwrap_or(false);
    if ok { Ok(h) } else { Err(ImageError::Mismatch { width: h.width, height: h.height }) }
}

/// Counts inflated bytes and checks each scanline's filter byte, keeping none of them.
struct Scanlines {
    stride: u64,
    seen: u64,
    bad_filter: bool,
}

impl Write for Scanlines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let start = self.seen;
        self.seen += buf.len() as u64;
        // The filter bytes are at multiples of the stride.
        let mut next = start.div_ceil(self.stride) * self.stride;
        while next < self.seen {
            let at = usize::try_from(next - start).unwrap_or(usize::MAX);
            if buf.get(at).is_none_or(|f| *f > 4) {
                self.bad_filter = true;
            }
            next += self.stride;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The PNG's IDAT data inflate to exactly `height` scanlines of `1 + width × components` bytes,
/// each with a known filter, and the file ends with IEND.
fn png_data_match(bytes: &[u8], h: &Header) -> bool {
    let mut data = Vec::new();
    let mut i = 8;
    let mut ended = false;
    while let Some(head) = bytes.get(i..i + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let Some(body) = i.checked_add(8 + len).and_then(|end| bytes.get(i + 8..end)) else {
            return false;
        };
        match &head[4..8] {
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => {
                ended = true;
                break;
            }
            _ => {}
        }
        i += 12 + len;
    }
    if !ended || data.is_empty() {
        return false;
    }
    let stride = 1 + u64::from(h.width) * u64::from(h.components);
    let expected = stride * u64::from(h.height);
    let mut lines = Scanlines { stride, seen: 0, bad_filter: false };
    let inflated =
        std::io::copy(&mut flate2::read::ZlibDecoder::new(&data[..]).take(expected + 1), &mut lines);
    matches!(inflated, Ok(n) if n == expected) && !lines.bad_filter
}

/// The JPEG decodes, strictly (no filling in of missing data), to the declared size.
fn jpeg_data_match(bytes: &[u8], h: &Header) -> bool {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(h.width as usize)
        .set_max_height(h.height as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    if decoder.decode_headers().is_err() {
        return false;
    }
    let same =
        decoder.info().is_some_and(|i| u32::from(i.width) == h.width && u32::from(i.height) == h.height);
    same && decoder.decode().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_header_claiming_a_huge_size_is_refused_before_decoding() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend_from_slice(b"\0\0\0\x0DIHDR");
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            bounded(&png, 1_000_000),
            Err(ImageError::TooManyPixels { width: 100_000, height: 100_000 })
        );
    }

    #[test]
    fn a_jpeg_sof_is_read_after_other_segments() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 3, 0, 0, 0, 0]);
        let h = header(&jpeg).expect("header");
        assert_eq!((h.width, h.height, h.components), (65_535, 65_535, 3));
    }

    #[test]
    fn scanline_filters_are_checked_across_writes() {
        let mut lines = Scanlines { stride: 4, seen: 0, bad_filter: false };
        lines.write_all(&[0, 1, 2]).expect("write");
        lines.write_all(&[3, 4, 9, 9, 9, 4, 0]).expect("write");
        assert!(!lines.bad_filter);
        lines.write_all(&[9, 9, 5]).expect("write");
        assert!(lines.bad_filter, "the byte at 12 is a filter of 5");
    }
}
