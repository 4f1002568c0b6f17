//! The order's documents as PDF: the Surat Pesanan, the BAST and the invoice on A4, with
//! the same content as their print pages (`/cetak/…`), the document's SHA-256 printed at
//! the foot and a QR code that opens `/verify/{hash}`.
//!
//! Written with `pdf-writer` (PDF objects, nothing more) in the standard Helvetica fonts
//! with the WinAnsi encoding: no font file is embedded, and every PDF reader has them.
//! Official documents are in Bahasa Indonesia, so their words are here, not in the web
//! pages' catalogues. [`document`] composes the content from the order; [`render`] lays
//! out any [`Document`] on as many pages as it needs.

use chrono::NaiveDate;
use pasar_core::format::{self, Lang};
use pasar_core::Zone;
use pasar_order::documents::{DocumentKind, IssuedDocument};
use pasar_order::view::OrderView;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};

/// A4 in points.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// Room kept at the foot of the last page for the hash and the QR code.
const FOOT: f32 = 150.0;

/// One column of the lines' table: its heading, its share of the width, and whether its
/// figures align right.
#[derive(Debug, Clone)]
pub struct Column {
    pub heading: String,
    pub width: f32,
    pub right: bool,
}

/// A document ready to lay out: every value already written as people read it.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub number: String,
    /// Label and value, one per row.
    pub facts: Vec<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Label and amount under the table; the last is printed bold.
    pub totals: Vec<(String, String)>,
    /// Who signed and when.
    pub signatures: Vec<(String, String)>,
    pub sha256: String,
    /// What the QR code encodes: `{public_url}/verify/{sha256}`.
    pub verify_url: String,
}

/// The public page that confirms a document: `{public_url}/verify/{sha256}`.
pub fn verify_url(public_url: &str, sha256: &str) -> String {
    format!("{}/verify/{sha256}", public_url.trim_end_matches('/'))
}

fn col(heading: &str, width: f32, right: bool) -> Column {
    Column { heading: heading.to_owned(), width, right }
}

fn money(idr: i64) -> String {
    format::money(idr)
}

fn day(d: NaiveDate) -> String {
    format::date(d, Lang::Id)
}

fn method_name(m: &str) -> String {
    match m {
        "e_purchasing" => "E-purchasing".into(),
        "pembelian_langsung" => "Pembelian langsung (usaha mikro dan kecil)".into(),
        other => other.replace('_', " "),
    }
}

fn funding_name(f: &str) -> String {
    match f {
        "hibah" => "Hibah".into(),
        "other" => "Lainnya".into(),
        // APBD, APBN, DAK, DAU, BLUD, BOS.
        other => other.to_uppercase(),
    }
}

fn condition_name(c: Option<&str>) -> String {
    match c {
        Some("good") => "Baik".into(),
        Some("damaged") => "Rusak".into(),
        Some("incomplete") => "Tidak lengkap".into(),
        Some("late") => "Terlambat".into(),
        Some(other) => other.into(),
        None => "-".into(),
    }
}

/// The content of `doc` (one of `order`'s issued documents), as its print page shows it.
pub fn document(order: &OrderView, doc: &IssuedDocument, zone: Zone, public_url: &str) -> Document {
    let s = &order.summary;
    let at = |t: &chrono::DateTime<chrono::Utc>| format::date_time(*t, zone, Lang::Id);
    let mut facts = vec![
        ("Nomor pesanan".to_owned(), s.id.clone()),
        ("Tanggal".to_owned(), day(doc.issued_on)),
        ("Satuan kerja".to_owned(), doc.buyer.clone()),
    ];
    if let Some(p) = &doc.buyer_parent {
        facts.push(("Instansi".into(), p.clone()));
    }
    facts.push(("Penyedia".into(), doc.vendor.clone()));
    facts.extend([
        ("Metode".to_owned(), method_name(&s.method)),
        ("Kode RUP".to_owned(), s.rup_code.clone()),
        ("Kode rekening".to_owned(), s.budget_line.clone()),
        ("Sumber dana".to_owned(), funding_name(&s.funding_source)),
        ("Alamat pengiriman".to_owned(), s.delivery_address.clone()),
        ("Tanggal pengiriman".to_owned(), day(s.delivery_date)),
    ]);
    if doc.kind != DocumentKind::SuratPesanan {
        if let Some(n) = &s.sp_number {
            facts.push(("Nomor Surat Pesanan".into(), n.clone()));
        }
    }
    if doc.kind == DocumentKind::Invoice {
        if let Some(b) = &order.bast {
            facts.push(("Nomor BAST".into(), b.number.clone()));
        }
    }
    let mut signatures = Vec::new();
    let (title, columns, rows, totals) = match doc.kind {
        DocumentKind::SuratPesanan => {
            let rows = order
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.line.to_string(),
                        l.product_name.clone(),
                        format!("{} {}", l.quantity, l.unit),
                        money(l.unit_price_idr),
                        money(l.amount_idr),
                    ]
                })
                .collect();
            if let Some(sp) = &order.surat_pesanan {
                if let Some(t) = &sp.signed_at {
                    signatures.push(("Ditandatangani PPK".into(), at(t)));
                }
                if let Some(t) = &sp.vendor_signed_at {
                    signatures.push(("Dikonfirmasi penyedia".into(), at(t)));
                }
            }
            (
                "SURAT PESANAN",
                vec![
                    col("No", 0.06, false),
                    col("Barang", 0.40, false),
                    col("Jumlah", 0.14, true),
                    col("Harga satuan", 0.19, true),
                    col("Jumlah harga", 0.21, true),
                ],
                rows,
                vec![("Jumlah".to_owned(), money(doc.total_idr))],
            )
        }
        DocumentKind::Bast => {
            let rows = order
                .lines
                .iter()
                .map(|l| {
                    let accepted = l.accepted_quantity.unwrap_or(0);
                    vec![
                        l.line.to_string(),
                        l.product_name.clone(),
                        format!("{} {}", l.quantity, l.unit),
                        format!("{accepted} {}", l.unit),
                        condition_name(l.condition.as_deref()),
                        money(accepted.saturating_mul(l.unit_price_idr)),
                    ]
                })
                .collect();
            if let Some(b) = &order.bast {
                if let Some(t) = &b.signed_at {
                    signatures.push(("Ditandatangani PPK".into(), at(t)));
                }
                if let Some(t) = &b.vendor_signed_at {
                    signatures.push(("Ditandatangani penyedia".into(), at(t)));
                }
            }
            (
                "BERITA ACARA SERAH TERIMA",
                vec![
                    col("No", 0.06, false),
                    col("Barang", 0.34, false),
                    col("Dipesan", 0.13, true),
                    col("Diterima", 0.13, true),
                    col("Kondisi", 0.14, false),
                    col("Nilai", 0.20, true),
                ],
                rows,
                vec![("Jumlah diterima".to_owned(), money(doc.total_idr))],
            )
        }
        DocumentKind::Invoice => {
            let rows = order
                .lines
                .iter()
                .map(|l| {
                    let accepted = l.accepted_quantity.unwrap_or(0);
                    vec![
                        l.line.to_string(),
                        l.product_name.clone(),
                        format!("{accepted} {}", l.unit),
                        money(l.unit_price_idr),
                        money(accepted.saturating_mul(l.unit_price_idr)),
                    ]
                })
                .collect();
            let figures = [
                ("subtotal", "Subtotal"),
                ("dpp", "DPP"),
                ("ppn", "PPN"),
                ("pph22", "PPh 22"),
                ("gross_total", "Jumlah tagihan"),
                ("withheld_by_treasurer", "Dipungut bendahara"),
                ("vendor_receives", "Diterima penyedia"),
                ("payable", "Dibayar bendahara"),
            ];
            let invoice = order.invoice.clone().unwrap_or_default();
            let totals = figures
                .iter()
                .filter_map(|(k, label)| {
                    invoice.get(*k).and_then(|v| v.as_i64()).map(|v| ((*label).to_owned(), money(v)))
                })
                .collect();
            signatures.push(("Diterbitkan".into(), at(&doc.issued_at)));
            (
                "TAGIHAN",
                vec![
                    col("No", 0.06, false),
                    col("Barang", 0.40, false),
                    col("Diterima", 0.14, true),
                    col("Harga satuan", 0.19, true),
                    col("Jumlah harga", 0.21, true),
                ],
                rows,
                totals,
            )
        }
    };
    Document {
        title: title.to_owned(),
        number: doc.number.clone(),
        facts,
        columns,
        rows,
        totals,
        signatures,
        sha256: doc.sha256.clone(),
        verify_url: verify_url(public_url, &doc.sha256),
    }
}

// ---- text in the standard fonts ----------------------------------------------------

/// The character's byte in WinAnsiEncoding (Latin-1 plus the typographic marks of
/// 0x80–0x9F); anything else prints as `?`.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        _ => b'?',
    }
}

fn encode(text: &str) -> Vec<u8> {
    text.chars().filter(|c| !c.is_control()).map(win_ansi).collect()
}

/// Helvetica's advance widths (per 1000 units of the font size) for ' ' to '~'.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' ' to '/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0' to '?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@' to 'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P' to '_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`' to 'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p' to '~'
];

/// The width of `text` in points; bold is taken as a little wider.
fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = encode(text)
        .iter()
        .map(|b| match b {
            32..=126 => u32::from(HELVETICA[usize::from(b - 32)]),
            _ => 556,
        })
        .sum();
    let w = units as f32 * size / 1000.0;
    if bold {
        w * 1.06
    } else {
        w
    }
}

/// `text` broken into lines no wider than `width` (at word boundaries where it can).
fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than the line is cut where it must be.
            let mut rest = word.to_owned();
            while text_width(&rest, size, bold) > width {
                let mut cut = rest.len();
                while cut > 1 && text_width(&rest[..cut], size, bold) > width {
                    cut = rest[..cut].char_indices().last().map(|(i, _)| i).unwrap_or(1).max(1);
                }
                lines.push(rest[..cut].to_owned());
                rest = rest[cut..].to_owned();
            }
            line = rest;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

// ---- layout ------------------------------------------------------------------------

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Pages being filled from the top: a new one begins when the next block does not fit.
struct Pages {
    done: Vec<Content>,
    current: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Pages { done: Vec::new(), current: Content::new(), y: HEIGHT - MARGIN }
    }

    /// Makes room for `height` points, on a new page if this one is full.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let full = std::mem::replace(&mut self.current, Content::new());
            self.done.push(full);
            self.y = HEIGHT - MARGIN;
        }
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        let bytes = encode(text);
        self.current.begin_text();
        self.current.set_font(if bold { BOLD } else { REGULAR }, size);
        self.current.next_line(x, y);
        self.current.show(Str(&bytes));
        self.current.end_text();
    }

    fn text_right(&mut self, right: f32, y: f32, text: &str, size: f32, bold: bool) {
        let w = text_width(text, size, bold);
        self.text(right - w, y, text, size, bold);
    }

    fn rule(&mut self, y: f32, width: f32) {
        self.current.set_line_width(width);
        self.current.move_to(MARGIN, y);
        self.current.line_to(WIDTH - MARGIN, y);
        self.current.stroke();
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.current);
        self.done
    }
}

/// Filled squares for the dark modules of the QR code of `data`, `size` points wide,
/// its lower-left corner at (`x`, `y`).
fn draw_qr(content: &mut Content, data: &str, x: f32, y: f32, size: f32) {
    let Some((n, dark)) = qr_modules(data) else {
        return;
    };
    let module = size / n as f32;
    content.set_fill_gray(0.0);
    for row in 0..n {
        for c in 0..n {
            if dark[row * n + c] {
                // Rows run down from the top; PDF's y runs up.
                content.rect(x + c as f32 * module, y + size - (row + 1) as f32 * module, module, module);
            }
        }
    }
    content.fill_nonzero();
}

/// The QR code's dark modules of `data`, row by row from the top (what [`render`] draws).
pub fn qr_modules(data: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    Some((code.width(), code.to_colors().into_iter().map(|c| c == Color::Dark).collect()))
}

/// Lays `doc` out on A4 pages and returns the PDF file.
pub fn render(doc: &Document) -> Vec<u8> {
    let inner = WIDTH - 2.0 * MARGIN;
    let mut p = Pages::new();

    // Title and number.
    p.y -= 18.0;
    p.text(MARGIN, p.y, &doc.title, 16.0, true);
    p.y -= 18.0;
    p.text(MARGIN, p.y, &format!("Nomor: {}", doc.number), 11.0, false);
    p.y -= 10.0;
    p.rule(p.y, 1.0);
    p.y -= 16.0;

    // Facts: label, value (wrapped).
    let label_w = 140.0;
    for (label, value) in &doc.facts {
        let lines = wrap(value, 10.0, false, inner - label_w);
        p.room(lines.len() as f32 * 13.0);
        p.text(MARGIN, p.y, label, 10.0, true);
        for l in lines {
            p.text(MARGIN + label_w, p.y, &l, 10.0, false);
            p.y -= 13.0;
        }
    }
    p.y -= 8.0;

    // The lines' table.
    let xs: Vec<(f32, f32)> = {
        let mut x = MARGIN;
        doc.columns
            .iter()
            .map(|c| {
                let w = c.width * inner;
                let out = (x, w);
                x += w;
                out
            })
            .collect()
    };
    let heading = |p: &mut Pages| {
        p.room(20.0);
        for (c, (x, w)) in doc.columns.iter().zip(&xs) {
            if c.right {
                p.text_right(x + w - 4.0, p.y, &c.heading, 9.0, true);
            } else {
                p.text(*x, p.y, &c.heading, 9.0, true);
            }
        }
        p.y -= 5.0;
        p.rule(p.y, 0.5);
        p.y -= 12.0;
    };
    heading(&mut p);
    for row in &doc.rows {
        let cells: Vec<Vec<String>> =
            row.iter().zip(&xs).map(|(text, (_, w))| wrap(text, 9.0, false, w - 6.0)).collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * 11.0 + 3.0;
        if p.y - height < MARGIN {
            p.room(height + 20.0);
            heading(&mut p);
        }
        for ((lines, c), (x, w)) in cells.iter().zip(&doc.columns).zip(&xs) {
            let mut y = p.y;
            for l in lines {
                if c.right {
                    p.text_right(x + w - 4.0, y, l, 9.0, false);
                } else {
                    p.text(*x, y, l, 9.0, false);
                }
                y -= 11.0;
            }
        }
        p.y -= height;
    }
    p.rule(p.y + 8.0, 0.5);
    p.y -= 6.0;

    // Totals, right-aligned; the last in bold.
    for (i, (label, value)) in doc.totals.iter().enumerate() {
        p.room(14.0);
        let bold = i + 1 == doc.totals.len();
        p.text_right(WIDTH - MARGIN - 130.0, p.y, label, 10.0, bold);
        p.text_right(WIDTH - MARGIN - 4.0, p.y, value, 10.0, bold);
        p.y -= 14.0;
    }
    p.y -= 8.0;

    // Signatures.
    for (label, value) in &doc.signatures {
        p.room(13.0);
        p.text(MARGIN, p.y, label, 10.0, true);
        p.text(MARGIN + label_w, p.y, value, 10.0, false);
        p.y -= 13.0;
    }

    // The foot: the hash, where to check it, and the QR code of that address.
    p.room(FOOT);
    let qr = 90.0;
    let foot_top = MARGIN + qr + 20.0;
    p.rule(foot_top + 10.0, 0.5);
    let text_w = inner - qr - 16.0;
    let mut y = foot_top - 4.0;
    p.text(MARGIN, y, "SHA-256 dokumen:", 9.0, true);
    y -= 12.0;
    p.text(MARGIN, y, &doc.sha256, 8.0, false);
    y -= 16.0;
    for l in wrap("Periksa keaslian dokumen ini dengan memindai kode QR atau membuka:", 9.0, false, text_w) {
        p.text(MARGIN, y, &l, 9.0, false);
        y -= 11.0;
    }
    for l in wrap(&doc.verify_url, 7.0, false, text_w) {
        p.text(MARGIN, y, &l, 7.0, false);
        y -= 9.0;
    }
    draw_qr(&mut p.current, &doc.verify_url, WIDTH - MARGIN - qr, MARGIN, qr);

    assemble(doc, p.finish())
}

/// The PDF objects: catalog, page tree, the two fonts, each page and its content, and
/// the document's title.
fn assemble(doc: &Document, pages: Vec<Content>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("{} {}", doc.title, doc.number);
    pdf.document_info(info).title(TextStr(&title)).producer(TextStr("Pasar"));
    for (i, content) in pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
        resources.finish();
        page.finish();
        let data = content.finish();
        pdf.stream(content_id, &data);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> Document {
        Document {
            title: "SURAT PESANAN".into(),
            number: "SP-2026-00001".into(),
            facts: vec![("Satuan kerja".into(), "Dinas Pendidikan Kota Mojokerto".into())],
            columns: vec![col("No", 0.1, false), col("Barang", 0.6, false), col("Jumlah harga", 0.3, true)],
            rows: (1..=rows).map(|i| vec![i.to_string(), "Kursi kantor lipat".into(), money(1_250_000)]).collect(),
            totals: vec![("Jumlah".into(), money(1_250_000))],
            signatures: vec![],
            sha256: "ab".repeat(32),
            verify_url: verify_url("https://pasar.example.go.id/", &"ab".repeat(32)),
        }
    }

    #[test]
    fn the_qr_code_opens_the_verify_page() {
        let url = verify_url("https://pasar.example.go.id/", &"ab".repeat(32));
        assert_eq!(url, format!("https://pasar.example.go.id/verify/{}", "ab".repeat(32)));
        // What the PDF draws is the QR code of exactly that address.
        let (n, modules) = qr_modules(&url).unwrap();
        let expected = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(n, expected.width());
        let dark: Vec<bool> = expected.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        assert_eq!(modules, dark);
        // A version-4 or larger symbol at level M: 80 bytes of address need it.
        assert!(n >= 33, "{n}");
        assert_eq!(sample(1).verify_url, url);
    }

    #[test]
    fn a_pdf_with_the_hash_printed() {
        let pdf = render(&sample(3));
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains(&"ab".repeat(32)), "the hash is printed");
        assert!(text.contains("Rp1.250.000"));
        assert!(text.contains("/Helvetica"));
        assert!(text.contains("/MediaBox [0 0 595.28 841.89]"));
    }

    #[test]
    fn long_orders_run_on_to_more_pages() {
        let pdf = String::from_utf8_lossy(&render(&sample(120))).into_owned();
        assert!(pdf.contains("/Count 3") || pdf.contains("/Count 4"), "{}", &pdf[..200]);
    }

    #[test]
    fn words_wrap_within_their_column() {
        let lines = wrap("Kursi kantor lipat dengan sandaran tinggi dan roda", 9.0, false, 80.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 9.0, false) <= 80.0));
        assert_eq!(encode("Rp1.250.000 – é"), b"Rp1.250.000 \x96 \xe9");
    }
}
