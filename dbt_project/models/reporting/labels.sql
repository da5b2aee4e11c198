-- Danish labels of the reference lists the report shows by key (interview sectors, themes, regions,
-- case organisation types), so that report pages never hard-code a code list.
select 'interview_sectors' as list, cast(key as string) as key, cast(label_da as string) as label_da
from {{ ref('ref_interview_sectors') }}
union all
select 'themes', cast(key as string), cast(label_da as string) from {{ ref('ref_themes') }}
union all
select 'case_org_types', cast(key as string), cast(label_da as string) from {{ ref('ref_case_org_types') }}
union all
-- the regions (and 'Landsdækkende'), so that the report has a page per region whatever was answered
-- (grouped, with the label an aggregate: Spark 4.1's optimizer rejects DISTINCT over a repeated column)
select 'regions', cast(region_navn as string), cast(min(region_navn) as string)
from {{ ref('ref_kommuner') }}
group by region_navn
union all
select 'regions', 'Landsdækkende', 'Landsdækkende'
