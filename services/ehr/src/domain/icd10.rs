//! The table of common outpatient ICD-10 codes (`data/icd10_common.tsv`,
//! ICD-10-CM titles with Vietnamese ones) and its search: by code prefix or
//! by the words of a title, ranked. Pure: the table is compiled in.

use std::sync::LazyLock;

const TABLE: &str = include_str!("../../data/icd10_common.tsv");

/// The longest query, in characters.
pub const MAX_QUERY: usize = 100;
/// The most codes one search returns, and the default.
pub const MAX_PAGE: usize = 50;
pub const DEFAULT_PAGE: usize = 20;

/// One code of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub title: &'static str,
    pub title_vi: &'static str,
}

struct Entry {
    code: Code,
    /// The code without its dot (E119), for prefixes typed either way.
    bare: String,
    /// The folded words of the English and of the Vietnamese title.
    words_en: Vec<String>,
    words_vi: Vec<String>,
}

struct Table {
    edition: &'static str,
    entries: Vec<Entry>,
}

static LOADED: LazyLock<Table> = LazyLock::new(|| parse(TABLE));

fn parse(text: &'static str) -> Table {
    let mut edition = "";
    let mut entries = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(value) = comment.trim_start().strip_prefix("edition\t") {
                edition = value.trim();
            }
            continue;
        }
        let mut columns = line.split('\t');
        let (Some(code), Some(title)) = (columns.next(), columns.next()) else { continue };
        let title_vi = columns.next().unwrap_or("");
        entries.push(Entry {
            code: Code { code, title, title_vi },
            bare: code.replace('.', ""),
            words_en: words(title),
            words_vi: words(title_vi),
        });
    }
    Table { edition, entries }
}

/// The source and edition of the table ("ICD-10-CM April 1, 2026").
pub fn edition() -> &'static str {
    LOADED.edition
}

/// How many codes the table has.
#[cfg(test)]
pub fn len() -> usize {
    LOADED.entries.len()
}

/// Lower case without Vietnamese diacritics (đ as d), so "tang huyet ap"
/// finds "Tăng huyết áp".
pub fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    const GROUPS: [(&str, char); 7] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ìíỉĩị", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ỳýỷỹỵ", 'y'),
        ("đ", 'd'),
    ];
    if c.is_ascii() {
        return c;
    }
    GROUPS.iter().find(|(letters, _)| letters.contains(c)).map_or(c, |(_, base)| *base)
}

/// The folded words of a text (letters and digits; anything else separates).
fn words(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// What is wrong with a query, if anything (for a field violation).
pub fn check_query(query: &str) -> Result<(), String> {
    let query = query.trim();
    let length = query.chars().count();
    if length == 0 {
        Err("is required: a code prefix (J06) or words of a diagnosis (pharyngitis)".into())
    } else if length > MAX_QUERY {
        Err(format!("must have at most {MAX_QUERY} characters (it has {length})"))
    } else if !query.chars().any(char::is_alphanumeric) {
        Err("must contain a letter or a digit".into())
    } else {
        Ok(())
    }
}

/// The query as a code prefix, upper case without its dot, if it can be one:
/// a letter, then digits or letters, one optional dot after the third.
fn as_code_prefix(query: &str) -> Option<String> {
    let query = query.trim().to_ascii_uppercase();
    let bytes = query.as_bytes();
    let first_ok = bytes.first().is_some_and(u8::is_ascii_uppercase);
    let second_ok = bytes.get(1).is_none_or(u8::is_ascii_digit);
    let rest_ok = bytes.iter().enumerate().skip(1).all(|(i, b)| b.is_ascii_alphanumeric() || (*b == b'.' && i == 3));
    (first_ok && second_ok && rest_ok && bytes.len() <= 8).then(|| query.replace('.', ""))
}

/// How well a title's words answer the query's words: None unless each
/// query word starts a word of the title; lower is better.
fn word_rank(query: &[String], title: &[String]) -> Option<(usize, usize, usize)> {
    if title.is_empty() {
        return None;
    }
    let mut first_position = usize::MAX;
    let mut partial = 0;
    for (i, q) in query.iter().enumerate() {
        let position = title.iter().position(|w| w.starts_with(q.as_str()))?;
        if i == 0 {
            first_position = position;
        }
        if title[position] != *q {
            partial += 1;
        }
    }
    // Titles that begin with the first word, whole words, short titles.
    Some((first_position.min(1), partial, title.len()))
}

/// Where a code stands in the answer, lower first: (code match 0 or words 1,
/// then the criteria of each).
type Rank = (usize, usize, usize, usize);

/// The codes answering `query`, best first, at most `limit`: the code itself,
/// codes starting with it (shorter first), then titles (English or
/// Vietnamese, diacritics optional) whose words start with the query's words.
pub fn search(query: &str, limit: usize) -> Vec<Code> {
    let table = &*LOADED;
    let mut ranked: Vec<(Rank, &Entry)> = Vec::new();
    if let Some(prefix) = as_code_prefix(query) {
        for e in &table.entries {
            if e.bare.starts_with(&prefix) {
                let exact = usize::from(e.bare != prefix);
                ranked.push(((0, exact, e.bare.len(), 0), e));
            }
        }
    }
    let query_words = words(query);
    if !query_words.is_empty() {
        for e in &table.entries {
            if ranked.iter().any(|(_, r)| std::ptr::eq(*r, e)) {
                continue;
            }
            let best = [word_rank(&query_words, &e.words_en), word_rank(&query_words, &e.words_vi)]
                .into_iter()
                .flatten()
                .min();
            if let Some((start, partial, length)) = best {
                ranked.push(((1, start, partial, length), e));
            }
        }
    }
    ranked.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.code.code.cmp(y.code.code)));
    ranked.into_iter().take(limit).map(|(_, e)| e.code.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(query: &str) -> Vec<&'static str> {
        search(query, 10).into_iter().map(|c| c.code).collect()
    }

    #[test]
    fn the_table_is_the_curated_one() {
        assert!((300..=600).contains(&len()), "{}", len());
        assert_eq!(edition(), "ICD-10-CM April 1, 2026");
        let table = &*LOADED;
        for e in &table.entries {
            assert!(crate::domain::validate::icd10(e.code.code).is_ok(), "{}", e.code.code);
            assert!(!e.code.title.is_empty() && !e.code.title_vi.is_empty(), "{}", e.code.code);
        }
        let mut seen = std::collections::HashSet::new();
        assert!(table.entries.iter().all(|e| seen.insert(e.code.code)), "a code twice");
    }

    #[test]
    fn a_code_comes_first_then_the_codes_it_starts() {
        assert_eq!(codes("I10"), ["I10"]);
        assert_eq!(codes("e11.9")[0], "E11.9");
        let e11 = codes("E11");
        assert!(e11.iter().all(|c| c.starts_with("E11.")), "{e11:?}");
        assert_eq!(e11[..2], ["E11.8", "E11.9"], "shorter codes first");
        assert_eq!(codes("J069"), ["J06.9"], "the dot is optional");
        assert_eq!(codes("j06.")[0], "J06.9");
    }

    #[test]
    fn words_find_titles_in_either_language() {
        assert_eq!(codes("hypertension")[0], "I10");
        assert_eq!(codes("essential hypert"), ["I10"]);
        assert!(codes("type 2 diabetes").iter().all(|c| c.starts_with("E11")));
        assert_eq!(codes("tăng huyết áp")[0], "I10");
        assert_eq!(codes("tang huyet ap")[0], "I10", "without diacritics");
        assert!(codes("viêm họng").contains(&"J02.9"));
        assert!(codes("pharyngitis").contains(&"J02.9"));
        assert!(codes("zzzz unknown").is_empty());
    }

    #[test]
    fn the_limit_holds() {
        assert_eq!(search("a", 3).len(), 3);
        assert!(search("unspecified", MAX_PAGE).len() == MAX_PAGE);
    }

    #[test]
    fn queries_are_checked() {
        assert!(check_query("J06").is_ok());
        assert!(check_query("  ").is_err());
        assert!(check_query("...").is_err());
        assert!(check_query(&"a".repeat(MAX_QUERY + 1)).is_err());
        assert!(check_query(&"ă".repeat(MAX_QUERY)).is_ok());
    }

    #[test]
    fn folding_drops_vietnamese_marks() {
        assert_eq!(fold("Đái Tháo Đường"), "dai thao duong");
        assert_eq!(fold("Viêm Phổi"), "viem phoi");
    }
}
