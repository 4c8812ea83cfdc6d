// Name pools of the adversarial scenario: its own surname frequencies (a rough Sichuan-flavoured
// ranking, not synth/'s), given-name characters by gender, homophone groups, traditional forms
// (opencc-js), Yi names written with the middle dot, and Tibetan names without a surname.
import * as OpenCC from 'opencc-js';
import { Rng, Weighted } from './basics.js';

const SURNAMES =
  '李王张刘陈杨黄周吴罗何唐曾邓赵徐胡谢冯蒋杜郭彭孙马朱林袁肖高宋郑田向梁廖刘余钟苏任叶程蔡魏龙熊潘汪邱董雷付范沈姚卢谭吕方段韩贾万严侯夏文康江丁石蒲颜秦易尹毛陶兰税敬母苟'.split('');
/** Zipf-like weights: rank r gets 1 / r^0.9 (so the top names are common, homonyms real). */
const SURNAME_TABLE = new Weighted<string>(
  [...new Set(SURNAMES)].map((s, i) => [s, 1 / Math.pow(i + 1, 0.9)] as const),
);

/** Homophone groups (same pinyin, tones may differ): the typist's usual substitutions. */
export const HOMOPHONES: string[][] = [
  ['丽', '莉', '俐', '利'],
  ['伟', '玮', '炜', '维'],
  ['静', '婧', '靖', '晶', '菁'],
  ['军', '俊', '君', '骏'],
  ['华', '桦', '骅'],
  ['明', '铭', '鸣'],
  ['红', '宏', '鸿', '洪'],
  ['芳', '方', '舫'],
  ['平', '萍', '苹'],
  ['英', '莹', '瑛', '颖'],
  ['玲', '琳', '林', '凌', '灵'],
  ['燕', '艳', '妍'],
  ['敏', '闽', '珉'],
  ['杰', '洁', '婕'],
  ['涛', '韬', '滔'],
  ['刚', '钢', '纲'],
  ['勇', '永', '咏'],
  ['辉', '晖', '徽'],
  ['斌', '彬', '滨', '宾'],
  ['霞', '侠'],
  ['梅', '玫', '媚'],
  ['娟', '鹃', '涓'],
  ['兰', '岚', '澜', '蓝'],
  ['峰', '锋', '丰', '枫'],
  ['建', '健', '剑'],
  ['志', '智', '致'],
  ['国', '果'],
  ['东', '冬'],
  ['成', '诚', '城'],
  ['晓', '小', '筱'],
  ['欣', '馨', '新', '鑫'],
  ['雨', '宇', '语', '玉'],
  ['浩', '皓', '昊', '灏'],
  ['子', '梓', '紫'],
  ['涵', '晗', '含', '寒'],
  ['轩', '萱', '宣', '暄'],
  ['怡', '宜', '仪', '依', '一'],
  ['琪', '祺', '淇', '琦', '奇'],
];
const HOMOPHONE_OF = new Map<string, string[]>();
for (const g of HOMOPHONES) for (const c of g) HOMOPHONE_OF.set(c, g);

// Given-name characters; generation-appropriate pools (parents born 1965-2000, children 2007-2024).
const OLD_MALE = '建国华明军伟强刚勇涛斌辉峰志东平林成海波兵红文杰春学德永祥富贵福庆忠良'.split('');
const OLD_FEMALE = '丽芳敏静燕霞娟红梅兰英玲萍秀琴华凤云莲玉琼珍艳洁慧淑桂'.split('');
const YOUNG_MALE = '浩宇子轩涵睿博文泽晨俊杰鑫磊阳天一皓昊航铭思豪瑞嘉诚志成宏雨'.split('');
const YOUNG_FEMALE = '欣怡梓涵雨萱诗琪佳悦思彤若曦语嫣可馨紫依雪晗婷茜梦瑶芷妍宜'.split('');

// Yi (彝族) clan names and given names, written clan·given; Tibetan names are two two-character parts.
const YI_CLAN = ['吉克', '阿苏', '沙马', '俄木', '阿的', '曲比', '吉伍', '海来', '马海', '勒格', '日火', '瓦扎', '阿约', '吉觉', '阿尔', '克其', '俄底', '木乃', '罗洪', '果基'];
const YI_GIVEN = [
  '阿呷', '拉格', '木呷', '日哈', '尔布', '阿芝', '伍沙', '阿木', '子日', '拉且', '尔古', '石布', '阿牛', '么么', '拉哈', '木果',
  '尔体', '曲木', '史古', '拉博', '伍呷', '日各', '阿依', '子石', '吉布', '木乃', '约达', '尔作', '阿支', '莫色', '拉铁', '沙日',
];
const TIBETAN = ['扎西', '次仁', '卓玛', '格桑', '德吉', '央金', '旺堆', '达瓦', '尼玛', '拉姆', '多吉', '泽仁', '益西', '曲珍'];

export type Ethnic = 'han' | 'yi' | 'tibetan';

export function makeGiven(rng: Rng, male: boolean, young: boolean): string {
  const pool = young ? (male ? YOUNG_MALE : YOUNG_FEMALE) : male ? OLD_MALE : OLD_FEMALE;
  return rng.chance(young ? 0.25 : 0.4) ? rng.pick(pool) : rng.pick(pool) + rng.pick(pool);
}

export function makeSurname(rng: Rng): string {
  return SURNAME_TABLE.pick(rng);
}

/** A full name; for Yi names the canonical form has the middle dot U+00B7. */
export function makeName(rng: Rng, ethnic: Ethnic, male: boolean, young: boolean, surname?: string): string {
  if (ethnic === 'yi') return `${surname ?? rng.pick(YI_CLAN)}·${rng.pick(YI_GIVEN)}`;
  if (ethnic === 'tibetan') return rng.pick(TIBETAN) + rng.pick(TIBETAN);
  return (surname ?? makeSurname(rng)) + makeGiven(rng, male, young);
}

export const yiClan = (rng: Rng) => rng.pick(YI_CLAN);

let toTraditional: ((s: string) => string) | null = null;
export function traditional(name: string): string {
  const convert = (toTraditional ??= OpenCC.Converter({ from: 'cn', to: 'tw' }));
  return convert(name);
}

/**
 * A homophone or traditional-character variant of a name that differs from it; null when the
 * name has no such variant (e.g. a Yi name with no listed homophone).
 */
export function nameVariant(name: string, rng: Rng): { name: string; kind: 'homophone' | 'traditional' } | null {
  const chars = [...name];
  const positions = chars.map((c, i) => (i > 0 && HOMOPHONE_OF.has(c) ? i : -1)).filter((i) => i >= 0);
  const trad = traditional(name);
  const canTrad = trad !== name;
  if (positions.length && (!canTrad || rng.chance(0.6))) {
    const i = rng.pick(positions);
    const group = HOMOPHONE_OF.get(chars[i]!)!.filter((c) => c !== chars[i]);
    chars[i] = rng.pick(group);
    return { name: chars.join(''), kind: 'homophone' };
  }
  if (canTrad) return { name: trad, kind: 'traditional' };
  return null;
}

/** A space inside the name, as padded two-character names in old exports ("王  芳"). */
export function spacedName(name: string, rng: Rng): string {
  const chars = [...name.replace('·', '')];
  if (chars.length === 2) return chars[0] + (rng.chance(0.5) ? '  ' : ' ') + chars[1];
  const i = rng.int(1, chars.length - 1);
  return chars.slice(0, i).join('') + (rng.chance(0.3) ? '\u3000' : ' ') + chars.slice(i).join('');
}

/** A Yi name written another way: no dot, another dot character, or given·clan order. */
export function minorityForm(name: string, rng: Rng): string {
  const [clan, given] = name.split('·');
  if (given === undefined) return name;
  return rng.weighted<string>([
    [clan + given, 3],
    [`${clan}.${given}`, 2],
    [`${clan}•${given}`, 2],
    [`${clan}・${given}`, 1],
    [`${clan}－${given}`, 1],
    [`${given}·${clan}`, 2],
  ]);
}
