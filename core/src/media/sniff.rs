//! Content types: parsing what a client declares, and checking it against what the first
//! bytes of the file say it is, so an executable cannot pass for a picture.

use crate::{Error, ErrorCode, Result};

/// How many bytes of a file the sniffer reads.
pub const SNIFF_BYTES: u64 = 8192;

/// Image types Parley decodes (for dimensions and thumbnails); they must be recognisable
/// from their bytes.
pub const DECODED_IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Normalises a declared content type: the lowercase `type/subtype`, parameters dropped.
pub fn parse_content_type(raw: &str) -> Result<String> {
    let essence = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    match essence.split_once('/') {
        Some((t, sub)) if token(t) && token(sub) => Ok(canonical(&essence).to_owned()),
        _ => Err(Error::invalid(format!(
            "`content_type` `{raw}` is not a media type such as `image/png`"
        ))),
    }
}

/// One name for types known under several.
fn canonical(ct: &str) -> &str {
    match ct {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/x-png" => "image/png",
        "audio/mp3" | "audio/x-mp3" | "audio/mpeg3" => "audio/mpeg",
        "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "audio/wav",
        "audio/x-flac" => "audio/flac",
        "audio/x-m4a" | "audio/m4a" => "audio/mp4",
        "application/x-pdf" => "application/pdf",
        "application/x-zip-compressed" => "application/zip",
        other => other,
    }
}

/// `image`, `video`, `audio` or `file`: how a client should show an attachment.
pub fn kind_of(content_type: &str) -> &'static str {
    match content_type.split('/').next() {
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "file",
    }
}

/// Whether a browser may show the object inline. SVG is an image but can carry script, so
/// it is always downloaded.
pub fn is_inline(content_type: &str) -> bool {
    kind_of(content_type) != "file" && content_type != "image/svg+xml"
}

/// Zip containers: office documents, e-books and archives look alike to a sniffer.
fn zip_family(ct: &str) -> bool {
    ct == "application/zip"
        || ct == "application/java-archive"
        || ct == "application/epub+zip"
        || ct == "application/vnd.android.package-archive"
        || ct.starts_with("application/vnd.openxmlformats-officedocument.")
        || ct.starts_with("application/vnd.oasis.opendocument.")
}

/// Checks the first bytes of a file against its declared type.
pub fn check(declared: &str, head: &[u8]) -> Result<()> {
    let sniffed = infer::get(head).map(|t| canonical(t.mime_type()).to_owned());
    if compatible(declared, sniffed.as_deref()) {
        return Ok(());
    }
    let detail = match sniffed {
        Some(s) => format!("the file was declared `{declared}` but its content is `{s}`"),
        None => format!("the file was declared `{declared}` but its content is not that"),
    };
    Err(Error::new(ErrorCode::ContentTypeMismatch, detail))
}

fn compatible(declared: &str, sniffed: Option<&str>) -> bool {
    let top = |ct: &str| ct.split('/').next().unwrap_or("").to_owned();
    match sniffed {
        // Text formats (and many others) have no magic number; decoded images always do.
        None => !(top(declared) == "image" && declared != "image/svg+xml"),
        Some(s) => {
            declared == s
                || declared == "application/octet-stream"
                // Audio and video share containers (MP4, WebM, Ogg); sniffers often guess
                // the other one.
                || (["audio", "video"].contains(&top(declared).as_str())
                    && ["audio", "video"].contains(&top(s).as_str()))
                || (zip_family(declared) && zip_family(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";

    #[test]
    fn an_exe_is_not_a_png() {
        assert!(check("image/png", PNG).is_ok());
        let err = check("image/png", EXE).unwrap_err();
        assert_eq!(err.code, ErrorCode::ContentTypeMismatch);
        assert!(
            check("image/png", b"hello").is_err(),
            "images must be recognisable"
        );
        assert!(check("application/octet-stream", EXE).is_ok());
        assert!(check("text/plain", b"hello").is_ok());
        assert!(check("text/plain", PNG).is_err());
    }

    #[test]
    fn declared_types_are_normalised() {
        assert_eq!(parse_content_type("Image/JPG; q=1").unwrap(), "image/jpeg");
        assert!(parse_content_type("png").is_err());
        assert!(parse_content_type("image/png\r\nx: y").is_err());
    }
}
