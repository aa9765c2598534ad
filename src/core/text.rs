//! Substring search on bytes. `str::contains`, `str::find` and `str::replace` with a string
//! pattern bring the standard library's two-way searcher and the panic path of str slicing
//! (which formats a `char` with `Debug`, and so the Unicode printability tables) into the
//! package: about 3 KB gzipped for a few short searches in URLs, labels and error text.

/// Where `needle` first occurs in `hay` (a byte offset, on a char boundary since `needle` is
/// a whole string); `Some(0)` for an empty needle.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_the_standard_library() {
        let cases = [
            ("https://h/api/v1/x", "/api/"),
            ("abc", "abcd"),
            ("", ""),
            ("", "a"),
            ("aaab", "aab"),
            ("été caméra", "méra"),
            ("Integrated IR Camera", "IR"),
        ];
        for (hay, needle) in cases {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} / {needle}");
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
    }
}
