// The CJK font the PDF report embeds. bidui ships no font: it uses one installed on the machine
// (Debian: fonts-wqy-microhei, Apache-2.0 / GPLv3 with the font exception, which allows embedding;
// fonts-noto-cjk, SIL OFL, works too), or the file named by BIDUI_PDF_FONT. The PDF embeds the
// subset of glyphs it uses, so it opens on a machine without the font.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UserError } from '../review/index.js';

/** Debian's package that gives a machine a CJK font (the tests' global setup installs it too). */
export const CJK_FONT_PACKAGE = 'fonts-wqy-microhei';

const KNOWN = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/System/Library/Fonts/PingFang.ttc',
  'C:\\Windows\\Fonts\\msyh.ttc',
  'C:\\Windows\\Fonts\\simsun.ttc',
];

interface FontkitFont {
  postscriptName: string;
  hasGlyphForCodePoint(cp: number): boolean;
}
type Fontkit = { openSync(path: string): FontkitFont & { fonts?: FontkitFont[] } };
// fontkit (pdfkit's font engine) ships no types; only openSync is used. Loaded when a font is looked for.
let fontkit: Fontkit | undefined;
const openFont = (path: string) => (fontkit ??= createRequire(import.meta.url)('fontkit') as Fontkit).openSync(path);

export interface CjkFont {
  path: string;
  /** The PostScript name of the face to use inside a collection (.ttc), as pdfkit wants it. */
  family: string | undefined;
}

function fcMatch(): string | null {
  try {
    const out = execFileSync('fc-match', ['-f', '%{file}', ':lang=zh-cn'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out && existsSync(out) ? out : null;
  } catch {
    return null;
  }
}

/** Opens a font file and picks the face that has Chinese characters; null when it has none. */
function usable(path: string): CjkFont | null {
  try {
    const f = openFont(path);
    const faces = f.fonts ?? [f];
    const face = faces.find((x) => x.hasGlyphForCodePoint(0x6bd4) && x.hasGlyphForCodePoint(0x5bf9)); // 比对
    return face ? { path, family: f.fonts ? face.postscriptName : undefined } : null;
  } catch {
    return null;
  }
}

/**
 * The font for Chinese text: $BIDUI_PDF_FONT, else a known system font, else fontconfig's choice;
 * a clear Chinese error naming the package to install when there is none. (`known` and
 * `fontconfig`: what a test of a machine without fonts replaces.)
 */
export function locateCjkFont(known: readonly string[] = KNOWN, fontconfig = true): CjkFont {
  const configured = process.env.BIDUI_PDF_FONT;
  if (configured) {
    const f = existsSync(configured) ? usable(configured) : null;
    if (!f) throw new UserError(`环境变量 BIDUI_PDF_FONT 指定的字体 ${configured} 不存在或不含中文字形，无法生成 PDF 报告`);
    return f;
  }
  for (const p of known) if (existsSync(p)) {
    const f = usable(p);
    if (f) return f;
  }
  const matched = fontconfig ? fcMatch() : null;
  const f = matched ? usable(matched) : null;
  if (f) return f;
  throw new UserError(
    `找不到中文字体，无法生成 PDF 报告。请安装中文字体：sudo apt-get install ${CJK_FONT_PACKAGE}（Debian/Ubuntu），` +
      '或设置环境变量 BIDUI_PDF_FONT 指向一个含中文的 TTF/OTF/TTC 字体文件。',
  );
}
