//! Screening a new prescription: allergies by ingredient or drug class, and
//! drug–drug interactions from the curated table shipped in
//! `data/interactions.tsv` (sources per row), among the new items and
//! against the patient's active prescriptions.

use std::sync::LazyLock;

const TABLE: &str = include_str!("../../data/interactions.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Moderate,
    Major,
    Contraindicated,
}

impl Severity {
    pub fn parse(name: &str) -> Option<Severity> {
        match name {
            "MODERATE" => Some(Severity::Moderate),
            "MAJOR" => Some(Severity::Major),
            "CONTRAINDICATED" => Some(Severity::Contraindicated),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Moderate => "MODERATE",
            Severity::Major => "MAJOR",
            Severity::Contraindicated => "CONTRAINDICATED",
        }
    }
}

/// A medication as screening sees it.
#[derive(Debug, Clone, Copy)]
pub struct Drug<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub generic_name: &'a str,
    pub classes: &'a [String],
    pub ingredients: &'a [String],
}

/// A medication of one of the patient's active prescriptions.
#[derive(Debug, Clone, Copy)]
pub struct Active<'a> {
    pub prescription_id: &'a str,
    pub drug: Drug<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Allergy,
    Interaction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub medication_id: String,
    pub medication_name: String,
    /// The allergy's substance, or the other medication's name.
    pub other: String,
    pub other_prescription_id: String,
    /// Allergies are always CONTRAINDICATED.
    pub severity: Severity,
    pub description: String,
    pub source: String,
}

/// One side of an interaction rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Side {
    Ingredient(String),
    Class(String),
}

impl Side {
    fn parse(text: &str) -> Option<Side> {
        let (kind, name) = text.split_once(':')?;
        let name = name.trim().to_lowercase();
        match kind {
            "ingredient" if !name.is_empty() => Some(Side::Ingredient(name)),
            "class" if !name.is_empty() => Some(Side::Class(name)),
            _ => None,
        }
    }

    fn matches(&self, drug: &Drug<'_>) -> bool {
        match self {
            Side::Ingredient(name) => drug.ingredients.iter().any(|i| i.eq_ignore_ascii_case(name)),
            Side::Class(name) => drug.classes.iter().any(|c| c.eq_ignore_ascii_case(name)),
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    a: Side,
    b: Side,
    severity: Severity,
    description: String,
    source: String,
}

impl Rule {
    fn applies(&self, x: &Drug<'_>, y: &Drug<'_>) -> bool {
        (self.a.matches(x) && self.b.matches(y)) || (self.a.matches(y) && self.b.matches(x))
    }
}

/// The interaction table.
pub struct Interactions {
    rules: Vec<Rule>,
}

/// The table shipped with HMS.
pub fn interactions() -> &'static Interactions {
    static PARSED: LazyLock<Interactions> =
        LazyLock::new(|| Interactions::parse(TABLE).expect("data/interactions.tsv is checked by a unit test"));
    &PARSED
}

impl Interactions {
    /// Reads the TSV: `a  b  severity  description  source`, `#` comments.
    pub fn parse(text: &str) -> Result<Interactions, String> {
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [a, b, severity, description, source] = cols[..] else {
                return Err(format!("line {}: expected 5 columns, found {}", n + 1, cols.len()));
            };
            let side = |s: &str| Side::parse(s).ok_or_else(|| format!("line {}: bad side {s:?}", n + 1));
            rules.push(Rule {
                a: side(a)?,
                b: side(b)?,
                severity: Severity::parse(severity.trim())
                    .ok_or_else(|| format!("line {}: bad severity {severity:?}", n + 1))?,
                description: description.trim().to_owned(),
                source: source.trim().to_owned(),
            });
        }
        Ok(Interactions { rules })
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The most severe rule between two medications.
    fn between(&self, x: &Drug<'_>, y: &Drug<'_>) -> Option<&Rule> {
        self.rules.iter().filter(|r| r.applies(x, y)).max_by_key(|r| r.severity)
    }

    /// Every side of every rule: ingredients and classes, for checking the
    /// table against a catalog.
    #[cfg(test)]
    pub fn sides(&self) -> impl Iterator<Item = (bool, &str)> {
        self.rules.iter().flat_map(|r| [&r.a, &r.b]).map(|s| match s {
            Side::Ingredient(n) => (true, n.as_str()),
            Side::Class(n) => (false, n.as_str()),
        })
    }
}

/// Lower case words of `text`, a plural "s" dropped from longer ones
/// ("Penicillins" reads as "penicillin", "NSAIDs" as "nsaid").
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() >= 4 && !w.ends_with("ss") => stem.to_owned(),
                _ => w,
            }
        })
        .collect()
}

/// Names allergies are commonly recorded by that are not an ingredient or
/// class name.
const ALIASES: [(&str, &str); 4] = [
    ("sulfa", "sulfonamide"),
    ("sulpha", "sulfonamide"),
    ("aspirin", "acetylsalicylic acid"),
    ("asa", "acetylsalicylic acid"),
];

/// Whether an allergy recorded as `substance` covers `drug`: the substance
/// names one of its ingredients, its generic name or one of its classes
/// (as whole words: "penicillin allergy" covers amoxicillin, of class
/// penicillin; "cillin" covers nothing).
fn allergic(substance: &str, drug: &Drug<'_>) -> bool {
    let said = words(substance).join(" ");
    if said.is_empty() {
        return false;
    }
    let said = ALIASES.iter().fold(said, |s, (alias, name)| {
        s.split(' ').map(|w| if w == *alias { *name } else { w }).collect::<Vec<_>>().join(" ")
    });
    let contains = |term: &str| {
        let term = words(term).join(" ");
        !term.is_empty() && format!(" {said} ").contains(&format!(" {term} "))
    };
    drug.ingredients.iter().any(|i| contains(i))
        || contains(drug.generic_name)
        || drug.classes.iter().any(|c| contains(&c.replace('_', " ")))
}

/// Every finding of a new prescription of `new` for a patient with
/// `allergies` and `active` prescriptions.
pub fn screen(new: &[Drug<'_>], active: &[Active<'_>], allergies: &[&str], table: &Interactions) -> Vec<Finding> {
    let mut findings = Vec::new();
    for drug in new {
        for substance in allergies {
            if allergic(substance, drug) {
                findings.push(Finding {
                    kind: Kind::Allergy,
                    medication_id: drug.id.to_owned(),
                    medication_name: drug.name.to_owned(),
                    other: (*substance).to_owned(),
                    other_prescription_id: String::new(),
                    severity: Severity::Contraindicated,
                    description: format!("The patient is allergic to {substance}"),
                    source: "the patient's medical record".into(),
                });
            }
        }
    }
    let mut interaction = |x: &Drug<'_>, y: &Drug<'_>, prescription: &str| {
        if let Some(rule) = table.between(x, y) {
            findings.push(Finding {
                kind: Kind::Interaction,
                medication_id: x.id.to_owned(),
                medication_name: x.name.to_owned(),
                other: y.name.to_owned(),
                other_prescription_id: prescription.to_owned(),
                severity: rule.severity,
                description: rule.description.clone(),
                source: rule.source.clone(),
            });
        }
    };
    for (i, x) in new.iter().enumerate() {
        for y in &new[i + 1..] {
            interaction(x, y, "");
        }
        for a in active {
            interaction(x, &a.drug, a.prescription_id);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    struct Owned {
        id: &'static str,
        generic: &'static str,
        classes: Vec<String>,
        ingredients: Vec<String>,
    }

    impl Owned {
        fn new(id: &'static str, generic: &'static str, classes: &[&str], ingredients: &[&str]) -> Owned {
            Owned { id, generic, classes: strings(classes), ingredients: strings(ingredients) }
        }
        fn drug(&self) -> Drug<'_> {
            Drug {
                id: self.id,
                name: self.generic,
                generic_name: self.generic,
                classes: &self.classes,
                ingredients: &self.ingredients,
            }
        }
    }

    fn table() -> Interactions {
        Interactions::parse(
            "# test\nclass:nsaid\tingredient:warfarin\tMAJOR\tIncreased bleeding risk\tPhansalkar 2012\n\
             ingredient:simvastatin\tingredient:clarithromycin\tCONTRAINDICATED\tMyopathy\tFDA label\n",
        )
        .unwrap()
    }

    #[test]
    fn an_allergy_matches_by_class_ingredient_or_alias_as_whole_words() {
        let amox = Owned::new("m1", "amoxicillin", &["penicillin", "beta_lactam"], &["amoxicillin"]);
        let cotrim = Owned::new("m2", "co-trimoxazole", &["sulfonamide"], &["sulfamethoxazole", "trimethoprim"]);
        assert!(allergic("Penicillins", &amox.drug()));
        assert!(allergic("penicillin allergy (rash)", &amox.drug()));
        assert!(allergic("Beta-lactam", &amox.drug()));
        assert!(allergic("AMOXICILLIN", &amox.drug()));
        assert!(!allergic("cillin", &amox.drug()));
        assert!(!allergic("peanuts", &amox.drug()));
        assert!(allergic("sulfa drugs", &cotrim.drug()));
        assert!(!allergic("", &cotrim.drug()));
    }

    #[test]
    fn interactions_among_new_items_and_with_active_prescriptions() {
        let ibuprofen = Owned::new("m1", "ibuprofen", &["nsaid", "analgesic"], &["ibuprofen"]);
        let warfarin = Owned::new("m2", "warfarin", &["vitamin_k_antagonist"], &["warfarin"]);
        let simva = Owned::new("m3", "simvastatin", &["statin"], &["simvastatin"]);
        let clari = Owned::new("m4", "clarithromycin", &["macrolide"], &["clarithromycin"]);
        let t = table();
        let found = screen(&[ibuprofen.drug(), warfarin.drug()], &[], &[], &t);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind, found[0].severity), (Kind::Interaction, Severity::Major));
        let active = [Active { prescription_id: "rx1", drug: clari.drug() }];
        let found = screen(&[simva.drug()], &active, &[], &t);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].other_prescription_id, "rx1");
        assert_eq!(found[0].severity, Severity::Contraindicated);
        assert!(screen(&[simva.drug(), ibuprofen.drug()], &[], &["peanut"], &t).is_empty());
    }

    #[test]
    fn the_shipped_table_reads() {
        let table = interactions();
        assert!(table.len() >= 20, "{} rules", table.len());
    }
}
