-- Danish letters are characters, not bytes, through regexes and string functions on every engine:
-- every municipality name matches a pattern of Danish letters, and the names with æ, ø or å
-- are as many as the reference list has (30) plus the nationwide member ("Landsdækkende ...").
with names as (
    select kommune_navn from {{ ref('dim_municipality') }}
)

select kommune_navn, 'not a Danish name pattern' as problem
from names
where not {{ matches_pattern('kommune_navn', "[A-ZÆØÅ][a-zæøåA-ZÆØÅ. -]*") }}
union all
select 'København', 'length in characters' from names
where kommune_navn = 'København' and length(kommune_navn) <> 9
union all
select cast(count(*) as string), 'names with Danish letters' from names
where lower(kommune_navn) like '%æ%' or lower(kommune_navn) like '%ø%' or lower(kommune_navn) like '%å%'
having count(*) <> 31
