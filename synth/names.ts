/** Chinese names: surnames by approximate national share (%), given-name characters, homophones,
 * traditional forms and a small share of minority (dotted) names. */
import { Rng, cumulative } from './rng.js';

// ~100 most common surnames with approximate shares (percent of population), plus compound surnames.
const SURNAME_TABLE: ReadonlyArray<readonly [string, number]> = [
  ['王', 7.12], ['李', 7.0], ['张', 6.74], ['刘', 5.38], ['陈', 4.61], ['杨', 3.22], ['黄', 2.45], ['赵', 2.29],
  ['吴', 2.05], ['周', 2.02], ['徐', 1.67], ['孙', 1.54], ['马', 1.29], ['朱', 1.26], ['胡', 1.19], ['郭', 1.15],
  ['何', 1.08], ['林', 1.06], ['高', 1.05], ['罗', 0.86], ['郑', 0.78], ['梁', 0.73], ['谢', 0.68], ['宋', 0.65],
  ['唐', 0.64], ['许', 0.62], ['韩', 0.61], ['冯', 0.6], ['邓', 0.59], ['曹', 0.58], ['彭', 0.56], ['曾', 0.55],
  ['肖', 0.54], ['田', 0.52], ['董', 0.51], ['袁', 0.5], ['潘', 0.49], ['于', 0.48], ['蒋', 0.47], ['蔡', 0.46],
  ['余', 0.45], ['杜', 0.44], ['叶', 0.43], ['程', 0.42], ['苏', 0.41], ['魏', 0.4], ['吕', 0.39], ['丁', 0.38],
  ['任', 0.37], ['沈', 0.36], ['姚', 0.35], ['卢', 0.34], ['姜', 0.33], ['崔', 0.32], ['钟', 0.31], ['谭', 0.3],
  ['陆', 0.29], ['汪', 0.28], ['范', 0.27], ['金', 0.26], ['石', 0.26], ['廖', 0.25], ['贾', 0.25], ['夏', 0.24],
  ['韦', 0.24], ['付', 0.23], ['方', 0.23], ['白', 0.22], ['邹', 0.22], ['孟', 0.21], ['熊', 0.21], ['秦', 0.2],
  ['邱', 0.2], ['江', 0.2], ['尹', 0.19], ['薛', 0.19], ['闫', 0.18], ['段', 0.18], ['雷', 0.17], ['侯', 0.17],
  ['龙', 0.17], ['史', 0.16], ['陶', 0.16], ['黎', 0.15], ['贺', 0.15], ['顾', 0.15], ['毛', 0.14], ['郝', 0.14],
  ['龚', 0.14], ['邵', 0.13], ['万', 0.13], ['钱', 0.13], ['严', 0.12], ['覃', 0.12], ['武', 0.12], ['戴', 0.11],
  ['莫', 0.11], ['孔', 0.11], ['向', 0.1], ['汤', 0.1],
  ['欧阳', 0.05], ['司马', 0.01], ['上官', 0.01], ['诸葛', 0.005],
];
const SURNAMES = SURNAME_TABLE.map((s) => s[0]);
const SURNAME_CUM = cumulative(SURNAME_TABLE.map((s) => s[1]));

/** Groups of given-name characters sharing one toneless pinyin (homophone noise swaps within a group). */
export const HOMOPHONE_GROUPS: readonly string[] = [
  '伟维玮薇', '静婧靖晶', '丽莉俐立', '华桦骅', '杰洁捷婕', '明铭鸣茗', '婷霆亭庭', '玲铃伶苓',
  '军君钧', '欣鑫新馨', '宇雨语玉钰', '浩昊皓豪', '涵晗寒翰', '轩萱宣璇', '怡依艺仪', '子梓紫',
  '红宏鸿虹', '艳燕妍彦', '芳方', '清晴青庆', '涛韬', '鹏朋', '飞菲', '佳嘉家', '颖莹英盈',
  '瑞睿锐蕊', '晨辰琛宸', '晓潇', '梦萌', '凯恺楷', '磊蕾', '阳洋扬', '峰锋枫丰', '淑舒书',
];
const HOMOPHONE_OF = new Map<string, string>();
for (const g of HOMOPHONE_GROUPS) for (const ch of g) HOMOPHONE_OF.set(ch, g);

const MALE_CHARS =
  '伟军浩宇杰明涛鹏飞峰锋凯磊阳俊轩昊皓瑞睿晨辰博文斌强勇刚建国志海东平波超辉龙翰鸿宏家嘉子梓天泽航毅彬鑫新诚铭华骏宸琛'.split('');
const FEMALE_CHARS =
  '丽静婷玲欣雨怡涵萱艳燕芳晴颖莹梦萌佳嘉蕾洁婕晶丹霞娟敏秀兰桂英琳诗雅琪思悦瑶蕊紫菲薇馨语淑舒倩妍彦婧莉伶苓茗'.split('');

const MINORITY_MALE = ['买买提', '艾力', '吐尔逊', '阿卜杜拉', '努尔江', '艾合买提', '伊力哈木', '艾尔肯', '亚森', '阿不都'];
const MINORITY_FEMALE = ['阿依古丽', '古丽米拉', '热依拉', '迪丽努尔', '帕提古丽', '如克亚', '米热阿依', '阿依努尔', '古丽娜尔'];
export const DOT = '·';
export const DOT_VARIANTS = ['•', '・', '∙', ' '];

/** Simplified → traditional forms for the characters used here (a comparison aid only). */
const TRAD_PAIRS =
  '张張刘劉陈陳杨楊黄黃赵趙吴吳孙孫马馬罗羅郑鄭谢謝许許韩韓冯馮邓鄧叶葉苏蘇吕呂卢盧钟鍾谭譚陆陸贾賈韦韋邹鄒闫閆龙龍贺賀顾顧龚龔万萬钱錢严嚴汤湯蒋蔣' +
  '伟偉玮瑋维維静靜丽麗华華桦樺骅驊杰傑洁潔铭銘鸣鳴铃鈴军軍钧鈞骏駿钰鈺语語灏灝轩軒艺藝仪儀红紅鸿鴻艳豔彦彥庆慶涛濤韬韜鹏鵬飞飛颖穎莹瑩锐銳晓曉潇瀟' +
  '梦夢凯凱恺愷阳陽扬揚锋鋒枫楓丰豐书書国國东東强強刚剛兰蘭诗詩琳琳宁寧婵嬋娟娟鑫鑫宽寬诚誠航航买買尔爾热熱丽麗亚亞卫衛欧歐阳陽诸諸葛葛马馬' +
  '莲蓮凤鳳云雲宝寶贵貴发發长長乐樂义義达達进進兴興辉輝荣榮伦倫';
const TRAD = new Map<string, string>();
for (let i = 0; i + 1 < TRAD_PAIRS.length; i += 2) {
  const s = TRAD_PAIRS[i] as string;
  const t = TRAD_PAIRS[i + 1] as string;
  if (s !== t) TRAD.set(s, t);
}

export function toTraditional(name: string): string {
  let out = '';
  for (const ch of name) out += TRAD.get(ch) ?? ch;
  return out;
}

export interface NameParts {
  name: string;
  surname: string; // for dotted names: '' (no surname)
  dotted: boolean;
}

export class NameGen {
  constructor(private readonly rng: Rng, private readonly minorityShare = 0.006) {}

  surname(): string {
    return SURNAMES[this.rng.weighted(SURNAME_CUM)] as string;
  }

  given(gender: 1 | 2, birthYear: number): string {
    const chars = gender === 1 ? MALE_CHARS : FEMALE_CHARS;
    const twoShare = birthYear >= 1990 ? 0.82 : 0.6;
    const a = this.rng.pick(chars);
    if (!this.rng.chance(twoShare)) return a;
    let b = this.rng.pick(chars);
    if (b === a && this.rng.chance(0.7)) b = this.rng.pick(chars);
    return a + b;
  }

  /** A person's full name. `surname` forces the family surname (children take the father's). */
  person(gender: 1 | 2, birthYear: number, surname?: string): string {
    return (surname ?? this.surname()) + this.given(gender, birthYear);
  }

  minorityGiven(gender: 1 | 2): string {
    return this.rng.pick(gender === 1 ? MINORITY_MALE : MINORITY_FEMALE);
  }

  wantsMinority(): boolean {
    return this.rng.chance(this.minorityShare);
  }
}

/** Dotted name: own given name · the father's (first) given name. */
export function dottedName(own: string, fatherGiven: string): string {
  return own + DOT + fatherGiven;
}

export function firstDottedPart(name: string): string {
  const i = name.indexOf(DOT);
  return i < 0 ? name : name.slice(0, i);
}

export function surnameOf(name: string): string {
  if (name.includes(DOT)) return '';
  const two = name.slice(0, 2);
  if (two === '欧阳' || two === '司马' || two === '上官' || two === '诸葛') return two;
  return name.slice(0, 1);
}

/** Replaces one given-name character by a homophone; null when the name has none. */
export function homophoneVariant(name: string, rng: Rng): string | null {
  if (name.includes(DOT)) return null;
  const sl = surnameOf(name).length;
  const chars = [...name];
  const idx: number[] = [];
  for (let i = sl; i < chars.length; i++) if (HOMOPHONE_OF.has(chars[i] as string)) idx.push(i);
  if (idx.length === 0) return null;
  const i = rng.pick(idx);
  const ch = chars[i] as string;
  const group = [...(HOMOPHONE_OF.get(ch) as string)].filter((c) => c !== ch);
  chars[i] = rng.pick(group);
  return chars.join('');
}

export function separatorVariant(name: string, rng: Rng): string | null {
  if (!name.includes(DOT)) return null;
  return name.replace(DOT, rng.pick(DOT_VARIANTS));
}

export function traditionalVariant(name: string): string | null {
  const t = toTraditional(name);
  return t === name ? null : t;
}
