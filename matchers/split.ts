// Decoys (issue 14, class 4): a person whose mentions carry two different valid ID numbers is two people that a
// chain of weaker links joined (a homonym's record with a damaged ID between them, a sibling's). After the
// clustering, and before the name-only links, such a person is split: each mention with a valid ID goes with its ID;
// a mention without one goes with the ID it is most strongly linked to, directly or through one mention that
// already went; a mention linked to none stays alone. Person ids follow the rule of personsStage (a hash of the
// smallest mention_key of the new person: never the key, which names a feed), and the links that now join two persons are no longer kept. Pure builders;
// identity.ts runs them on the merged result.
import { personIdSql } from './sql-persons.js';
import type { Stage } from './stage.js';

/**
 * A valid ID that says who the person is. Not one ending in 000: a spreadsheet that stored the number as a float
 * cut its last digits to zeros, and such a number can pass the check (identity.json's ID levels treat it alike).
 */
const VALID_ID = `m.id_valid AND right(m.id, 3) <> '000'`;

export function splitStages(): Stage[] {
  return [
    {
      name: 'split_mentions',
      outputTable: 'split_mentions',
      sql: `CREATE OR REPLACE TEMP TABLE split_mentions AS
WITH bad AS (
  -- Only a person of two or more mentions can hold two IDs: the valid IDs of those first (narrow), then the
  -- mentions of the few persons to split (joining every person with every mention cost a minute at province size).
  SELECT p.person_id FROM persons p JOIN mentions m ON m.uid = p.uid
  WHERE p.cluster_size > 1 AND ${VALID_ID}
  GROUP BY p.person_id HAVING count(DISTINCT m.id) > 1
)
SELECT p.uid, p.person_id, p.mention_key, CASE WHEN ${VALID_ID} THEN m.id END AS valid_id
FROM (SELECT * FROM persons SEMI JOIN bad USING (person_id)) p JOIN mentions m ON m.uid = p.uid`,
    },
    {
      // Links inside the persons to split, both directions, strongest first.
      name: 'split_edges',
      outputTable: 'split_edges',
      sql: `CREATE OR REPLACE TEMP TABLE split_edges AS
SELECT a.uid AS a, b.uid AS b, l.match_weight AS w
FROM person_links l
JOIN split_mentions a ON a.uid = l.uid_l JOIN split_mentions b ON b.uid = l.uid_r AND b.person_id = a.person_id
WHERE l.kept AND l.match_class = 'linked'
UNION ALL
SELECT b.uid, a.uid, l.match_weight
FROM person_links l
JOIN split_mentions a ON a.uid = l.uid_l JOIN split_mentions b ON b.uid = l.uid_r AND b.person_id = a.person_id
WHERE l.kept AND l.match_class = 'linked'`,
    },
    {
      // Each mention's ID group: its own valid ID; else the group of its strongest link to a mention with a valid
      // ID; else (one hop further) of its strongest link to a mention so placed; else its own mention.
      name: 'split_groups',
      outputTable: 'split_groups',
      sql: `CREATE OR REPLACE TEMP TABLE split_groups AS
WITH hop1 AS (
  SELECT e.a AS uid, arg_max(t.valid_id, struct_pack(w := e.w, k := t.mention_key)) AS grp
  FROM split_edges e JOIN split_mentions t ON t.uid = e.b WHERE t.valid_id IS NOT NULL GROUP BY e.a
),
placed AS (
  SELECT s.uid, coalesce(s.valid_id, h.grp) AS grp FROM split_mentions s LEFT JOIN hop1 h USING (uid)
),
hop2 AS (
  SELECT e.a AS uid, arg_max(p.grp, struct_pack(w := e.w, k := p.uid)) AS grp
  FROM split_edges e JOIN placed p ON p.uid = e.b WHERE p.grp IS NOT NULL GROUP BY e.a
)
SELECT s.uid, s.person_id, s.mention_key, coalesce(p.grp, h.grp, s.mention_key) AS grp
FROM split_mentions s JOIN placed p USING (uid) LEFT JOIN hop2 h USING (uid)`,
    },
    {
      name: 'split_persons',
      outputTable: 'persons',
      sql: `UPDATE persons SET person_id = g.new_id
FROM (SELECT uid, ${personIdSql('min(mention_key) OVER (PARTITION BY person_id, grp)')} AS new_id FROM split_groups) g
WHERE persons.uid = g.uid`,
    },
    {
      name: 'split_cluster_sizes',
      outputTable: 'persons',
      sql: `UPDATE persons SET cluster_size = c.n
FROM (SELECT person_id, count(*)::INTEGER AS n FROM persons WHERE uid IN (SELECT uid FROM split_groups) GROUP BY person_id) c
WHERE persons.person_id = c.person_id AND persons.uid IN (SELECT uid FROM split_groups)`,
    },
    {
      name: 'split_links',
      outputTable: 'person_links',
      sql: `UPDATE person_links SET kept = false
FROM split_groups a, split_groups b, persons pa, persons pb
WHERE person_links.uid_l = a.uid AND person_links.uid_r = b.uid AND pa.uid = a.uid AND pb.uid = b.uid AND pa.person_id <> pb.person_id`,
    },
  ];
}
