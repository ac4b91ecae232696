//! What the README promises and a test can hold it to: its configuration
//! reference lists exactly the keys of the configuration structs, with their
//! defaults and `HMS_*` spellings; its links and anchors resolve, as do the
//! README sections the deployment manifests point at; and the repository
//! paths it names exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// The sections whose `server` subsection every service has; the reference
/// writes their shared keys once, as `<service>.server.…`.
const SERVICES: [&str; 8] =
    ["user", "appointment", "ehr", "pharmacy", "laboratory", "notification", "billing", "admin"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn readme() -> String {
    read(&repo().join("README.md"))
}

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).expect("configuration serialises")
}

/// Every configuration section a process reads, at its built-in defaults.
fn default_sections() -> Vec<(&'static str, Value)> {
    vec![
        ("auth", json(hms_kit::config::AuthConfig::default())),
        ("telemetry", json(hms_kit::config::TelemetryConfig::default())),
        ("user", json(hms_user::UserConfig::default())),
        ("appointment", json(hms_appointment::AppointmentConfig::default())),
        ("ehr", json(hms_ehr::EhrConfig::default())),
        ("pharmacy", json(hms_pharmacy::PharmacyConfig::default())),
        ("laboratory", json(hms_laboratory::LaboratoryConfig::default())),
        ("notification", json(hms_notification::NotificationConfig::default())),
        ("billing", json(hms_billing::BillingConfig::default())),
        ("admin", json(hms_admin::AdminConfig::default())),
        ("gateway", json(hms_gateway::GatewayConfig::default())),
    ]
}

/// One row of the README's configuration reference.
struct Row {
    line: usize,
    key: String,
    env: String,
    default: String,
}

/// The rows of the tables under `### Configuration reference`, up to the
/// next `##` or `###` heading.
fn reference_rows(readme: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut inside = false;
    for (index, line) in readme.lines().enumerate() {
        if line.starts_with("### Configuration reference") {
            inside = true;
            continue;
        }
        if inside && (line.starts_with("## ") || line.starts_with("### ")) {
            break;
        }
        if !inside || !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert!(
            cells.len() == 4,
            "README.md:{}: a reference row has four cells: key | environment | default | meaning",
            index + 1
        );
        rows.push(Row {
            line: index + 1,
            key: cells[0].trim_matches('`').to_owned(),
            env: cells[1].trim_matches('`').to_owned(),
            default: cells[2].to_owned(),
        });
    }
    rows
}

/// `user.database_url` → `HMS_USER__DATABASE_URL`; placeholders stay
/// placeholders (`<id>` → `<ID>`).
fn env_spelling(key: &str) -> String {
    format!("HMS_{}", key.replace('.', "__").to_uppercase())
}

/// A default as the reference writes it.
fn render(value: &Value) -> String {
    match value {
        Value::Null => "unset".into(),
        Value::String(text) if text.is_empty() => "`\"\"`".into(),
        Value::String(text) => format!("`{text}`"),
        Value::Object(map) if map.is_empty() => "none".into(),
        other => format!("`{other}`"),
    }
}

/// Dotted keys of a section; an object whose key the README writes as a map
/// (`user.encryption_keys.<id>`) is one entry under that row's key.
fn flatten(value: &Value, path: &str, maps: &BTreeMap<String, String>, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(fields) if !fields.is_empty() && !maps.contains_key(path) => {
            for (name, field) in fields {
                flatten(field, &format!("{path}.{name}"), maps, out);
            }
        }
        _ => {
            let key = maps.get(path).cloned().unwrap_or_else(|| path.to_owned());
            out.insert(key, value.clone());
        }
    }
}

#[test]
fn configuration_reference_lists_every_key_with_its_default_and_environment_spelling() {
    let rows = reference_rows(&readme());
    assert!(!rows.is_empty(), "README.md has no `### Configuration reference` table");
    let mut problems = Vec::new();

    // Rows by the concrete keys they stand for.
    let mut documented: BTreeMap<String, &Row> = BTreeMap::new();
    let mut maps = BTreeMap::new();
    for row in &rows {
        if row.env != env_spelling(&row.key) {
            problems.push(format!(
                "README.md:{}: `{}` is spelled `{}` in the environment, not `{}`",
                row.line,
                row.key,
                env_spelling(&row.key),
                row.env
            ));
        }
        let keys: Vec<String> = match row.key.strip_prefix("<service>.") {
            Some(rest) => SERVICES.iter().map(|service| format!("{service}.{rest}")).collect(),
            None => vec![row.key.clone()],
        };
        for key in keys {
            if let Some((map, last)) = key.rsplit_once('.')
                && last.starts_with('<')
            {
                maps.insert(map.to_owned(), key.clone());
            }
            if documented.insert(key.clone(), row).is_some() {
                problems.push(format!("README.md:{}: `{key}` is listed twice", row.line));
            }
        }
    }

    let mut actual = BTreeMap::new();
    for (section, value) in default_sections() {
        flatten(&value, section, &maps, &mut actual);
    }

    for (key, value) in &actual {
        match documented.get(key) {
            None => problems.push(format!(
                "missing from the reference: `{key}`; add a row like | `{key}` | `{}` | {} | … |",
                env_spelling(key),
                render(value)
            )),
            Some(row) if row.default != render(value) => problems.push(format!(
                "README.md:{}: the default of `{key}` is {}, the README says {}",
                row.line,
                render(value),
                row.default
            )),
            Some(_) => {}
        }
    }
    for (key, row) in &documented {
        if !actual.contains_key(key) {
            problems.push(format!("README.md:{}: `{key}` is not a configuration key", row.line));
        }
    }
    assert!(problems.is_empty(), "the configuration reference has drifted:\n{}", problems.join("\n"));
}

/// Lines outside fenced code blocks, numbered from 1.
fn prose(markdown: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings, repeats numbered as GitHub does.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in prose(markdown) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let count = seen.entry(base.clone()).or_default();
        anchors.insert(if *count == 0 { base.clone() } else { format!("{base}-{count}") });
        *count += 1;
    }
    anchors
}

/// A line without its inline code spans.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect()
}

/// `[text](target)` targets in prose, with their line numbers.
fn link_targets(markdown: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (number, line) in prose(markdown) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            if let Some(end) = rest.find(')') {
                targets.push((number, rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
    }
    targets
}

/// Broken links of one Markdown file: anchors that name no heading and
/// relative paths (and their anchors) that do not exist.
fn broken_links(file: &Path) -> Vec<String> {
    let markdown = read(file);
    let own = anchors(&markdown);
    let name = file.strip_prefix(repo()).unwrap_or(file).display().to_string();
    let mut broken = Vec::new();
    for (line, target) in link_targets(&markdown) {
        if target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').map_or((target.as_str(), None), |(p, a)| (p, Some(a)));
        let anchors_there = if path.is_empty() {
            own.clone()
        } else {
            let linked = file.parent().unwrap().join(path);
            if !linked.exists() {
                broken.push(format!("{name}:{line}: {target}: no such file"));
                continue;
            }
            if anchor.is_none() || !path.ends_with(".md") {
                continue;
            }
            anchors(&read(&linked))
        };
        if let Some(anchor) = anchor
            && !anchors_there.contains(anchor)
        {
            broken.push(format!("{name}:{line}: {target}: no heading has the anchor #{anchor}"));
        }
    }
    broken
}

#[test]
fn links_in_the_readme_and_docs_resolve() {
    let mut files = vec![repo().join("README.md")];
    for entry in std::fs::read_dir(repo().join("docs")).expect("docs/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let broken: Vec<String> = files.iter().flat_map(|file| broken_links(file)).collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            files_under(&entry.unwrap().path(), out);
        }
    } else {
        out.push(path.to_owned());
    }
}

#[test]
fn manifests_point_at_readme_sections_that_exist() {
    let readme_anchors = anchors(&readme());
    let mut files = Vec::new();
    for place in ["k8s", "deploy", "docker-compose.yml"] {
        files_under(&repo().join(place), &mut files);
    }
    let mut broken = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let name = file.strip_prefix(repo()).unwrap().display().to_string();
        for (index, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("README") {
                let reference: String = line[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '#' | '-' | '_'))
                    .collect();
                let reference = reference.trim_end_matches('.');
                match reference.strip_prefix("README.md#") {
                    Some(anchor) if readme_anchors.contains(anchor) => {}
                    Some(anchor) => broken.push(format!("{name}:{}: README.md has no section #{anchor}", index + 1)),
                    None => broken.push(format!(
                        "{name}:{}: `{reference}` names no section; point at one (README.md#anchor)",
                        index + 1
                    )),
                }
            }
        }
    }
    assert!(broken.is_empty(), "manifest references to the README:\n{}", broken.join("\n"));
}

/// `a/{b,c}/d` → `a/b/d`, `a/c/d`.
fn expand_braces(path: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (path.find('{'), path.find('}')) else { return vec![path.to_owned()] };
    if close < open {
        return vec![path.to_owned()];
    }
    path[open + 1..close]
        .split(',')
        .flat_map(|choice| expand_braces(&format!("{}{}{}", &path[..open], choice.trim(), &path[close + 1..])))
        .collect()
}

/// Repository paths named in the README: inline code spans and words of
/// shell examples whose first segment is a top-level entry of the
/// repository, and the first column of the Layout section.
fn named_paths(readme: &str) -> Vec<(usize, String)> {
    let top: BTreeSet<String> = std::fs::read_dir(repo())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "target" && name != "data")
        .collect();
    let is_repo_path = |word: &str| {
        let first = word.split('/').next().unwrap_or_default();
        word.contains('/')
            && top.contains(first)
            && !word.contains(['<', '*', '$', '…', ' '])
            && !word.starts_with("http")
    };
    let mut paths = Vec::new();
    let (mut fence, mut section) = (None::<String>, String::new());
    for (index, line) in readme.lines().enumerate() {
        let number = index + 1;
        if let Some(info) = line.trim_start().strip_prefix("```") {
            fence = if fence.is_some() { None } else { Some(info.trim().to_owned()) };
            continue;
        }
        match fence.as_deref() {
            None => {
                if line.starts_with("## ") {
                    section = line.to_owned();
                }
                for span in line.split('`').skip(1).step_by(2) {
                    if is_repo_path(span) {
                        paths.push((number, span.to_owned()));
                    }
                }
            }
            Some("sh") => {
                for word in line.split_whitespace() {
                    let word = word.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '(' | ')'));
                    if is_repo_path(word) {
                        paths.push((number, word.to_owned()));
                    }
                }
            }
            Some(_) if section == "## Layout" && !line.starts_with(' ') => {
                // The first column: a path, or directories (`sdk/ts/ sdk/python/`).
                let mut words = line.split_whitespace();
                let first = words.next().into_iter();
                let more = words.take_while(|word| word.ends_with('/'));
                paths.extend(first.chain(more).map(|word| (number, word.to_owned())));
            }
            Some(_) => {}
        }
    }
    paths
}

#[test]
fn paths_the_readme_names_exist() {
    let readme = readme();
    let named = named_paths(&readme);
    assert!(named.iter().any(|(_, p)| p == "deploy/Dockerfile"), "the path scan found nothing: {named:?}");
    let missing: Vec<String> = named
        .iter()
        .flat_map(|(line, path)| expand_braces(path).into_iter().map(move |path| (line, path)))
        .filter(|(_, path)| !repo().join(path).exists())
        .map(|(line, path)| format!("README.md:{line}: {path}"))
        .collect();
    assert!(missing.is_empty(), "the README names paths that do not exist:\n{}", missing.join("\n"));
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Medical records (EHR, seed 003 §2)"), "medical-records-ehr-seed-003-2");
    assert_eq!(slug("Running on MySQL/MariaDB and MongoDB"), "running-on-mysqlmariadb-and-mongodb");
    assert_eq!(slug("HMS — healthcare management system"), "hms--healthcare-management-system");
    assert_eq!(anchors("# A\n```sh\n# not a heading\n```\n## A\n"), BTreeSet::from(["a".into(), "a-1".into()]));
    assert_eq!(expand_braces("m/{x,y}/{a,b}"), ["m/x/a", "m/x/b", "m/y/a", "m/y/b"]);
}

/// Fixed dates in an example fall into the past and the example fails
/// (`IN_THE_PAST`); examples compute theirs with `date`.
#[test]
fn shell_examples_compute_their_dates() {
    let readme = readme();
    let mut fixed = Vec::new();
    let mut in_sh = false;
    for (index, line) in readme.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_sh = !in_sh && info.trim() == "sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let digit_after = |marker: &str| {
            line.match_indices(marker)
                .any(|(at, _)| line[at + marker.len()..].starts_with(|c: char| c.is_ascii_digit()))
        };
        // An RFC 3339 instant written out: dddd-dd-ddT.
        let bytes = line.as_bytes();
        let instant = bytes.windows(11).any(|w| {
            w[..4].iter().all(u8::is_ascii_digit)
                && w[4] == b'-'
                && w[5..7].iter().all(u8::is_ascii_digit)
                && w[7] == b'-'
                && w[8..10].iter().all(u8::is_ascii_digit)
                && w[10] == b'T'
        });
        if digit_after("\"year\":") || digit_after("year=") || instant {
            fixed.push(format!("README.md:{}: {}", index + 1, line.trim()));
        }
    }
    assert!(fixed.is_empty(), "examples with fixed dates (compute them with date -d):\n{}", fixed.join("\n"));
}
