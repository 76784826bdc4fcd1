//! A page's bytes as text: the character set from the `Content-Type`
//! header, else a byte-order mark, else `<meta charset>` /
//! `<meta http-equiv="Content-Type">` in the first 1,024 bytes, else UTF-8
//! (Chinese sites still serve GBK and GB2312, which decode as GB18030).

use encoding_rs::{Encoding, UTF_8};

/// The `charset=` of a header or meta `content` value.
fn charset_param(value: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = value.iter().map(u8::to_ascii_lowercase).collect();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let rest = &value[at..];
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let end = rest.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'>' | b'/')).unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// The encoding named in the page's first 1,024 bytes, if any.
pub fn sniff_meta(head: &[u8]) -> Option<&'static Encoding> {
    let head = &head[..head.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(i) = lower[from..].windows(5).position(|w| w == b"<meta").map(|i| i + from) {
        let end = lower[i..].iter().position(|b| *b == b'>').map(|e| i + e).unwrap_or(lower.len());
        let tag = &head[i..end];
        if let Some(e) = charset_param(tag) {
            return Some(e);
        }
        from = end.max(i + 5);
        if from >= lower.len() {
            break;
        }
    }
    None
}

/// Decode a page; returns the text and the encoding used.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    let declared = content_type
        .and_then(|c| charset_param(c.as_bytes()))
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| sniff_meta(bytes))
        .unwrap_or(UTF_8);
    // A page that says UTF-16 in a meta tag is ASCII-compatible bytes: the HTML rule is to read it as UTF-8.
    let encoding = if declared == encoding_rs::UTF_16LE || declared == encoding_rs::UTF_16BE {
        if Encoding::for_bom(bytes).is_some() { declared } else { UTF_8 }
    } else {
        declared
    };
    let (text, used, _) = encoding.decode(bytes);
    (text.into_owned(), used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_pages_declared_in_meta_are_read_as_chinese() {
        let (bytes, _, _) = encoding_rs::GBK
            .encode("<html><head><meta charset=\"gbk\"><title>化学学院</title></head><body>欢迎访问</body></html>");
        let (text, enc) = decode(&bytes, None);
        assert_eq!(enc.name(), "GBK");
        assert!(text.contains("化学学院") && text.contains("欢迎访问"));
        let (bytes, _, _) = encoding_rs::GBK
            .encode("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gb2312\"><p>新闻网</p>");
        assert!(decode(&bytes, None).0.contains("新闻网"), "gb2312 is read as GBK's superset");
    }

    #[test]
    fn the_header_wins_then_the_bom_then_meta_then_utf8() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=utf-8><p>图书馆</p>");
        assert!(decode(&bytes, Some("text/html; charset=GBK")).0.contains("图书馆"));
        assert_eq!(decode("<p>图书馆</p>".as_bytes(), None).1, UTF_8);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("<meta charset=gbk>图书馆".as_bytes());
        assert!(decode(&bom, None).0.contains("图书馆"), "a BOM beats the meta tag");
    }

    #[test]
    fn broken_or_missing_declarations_fall_back_to_utf8() {
        assert_eq!(sniff_meta(b"<meta charset=nonsense><p>x"), None);
        assert_eq!(sniff_meta(b"<meta name=viewport content=width=device-width"), None);
        assert_eq!(decode(b"<meta charset=\"utf-16\"><p>abc", None).1, UTF_8);
        // Invalid bytes become U+FFFD, never a failure.
        assert!(decode(&[0x3c, 0x70, 0x3e, 0xff, 0xfe], None).0.contains('\u{fffd}'));
    }
}
