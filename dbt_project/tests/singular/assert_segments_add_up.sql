-- The segments never count more than everyone: forening + kommunalt_tilbud <= alle, per wave and metric.
select wave_id, metric
from {{ ref('headline_metrics') }}
group by wave_id, metric
having sum(case when segment <> 'alle' then n_base else 0 end) > sum(case when segment = 'alle' then n_base else 0 end)
