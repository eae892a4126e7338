//! The candidate's 2-inch photo (R29): what the e-certificate prints, checked from its bytes.

use super::image::{self, ImageError};
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};

/// A 2-inch photo: 35 × 49 mm, so width/height between 0.65 and 0.78, at least 260 × 364 pixels
/// (about 190 dpi), at most [`super::PHOTO_BYTES`] and [`super::PHOTO_PIXELS`], a kind of JPEG
/// or PNG the e-certificate can show, and data that decode to the size the header declares.
pub async fn check(bytes: actix_web::web::Bytes) -> Result<image::Format, ApiError> {
    let field = |rule| ApiError::validation(vec![FieldError::new("photo", rule)]);
    if bytes.len() > super::PHOTO_BYTES {
        return Err(field(Rule::PhotoTooLarge));
    }
    let h = image::header(&bytes).map_err(|_| field(Rule::PhotoUnreadable))?;
    let ratio = f64::from(h.width) / f64::from(h.height.max(1));
    if h.pixels() <= super::PHOTO_PIXELS
        && (h.width < 260 || h.height < 364 || !(0.65..=0.78).contains(&ratio))
    {
        return Err(field(Rule::PhotoShape));
    }
    match image::decode_checked(bytes, super::PHOTO_PIXELS).await {
        Ok(h) => Ok(h.format),
        Err(ImageError::TooManyPixels { width, height }) => Err(ApiError {
            errors: vec![
                FieldError::new("photo", Rule::TooManyPixels)
                    .with("width", width)
                    .with("height", height)
                    .with("max", super::PHOTO_PIXELS),
            ],
            ..ApiError::new(Problem::UploadLimit)
        }),
        Err(ImageError::Format) => Err(field(Rule::PhotoFormat)),
        Err(ImageError::Unreadable) => Err(field(Rule::PhotoUnreadable)),
        Err(ImageError::Mismatch { width, height }) => Err(ApiError::validation(vec![
            FieldError::new("photo", Rule::ImageMismatch).with("width", width).with("height", height),
        ])),
    }
}
