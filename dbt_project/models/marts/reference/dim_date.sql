-- Every calendar day from the first to the last date the study's data mentions.
with bounds as (
    select min(d) as first_day, max(d) as last_day
    from (
        select cast(started_at as date) as d from {{ ref('int_survey__rows') }}
        union all select cast(submitted_at as date) from {{ ref('int_survey__rows') }}
        union all select interview_date from {{ ref('stg_interviews__interviews') }}
        union all select started from {{ ref('stg_cases__cases') }}
    ) as dates
),

digits as (
    select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

offsets as (
    select a.n + 10 * b.n + 100 * c.n + 1000 * d.n as n
    from digits as a cross join digits as b cross join digits as c cross join digits as d
),

days as (
    select {{ add_days('b.first_day', 'o.n') }} as calendar_date
    from bounds as b
    inner join offsets as o
        on o.n <= {{ days_between('b.first_day', 'b.last_day') }}
)

select
    {{ date_key('calendar_date') }} as date_key,
    calendar_date,
    cast(year(calendar_date) as integer) as year,
    cast(month(calendar_date) as integer) as month,
    cast(dayofmonth(calendar_date) as integer) as day_of_month,
    cast({{ iso_weekday('calendar_date') }} as integer) as iso_weekday,
    cast(case month(calendar_date)
        when 1 then 'januar' when 2 then 'februar' when 3 then 'marts' when 4 then 'april'
        when 5 then 'maj' when 6 then 'juni' when 7 then 'juli' when 8 then 'august'
        when 9 then 'september' when 10 then 'oktober' when 11 then 'november' else 'december'
    end as string) as month_name_da
from days
