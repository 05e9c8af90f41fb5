//! What a text field of a batch may hold: bounded, NFC, and free of
//! characters that hide or reorder what a reader sees. The app normalises
//! what people type before it validates (so its own batches always pass);
//! `batch::parse` refuses anything else, on the device and on the server.
//!
//! "NFC" here is Unicode's NFC quick check answering *yes*: every letter
//! precomposed, and no combining mark that composition could still act on.
//! It needs only the quick-check table (a few KB in the app's wasm), not the
//! composition tables (63 KB gzip): the shells normalise with what their
//! platform has (the browser's `String.prototype.normalize`) and pass it in.

use unicode_normalization::{is_nfc_quick, IsNormalized};

/// Longest author name (the official who made a change).
pub const MAX_AUTHOR: usize = 100;
/// Longest device id (the app makes UUIDs: 36 characters).
pub const MAX_DEVICE_ID: usize = 64;
/// Longest unit code (`06` … `02194`, or `06.<agency id>` for a provincial body).
pub const MAX_UNIT_CODE: usize = 40;
/// Longest plan id and plan version.
pub const MAX_PLAN_ID: usize = 64;
pub const MAX_PLAN_VERSION: usize = 32;

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "text", rename_all = "snake_case")]
pub enum TextProblem {
    TooLong {
        max: usize,
        len: usize,
    },
    /// Not in Unicode normalisation form C (the same letter written with
    /// other code points compares, sorts and searches differently), or a
    /// combining mark left loose after a letter it cannot join.
    NotNfc,
    /// A control character (a line break is allowed only where the field
    /// takes several lines). `position` counts characters from 1.
    Control {
        ch: char,
        position: usize,
    },
    /// A bidirectional embedding, override, isolate or mark: it can make
    /// text display in another order than it is stored.
    Bidi {
        ch: char,
        position: usize,
    },
}

impl TextProblem {
    /// The problem, after a field's name: "Tác giả dài 120 ký tự, …".
    pub fn message_vi(&self, field: &str) -> String {
        match self {
            TextProblem::TooLong { max, len } => {
                format!("{field} dài {len} ký tự, tối đa {max} ký tự")
            }
            TextProblem::NotNfc => format!(
                "{field} chưa chuẩn hóa Unicode dạng NFC (chữ có dấu được ghép bằng ký tự rời)"
            ),
            TextProblem::Control { ch, position } => format!(
                "{field} chứa ký tự điều khiển U+{:04X} ở vị trí {position}",
                *ch as u32
            ),
            TextProblem::Bidi { ch, position } => format!(
                "{field} chứa ký tự đảo chiều hiển thị U+{:04X} ở vị trí {position}",
                *ch as u32
            ),
        }
    }
}

/// Characters that change the display order of text (Unicode's bidi
/// controls): LRM, RLM, ALM, the embeddings and overrides, the isolates.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a text passes the NFC quick check (see the module's note): what
/// normalising Vietnamese text always gives.
pub fn is_nfc(s: &str) -> bool {
    matches!(is_nfc_quick(s.chars()), IsNormalized::Yes)
}

/// Letters that are precomposed starters: below the combining marks
/// (U+0300), and Latin Extended Additional, where Vietnamese's letters with
/// two marks live. A text of these alone is NFC without a table lookup (a
/// test checks every one of them against the tables).
fn plain_starter(c: char) -> bool {
    c < '\u{300}' || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

/// Check one field: at most `max` characters, NFC, no control character
/// (but `\n` when `multiline`), no bidi control. One pass; the NFC tables
/// are read only for a text with other characters than plain starters.
pub fn check(s: &str, max: usize, multiline: bool) -> Result<(), TextProblem> {
    let mut len = 0;
    let mut plain = true;
    for (i, c) in s.chars().enumerate() {
        len += 1;
        plain &= plain_starter(c);
        if c.is_control() && !(multiline && c == '\n') {
            return Err(TextProblem::Control {
                ch: c,
                position: i + 1,
            });
        }
        if is_bidi_control(c) {
            return Err(TextProblem::Bidi {
                ch: c,
                position: i + 1,
            });
        }
    }
    if len > max {
        return Err(TextProblem::TooLong { max, len });
    }
    if !plain && !is_nfc(s) {
        return Err(TextProblem::NotNfc);
    }
    Ok(())
}

/// What a person typed or pasted, made fit to store: NFC (by the shell's
/// `nfc`), Windows and old Mac line breaks as `\n`, tabs as spaces, other
/// control and bidi characters removed (line breaks too when the field has
/// one line). A loose combining mark is left for validation to name.
pub fn clean(s: &str, multiline: bool, nfc: impl FnOnce(&str) -> String) -> String {
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified
        .chars()
        .filter_map(|c| match c {
            '\n' if multiline => Some('\n'),
            '\n' | '\t' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        })
        .collect();
    nfc(&kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    fn nfc(s: &str) -> String {
        s.nfc().collect()
    }

    #[test]
    fn refuses_each_kind_of_bad_text() {
        assert_eq!(check("Xã Đổng Xá", 100, false), Ok(()));
        assert_eq!(check("a\nb", 100, true), Ok(()));
        assert_eq!(
            check("a\nb", 100, false),
            Err(TextProblem::Control {
                ch: '\n',
                position: 2
            })
        );
        assert_eq!(
            check("ab\0", 100, true),
            Err(TextProblem::Control {
                ch: '\0',
                position: 3
            })
        );
        assert_eq!(
            check("a\u{202E}b", 100, true),
            Err(TextProblem::Bidi {
                ch: '\u{202E}',
                position: 2
            })
        );
        // "ễ" as e + circumflex + tilde: NFD.
        assert_eq!(
            check("Nguye\u{302}\u{303}n", 100, false),
            Err(TextProblem::NotNfc)
        );
        assert_eq!(check("Nguyễn", 100, false), Ok(()));
        // A mark no letter takes stays loose, even in NFC: refused.
        assert_eq!(check("x\u{300}", 100, false), Err(TextProblem::NotNfc));
        assert_eq!(
            check(&"ạ".repeat(101), 100, false),
            Err(TextProblem::TooLong { max: 100, len: 101 })
        );
        assert!(TextProblem::NotNfc
            .message_vi("Tác giả")
            .starts_with("Tác giả chưa"));
    }

    #[test]
    fn plain_starters_need_no_table() {
        use unicode_normalization::char::canonical_combining_class;
        let plain = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|&c| plain_starter(c));
        for c in plain {
            assert_eq!(canonical_combining_class(c), 0, "{c:?} is a starter");
            assert!(is_nfc(&c.to_string()), "{c:?} is NFC on its own");
        }
    }

    proptest! {
        #[test]
        fn what_clean_makes_has_no_hidden_characters(s in "\\PC{0,40}|[\\u{0}-\\u{40}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-eạễ]{0,40}", multiline: bool) {
            let c = clean(&s, multiline, nfc);
            // Hidden characters are gone; a mark that no letter takes (rare
            // outside Vietnamese) is left for validation to name.
            let verdict = check(&c, 1000, multiline);
            prop_assert!(matches!(verdict, Ok(()) | Err(TextProblem::NotNfc)), "{:?}", verdict);
            prop_assert_eq!(clean(&c, multiline, nfc), c.clone(), "clean is idempotent");
        }

        #[test]
        fn vietnamese_in_any_form_is_nfc_once_normalised(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ ]{0,40}") {
            let decomposed: String = s.nfd().collect();
            prop_assert!(is_nfc(&s));
            prop_assert_eq!(is_nfc(&decomposed), s == decomposed);
            prop_assert!(is_nfc(&clean(&decomposed, false, nfc)));
        }
    }
}
