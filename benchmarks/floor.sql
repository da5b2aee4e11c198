-- The floor: plain DuckDB SQL that computes reporting.headline_metrics, innovation_types,
-- partner_types and barriers (metrics.md) straight from the CSV survey exports of a landing tree,
-- with the same contract rules as the pipeline (re-submissions, the row quarantine of the code
-- lists, bases, Wilson intervals, suppression) and nothing else: no raw layer, no pseudonyms, no
-- marts, no tests, no gates, no publication. benchmarks/floor.py substitutes __LANDING__, __SEEDS__
-- and __CONCEPTS__ (the study definition's concept -> questionName pairs, so that no question is
-- named here) and checks that the results equal the pipeline's. The headline metrics come from
-- their one definition, the seed def_headline_metrics.csv. The benchmark trees are UTF-8 CSV exports
-- (DuckDB reads no Windows-1252 and no Excel offline; the pipeline reads all three).

CREATE TEMP TABLE ds AS
SELECT *, row_number() OVER () AS line
FROM read_csv('__LANDING__/survey/wave=*/dataset.csv', delim = ';', header = true, all_varchar = true,
              hive_partitioning = true, union_by_name = true, quote = '"', escape = '"');

CREATE TEMP TABLE structure AS
SELECT DISTINCT wave, questionName AS question, variableName AS variable, questionType AS question_type,
       subType AS sub_type
FROM read_csv('__LANDING__/survey/wave=*/structure.csv', delim = ';', header = true, all_varchar = true,
              hive_partitioning = true, null_padding = true);

-- The study's concepts per variable; an item is the _k ending of its variable (layout 1).
CREATE TEMP TABLE mapped AS
SELECT s.wave, s.variable, c.concept,
       CASE WHEN s.variable <> s.question THEN TRY_CAST(substr(s.variable, length(s.question) + 2) AS INTEGER) END AS item
FROM structure AS s
JOIN (__CONCEPTS__) AS c(concept, question) ON c.question = s.question;

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
   OR (c.variable IN (SELECT variable FROM mapped WHERE concept = 'kommune' AND wave = c.wave)
       AND ltrim(c.value, '0') NOT IN (SELECT code FROM kommuner))
   OR (s.question_type = 'Open' AND s.sub_type = 'DateTime'
       AND NOT regexp_full_match(c.value, '\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}'));

-- The analysis base: statoverall 4, latest submission of a respondent, not quarantined.
CREATE TEMP TABLE base AS
SELECT d.wave, d.line, CASE o.value WHEN '1' THEN 'forening' WHEN '2' THEN 'kommunalt_tilbud' END AS segment
FROM (
    SELECT wave, line, statoverall, respondentid,
           row_number() OVER (PARTITION BY wave, respondentid
                              ORDER BY try_strptime(submitted, '%d-%m-%Y %H:%M:%S') DESC NULLS LAST, line DESC) AS nth
    FROM ds
) AS d
LEFT JOIN (SELECT c.wave, c.line, c.value FROM cells AS c
           JOIN mapped AS m ON m.wave = c.wave AND m.variable = c.variable AND m.concept = 'org_type') AS o
    ON o.wave = d.wave AND o.line = d.line
WHERE TRY_CAST(d.statoverall AS INTEGER) = 4 AND (d.nth = 1 OR d.respondentid IS NULL)
  AND (d.wave, d.line) NOT IN (SELECT (wave, line) FROM quarantined);

CREATE TEMP TABLE segments AS
SELECT * FROM (VALUES ('alle'), ('forening'), ('kommunalt_tilbud')) AS t(segment);

CREATE TEMP TABLE answers AS
SELECT b.wave, b.line, s.segment, m.concept, m.item, CAST(c.value AS INTEGER) AS code
FROM base AS b
JOIN segments AS s ON s.segment = 'alle' OR s.segment = b.segment
JOIN cells AS c ON c.wave = b.wave AND c.line = b.line
JOIN mapped AS m ON m.wave = c.wave AND m.variable = c.variable
WHERE TRY_CAST(c.value AS INTEGER) IS NOT NULL;

CREATE MACRO wilson(y, n, sign) AS
    CASE WHEN n > 0 THEN ((y::DOUBLE / n + 1.959964 * 1.959964 / (2.0 * n))
        + sign * 1.959964 * sqrt((y::DOUBLE / n) * (1 - y::DOUBLE / n) / n + 1.959964 * 1.959964 / (4.0 * n * n)))
        / (1 + 1.959964 * 1.959964 / n) END;

-- Every headline metric by its one definition: rule 'answer' (the concept's answer, an optional
-- base code list and condition) or 'any_item' (every item answered; yes when any is a yes code).
CREATE TEMP TABLE definitions AS
SELECT metric, concept, rule, string_split(yes_codes, ' ') AS yes_codes,
       string_split(coalesce(base_codes, ''), ' ') AS base_codes, condition_concept,
       string_split(coalesce(condition_codes, ''), ' ') AS condition_codes
FROM read_csv('__SEEDS__/def_headline_metrics.csv', delim = ';', header = true, all_varchar = true);

CREATE TEMP TABLE wave_metrics AS
SELECT w.wave, d.*, w.n_variables
FROM definitions AS d
JOIN (SELECT wave, concept, count(*) AS n_variables FROM mapped GROUP BY ALL) AS w ON w.concept = d.concept
WHERE d.condition_concept IS NULL
   OR d.condition_concept IN (SELECT concept FROM mapped AS x WHERE x.wave = w.wave);

-- Per base row, segment and metric: the concept's answer, the items answered and those answered yes.
CREATE TEMP TABLE metric_answers AS
SELECT m.wave, a.line, a.segment, m.metric,
       max(CASE WHEN a.item IS NULL THEN a.code END) AS answer,
       count(*) AS n_answered,
       count(CASE WHEN list_contains(m.yes_codes, CAST(a.code AS VARCHAR)) THEN 1 END) AS n_yes_items
FROM wave_metrics AS m
JOIN answers AS a ON a.wave = m.wave AND a.concept = m.concept
GROUP BY m.wave, a.line, a.segment, m.metric;

CREATE TEMP TABLE conditions AS
SELECT m.wave, a.line, a.segment, m.metric, max(a.code) AS answer
FROM wave_metrics AS m
JOIN answers AS a ON a.wave = m.wave AND a.concept = m.condition_concept
GROUP BY m.wave, a.line, a.segment, m.metric;

-- The flags of the base rows with an answer to the metric's concept: every answer is a base row's,
-- and a base row without one is neither in the base nor a yes (its answer is missing; any_item
-- counts at least one variable), so it adds nothing to the counts below. Starting from the answers
-- keeps the metrics' code lists out of the big joins, whose hash tables then fit the memory bound
-- at 2.3 million invited.
CREATE TEMP TABLE flags AS
SELECT x.wave, x.segment, x.metric,
       CASE WHEN m.rule = 'any_item' THEN x.n_answered = m.n_variables
            ELSE x.answer IS NOT NULL
                 AND (m.base_codes = [''] OR list_contains(m.base_codes, CAST(x.answer AS VARCHAR)))
                 AND (m.condition_concept IS NULL
                      OR coalesce(list_contains(m.condition_codes, CAST(c.answer AS VARCHAR)), false))
       END AS in_base,
       CASE WHEN m.rule = 'any_item' THEN x.n_yes_items > 0
            ELSE coalesce(list_contains(m.yes_codes, CAST(x.answer AS VARCHAR)), false) END AS yes
FROM metric_answers AS x
JOIN wave_metrics AS m ON m.wave = x.wave AND m.metric = x.metric
LEFT JOIN conditions AS c ON c.wave = x.wave AND c.line = x.line AND c.segment = x.segment AND c.metric = x.metric;

CREATE TEMP TABLE floor_headline_metrics AS
WITH counted AS (
    SELECT m.wave, s.segment, m.metric,
           count(CASE WHEN f.in_base THEN 1 END) AS n_base, count(CASE WHEN f.in_base AND f.yes THEN 1 END) AS n_yes
    FROM (SELECT DISTINCT wave, metric FROM wave_metrics) AS m
    JOIN (SELECT DISTINCT wave AS g_wave FROM ds) AS g ON g.g_wave = m.wave
    CROSS JOIN segments AS s
    LEFT JOIN flags AS f ON f.wave = m.wave AND f.segment = s.segment AND f.metric = m.metric
    GROUP BY ALL
)
SELECT wave AS wave_id, segment, metric AS key, n_base,
       CASE WHEN n_base >= 5 THEN n_yes END AS n_yes,
       CASE WHEN n_base >= 5 THEN n_yes::DOUBLE / n_base END AS share,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = 0 THEN 0.0 ELSE wilson(n_yes, n_base, -1) END END AS ci_low,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = n_base THEN 1.0 ELSE wilson(n_yes, n_base, 1) END END AS ci_high,
       n_base < 5 AS suppressed
FROM counted;

CREATE MACRO item_table(item_concept, reference) AS TABLE
WITH items AS (
    SELECT CAST(item AS VARCHAR) AS item, key FROM read_csv('__SEEDS__/ref_' || reference || '.csv', delim = ';', header = true)
), counted AS (
    SELECT g.wave, s.segment, i.key,
           count(a.code) AS n_base, count(CASE WHEN a.code = 1 THEN 1 END) AS n_yes
    FROM (SELECT DISTINCT wave FROM ds) AS g
    CROSS JOIN segments AS s
    CROSS JOIN items AS i
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = s.segment AND a.concept = item_concept
        AND CAST(a.item AS VARCHAR) = i.item
    GROUP BY ALL
)
SELECT wave AS wave_id, segment, key, n_base,
       CASE WHEN n_base >= 5 THEN n_yes END AS n_yes,
       CASE WHEN n_base >= 5 THEN n_yes::DOUBLE / n_base END AS share,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = 0 THEN 0.0 ELSE wilson(n_yes, n_base, -1) END END AS ci_low,
       CASE WHEN n_base >= 5 THEN CASE WHEN n_yes = n_base THEN 1.0 ELSE wilson(n_yes, n_base, 1) END END AS ci_high,
       n_base < 5 AS suppressed
FROM counted;

CREATE TEMP TABLE floor_innovation_types AS SELECT * FROM item_table('innovation_types', 'innovation_types');
CREATE TEMP TABLE floor_partner_types AS SELECT * FROM item_table('partner_types', 'partner_types');

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
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = g.segment AND a.concept = 'barriers'
        AND CAST(a.item AS VARCHAR) = g.item
    GROUP BY ALL
), eased AS (
    SELECT g.wave, g.segment, g.key, count(a.code) AS n_base_eased, count(CASE WHEN a.code = 1 THEN 1 END) AS n_eased
    FROM grid AS g
    LEFT JOIN answers AS a ON a.wave = g.wave AND a.segment = g.segment AND a.concept = 'barriers_eased'
        AND CAST(a.item AS VARCHAR) = g.item
    GROUP BY ALL
)
SELECT s.wave AS wave_id, s.segment, s.key, s.n_base,
       CASE WHEN s.n_base >= 5 THEN s.mean_score END AS mean_score,
       CASE WHEN s.n_base >= 5 THEN s.n_high::DOUBLE / s.n_base END AS share_high,
       e.n_base_eased,
       CASE WHEN e.n_base_eased >= 5 THEN e.n_eased::DOUBLE / e.n_base_eased END AS share_eased,
       s.n_base < 5 AS suppressed
FROM scores AS s JOIN eased AS e USING (wave, segment, key);
