-- The floor: plain DuckDB SQL that computes reporting.headline_metrics, innovation_types,
-- partner_types and barriers (metrics.md) straight from the CSV survey exports of a landing tree,
-- with the same contract rules as the pipeline (re-submissions, the row quarantine of the code
-- lists, bases, Wilson intervals, suppression) and nothing else: no raw layer, no pseudonyms, no
-- marts, no tests, no gates, no publication. benchmarks/run.py substitutes __LANDING__ and __SEEDS__
-- and checks that the results equal the pipeline's. The benchmark trees are UTF-8 CSV exports
-- (DuckDB reads no Windows-1252 and no Excel offline; the pipeline reads all three).

CREATE TEMP TABLE ds AS
SELECT *, row_number() OVER () AS line
FROM read_csv('__LANDING__/survey/wave=*/dataset.csv', delim = ';', header = true, all_varchar = true,
              hive_partitioning = true, union_by_name = true, quote = '"', escape = '"');

CREATE TEMP TABLE structure AS
SELECT DISTINCT wave, variableName AS variable, questionType AS question_type, subType AS sub_type
FROM read_csv('__LANDING__/survey/wave=*/structure.csv', delim = ';', header = true, all_varchar = true,
              hive_partitioning = true, null_padding = true);

CREATE TEMP TABLE codes AS
SELECT DISTINCT wave, trim(column0) AS variable, trim(column1) AS code
FROM read_csv('__LANDING__/survey/wave=*/labels.csv', delim = ';', header = false, all_varchar = true,
              hive_partitioning = true);

CREATE TEMP TABLE kommuner AS
SELECT CAST(kommune_kode AS VARCHAR) AS code FROM read_csv('__SEEDS__/ref_kommuner.csv', delim = ';', header = true);

CREATE TEMP TABLE cells AS
UNPIVOT (SELECT * EXCLUDE (line, wave), line, wave FROM ds)
ON COLUMNS(* EXCLUDE (line, wave)) INTO NAME variable VALUE value;

-- A row is quarantined when any cell of a variable of the structure breaks its rule.
CREATE TEMP TABLE quarantined AS
SELECT DISTINCT c.wave, c.line
FROM cells AS c
JOIN structure AS s ON s.wave = c.wave AND s.variable = c.variable
WHERE (s.question_type <> 'Open' OR s.sub_type = 'Number') AND NOT regexp_full_match(c.value, '\d+')
   OR (s.question_type <> 'Open' AND NOT EXISTS (
          SELECT 1 FROM codes AS k WHERE k.wave = c.wave AND k.variable = c.variable AND k.code = c.value)
       AND (EXISTS (SELECT 1 FROM codes AS k WHERE k.wave = c.wave AND k.variable = c.variable)
            OR (s.sub_type = 'Multiple' AND c.value NOT IN ('0', '1'))))
   OR (c.variable = 'kommune' AND ltrim(c.value, '0') NOT IN (SELECT code FROM kommuner))
   OR (s.question_type = 'Open' AND s.sub_type = 'DateTime'
       AND NOT regexp_full_match(c.value, '\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}'));

-- The analysis base: statoverall 4, latest submission of a respondent, not quarantined.
CREATE TEMP TABLE base AS
SELECT wave, line, CASE org_type WHEN '1' THEN 'forening' WHEN '2' THEN 'kommunalt_tilbud' END AS segment
FROM (
    SELECT wave, line, org_type, statoverall, respondentid,
           row_number() OVER (PARTITION BY wave, respondentid
                              ORDER BY try_strptime(submitted, '%d-%m-%Y %H:%M:%S') DESC NULLS LAST, line DESC) AS nth
    FROM ds
) AS d
WHERE TRY_CAST(statoverall AS INTEGER) = 4 AND (nth = 1 OR respondentid IS NULL)
  AND (wave, line) NOT IN (SELECT (wave, line) FROM quarantined);

CREATE TEMP TABLE segments AS
SELECT * FROM (VALUES ('alle'), ('forening'), ('kommunalt_tilbud')) AS t(segment);

CREATE TEMP TABLE answers AS
SELECT b.wave, b.line, s.segment, c.variable, CAST(c.value AS INTEGER) AS code
FROM base AS b
JOIN segments AS s ON s.segment = 'alle' OR s.segment = b.segment
JOIN cells AS c ON c.wave = b.wave AND c.line = b.line
WHERE regexp_full_match(c.variable, 'q\d+(_\d+)?');

CREATE MACRO wilson(y, n, sign) AS
    CASE WHEN n > 0 THEN ((y::DOUBLE / n + 1.959964 * 1.959964 / (2.0 * n))
        + sign * 1.959964 * sqrt((y::DOUBLE / n) * (1 - y::DOUBLE / n) / n + 1.959964 * 1.959964 / (4.0 * n * n)))
        / (1 + 1.959964 * 1.959964 / n) END;

CREATE TEMP TABLE wide AS
SELECT b.wave, b.line, s.segment,
       max(CASE WHEN a.variable = 'q2' THEN a.code END) AS q2,
       max(CASE WHEN a.variable = 'q4' THEN a.code END) AS q4,
       max(CASE WHEN a.variable = 'q5' THEN a.code END) AS q5,
       max(CASE WHEN a.variable = 'q6' THEN a.code END) AS q6,
       max(CASE WHEN a.variable = 'q12' THEN a.code END) AS q12,
       count(CASE WHEN a.variable LIKE 'q7\_%' ESCAPE '\' THEN 1 END) AS q7_answered,
       max(CASE WHEN a.variable LIKE 'q7\_%' ESCAPE '\' AND a.code = 1 THEN 1 ELSE 0 END) AS q7_any
FROM base AS b
JOIN segments AS s ON s.segment = 'alle' OR s.segment = b.segment
LEFT JOIN answers AS a ON a.wave = b.wave AND a.line = b.line AND a.segment = s.segment
GROUP BY b.wave, b.line, s.segment;

CREATE TEMP TABLE q7_items AS
SELECT wave, count(*) AS n_items FROM structure WHERE variable LIKE 'q7\_%' ESCAPE '\' GROUP BY wave;

CREATE TEMP TABLE flags AS
SELECT wave, segment, 'markant_innovation' AS metric, q2 IS NOT NULL AS in_base, coalesce(q2 = 1, false) AS yes FROM wide
UNION ALL SELECT wave, segment, 'innovation', q2 IS NOT NULL, coalesce(q2 IN (1, 2), false) FROM wide
UNION ALL SELECT wave, segment, 'skuffeide', q4 IS NOT NULL, coalesce(q4 = 1, false) FROM wide
UNION ALL SELECT wave, segment, 'forventer_varighed', coalesce(q5 BETWEEN 1 AND 5, false), coalesce(q5 IN (4, 5), false) FROM wide
UNION ALL SELECT wave, segment, 'flere_eksterne_aktoerer', q6 IS NOT NULL, coalesce(q6 = 1, false) FROM wide
UNION ALL SELECT wave, segment, 'kan_laere_af', q12 IS NOT NULL AND coalesce(q6 = 1, false), coalesce(q12 = 1, false) FROM wide
UNION ALL SELECT w.wave, w.segment, 'nye_partnere', w.q7_answered = i.n_items, w.q7_answered = i.n_items AND w.q7_any = 1
          FROM wide AS w JOIN q7_items AS i USING (wave);

CREATE TEMP TABLE floor_headline_metrics AS
WITH counted AS (
    SELECT g.wave, s.segment, m.metric,
           count(CASE WHEN f.in_base THEN 1 END) AS n_base, count(CASE WHEN f.in_base AND f.yes THEN 1 END) AS n_yes
    FROM (SELECT DISTINCT wave FROM ds) AS g
    CROSS JOIN segments AS s
    CROSS JOIN (SELECT DISTINCT metric FROM flags) AS m
    LEFT JOIN flags AS f ON f.wave = g.wave AND f.segment = s.segment AND f.metric = m.metric
    GROUP BY ALL
)
SELECT wave AS wave_id, segment, metric AS key, n_base,
       CASE WHEN n_base >= 5 THEN n_yes END AS n_yes,
       CASE WHEN n_base >= 5 THEN n_yes::DOUBLE / n_base END AS share,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = 0 THEN 0.0 ELSE wilson(n_yes, n_base, -1) END END AS ci_low,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = n_base THEN 1.0 ELSE wilson(n_yes, n_base, 1) END END AS ci_high,
       n_base < 5 AS suppressed
FROM counted;

CREATE MACRO item_table(question, reference) AS TABLE
WITH items AS (
    SELECT CAST(item AS VARCHAR) AS item, key FROM read_csv('__SEEDS__/ref_' || reference || '.csv', delim = ';', header = true)
), counted AS (
    SELECT g.wave, s.segment, i.key,
           count(a.code) AS n_base, count(CASE WHEN a.code = 1 THEN 1 END) AS n_yes
    FROM (SELECT DISTINCT wave FROM ds) AS g
    CROSS JOIN segments AS s
    CROSS JOIN items AS i
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = s.segment AND a.variable = question || '_' || i.item
    GROUP BY ALL
)
SELECT wave AS wave_id, segment, key, n_base,
       CASE WHEN n_base >= 5 THEN n_yes END AS n_yes,
       CASE WHEN n_base >= 5 THEN n_yes::DOUBLE / n_base END AS share,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = 0 THEN 0.0 ELSE wilson(n_yes, n_base, -1) END END AS ci_low,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = n_base THEN 1.0 ELSE wilson(n_yes, n_base, 1) END END AS ci_high,
       n_base < 5 AS suppressed
FROM counted;

CREATE TEMP TABLE floor_innovation_types AS SELECT * FROM item_table('q3', 'innovation_types');
CREATE TEMP TABLE floor_partner_types AS SELECT * FROM item_table('q7', 'partner_types');

CREATE TEMP TABLE floor_barriers AS
WITH items AS (
    SELECT CAST(item AS VARCHAR) AS item, key FROM read_csv('__SEEDS__/ref_barriers.csv', delim = ';', header = true)
), grid AS (
    SELECT g.wave, s.segment, i.item, i.key
    FROM (SELECT DISTINCT wave FROM ds) AS g CROSS JOIN segments AS s CROSS JOIN items AS i
), scores AS (
    SELECT g.wave, g.segment, g.key,
           count(CASE WHEN a.code BETWEEN 1 AND 5 THEN 1 END) AS n_base,
           avg(CASE WHEN a.code BETWEEN 1 AND 5 THEN a.code::DOUBLE END) AS mean_score,
           count(CASE WHEN a.code IN (4, 5) THEN 1 END) AS n_high
    FROM grid AS g
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = g.segment AND a.variable = 'q9_' || g.item
    GROUP BY ALL
), eased AS (
    SELECT g.wave, g.segment, g.key, count(a.code) AS n_base_eased, count(CASE WHEN a.code = 1 THEN 1 END) AS n_eased
    FROM grid AS g
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = g.segment AND a.variable = 'q10_' || g.item
    GROUP BY ALL
)
SELECT s.wave AS wave_id, s.segment, s.key, s.n_base,
       CASE WHEN s.n_base >= 5 THEN s.mean_score END AS mean_score,
       CASE WHEN s.n_base >= 5 THEN s.n_high::DOUBLE / s.n_base END AS share_high,
       e.n_base_eased,
       CASE WHEN e.n_base_eased >= 5 THEN e.n_eased::DOUBLE / e.n_base_eased END AS share_eased,
       s.n_base < 5 AS suppressed
FROM scores AS s JOIN eased AS e USING (wave, segment, key);
