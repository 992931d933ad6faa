//! Percent-encoding (RFC 3986) of URL path segments and query values: a leaf, used by the
//! transport, the providers' wires and the log's redaction of secrets in URLs.

/// Percent-encodes one URL path segment or query value (RFC 3986 unreserved characters kept).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_encoded(&mut out, text);
    out
}

/// Appends `text` to `out`, percent-encoded as [`encode_component`] does.
pub fn push_encoded(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.extend(['%', HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn encodes_everything_but_unreserved_characters() {
        assert_eq!(encode_component("L4FU5LQTKJR3"), "L4FU5LQTKJR3");
        assert_eq!(encode_component("a/b?c#d e+%"), "a%2Fb%3Fc%23d%20e%2B%25");
        assert_eq!(encode_component("ä"), "%C3%A4");
    }
}
