//! The filing receipt (备案回执, Annex 4) as a PDF: A4 portrait, Kai typeface.

use super::{Op, Page, PdfError, render, wrap};
use crate::views::institution::Receipt;

/// Renders a receipt.
pub fn receipt_pdf(r: &Receipt) -> Result<Vec<u8>, PdfError> {
    let mut ops = vec![
        Op::Frame { x: 15.0, y: 15.0, w: 180.0, h: 267.0, line: 2.25 },
        Op::Text { x: 52.0, y: 38.0, size: 22.0, text: "技工院校职业技能等级认定".into() },
        Op::Text { x: 67.0, y: 50.0, size: 22.0, text: "评价机构备案回执".into() },
        Op::Rule { x1: 25.0, x2: 185.0, y: 57.0, line: 0.75 },
    ];
    let mut y = 70.0;
    let size = 12.0;
    let label_x = 25.0;
    let value_x = 62.0;
    let width = 185.0 - value_x;
    let field = |ops: &mut Vec<Op>, y: &mut f32, label: &str, value: &str| -> Result<(), PdfError> {
        ops.push(Op::Text { x: label_x, y: *y, size, text: label.into() });
        for line in wrap(value, size, width)? {
            ops.push(Op::Text { x: value_x, y: *y, size, text: line });
            *y += 6.5;
        }
        *y += 2.5;
        Ok(())
    };
    field(&mut ops, &mut y, "单位名称", &r.unit_name)?;
    field(&mut ops, &mut y, "机构备案编码", &r.filing_code)?;
    field(&mut ops, &mut y, "统一社会信用代码", &r.credit_code)?;
    field(&mut ops, &mut y, "注册地址", &r.registered_address)?;
    field(&mut ops, &mut y, "办公地址", &r.office_address)?;
    field(&mut ops, &mut y, "法定代表人", &r.legal_representative)?;
    let scope: Vec<String> = r
        .scope
        .iter()
        .map(|s| format!("{} {}（{}）{}", s.occupation_code, s.occupation_name, s.work_type, s.level_name))
        .collect();
    ops.push(Op::Text { x: label_x, y, size, text: "备案职业（工种）及等级".into() });
    y += 7.5;
    for line in &scope {
        field(&mut ops, &mut y, "", line)?;
    }
    let validity =
        format!("{} 至 {}", r.valid_from.format("%Y年%m月%d日"), r.valid_until.format("%Y年%m月%d日"));
    field(&mut ops, &mut y, "有效期", &validity)?;
    field(&mut ops, &mut y, "备案意见", &r.bureau_opinion)?;
    y = y.max(230.0);
    ops.push(Op::Text { x: 120.0, y, size, text: r.issued_by.clone() });
    ops.push(Op::Text { x: 128.0, y: y + 8.0, size, text: r.date.format("%Y年%m月%d日").to_string() });
    ops.push(Op::Text {
        x: 25.0,
        y: 272.0,
        size: 9.0,
        text: "本回执由 skillcert 生成；备案信息可在评价机构公示目录中查询。".into(),
    });
    render(&[Page { width: 210.0, height: 297.0, ops }], &format!("备案回执 {}", r.filing_code))
}
