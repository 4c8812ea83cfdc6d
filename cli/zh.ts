// Commander in Chinese: help titles, the help option and command, option details (default,
// choices) and commander's own error messages. Applied to the program before any command is added:
// subcommands inherit configureHelp, configureOutput, the help option and the help command.
// Also the display-width helpers the printers use to align columns that hold Chinese text.
import type { Argument, Command, Help, Option } from 'commander';

/** East Asian wide and full-width code points (CJK ideographs, kana, hangul, full-width forms, CJK punctuation). */
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
const ANSI = /\x1b\[[0-9;]*m/g;

/** Columns a string takes on a terminal: wide (CJK, full-width) characters count 2, ANSI colour codes 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s.replace(ANSI, '')) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

/** `s` padded with spaces on the right to `width` terminal columns. */
export function padEndWidth(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** `s` padded with spaces on the left to `width` terminal columns. */
export function padStartWidth(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

/** The longest start of `s` that fits in `width` terminal columns. */
export function truncateWidth(s: string, width: number): string {
  let w = 0;
  let out = '';
  for (const ch of s) {
    w += WIDE.test(ch) ? 2 : 1;
    if (w > width) break;
    out += ch;
  }
  return out;
}

/** Rows as aligned columns (each column as wide as its widest cell, two spaces between); `right` columns align right. */
export function alignColumns(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(c))));
  return rows.map((r) =>
    r
      .map((c, i) => (right.has(i) ? padStartWidth(c, widths[i]!) : i === r.length - 1 ? c : padEndWidth(c, widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}


const TITLES: Readonly<Record<string, string>> = {
  'Usage:': '用法：',
  'Options:': '选项：',
  'Commands:': '命令：',
  'Arguments:': '参数：',
  'Global Options:': '全局选项：',
};

/** '[options]' and '[command]' in usage lines and command terms. */
function usageWords(s: string): string {
  return s.replace(/\[options\]/g, '[选项]').replace(/\[command\]/g, '[命令]');
}

function value(v: unknown): string {
  return Array.isArray(v) ? v.join('、') : typeof v === 'string' ? v : JSON.stringify(v);
}

/** '（可选值：a、b；默认：x）' after a description. */
function details(
  description: string,
  d: { mandatory?: boolean; choices?: readonly string[]; defaultValue?: unknown; defaultDescription?: string; showDefault: boolean; env?: string },
): string {
  const extra: string[] = [];
  if (d.mandatory) extra.push('必填');
  if (d.choices) extra.push(`可选值：${d.choices.join('、')}`);
  const emptyDefault = Array.isArray(d.defaultValue) && d.defaultValue.length === 0;
  if (d.showDefault && d.defaultValue !== undefined && !emptyDefault) extra.push(`默认：${d.defaultDescription ?? value(d.defaultValue)}`);
  if (d.env) extra.push(`环境变量：${d.env}`);
  if (!extra.length) return description;
  return `${description}（${extra.join('；')}）`;
}

/**
 * Commander's error messages (node_modules/commander/lib/command.js, argument.js, option.js,
 * suggestSimilar.js) in Chinese. A message not listed keeps its text after '错误：'.
 */
const ERRORS: [RegExp, (...m: string[]) => string][] = [
  [/^error: required option '(.+)' not specified$/, (_, o) => `错误：缺少必填选项 ${o}`],
  [/^error: missing required argument '(.+)'$/, (_, a) => `错误：缺少必填参数 <${a}>`],
  [/^error: option '(.+)' argument missing$/, (_, o) => `错误：选项 ${o} 后面缺少取值`],
  [/^error: unknown option '(.+)'$/, (_, o) => `错误：没有这个选项：${o}`],
  [/^error: unknown command '(.+)'$/, (_, c) => `错误：没有这个命令：${c}`],
  [
    /^error: too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+)\.$/,
    (_, c, n, got) => `错误：${c ? `命令 ${c} 的` : ''}参数过多：应有 ${n} 个，实际给了 ${got} 个`,
  ],
  [
    /^error: option '(.+)' argument '(.*)' is invalid\. Allowed choices are (.+)\.$/,
    (_, o, v, c) => `错误：选项 ${o} 的取值“${v}”无效，可选值：${c.split(', ').join('、')}`,
  ],
  [
    /^error: command-argument value '(.*)' is invalid for argument '(.+)'\. Allowed choices are (.+)\.$/,
    (_, v, a, c) => `错误：参数 <${a}> 的取值“${v}”无效，可选值：${c.split(', ').join('、')}`,
  ],
  [/^error: option '(.+)' argument '(.*)' is invalid\.(.*)$/, (_, o, v, rest) => `错误：选项 ${o} 的取值“${v}”无效${rest.trim() ? `：${rest.trim()}` : ''}`],
  [/^error: command-argument value '(.*)' is invalid for argument '(.+)'\.(.*)$/, (_, v, a, rest) => `错误：参数 <${a}> 的取值“${v}”无效${rest.trim() ? `：${rest.trim()}` : ''}`],
  [/^error: option '(.+)' value '(.*)' from env '(.+)' is invalid\.(.*)$/, (_, o, v, e) => `错误：环境变量 ${e} 给选项 ${o} 的取值“${v}”无效`],
  [/^error: (.+) cannot be used with (.+)$/, (_, a, b) => `错误：${conflictName(a)} 不能与 ${conflictName(b)} 同时使用`],
  [/^\(Did you mean one of (.+)\?\)$/, (_, s) => `（您是不是要输入以下之一：${s.split(', ').join('、')}？）`],
  [/^\(Did you mean (.+)\?\)$/, (_, s) => `（您是不是要输入 ${s}？）`],
  [/^error: (.*)$/, (_, rest) => `错误：${rest}`],
];

function conflictName(s: string): string {
  return s.replace(/^option '(.+)'$/, '选项 $1').replace(/^environment variable '(.+)'$/, '环境变量 $1');
}

/** One of commander's error messages (possibly several lines) in Chinese. */
export function translateError(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      for (const [re, to] of ERRORS) {
        const m = re.exec(line);
        if (m) return to(...m);
      }
      return line;
    })
    .join('\n');
}

/**
 * A DuckDB resource failure in Chinese, with what to do, or null for any other error. `limit` is the memory limit
 * the store ran with (BIDUI_MEMORY_LIMIT or its default); the original message follows on the next line.
 */
export function resourceErrorZh(message: string, limit: string): string | null {
  const first = message.split('\n')[0]!;
  if (/^Out of Memory Error/.test(first)) {
    return `内存不足：数据库在内存上限 ${limit} 内无法完成这一步。可用环境变量 BIDUI_MEMORY_LIMIT 提高上限（如 4GB），并确认数据库旁的临时文件夹（<数据库>.tmp）所在磁盘有足够空间（见 README「Memory」）。\n原始错误：${first}`;
  }
  if (/No space left on device|max_temp_directory_size|Could not write .*temp/i.test(first)) {
    return `磁盘空间不足：数据库超出内存上限 ${limit} 的部分写入临时文件夹（<数据库>.tmp）时磁盘已满。请腾出空间（省级规模约需数据库大小的三倍）后重新运行（见 README「Memory」）。\n原始错误：${first}`;
  }
  return null;
}

/** Help in Chinese, wrapped and aligned for CJK display widths. */
const help: Partial<Help> = {
  styleTitle: (s: string) => TITLES[s] ?? s,
  displayWidth,
  commandUsage(this: Help, cmd: Command): string {
    let names = '';
    for (let c = cmd.parent; c; c = c.parent) names = `${c.name()} ${names}`;
    return usageWords(`${names}${cmd.name()} ${cmd.usage()}`);
  },
  subcommandTerm(cmd: Command): string {
    const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
    return cmd.name() + (cmd.options.length ? ' [选项]' : '') + (args ? ' ' + args : '');
  },
  optionDescription(option: Option): string {
    const showDefault = option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean');
    return details(option.description, {
      mandatory: option.mandatory,
      choices: option.argChoices,
      defaultValue: option.defaultValue,
      defaultDescription: option.defaultValueDescription,
      showDefault,
      env: option.envVar,
    });
  },
  argumentDescription(argument: Argument): string {
    return details(argument.description, {
      choices: argument.argChoices,
      defaultValue: argument.defaultValue,
      defaultDescription: argument.defaultValueDescription,
      showDefault: true,
    });
  },
  /** Wraps at spaces and between wide characters (never before closing punctuation). */
  boxWrap(this: Help, str: string, width: number): string {
    if (width < this.minWidthToWrap) return str;
    const chunk = /\s*(?:[\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF01-\uFF60][，。、；：）」』！？）》,.;:)]*|[^\s\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF01-\uFF60]+[，。、；：）」』！？》]*)/gu;
    const out: string[] = [];
    for (const line of str.split(/\r\n|\n/)) {
      const chunks = line.match(chunk);
      if (!chunks) {
        out.push('');
        continue;
      }
      let cur = chunks.shift()!;
      let w = displayWidth(cur);
      for (const c of chunks) {
        const cw = displayWidth(c);
        if (w + cw <= width) {
          cur += c;
          w += cw;
          continue;
        }
        out.push(cur);
        cur = c.trimStart();
        w = displayWidth(cur);
      }
      out.push(cur);
    }
    return out.join('\n');
  },
};

/** Makes `program` speak Chinese; call before adding commands (they inherit it). */
export function localise(program: Command): Command {
  return program
    .configureHelp(help)
    .configureOutput({ outputError: (str, write) => write(translateError(str.replace(/\n$/, '')) + '\n') })
    .helpOption('-h, --help', '显示帮助')
    .helpCommand('help [命令]', '显示某个命令的帮助');
}
