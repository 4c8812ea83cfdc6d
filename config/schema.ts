import { z } from 'zod';

/**
 * Every feed of FEEDS.md. The first five are expected every quarter by default (`expectedFeeds`); the
 * last five (court, lost_contact, illness, hiv, social_assistance) only add evidence (RULES.md §3).
 */
export const FEEDS = ['registry', 'death', 'incarceration', 'disability', 'enrollment', 'court', 'lost_contact', 'illness', 'hiv', 'social_assistance'] as const;
export const feedName = z.enum(FEEDS);
export type FeedName = z.infer<typeof feedName>;
/** The feeds expected every quarter unless the profile says otherwise (RULES.md §3, feeds not delivered). */
export const CORE_FEEDS: readonly FeedName[] = ['registry', 'death', 'incarceration', 'disability', 'enrollment'];
/** 社会救助 types of the social_assistance feed (救助类型). */
export const ASSISTANCE_TYPES = ['DIBAO', 'TEKUN', 'DIBAO_EDGE'] as const;

/**
 * The default serious-illness list (RULES.md §1 SEVERE_ILL, `seriousIllness.codes`) [local]: the 30
 * diseases of the national 大病专项救治 list (国家卫生健康委、民政部、国务院扶贫办、国家医保局《关于做好
 * 农村贫困人口重特大疾病专项治理工作的通知》, 2019, 25 diseases, extended to 30 in 2020; as listed by
 * 青神县卫生健康局《重点人群大病专项救治工作指引》, 2024-11-18), as ICD-10 codes, code prefixes or
 * ranges of categories. docs/spec/RULES.md gives the disease of each entry. Left out on purpose:
 * 艾滋病机会感染 (B20–B24 would put HIV status into the illness feed, which is not need-to-know; HIV
 * comes from the hiv feed only) and 耐多药结核病 except its resistance code U84.3 (A15–A19 alone do not
 * say multidrug resistance).
 */
export const DEFAULT_SERIOUS_ILLNESS_CODES: readonly string[] = [
  'C15', // 食管癌
  'C16', // 胃癌
  'C18', // 结肠癌
  'C20', // 直肠癌
  'N18.5', // 终末期肾病 (慢性肾脏病 5 期)
  'N18.0', // 终末期肾病 (ICD-10 before 2010)
  'C91-C95', // 儿童白血病
  'Q20-Q25', // 儿童先天性心脏病 (房间隔缺损 Q21.1, 室间隔缺损 Q21.0, 动脉导管未闭 Q25.0, 肺动脉瓣狭窄 Q22.1, …)
  'C34', // 肺癌
  'C22', // 肝癌
  'C50', // 乳腺癌
  'C53', // 宫颈癌
  'I21', // 急性心肌梗死
  'H25-H26', // 白内障
  'Q12.0', // 先天性白内障
  'J60-J65', // 尘肺
  'C74', // 神经母细胞瘤 (肾上腺; ICD-O M9500/3)
  'C81-C86', // 儿童淋巴瘤
  'C40-C41', // 骨肉瘤
  'D66-D67', // 血友病 (A, B)
  'D56', // 地中海贫血
  'Q35-Q37', // 唇腭裂
  'Q54', // 尿道下裂
  'U84.3', // 耐多药结核病 (抗结核药耐药)
  'I60-I64', // 脑卒中
  'J43-J44', // 慢性阻塞性肺气肿
  'C67', // 膀胱癌
  'C56', // 卵巢癌
  'C64', // 肾癌
  'F20', // 重性精神疾病: 精神分裂症
  'F22', // 持久的妄想性障碍
  'F25', // 分裂情感性障碍
  'F31', // 双相情感障碍
  'I05-I09', // 风湿性心脏病
];

const disabilityLevel = z.number().int().min(1).max(4);
const levels = z.array(disabilityLevel);
const schoolLevel = z.enum(['PRESCHOOL', 'PRIMARY', 'JUNIOR', 'SENIOR', 'VOCATIONAL', 'HIGHER']);
const monthDay = z.string().regex(/^\d{2}-\d{2}$/, 'expected MM-DD');

/** Levels that count as severe, by disability type (智力 5 and 精神 6 have their own list). */
const disabilityThreshold = z.strictObject({
  anyType: levels,
  mentalIntellectual: levels,
});

/** Every parameter of RULES.md, with the national default. A jurisdiction profile overrides any of them. */
export const ruleProfile = z.strictObject({
  name: z.string().default('national'),
  adultAge: z.number().int().default(18),
  restriction: z
    .strictObject({
      minMonths: z.number().int().min(0).default(6),
      /** How OTHER_RESTRICTION's months are measured: the whole term, the part served by T, or what remains after T. */
      measure: z.enum(['term', 'served', 'remaining']).default('term'),
    })
    .prefault({}),
  lostContact: z.strictObject({ minMonths: z.number().int().min(0).default(6) }).prefault({}),
  severeDisability: disabilityThreshold.default({ anyType: [1, 2], mentalIntellectual: [1, 2, 3, 4] }),
  difficulty: z
    .strictObject({
      childDisabilityLevels: disabilityThreshold.default({ anyType: [1, 2], mentalIntellectual: [1, 2, 3, 4] }),
      /** Parent disability that makes DIFFICULTY_FAMILY; null = the severeDisability levels. */
      parentDisabilityLevels: disabilityThreshold.nullable().default(null),
      /** 社会救助 types whose households are POOR_HOUSEHOLD (RULES.md §1) [local]. */
      povertyTypes: z.array(z.enum(ASSISTANCE_TYPES)).default(['DIBAO', 'TEKUN']),
      /** Whether a child of a POOR_HOUSEHOLD is DIFFICULTY_FAMILY (POOR_FAMILY) [local]; the three-year plans: 包括低保和特困家庭儿童. */
      povertyCounts: z.boolean().default(true),
    })
    .prefault({}),
  /**
   * The serious-illness list of the illness feed (RULES.md §1 SEVERE_ILL) [local]: ICD-10 codes
   * ("N18.5"), code prefixes ("C50" counts C50.9) or ranges of categories ("C91-C95"); dots and case
   * do not matter. Default: DEFAULT_SERIOUS_ILLNESS_CODES.
   */
  seriousIllness: z
    .strictObject({
      codes: z
        .array(z.string().regex(/^\s*[A-Za-z]\d{2}(\.?\w*)?(\s*-\s*[A-Za-z]\d{2}(\.?\w*)?)?\s*$/, 'expected an ICD-10 code, prefix or range, e.g. C50, N18.5, C91-C95'))
        .default([...DEFAULT_SERIOUS_ILLNESS_CODES]),
    })
    .prefault({}),
  leftBehind: z.strictObject({ maxAge: z.number().int().default(16) }).prefault({}),
  adultContinuation: z
    .strictObject({
      enabled: z.boolean().default(false),
      maxAge: z.number().int().default(22),
      levels: z.array(schoolLevel).default(['SENIOR', 'VOCATIONAL', 'HIGHER']),
    })
    .prefault({}),
  urgent: z.strictObject({ windowDays: z.number().int().min(1).default(92) }).prefault({}),
  education: z
    .strictObject({
      minAge: z.number().int().default(6),
      maxAge: z.number().int().default(15),
      /** Age is measured on this day (MM-DD) on or before T. */
      ageReferenceDay: monthDay.default('08-31'),
    })
    .prefault({}),
  watch: z.strictObject({ horizonMonths: z.number().int().min(1).default(3) }).prefault({}),
  retention: z.strictObject({ feedDays: z.number().int().min(1).default(400) }).prefault({}),
  /**
   * Monthly benefit standards in 元 (RULES.md §3, overpaid amount), by category code or
   * `CATEGORY:SUBTYPE` (the subtype wins), e.g. { "ORPHAN:INSTITUTION": 1400, "ORPHAN:SCATTERED": 900 }.
   * A category without a standard gives no amount.
   */
  benefits: z.strictObject({ monthly: z.record(z.string().regex(/^[A-Z_]+(:[A-Z_]+)?$/), z.number().nonnegative()).default({}) }).prefault({}),
  /** Feeds expected every quarter: a flag that rests on the absence of a record of one is not raised when none arrived (RULES.md §3). */
  expectedFeeds: z.array(feedName).default([...CORE_FEEDS]),
});
export type RuleProfile = z.infer<typeof ruleProfile>;

/**
 * Where a secret comes from: an environment variable or a file (its content, trimmed). Never the
 * configuration text itself: a literal value fails the schema.
 */
export const secretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof secretRef>;

/**
 * A source pulled from an HTTP endpoint of the data-sharing platform (FEEDS.md "Pulled sources").
 * Each pull writes the rows it received as one JSON Lines file in `<inbox>/<feed>/`.
 */
export const pullConfig = z.strictObject({
  /** The endpoint (http or https), with any fixed query parameters. */
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['GET', 'POST']).default('GET'),
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    /** `Authorization: Bearer <token>`. */
    z.strictObject({ type: z.literal('bearer'), token: secretRef }),
    /**
     * Application key + secret: every request carries the key, a timestamp (ms), a nonce and
     * HMAC(secret, METHOD \n path?query \n timestamp \n nonce) in hex.
     */
    z.strictObject({
      type: z.literal('hmac'),
      algorithm: z.enum(['sm3', 'sha256']).default('sm3'),
      appKey: z.string().min(1),
      secret: secretRef,
      headers: z
        .strictObject({
          appKey: z.string().default('X-App-Key'),
          timestamp: z.string().default('X-Timestamp'),
          nonce: z.string().default('X-Nonce'),
          signature: z.string().default('X-Signature'),
        })
        .prefault({}),
    }),
  ]),
  paging: z
    .discriminatedUnion('style', [
      /** page=1,2,… and size; the last page is the first with fewer rows than size. */
      z.strictObject({ style: z.literal('page'), pageParam: z.string().default('page'), sizeParam: z.string().default('size'), firstPage: z.number().int().min(0).default(1), size: z.number().int().min(1).max(10_000).default(500) }),
      /** offset=0,size,… and limit; the last page is the first with fewer rows than size. */
      z.strictObject({ style: z.literal('offset'), offsetParam: z.string().default('offset'), limitParam: z.string().default('limit'), size: z.number().int().min(1).max(10_000).default(500) }),
      /** The server returns the next cursor with each page; no (or an empty) cursor ends the pull. */
      z.strictObject({ style: z.literal('cursor'), cursorParam: z.string().default('cursor'), sizeParam: z.string().default('size'), size: z.number().int().min(1).max(10_000).default(500), cursorField: z.string().default('next_cursor') }),
    ])
    .prefault({ style: 'page' }),
  /** Dotted path of the rows array in the JSON answer (e.g. "data.rows"); "" = the answer is the array. */
  rowsField: z.string().default('data'),
  /**
   * The incremental mark: sent as `param` (absent on the first pull); `field` names the row field
   * with the change time, whose greatest value becomes the next mark; without it the next mark is
   * the time the pull started.
   */
  since: z.strictObject({ param: z.string().default('since'), field: z.string().optional(), initial: z.string().optional() }).optional(),
  /**
   * Platforms that answer HTTP 200 with a status code in the body ({"code": 0, …}): the dotted path of
   * that code and the values that mean success; any other value fails the pull (not retried).
   */
  answerCode: z.strictObject({ field: z.string().min(1), ok: z.array(z.string()).min(1) }).optional(),
  /** Platform field name → feed key (FEEDS.md); unmapped fields are kept as they come (raw data). */
  fields: z.record(z.string(), z.string()).default({}),
  /** Row field that identifies a record: a row seen twice in one pull (a page repeated) is written once. Without it, identical rows are. */
  keyField: z.string().optional(),
  timeoutMs: z.number().int().min(100).default(30_000),
  /** Attempts per request after the first; the wait doubles from backoffMs (or the server's Retry-After). */
  retries: z.number().int().min(0).max(10).default(3),
  backoffMs: z.number().int().min(0).default(1_000),
  /** At most this many requests a second (0 = no limit). */
  ratePerSecond: z.number().min(0).default(5),
  /** Stop after this many pages (a server that never ends a pull is an error, not a full disk). */
  maxPages: z.number().int().min(1).default(10_000),
});
export type PullConfig = z.infer<typeof pullConfig>;

const sourceFields = z.strictObject({
  /** Unique name of the source, e.g. "death-gongan". */
  name: z.string().min(1),
  feed: feedName,
  /**
   * A folder (every file in it) or a glob, relative to the inbox when not absolute. A pulled
   * source reads the files its pulls write: `<feed>/<name>_*.jsonl` unless given.
   */
  path: z.string().min(1).optional(),
  /** An HTTP endpoint of the data-sharing platform instead of a drop folder (connectors/pull/). */
  pull: pullConfig.optional(),
  format: z.enum(['auto', 'csv', 'xlsx', 'jsonl', 'parquet']).default('auto'),
  encoding: z.enum(['auto', 'utf-8', 'gb18030']).default('auto'),
  /** XLSX sheet name; the first sheet when absent. */
  sheet: z.string().optional(),
  /** Extra header aliases: canonical key → headers this source uses. */
  headerAliases: z.record(z.string(), z.array(z.string())).default({}),
  /** Base of spreadsheet serial dates in CSV/JSON sources (XLSX files say their own). */
  dateBase: z.enum(['1900', '1904']).default('1900'),
  /** Cron expression (Asia/Shanghai) for scheduled scans (pulls, for a pulled source) of this source. */
  schedule: z.string().default('0 1 * * *'),
});

/** The file-name stem of a pulled source's files: the source name with characters no file name takes replaced. */
export const pullFileStem = (sourceName: string): string => sourceName.replace(/[\\/:*?"<>|\s]+/g, '_');

export const sourceConfig = sourceFields
  .refine((s) => (s.path === undefined) !== (s.pull === undefined), {
    message: 'a source has either a path (drop folder) or pull (HTTP endpoint; its files go to <inbox>/<feed>/)',
    path: ['path'],
  })
  .transform((s) => ({ ...s, path: s.path ?? `${s.feed}/${pullFileStem(s.name)}_*.jsonl` }));
export type SourceConfig = z.infer<typeof sourceConfig>;

/** Scheduled and distributed runs (jobs/): all optional; without `queue` everything runs in one process. */
export const jobsConfig = z.strictObject({
  /** Redis URL of the job queue (e.g. redis://10.0.0.5:6379); none = embedded (no Redis). */
  queue: z.string().regex(/^rediss?:\/\//, 'expected redis://HOST:PORT').nullable().default(null),
  /** Prefix of the BullMQ queue names (two queues: <prefix>-store and <prefix>-partitions). */
  queuePrefix: z.string().regex(/^[A-Za-z0-9_-]+$/).default('bidui'),
  /**
   * Partitions of rule evaluation: the region-code prefix length (2 province, 4 city, 6 county) of a
   * child's county. null = an unpartitioned embedded run; a run with a queue then uses 4. Partitioned or
   * not, embedded or distributed, a run gives the same flags.
   */
  partitionBy: z.union([z.literal(2), z.literal(4), z.literal(6)]).nullable().default(null),
  /**
   * Partitions of matching in a partitioned run: the blocking keys are shared out by hash into this many
   * (matching cannot be split by region: one person's records carry different region codes).
   */
  matchPartitions: z.number().int().min(1).max(256).default(8),
  /** Shared results folder (every worker machine mounts it): partition inputs and results as Parquet. */
  resultsDir: z.string().default('data/jobs'),
  /** Keep a run's partition files after it finished (they hold personal data: default no). */
  keepResults: z.boolean().default(false),
  /** Where a scheduled quarterly run writes flags.csv (<outDir>/<run id>/). */
  outDir: z.string().default('data/out'),
  /** Time zone of every schedule (sources' `schedule` and the quarterly run). */
  timezone: z.string().default('Asia/Shanghai'),
  quarterly: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Default 02:00 on the 1st of January, April, July and October; as-of = the previous quarter's last day. */
      cron: z.string().default('0 2 1 1,4,7,10 *'),
    })
    .prefault({}),
  /** Attempts per job (1 + retries) and the first backoff delay (doubled each retry). */
  attempts: z.number().int().min(1).default(3),
  backoffMs: z.number().int().min(0).default(5_000),
  /** Worker lock: a worker that dies loses its job after lockMs; stalled jobs are looked for every stalledCheckMs. */
  lockMs: z.number().int().min(500).default(30_000),
  stalledCheckMs: z.number().int().min(200).default(30_000),
  /** Jobs per worker process at a time (`bidui worker --concurrency` overrides). */
  concurrency: z.number().int().min(1).default(1),
});
export type JobsConfig = z.infer<typeof jobsConfig>;

export const configSchema = z.strictObject({
  database: z.string().default('data/bidui.duckdb'),
  inbox: z.string().default('data/inbox'),
  /** Where temporary files (transcoded CSV) go; the OS temp folder when absent. */
  workDir: z.string().optional(),
  /** Sources; when empty, one per feed reading `<inbox>/<feed>/`. */
  sources: z.array(sourceConfig).default([]),
  jurisdiction: z
    .strictObject({
      name: z.string().default('全国'),
      /** Region code prefixes in scope (2 = province, 4 = city, 6 = county); empty = everything. */
      codePrefixes: z.array(z.string().regex(/^\d{2}(\d{2}){0,2}$/, 'expected 2, 4 or 6 digits')).default([]),
    })
    .prefault({}),
  profile: ruleProfile.prefault({}),
  jobs: jobsConfig.prefault({}),
});
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The rule profile's keys in words, for caseworkers (flag pages, rules explain); nested keys are joined with ' · '. */
export const PROFILE_PARAM_LABELS: Readonly<Record<string, string>> = {
  restriction: '限制人身自由',
  minMonths: '最少月数',
  measure: '月数计算方式',
  severeDisability: '重残认定',
  anyType: '任一类别的残疾等级',
  mentalIntellectual: '精神/智力残疾的等级',
  lostContact: '失联',
  difficulty: '困境儿童',
  childDisabilityLevels: '儿童本人的残疾等级',
  parentDisabilityLevels: '父母的残疾等级',
  education: '义务教育',
  minAge: '最小年龄',
  maxAge: '最大年龄',
  ageReferenceDay: '年龄计算基准日（月-日）',
  urgent: '紧急关爱',
  windowDays: '时间范围（天）',
  watch: '预警',
  horizonMonths: '提前预警（月）',
  adultAge: '成年年龄',
  benefits: '保障标准',
  monthly: '每月金额（元）',
  expectedFeeds: '每季度应报送的数据',
  seriousIllness: '重病认定',
  codes: '病种（ICD-10 编码）',
  povertyTypes: '计入家庭困境的救助类型',
  povertyCounts: '低保、特困家庭儿童计入家庭困境',
  assumed: '推定',
  lostContactSince: '失联起始日期（登记时未填，按纳入保障日期计）',
  birthDateFromInvalidId: '出生日期（取自校验位不符的身份证号）',
};
