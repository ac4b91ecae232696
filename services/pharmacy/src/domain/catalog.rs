//! The starter catalog shipped in `data/catalog.tsv` (sources named in the
//! file), loaded into an empty catalog on first start, and the rules of a
//! catalog entry.

const TABLE: &str = include_str!("../../data/catalog.tsv");

pub const DOSAGE_FORMS: [&str; 11] = [
    "TABLET",
    "CAPSULE",
    "SYRUP",
    "SUSPENSION",
    "INJECTION",
    "CREAM",
    "OINTMENT",
    "INHALER",
    "DROPS",
    "SOLUTION",
    "POWDER",
];

/// One medication of the starter catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub name: String,
    pub generic_name: String,
    pub classes: Vec<String>,
    pub ingredients: Vec<String>,
    pub manufacturer: String,
    pub dosage_form: String,
    pub strength: String,
    /// VND per unit (VND has no minor unit).
    pub unit_price_vnd: i64,
    pub reorder_level: i64,
}

/// Whether `code` is a valid catalog code: 2 to 16 upper case letters or digits.
pub fn is_code(code: &str) -> bool {
    (2..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn list(text: &str) -> Vec<String> {
    text.split('|').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect()
}

/// The shipped starter catalog.
pub fn starter() -> Result<Vec<Entry>, String> {
    parse(TABLE)
}

pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("catalog line {}: {what}", n + 1);
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [code, name, generic, classes, ingredients, manufacturer, form, strength, price, reorder] = cols[..] else {
            return Err(bad(&format!("expected 10 columns, found {}", cols.len())));
        };
        if !is_code(code) {
            return Err(bad("bad code"));
        }
        if !DOSAGE_FORMS.contains(&form) {
            return Err(bad("unknown dosage form"));
        }
        entries.push(Entry {
            code: code.to_owned(),
            name: name.to_owned(),
            generic_name: generic.to_owned(),
            classes: list(classes),
            ingredients: list(ingredients),
            manufacturer: manufacturer.to_owned(),
            dosage_form: form.to_owned(),
            strength: strength.to_owned(),
            unit_price_vnd: price.parse().map_err(|_| bad("price is not a whole number"))?,
            reorder_level: reorder.parse().map_err(|_| bad("reorder level is not a whole number"))?,
        });
    }
    Ok(entries)
}

/// Lower case words of a name, for prefix search.
pub fn search_terms(name: &str, generic_name: &str) -> Vec<String> {
    let mut terms: Vec<String> = format!("{name} {generic_name}")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::screening::interactions;

    #[test]
    fn the_starter_catalog_reads_with_unique_codes() {
        let entries = starter().unwrap();
        assert!(entries.len() >= 45, "{} entries", entries.len());
        let codes: HashSet<&str> = entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes.len(), entries.len());
        assert!(entries.iter().all(|e| !e.ingredients.is_empty() && e.unit_price_vnd > 0));
    }

    #[test]
    fn every_interaction_names_something_in_the_catalog() {
        let entries = starter().unwrap();
        for (is_ingredient, name) in interactions().sides() {
            let known = entries.iter().any(|e| {
                if is_ingredient {
                    e.ingredients.iter().any(|i| i == name)
                } else {
                    e.classes.iter().any(|c| c == name)
                }
            });
            assert!(known, "{} {name} is in no catalog entry", if is_ingredient { "ingredient" } else { "class" });
        }
    }

    #[test]
    fn search_terms_are_the_words_of_both_names() {
        assert_eq!(
            search_terms("Amoxicillin 500 mg capsule", "amoxicillin"),
            vec!["500", "amoxicillin", "capsule", "mg"]
        );
    }
}
