//! The e-certificate (Annex 5): A4 landscape, a 269 × 188 mm border of 2.25 pt; left page: the
//! title 职业技能等级证书 at 30 pt in the Kai typeface, body 16 pt, website 14 pt; right page: the
//! 2-inch photo and a 30 mm QR code on top, the holder's information at 16 pt below.

use super::{Image, Op, Page, PdfError, render, text_width};

/// What a certificate shows.
pub struct CertificateFace<'a> {
    pub code: &'a str,
    pub holder_name: &'a str,
    /// 男 or 女.
    pub gender: &'a str,
    pub id_number: &'a str,
    pub occupation_name: &'a str,
    pub work_type: &'a str,
    pub level_name: &'a str,
    pub institution_name: &'a str,
    pub issue_date: chrono::NaiveDate,
    /// Where anyone can check it (printed, and the target of the QR code).
    pub verify_url: &'a str,
    /// The query website printed on the left page.
    pub website: &'a str,
    /// The holder's 2-inch photo (a certificate is never drawn without one).
    pub photo: Image,
}

/// The QR code of `url` as blocks in a `size` mm square at (x, y).
fn qr(url: &str, x: f32, y: f32, size: f32) -> Result<Vec<Op>, PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PdfError::Font(format!("QR code: {e}")))?;
    let n = code.width();
    let module = size / (n as f32 + 8.0);
    let colors = code.to_colors();
    let mut ops = Vec::new();
    for (k, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (col, row) = (k % n, k / n);
            ops.push(Op::Block {
                x: x + (col as f32 + 4.0) * module,
                y: y + (row as f32 + 4.0) * module,
                w: module * 1.02,
                h: module * 1.02,
            });
        }
    }
    Ok(ops)
}

fn centred(text: &str, size: f32, from: f32, to: f32) -> Result<f32, PdfError> {
    Ok(from + ((to - from) - text_width(text, size)?) / 2.0)
}

/// Renders one certificate.
pub fn certificate_pdf(f: &CertificateFace<'_>) -> Result<Vec<u8>, PdfError> {
    let (left_from, left_to, right_from) = (14.0, 148.5, 148.5);
    let mut ops = vec![Op::Frame { x: 14.0, y: 11.0, w: 269.0, h: 188.0, line: 2.25 }];
    let title = "职业技能等级证书";
    ops.push(Op::Text {
        x: centred(title, 30.0, left_from, left_to)?,
        y: 70.0,
        size: 30.0,
        text: title.into(),
    });
    let body = [
        format!("发证机构：{}", f.institution_name),
        format!("发证日期：{}", f.issue_date.format("%Y年%m月%d日")),
        format!("证书编号：{}", f.code),
    ];
    let mut y = 110.0;
    for line in body {
        for part in super::wrap(&line, 16.0, 110.0)? {
            ops.push(Op::Text { x: 26.0, y, size: 16.0, text: part });
            y += 9.0;
        }
    }
    ops.push(Op::Text { x: 26.0, y: 180.0, size: 14.0, text: format!("查询网址：{}", f.website) });

    ops.push(Op::Image { x: right_from + 16.0, y: 22.0, w: 35.0, h: 49.0, image: f.photo.clone() });
    ops.extend(qr(f.verify_url, right_from + 88.0, 30.0, 30.0)?);
    let info = [
        ("姓　　名", f.holder_name.to_owned()),
        ("性　　别", f.gender.to_owned()),
        ("身份证号", f.id_number.to_owned()),
        ("职业名称", f.occupation_name.to_owned()),
        ("工种名称", f.work_type.to_owned()),
        ("等　　级", f.level_name.to_owned()),
        ("证书编号", f.code.to_owned()),
    ];
    let mut y = 92.0;
    for (label, value) in info {
        ops.push(Op::Text { x: right_from + 16.0, y, size: 16.0, text: format!("{label}：{value}") });
        y += 12.0;
    }
    render(&[Page { width: 297.0, height: 210.0, ops }], &format!("职业技能等级证书 {}", f.code))
}

/// Renders a certificate's PDF (blocking: reads the photo file). A certificate without a photo
/// is refused ([`PdfError::NoPhoto`]), never drawn with an empty frame (R29).
pub fn of_record(
    c: &persistence::entity::certificate::Model,
    id_number: &str,
    public_url: &str,
    attachments_dir: &std::path::Path,
) -> Result<Vec<u8>, PdfError> {
    let key = c.photo_key.as_ref().ok_or(PdfError::NoPhoto)?;
    let bytes = std::fs::read(attachments_dir.join(key))
        .map_err(|e| PdfError::PhotoFile(key.clone(), e.to_string()))?;
    let photo =
        Image::prepare(&bytes).ok_or_else(|| PdfError::PhotoFile(key.clone(), "does not decode".into()))?;
    let level_name = c
        .level
        .parse::<domain::Level>()
        .map(|l| crate::i18n::name(crate::i18n::Lang::ZhCn, crate::i18n::Name::Level(l)))
        .unwrap_or_default();
    let verify_url = format!("{public_url}/verify/{}", c.verify_token);
    let website = format!("{public_url}/verify");
    let face = CertificateFace {
        code: &c.code,
        holder_name: &c.holder_name,
        gender: if c.gender == "male" { "男" } else { "女" },
        id_number,
        occupation_name: &c.occupation_name,
        work_type: &c.work_type,
        level_name: &level_name,
        institution_name: &c.institution_name,
        issue_date: c.issue_date,
        verify_url: &verify_url,
        website: &website,
        photo,
    };
    certificate_pdf(&face)
}
