/**
 * Writes small, real PDF files by hand for tests: one content stream per page, the standard
 * Helvetica fonts, a correct cross-reference table. Optionally adds an /Encrypt dictionary (whose
 * keys no empty password opens), so readers must ask for a password.
 */
export type PdfTextLine = { text: string; x: number; y: number; size: number; bold?: boolean };
export type PdfFixtureOptions = { encrypted?: boolean };

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;

/** PDF string literal: backslash, parentheses escaped; text must be Latin-1 (WinAnsi). */
const pdfString = (s: string): string => `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;

export function buildPdf(pages: PdfTextLine[][], options: PdfFixtureOptions = {}): Buffer {
  const objects: string[] = []; // objects[i] is object number i + 1
  const add = (body: string): number => objects.push(body);
  const catalog = add(""); // filled in once the pages object exists
  const pagesObj = add("");
  const regular = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  const bold = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
  const kids: number[] = [];
  for (const lines of pages) {
    const content = lines
      .map((l) => `BT /${l.bold ? "F2" : "F1"} ${l.size} Tf ${l.x} ${l.y} Td ${pdfString(l.text)} Tj ET`)
      .join("\n");
    const stream = add(`<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
          `/Resources << /Font << /F1 ${regular} 0 R /F2 ${bold} 0 R >> >> /Contents ${stream} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`;
  const encrypt = options.encrypted
    ? add(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${"a5".repeat(32)}> /U <${"5c".repeat(32)}> >>`)
    : null;

  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  const id = "<0123456789abcdef0123456789abcdef>";
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /ID [${id} ${id}]${encrypt ? ` /Encrypt ${encrypt} 0 R` : ""} >>\n`;
  out += `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** Lays out paragraphs top-down on pages of one column, wrapping at `charsPerLine`, for readable fixtures. */
export type PdfBlock = { text: string; size: number; bold?: boolean; gapBefore?: number };

export type LayoutOptions = {
  charsPerLine: number;
  linesPerPage: number;
  x?: number; // left edge of the column (72 = one-inch margin)
  topY?: number; // baseline of the first line on the first page
};

export function layoutPages(blocks: PdfBlock[], opts: LayoutOptions): PdfTextLine[][] {
  const x = opts.x ?? 72;
  const pages: PdfTextLine[][] = [[]];
  let y = opts.topY ?? PAGE_HEIGHT - 72;
  let count = 0;
  for (const b of blocks) {
    y -= b.gapBefore ?? 0;
    for (const line of wrap(b.text, opts.charsPerLine)) {
      if (count >= opts.linesPerPage || y < 72) {
        pages.push([]);
        y = PAGE_HEIGHT - 72;
        count = 0;
      }
      pages[pages.length - 1].push({ text: line, x, y, size: b.size, bold: b.bold });
      y -= Math.round(b.size * 1.25);
      count++;
    }
  }
  return pages;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
