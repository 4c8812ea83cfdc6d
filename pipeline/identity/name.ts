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

/**
 * The version of what normalizeName gives a name. Raise it with any change that can give a stored
 * name other forms: the store then recomputes the forms of every stored name when it is next
 * opened (pipeline/store/name-forms.ts). tests/identity/name-forms-version.test.ts fails until the
 * version and its fingerprint of sample names are raised together.
 */
export const NAME_FORMS_VERSION = 1;

const MAX_ALTS = 8;
/** Given-name alternatives kept per given name: more than MAX_ALTS, as some may equal a surname reading. */
const GIVEN_ALTS = 4 * MAX_ALTS;

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
const PLAIN_HAN_RE = /^[\u4E00-\u9FFF]+$/;

// Pinyin-pro and OpenCC cost tens of µs a call; a feed has far fewer distinct characters than
// distinct names, so both are looked up per character and cached, and what a name's forms need
// from its surname and from its given name is cached per part (below). A given name is read
// character by character, which is what matching needs: the same characters always give the
// same reading.
let toSimplifiedFn: ((s: string) => string) | null = null;
const PINYIN_OPTS = { toneType: 'none', type: 'array', v: true } as const;

interface CharInfo {
  simple: string;
  /** The usual reading. */
  primary: string;
  /** Every reading, the usual one first. */
  all: string[];
  /** Whether the simplified form is one character (OpenCC maps a name's characters one to one in practice). */
  oneToOne: boolean;
}
const charCache = new Map<string, CharInfo>();

function charInfo(ch: string): CharInfo {
  let info = charCache.get(ch);
  if (!info) {
    const simple = (toSimplifiedFn ??= Converter({ from: 't', to: 'cn' }))(ch);
    const primary = (pinyin(simple, PINYIN_OPTS)[0] ?? simple).toLowerCase().replace(/\s+/g, '');
    const all = [primary, ...(polyphonic(simple, PINYIN_OPTS)[0] ?? []).map((r) => r.toLowerCase()).filter((r) => r !== primary)];
    info = { simple, primary, all, oneToOne: Array.from(simple).length === 1 };
    charCache.set(ch, info);
  }
  return info;
}

/** Simplified form, character by character (a name has no multi-character phrases to convert). */
function toSimplified(chars: readonly string[]): string {
  let out = '';
  for (const ch of chars) out += charInfo(ch).simple;
  return out;
}

/** Usual readings of simplified characters, one syllable each. */
function syllables(simpleChars: readonly string[]): string[] {
  return simpleChars.map((ch) => charInfo(ch).primary);
}

/** Normalised form of a name only (cheap; no pinyin). Null when nothing is left. */
export function normalizeNameText(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  // Most names are CJK unified ideographs only, which NFKC and every rule below leave alone.
  if (PLAIN_HAN_RE.test(raw)) return raw;
  const s = String(raw)
    .normalize('NFKC')
    .replace(PRIVATE_USE_RE, '?')
    .replace(CONTROL_RE, '')
    .replace(SPACE_RE, '')
    .replace(DOTS_RE, '·')
    .replace(/^·+|·+$/g, '');
  return s === '' ? null : s;
}

/**
 * What the forms of a name need from its surname or its given name, computed once per distinct
 * part (a province has a few hundred surnames and far fewer given names than names).
 */
interface SurnamePart {
  simple: string;
  /** pinyin-pro's surname reading (单 shan, 曾 zeng, 区 ou), joined. */
  reading: string;
  /** The usual reading of each character, joined. */
  plain: string;
  /** Every combination of the characters' readings, the usual one first, joined. */
  combos: string[];
  /** Whether the surname reading has one syllable per character. */
  aligned: boolean;
}
interface GivenPart {
  simple: string;
  /** The usual reading of each character, joined. */
  reading: string;
  /** The reading with one character read another way, character by character. */
  alts: string[];
}
const PART_CACHE_LIMIT = 200_000;
const surnameParts = new Map<string, SurnamePart>();
const givenParts = new Map<string, GivenPart>();

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= PART_CACHE_LIMIT) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

function surnamePart(chars: readonly string[]): SurnamePart {
  return cached(surnameParts, chars.join(''), () => {
    const simpleChars = chars.map((ch) => charInfo(ch).simple);
    const simple = simpleChars.join('');
    const sur = pinyin(simple, { ...PINYIN_OPTS, mode: 'surname' }).map((p) => p.toLowerCase().replace(/\s+/g, ''));
    let combos: string[] = [''];
    for (const ch of simpleChars) combos = combos.flatMap((c) => charInfo(ch).all.map((r) => c + r));
    return { simple, reading: sur.join(''), plain: syllables(simpleChars).join(''), combos, aligned: sur.length === chars.length };
  });
}

function givenPart(chars: readonly string[]): GivenPart {
  return cached(givenParts, chars.join(''), () => {
    const simpleChars = chars.map((ch) => charInfo(ch).simple);
    const giv = syllables(simpleChars);
    // Each alternative is as long as the name: only the first few are ever used (buildForms keeps
    // MAX_ALTS readings in all), so a name of n characters costs O(n), not O(n²) (a 40,000-character
    // name took 4 GB). GIVEN_ALTS > MAX_ALTS leaves room for readings that coincide.
    const alts: string[] = [];
    for (let i = 0; i < simpleChars.length && alts.length < GIVEN_ALTS; i++) {
      for (const r of charInfo(simpleChars[i]!).all) {
        if (r !== giv[i] && alts.length < GIVEN_ALTS) alts.push(giv.map((g, k) => (k === i ? r : g)).join(''));
      }
    }
    return { simple: simpleChars.join(''), reading: giv.join(''), alts };
  });
}

function buildForms(norm: string): NameForms {
  const chars = Array.from(norm);

  if (norm.includes('·')) {
    const tokens = norm.split('·');
    const simplified = toSimplified(chars);
    const primary = simplified
      .split('·')
      .map((t) => syllables(Array.from(t)).join(''))
      .join('.');
    return { norm, simplified, pinyin: primary, pinyinAlts: [primary], surname: '', given: norm, tokens };
  }

  const tokens = [norm];
  // The surname is split off by character position, so the characters of norm and of its
  // simplified form must line up; should OpenCC ever map a character to more or fewer, and for a
  // name not starting with a Han character, there is no surname.
  let surnameLen = 0;
  if (HAN_RE.test(norm) && chars.every((ch) => charInfo(ch).oneToOne)) {
    surnameLen = chars.length > 2 && COMPOUND_SURNAMES.has(charInfo(chars[0]!).simple + charInfo(chars[1]!).simple) ? 2 : 1;
  }
  if (surnameLen === 0) {
    const simplified = toSimplified(chars);
    const primary = syllables(Array.from(simplified)).join('');
    return { norm, simplified, pinyin: primary, pinyinAlts: [primary], surname: '', given: norm, tokens };
  }

  // Surname readings follow pinyin-pro's surname table; the given name is read character by
  // character, so a given-name 单 stays dan.
  const surChars = chars.slice(0, surnameLen);
  const givChars = chars.slice(surnameLen);
  const sur = surnamePart(surChars);
  const giv = givenPart(givChars);
  const primary = sur.reading + giv.reading;

  const alts = new Set<string>([primary]);
  const add = (s: string): void => {
    if (alts.size < MAX_ALTS) alts.add(s);
  };
  add(sur.plain + giv.reading);
  // Then every reading of the surname character(s), then one given-name character at a time.
  if (sur.aligned) {
    for (const c of sur.combos) add(c + giv.reading);
    for (const g of giv.alts) add(sur.reading + g);
  }
  return {
    norm,
    simplified: sur.simple + giv.simple,
    pinyin: primary,
    pinyinAlts: [...alts],
    surname: surChars.join(''),
    given: givChars.join(''),
    tokens,
  };
}

/**
 * All forms of a name, or null when the input is empty. Costs about 2.5 µs: the store computes them
 * once per distinct name (name_forms), not once per row.
 */
export function normalizeName(raw: string | null | undefined): NameForms | null {
  const norm = normalizeNameText(raw);
  return norm === null ? null : buildForms(norm);
}
