//! The printed report of an order's released results: the clinic's header,
//! the patient, collection and release, then each value with its unit,
//! reference range and flag, amended values marked with what they replaced.
//! A4, as many pages as it takes, each numbered "page i of n".
//!
//! Text is set in DejaVu Sans (shipped in `assets/fonts`, its licence beside
//! it), which covers Vietnamese; only the glyphs used are embedded.

use std::sync::LazyLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    Rgb, TextItem,
};

use super::results::Flag;

static REGULAR: LazyLock<Option<ParsedFont>> =
    LazyLock::new(|| ParsedFont::from_bytes(include_bytes!("../../assets/fonts/DejaVuSans.ttf"), 0, &mut Vec::new()));
static BOLD: LazyLock<Option<ParsedFont>> = LazyLock::new(|| {
    ParsedFont::from_bytes(include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"), 0, &mut Vec::new())
});

const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 18.0;
/// Where the table starts under the header, and where it must stop above the footer.
const TABLE_TOP: f32 = PAGE_HEIGHT - 78.0;
const TABLE_BOTTOM: f32 = MARGIN + 12.0;
const ROW: f32 = 5.5;
const AMENDMENT_LINE: f32 = 4.5;
/// Left edges of the columns: test and parameter, value, unit, range, flag.
const COLUMNS: [f32; 5] = [MARGIN, 104.0, 126.0, 152.0, 184.0];
const TEXT: f32 = 9.0;

/// The languages a report is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Vietnamese,
}

/// The report's own words in one language.
pub struct Labels {
    pub title: &'static str,
    pub patient: &'static str,
    pub accession: &'static str,
    pub ordered_by: &'static str,
    pub collected: &'static str,
    pub released: &'static str,
    pub columns: [&'static str; 5],
    pub amended: &'static str,
    pub legend: &'static str,
    pub page: &'static str,
    pub male: &'static str,
    pub female: &'static str,
    pub sex_unknown: &'static str,
    pub born: &'static str,
    pub birth_unknown: &'static str,
}

const ENGLISH: Labels = Labels {
    title: "Laboratory report",
    patient: "Patient",
    accession: "Accession",
    ordered_by: "Ordered by",
    collected: "Collected",
    released: "Released",
    columns: ["Test", "Result", "Unit", "Reference range", "Flag"],
    amended: "Amended after release; previously reported",
    legend: "Flags: L low, H high, LL critically low, HH critically high, A abnormal, N normal",
    page: "page {page} of {pages}",
    male: "Male",
    female: "Female",
    sex_unknown: "Sex not recorded",
    born: "born",
    birth_unknown: "date of birth not recorded",
};

const VIETNAMESE: Labels = Labels {
    title: "Phiếu kết quả xét nghiệm",
    patient: "Bệnh nhân",
    accession: "Số bệnh phẩm",
    ordered_by: "BS chỉ định",
    collected: "Lấy mẫu",
    released: "Trả kết quả",
    columns: ["Xét nghiệm", "Kết quả", "Đơn vị", "Khoảng tham chiếu", "Cờ"],
    amended: "Hiệu chỉnh sau khi trả kết quả; giá trị trước",
    legend: "Cờ: L thấp, H cao, LL thấp nguy kịch, HH cao nguy kịch, A bất thường, N bình thường",
    page: "trang {page}/{pages}",
    male: "Nam",
    female: "Nữ",
    sex_unknown: "Chưa ghi giới tính",
    born: "sinh ngày",
    birth_unknown: "chưa ghi ngày sinh",
};

impl Language {
    /// "en" or "vi", with or without a region ("vi-VN"); empty is English.
    pub fn parse(tag: &str) -> Option<Self> {
        match tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "" | "en" => Some(Language::English),
            "vi" => Some(Language::Vietnamese),
            _ => None,
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Language::English => &ENGLISH,
            Language::Vietnamese => &VIETNAMESE,
        }
    }
}

pub struct Report {
    pub language: Language,
    pub clinic: String,
    pub clinic_address: String,
    pub patient: String,
    /// Sex, date of birth, record number, as the clinic prints them.
    pub patient_details: String,
    pub accession: String,
    pub ordered_by: String,
    /// Already in the clinic's time zone.
    pub collected_at: String,
    pub released_at: String,
    pub rows: Vec<Row>,
}

pub struct Row {
    pub test: String,
    pub parameter: String,
    pub value: String,
    pub unit: String,
    /// "3.5–5.3", or empty when no range applies.
    pub range: String,
    pub flag: Option<Flag>,
    /// The value this one replaced after release, if it was corrected.
    pub amended_from: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the report font cannot be read")]
pub struct FontMissing;

pub fn render(report: &Report) -> Result<Vec<u8>, FontMissing> {
    let (Some(regular), Some(bold)) = (REGULAR.as_ref(), BOLD.as_ref()) else {
        return Err(FontMissing);
    };
    let labels = report.language.labels();
    let mut document = PdfDocument::new(&format!("{} {}", labels.title, report.accession));
    let fonts = Fonts { regular: document.add_font(regular), bold: document.add_font(bold) };
    let pages = paginate(&report.rows);
    let count = pages.len();
    let pages = pages
        .into_iter()
        .enumerate()
        .map(|(n, rows)| {
            let mut page = Page { ops: Vec::new(), fonts: &fonts, labels };
            page.header(report);
            page.table(rows);
            page.footer(report, n + 1, count);
            PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), page.ops)
        })
        .collect();
    Ok(document.with_pages(pages).save(&PdfSaveOptions::default(), &mut Vec::new()))
}

/// The rows of each page; a report with no rows still has one page.
fn paginate(rows: &[Row]) -> Vec<&[Row]> {
    let mut pages = Vec::new();
    let (mut start, mut height) = (0, 0.0);
    for (n, row) in rows.iter().enumerate() {
        let needed = ROW + if row.amended_from.is_some() { AMENDMENT_LINE } else { 0.0 };
        if height + needed > TABLE_TOP - TABLE_BOTTOM - ROW && n > start {
            pages.push(&rows[start..n]);
            (start, height) = (n, 0.0);
        }
        height += needed;
    }
    pages.push(&rows[start..]);
    pages
}

struct Fonts {
    regular: FontId,
    bold: FontId,
}

struct Page<'f> {
    ops: Vec<Op>,
    fonts: &'f Fonts,
    labels: &'static Labels,
}

impl Page<'_> {
    fn header(&mut self, report: &Report) {
        let top = PAGE_HEIGHT - MARGIN;
        self.text(MARGIN, top - 4.0, 14.0, true, &report.clinic);
        self.text(MARGIN, top - 9.5, TEXT, false, &report.clinic_address);
        let labels = self.labels;
        self.text(MARGIN, top - 19.0, 12.0, true, labels.title);
        self.rule(top - 21.5);
        let details: [(&str, &str); 6] = [
            (labels.patient, &report.patient),
            ("", &report.patient_details),
            (labels.accession, &report.accession),
            (labels.ordered_by, &report.ordered_by),
            (labels.collected, &report.collected_at),
            (labels.released, &report.released_at),
        ];
        for (n, (label, value)) in details.into_iter().enumerate() {
            let y = top - 27.5 - 5.0 * n as f32;
            self.text(MARGIN, y, TEXT, true, label);
            self.text(MARGIN + 27.0, y, TEXT, false, value);
        }
        for (x, title) in COLUMNS.into_iter().zip(labels.columns) {
            self.text(x, TABLE_TOP + 1.5, TEXT, true, title);
        }
        self.rule(TABLE_TOP);
    }

    fn table(&mut self, rows: &[Row]) {
        let mut y = TABLE_TOP - ROW;
        for row in rows {
            let flagged = row.flag.is_some_and(|f| f != Flag::Normal);
            let name = fit(&format!("{} · {}", row.test, row.parameter), COLUMNS[1] - COLUMNS[0] - 2.0);
            self.text(COLUMNS[0], y, TEXT, false, &name);
            self.text(COLUMNS[1], y, TEXT, flagged, &fit(&row.value, COLUMNS[2] - COLUMNS[1] - 2.0));
            self.text(COLUMNS[2], y, TEXT, false, &fit(&row.unit, COLUMNS[3] - COLUMNS[2] - 2.0));
            self.text(COLUMNS[3], y, TEXT, false, &fit(&row.range, COLUMNS[4] - COLUMNS[3] - 2.0));
            if let Some(flag) = row.flag {
                self.text(COLUMNS[4], y, TEXT, flagged, flag.code());
            }
            if let Some(previous) = &row.amended_from {
                y -= AMENDMENT_LINE;
                let note = format!("{} {previous}", self.labels.amended);
                self.text(COLUMNS[0] + 4.0, y, 7.5, false, &fit(&note, PAGE_WIDTH - 2.0 * MARGIN - 4.0));
            }
            y -= ROW;
        }
    }

    fn footer(&mut self, report: &Report, page: usize, pages: usize) {
        self.rule(MARGIN + 6.0);
        self.text(MARGIN, MARGIN + 1.5, 7.5, false, self.labels.legend);
        let numbered = self.labels.page.replace("{page}", &page.to_string()).replace("{pages}", &pages.to_string());
        let numbered = format!("{} · {numbered}", report.accession);
        self.text(PAGE_WIDTH - MARGIN - 45.0, MARGIN - 3.0, 7.5, false, &numbered);
    }

    /// One piece of text with its baseline at (x, y) mm from the bottom left;
    /// a text section of its own, so each starts from the page's origin.
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        let font = if bold { &self.fonts.bold } else { &self.fonts.regular };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(size) },
            Op::SetTextCursor { pos: Point::new(Mm(x), Mm(y)) },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    fn rule(&mut self, y: f32) {
        let point = |x| LinePoint { p: Point::new(Mm(x), Mm(y)), bezier: false };
        self.ops.extend([
            Op::SetOutlineColor { col: Color::Rgb(Rgb { r: 0.5, g: 0.5, b: 0.5, icc_profile: None }) },
            Op::SetOutlineThickness { pt: Pt(0.5) },
            Op::DrawLine { line: Line { points: vec![point(MARGIN), point(PAGE_WIDTH - MARGIN)], is_closed: false } },
        ]);
    }
}

/// Cuts `text` to what fits `width_mm` at the table's size (DejaVu Sans
/// averages about 0.55 em per character), marking the cut.
fn fit(text: &str, width_mm: f32) -> String {
    let fits = (width_mm * 72.0 / 25.4 / (TEXT * 0.55)) as usize;
    if text.chars().count() <= fits {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(fits.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(parameter: &str, value: &str, flag: Option<Flag>) -> Row {
        Row {
            test: "Basic metabolic panel".into(),
            parameter: parameter.into(),
            value: value.into(),
            unit: "mmol/L".into(),
            range: "3.5–5.3".into(),
            flag,
            amended_from: None,
        }
    }

    fn report(rows: Vec<Row>) -> Report {
        Report {
            language: Language::English,
            clinic: "Phòng khám Đa khoa An Bình".into(),
            clinic_address: "12 Nguyễn Trãi, Quận 1, TP. Hồ Chí Minh".into(),
            patient: "Nguyễn Thị Hương".into(),
            patient_details: "Female, born 1984-03-02, record P-1042".into(),
            accession: "L261207-000042".into(),
            ordered_by: "Dr Trần Minh Đức".into(),
            collected_at: "2026-12-07 08:15".into(),
            released_at: "2026-12-07 11:40".into(),
            rows,
        }
    }

    fn text_of(pdf: &[u8]) -> Vec<String> {
        let parsed = PdfDocument::parse(pdf, &Default::default(), &mut Vec::new()).expect("a readable PDF");
        parsed.extract_text().into_iter().map(|page| page.join(" ")).collect()
    }

    #[test]
    fn the_report_reads_back_with_its_values_flags_and_amendments() {
        let mut amended = row("Sodium", "139", Some(Flag::Normal));
        amended.amended_from = Some("149 mmol/L (H)".into());
        let rows = vec![row("Potassium", "6.9", Some(Flag::CriticalHigh)), amended, row("Chloride", "101", None)];
        let pdf = render(&report(rows)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = text_of(&pdf);
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        for expected in [
            "Nguyễn Thị Hương",
            "Phòng khám Đa khoa An Bình",
            "L261207-000042",
            "Potassium",
            "6.9",
            "HH",
            "3.5–5.3",
            "previously reported 149 mmol/L (H)",
            "page 1 of 1",
        ] {
            assert!(page.contains(expected), "{expected:?} missing from {page:?}");
        }
        // Only the glyphs used are embedded, not two whole fonts.
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    }

    #[test]
    fn a_report_in_vietnamese_has_its_own_words() {
        let mut amended = row("Natri", "139", Some(Flag::Normal));
        amended.amended_from = Some("149 mmol/L (H)".into());
        let vietnamese = Report { language: Language::Vietnamese, ..report(vec![amended]) };
        let page = &text_of(&render(&vietnamese).unwrap())[0];
        for expected in [
            "Phiếu kết quả xét nghiệm",
            "Bệnh nhân",
            "Số bệnh phẩm",
            "Khoảng tham chiếu",
            "giá trị trước 149 mmol/L (H)",
            "LL thấp nguy kịch",
            "trang 1/1",
        ] {
            assert!(page.contains(expected), "{expected:?} missing from {page:?}");
        }
        assert!(!page.contains("Laboratory report") && !page.contains("page 1 of 1"), "{page:?}");
    }

    #[test]
    fn languages_are_read_from_their_tags() {
        assert_eq!(Language::parse(""), Some(Language::English));
        assert_eq!(Language::parse("en-GB"), Some(Language::English));
        assert_eq!(Language::parse("vi"), Some(Language::Vietnamese));
        assert_eq!(Language::parse("VI_vn"), Some(Language::Vietnamese));
        assert_eq!(Language::parse("fr"), None);
    }

    #[test]
    fn a_long_report_runs_onto_numbered_pages() {
        let rows: Vec<Row> = (0..80).map(|n| row(&format!("Analyte {n}"), &n.to_string(), None)).collect();
        let pages = text_of(&render(&report(rows)).unwrap());
        assert!(pages.len() >= 2, "{} pages", pages.len());
        let last = pages.len();
        assert!(pages[0].contains(&format!("page 1 of {last}")) && pages[0].contains("Nguyễn Thị Hương"));
        assert!(pages[last - 1].contains("Analyte 79") && pages[last - 1].contains(&format!("page {last} of {last}")));
        // Every row is printed once.
        let printed: usize = pages.iter().map(|p| p.matches("Analyte ").count()).sum();
        assert_eq!(printed, 80);
    }

    #[test]
    fn long_names_are_cut_to_their_column() {
        let name = "Leukocytes (WBC) [#/volume] in Blood by Automated count with a very long suffix";
        let cut = fit(name, 40.0);
        assert!(cut.ends_with('…') && cut.chars().count() < name.chars().count());
        assert_eq!(fit("Sodium", 40.0), "Sodium");
        assert_eq!(paginate(&[]).len(), 1);
    }
}
