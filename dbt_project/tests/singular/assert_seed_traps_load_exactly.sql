-- The canary seed loads exactly (chr(39) is an apostrophe and chr(92) a backslash, spelled so to
-- keep this test free of the escaping it checks). Returns the rows that did not load as written.
with expected as (
    select 1 as case_no, concat('Ældre Sagen', chr(39), 's frivillige') as label
    union all select 2, cast(null as string)
    union all select 3, concat('C:', chr(92), 'sti', chr(92), 'Århus')
)

select e.case_no, s.label
from expected as e
full outer join {{ ref('check_seed_traps') }} as s
    on e.case_no = s.case_no
where s.case_no is null
    or e.case_no is null
    or not (s.label = e.label or (s.label is null and e.label is null))
