-- Danish labels of the reference lists the report shows by key (interview sectors, themes, regions,
-- case organisation types), so that report pages never hard-code a code list.
select 'interview_sectors' as list, sector_key as key, label_da
from {{ ref('dim_interview_sector') }}
union all
select 'themes', theme_key, label_da from {{ ref('dim_theme') }}
union all
select 'case_org_types', org_type, label_da from {{ ref('dim_case_org_type') }}
union all
-- the regions and 'Landsdækkende', so that the report has a page per region whatever was answered
-- (grouped, with the label an aggregate: Spark 4.1's optimizer rejects DISTINCT over a repeated column)
select 'regions', region_navn, min(region_navn)
from {{ ref('dim_municipality') }}
group by region_navn
