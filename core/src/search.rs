//! Accent-insensitive Vietnamese search.
//!
//! `fold` maps text to lowercase ASCII-ish words: tone and vowel marks are
//! dropped whether they come precomposed (NFC) or as combining marks (NFD),
//! "đ" folds to "d", and punctuation becomes a space. A query matches a text
//! when every folded query word is a prefix of some folded text word, so
//! "cong khai ngan sach" finds "Công khai, minh bạch ngân sách xã".

/// Precomposed Vietnamese letters (lowercase) and their base letter.
const FOLD: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
    ("èéẻẽẹêềếểễệ", 'e'),
    ("ìíỉĩị", 'i'),
    ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
    ("ùúủũụưừứửữự", 'u'),
    ("ỳýỷỹỵ", 'y'),
    ("đ", 'd'),
];

fn fold_char(c: char) -> Option<char> {
    // Combining diacritical marks (NFD input): drop.
    if ('\u{0300}'..='\u{036F}').contains(&c) {
        return None;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    if lower.is_ascii() {
        return Some(if lower.is_ascii_alphanumeric() {
            lower
        } else {
            ' '
        });
    }
    for (set, base) in FOLD {
        if set.contains(lower) {
            return Some(*base);
        }
    }
    Some(if lower.is_alphanumeric() { lower } else { ' ' })
}

/// Fold text for comparison: lowercase, no diacritics, words separated by
/// single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().filter_map(fold_char) {
        if c == ' ' {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(c);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A prepared query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    pub fn new(query: &str) -> Query {
        Query {
            words: fold(query)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// True when every query word starts some word of the text. An empty
    /// query matches everything.
    pub fn matches(&self, text: &str) -> bool {
        self.matches_folded(&fold(text))
    }

    /// As `matches`, for text already passed through `fold`.
    pub fn matches_folded(&self, folded: &str) -> bool {
        self.words
            .iter()
            .all(|q| folded.split(' ').any(|w| w.starts_with(q.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(
            fold("Công khai, minh bạch ngân sách xã"),
            "cong khai minh bach ngan sach xa"
        );
        assert_eq!(fold("Đường ĐỒNG đỏ"), "duong dong do");
        assert_eq!(fold("  Tiếp   cận—thông tin! "), "tiep can thong tin");
    }

    #[test]
    fn finds_with_or_without_accents() {
        let t = "Công khai, minh bạch ngân sách xã";
        assert!(Query::new("cong khai ngan sach").matches(t));
        assert!(Query::new("CÔNG khai").matches(t));
        assert!(Query::new("ngan sa").matches(t), "prefixes match");
        assert!(!Query::new("cong khai dat dai").matches(t));
        assert!(Query::new("").matches(t));
        assert!(Query::new("dien tu").matches("Quản trị điện tử"));
    }

    #[test]
    fn nfd_and_nfc_fold_alike() {
        let nfc = "Ủy ban Mặt trận Tổ quốc Việt Nam";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(nfc), fold(&nfd));
        assert!(Query::new(&nfd).matches(nfc));
    }

    const VIETNAMESE: &str = "[a-zA-Z0-9àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễđìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹĐÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸ ,.;()-]{0,60}";

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f);
        }

        #[test]
        fn vietnamese_folds_alike_in_nfc_and_nfd(s in VIETNAMESE) {
            let nfc: String = s.nfc().collect();
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(fold(&nfc), fold(&nfd));
        }

        #[test]
        fn a_text_always_matches_its_own_words(s in VIETNAMESE) {
            prop_assert!(Query::new(&s).matches(&s));
        }
    }
}
