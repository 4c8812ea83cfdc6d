// Personal names: one normalised form for storage and display, plus comparison aids
// (simplified characters, pinyin readings). The aids never replace the recorded name:
// 于 and 於 are distinct surnames, and 单 may be read shan or dan.
import { Converter } from 'opencc-js/t2cn';
import { pinyin, polyphonic } from 'pinyin-pro';

export interface NameForms {
  /** NFKC, trimmed, whitespace and control characters removed, separator dots unified to '·', private-use characters → '?'. */
  norm: string;
  /** Traditional → simplified of norm; a comparison aid only. */
  simplified: string;
  /** Toneless lower-case pinyin of simplified, syllables concatenated; dotted names' tokens joined by '.'. */
  pinyin: string;
  /** Distinct plausible readings (polyphonic surname first, then given-name characters); includes pinyin; at most 8. */
  pinyinAlts: string[];
  /** Single or compound surname as written in norm; '' for dotted (minority) names. */
  surname: string;
  /** The rest of norm. */
  given: string;
  /** Tokens of a dotted name, else [norm]. */
  tokens: string[];
}

const MAX_ALTS = 8;

/** Compound surnames (复姓), simplified. A two-character prefix found here is the surname. */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒',
  '夏侯', '轩辕', '令狐', '钟离', '端木', '司空', '太史', '申屠', '闻人', '南宫', '西门', '澹台',
  '公冶', '宗政', '濮阳', '淳于', '太叔', '仲孙', '赫连', '呼延', '万俟', '闾丘', '子车', '亓官',
  '司寇', '巫马', '公西', '颛孙', '壤驷', '公良', '漆雕', '乐正', '宰父', '谷梁', '拓跋', '夹谷',
  '段干', '百里', '东郭', '羊舌', '微生', '梁丘', '左丘', '第五', '公羊', '鲜于', '独孤',
]);

// Separator dots seen in minority and foreign names, after NFKC (which already maps
// U+FF0E → '.', U+FF65 → U+30FB, U+0387 → U+00B7, U+2024 → '.').
const DOTS_RE = /[.\u00B7\u2022\u2027\u2219\u22C5\u30FB\u318D\u2E31\u16EB\u2981]+/g;
const SPACE_RE = /[\s\u200B-\u200D\u2060\uFEFF]+/g;
const PRIVATE_USE_RE = /[\uE000-\uF8FF]/g;
const CONTROL_RE = /[\u0000-\u001F\u007F-\u009F]/g;
const HAN_RE = /^\p{Script=Han}/u;

// Pinyin-pro and OpenCC cost tens of µs a call; a feed has far fewer distinct characters (and
// surnames) than distinct names, so both are looked up per character and cached. A given name is
// read character by character, which is what matching needs: the same characters always give the
// same reading.
let toSimplifiedFn: ((s: string) => string) | null = null;
const PINYIN_OPTS = { toneType: 'none', type: 'array', v: true } as const;

interface CharInfo {
  simple: string;
  /** The usual reading. */
  primary: string;
  /** Every reading, the usual one first. */
  all: string[];
}
const charCache = new Map<string, CharInfo>();
const surnameCache = new Map<string, string[]>();

function charInfo(ch: string): CharInfo {
  let info = charCache.get(ch);
  if (!info) {
    const simple = (toSimplifiedFn ??= Converter({ from: 't', to: 'cn' }))(ch);
    const primary = (pinyin(simple, PINYIN_OPTS)[0] ?? simple).toLowerCase().replace(/\s+/g, '');
    const all = [primary, ...(polyphonic(simple, PINYIN_OPTS)[0] ?? []).map((r) => r.toLowerCase()).filter((r) => r !== primary)];
    info = { simple, primary, all };
    charCache.set(ch, info);
  }
  return info;
}

/** Simplified form, character by character (a name has no multi-character phrases to convert). */
function toSimplified(s: string): string {
  return Array.from(s, (ch) => charInfo(ch).simple).join('');
}

/** Syllables of a name part; in surname mode pinyin-pro's surname table decides (单 shan, 曾 zeng, 区 ou). */
function syllables(s: string, surnameMode = false): string[] {
  if (!s) return [];
  if (!surnameMode) return Array.from(s, (ch) => charInfo(ch).primary);
  let out = surnameCache.get(s);
  if (!out) {
    out = pinyin(s, { ...PINYIN_OPTS, mode: 'surname' }).map((p) => p.toLowerCase().replace(/\s+/g, ''));
    surnameCache.set(s, out);
  }
  return out;
}

/** Every reading of every character, one list per character. */
function readingsOf(s: string): string[][] {
  return Array.from(s, (ch) => charInfo(ch).all);
}

/** Normalised form of a name only (cheap; no pinyin). Null when nothing is left. */
export function normalizeNameText(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const s = String(raw)
    .normalize('NFKC')
    .replace(PRIVATE_USE_RE, '?')
    .replace(CONTROL_RE, '')
    .replace(SPACE_RE, '')
    .replace(DOTS_RE, '·')
    .replace(/^·+|·+$/g, '');
  return s === '' ? null : s;
}

function buildForms(norm: string): NameForms {
  const simplified = toSimplified(norm);
  const tokens = norm.includes('·') ? norm.split('·') : [norm];

  if (tokens.length > 1) {
    const simpleTokens = simplified.split('·');
    const primary = simpleTokens.map((t) => syllables(t).join('')).join('.');
    return { norm, simplified, pinyin: primary, pinyinAlts: [primary], surname: '', given: norm, tokens };
  }

  const chars = Array.from(norm);
  const simpleChars = Array.from(simplified);
  // OpenCC converts per character for names in practice; if it ever changed the length,
  // the character positions below would not line up, so fall back to no split readings.
  const aligned = chars.length === simpleChars.length;
  let surnameLen = 0;
  if (aligned && HAN_RE.test(norm)) {
    surnameLen = chars.length > 2 && COMPOUND_SURNAMES.has(simpleChars[0]! + simpleChars[1]!) ? 2 : 1;
  }
  const surname = chars.slice(0, surnameLen).join('');
  const given = chars.slice(surnameLen).join('');

  if (!aligned || surnameLen === 0) {
    const primary = syllables(simplified).join('');
    return { norm, simplified, pinyin: primary, pinyinAlts: [primary], surname, given, tokens };
  }

  // Surname readings follow pinyin-pro's surname table (单 shan, 曾 zeng, 区 ou); the given name
  // is read in context on its own, so a given-name 单 stays dan.
  const simpleSurname = simpleChars.slice(0, surnameLen).join('');
  const simpleGiven = simpleChars.slice(surnameLen).join('');
  const sur = syllables(simpleSurname, true);
  const giv = syllables(simpleGiven);
  const primary = sur.join('') + giv.join('');

  const alts = new Set<string>([primary]);
  const add = (s: string): void => {
    if (alts.size < MAX_ALTS) alts.add(s);
  };
  add(syllables(simplified).join(''));
  // Then every reading of the surname character(s), then one given-name character at a time.
  const readings = readingsOf(simplified);
  if (readings.length === chars.length && sur.length === surnameLen && giv.length === chars.length - surnameLen) {
    let combos: string[] = [''];
    for (const rs of readings.slice(0, surnameLen)) combos = combos.flatMap((c) => rs.map((r) => c + r));
    for (const c of combos) add(c + giv.join(''));
    readings.slice(surnameLen).forEach((rs, i) => {
      for (const r of rs) if (r !== giv[i]) add(sur.join('') + giv.map((g, k) => (k === i ? r : g)).join(''));
    });
  }
  return { norm, simplified, pinyin: primary, pinyinAlts: [...alts], surname, given, tokens };
}

/**
 * All forms of a name, or null when the input is empty. Costs several µs: the store computes them
 * once per distinct name (name_forms), not once per row.
 */
export function normalizeName(raw: string | null | undefined): NameForms | null {
  const norm = normalizeNameText(raw);
  return norm === null ? null : buildForms(norm);
}
